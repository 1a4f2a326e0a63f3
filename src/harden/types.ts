import type { TargetBefore } from '../safe-fs/write.js';
import type { SourceLocation } from '../snapshot/types.js';

/**
 * The plan `clawmoat harden` shows and applies (`--json` prints `{ "steps": [...] }`).
 * The names `steps`, `id`, `finding`, `kind`, `description` and `undo` are stable.
 */

interface StepBase {
  /** Stable within a plan and across runs on the same host: `ufw.allow-ssh-22`, `config.bind`. For --only/--skip. */
  id: string;
  /** The finding this step fixes. */
  finding: string;
  /** The guide section, for the "why". */
  guide: string;
  /** What it changes and why, one or two sentences. */
  description: string;
  /** How to undo it by hand (apply records the exact undo itself). */
  undo: string;
  /** The lines of config it changes or acts on (a proxy's `listen` directives), for the reader. */
  at?: SourceLocation[];
}

export interface FileStep extends StepBase {
  kind: 'file';
  path: string;
  /** A unified diff of the change, secrets masked. */
  diff: string;
  /** The new content, secrets included: never printed, never in JSON output. */
  content?: string;
  /** The file as the plan read it (safe-fs): apply writes only onto that very file. Not in JSON output. */
  before?: TargetBefore;
}

export interface CommandStep extends StepBase {
  kind: 'command';
  /** The exact command. */
  argv: string[];
  /** What `--dry-run` of the tool says it would do, when the tool has one (ufw). */
  dryRun?: string;
  /** The commands that undo it, run in reverse order on rollback. */
  undoArgv: string[][];
  /** Printed for the user to run (recreating a container); never run by apply. */
  manual?: boolean;
  /**
   * Rollback runs the undo once every file is restored, not in reverse order: a reload must load
   * the config as it was, and apply's later steps cannot put it back before the reload runs.
   */
  undoAfterFiles?: boolean;
  /** The id of the validator step this one needs before it (a proxy's reload needs its config check): --skip cannot keep one without the other. */
  checkedBy?: string;
}

export type Step = FileStep | CommandStep;

export interface LockoutVerdict {
  /** `safe`: every admin path stays open; `refused`: one would close; `unknown`: could not be rehearsed. */
  status: 'safe' | 'refused' | 'unknown';
  /** One line per admin path: what it is and its verdict after the plan. */
  paths: string[];
  reason: string;
}

export interface Plan {
  steps: Step[];
  /** What the plan cannot fix, or chose not to, and why. */
  notes: string[];
  /** How to restart the gateway so config changes take effect. */
  restart?: string;
  lockout?: LockoutVerdict;
}
