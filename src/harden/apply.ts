import { execFile } from 'node:child_process';
import { UserError } from '../errors.js';
import { openBackupSet, type BackupSet, type CommandRunner } from './state/backup-set.js';
import { rollback } from './state/rollback.js';
import { chainsDeclared, systemNetfilter, type NetfilterIo } from './state/ruleset.js';
import { SYSTEM_PATH } from './state/undo-commands.js';
import type { Plan, Step } from './types.js';

/**
 * Apply a plan through a backup set: every file backed up and written atomically, every
 * command journalled with its undo before it runs. A step that fails rolls back everything
 * the apply did so far, so a half-applied plan is never left behind.
 */

/** Runs quietly (ufw talks a lot); a failure carries the command's last words. Programs come from the system's directories, not the caller's PATH. */
export const quietRunner: CommandRunner = (argv) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('empty command'));
    execFile(file, args, { env: { ...process.env, PATH: SYSTEM_PATH, LC_ALL: 'C' }, timeout: 120_000 }, (error, stdout, stderr) => {
      if (!error) return resolve();
      const lines = `${String(stderr)}\n${String(stdout)}`.trim().split('\n').filter(Boolean);
      // nginx -t ends with "test failed"; the line that says why is its [emerg].
      const last = lines.find((l) => /\[(emerg|alert|crit)\]/.test(l)) ?? lines.pop() ?? error.message;
      reject(new Error(`${argv.join(' ')} failed: ${last}`));
    });
  });

/** A step failed (a proxy's own config check, a ufw command) and apply undid what it had done: exit 1, one line. */
export class ApplyFailed extends Error {
  constructor(
    message: string,
    readonly rolledBack: boolean,
  ) {
    super(message);
  }
}

export interface ApplyOptions {
  stateDir: string;
  runner?: CommandRunner;
  onStep?: (id: string, index: number, total: number) => void;
  /** Reads the filter tables before the first ufw command; default: iptables-save. */
  netfilter?: NetfilterIo;
  /**
   * Aborted by a signal (Ctrl-C, SIGTERM): the running step ends, then apply stops like a failed
   * step, rolling back what it did. Its reason names the signal.
   */
  signal?: AbortSignal;
}

function stopIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error(`interrupted by ${String(signal.reason)}`);
}

/**
 * The files ufw's own commands rewrite (`allow`/`delete`: user.rules and user6.rules, whole,
 * in its own layout; `enable`/`disable`/`logging`: ufw.conf; `default`: /etc/default/ufw).
 * Undoing the command is not undoing the file, so they are backed up like the plan's own.
 */
export const UFW_FILES = ['/etc/ufw/user.rules', '/etc/ufw/user6.rules', '/etc/ufw/ufw.conf', '/etc/default/ufw'];

const runsUfw = (s: Step) => s.kind === 'command' && !s.manual && s.argv[0] === 'ufw';

/**
 * Before the first ufw command: back up what it will write, and save the filter tables, so
 * rollback can put them back exactly (ruleset.ts says why undoing the commands falls short).
 */
async function recordFirewall(set: BackupSet, plan: Plan, step: string, io: NetfilterIo): Promise<void> {
  for (const path of UFW_FILES) await set.recordFile(path, { step });
  const saves: { family: 4 | 6; text: string }[] = [];
  for (const family of [4, 6] as const) {
    try {
      saves.push({ family, text: await io.save(family) });
    } catch (error) {
      // No ip6tables on this host: there is nothing of that family to restore.
      if (family === 4) throw error;
    }
  }
  const chains = plan.steps.flatMap((s) => (s.kind === 'file' && s.path.startsWith('/etc/ufw/') && s.content !== undefined ? chainsDeclared(s.content) : []));
  await set.recordRuleset(saves, [...new Set(chains)], { step });
}

export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<BackupSet> {
  const runner = options.runner ?? quietRunner;
  const steps = plan.steps.filter((s) => !(s.kind === 'command' && s.manual));
  // A file the plan could not read has no `before` to hold the write to: the plan said apply
  // refuses it, and it does, before anything changes (whatever is at the path now was never shown).
  const unread = steps.find((s) => s.kind === 'file' && !s.before);
  if (unread?.kind === 'file')
    throw new UserError(
      `refused: step ${unread.id}: the plan could not read ${unread.path}, so it cannot write it; nothing was changed (skip it: --skip ${unread.id})`,
    );
  const set = await openBackupSet(options.stateDir, { steps: steps.map((s) => s.id), tool: 'clawmoat harden' });
  let firewallRecorded = false;
  try {
    for (const [index, step] of steps.entries()) {
      stopIfInterrupted(options.signal);
      options.onStep?.(step.id, index, steps.length);
      if (runsUfw(step) && !firewallRecorded) {
        await recordFirewall(set, plan, step.id, options.netfilter ?? systemNetfilter);
        firewallRecorded = true;
      }
      if (step.kind === 'file') {
        if (step.content === undefined) throw new Error(`step ${step.id} has no content to write`);
        await set.writeFile(step.path, step.content, { step: step.id, ...(step.before ? { before: step.before } : {}) });
      } else {
        await set.runCommand({ run: step.argv, undo: step.undoArgv, step: step.id, ...(step.undoAfterFiles ? { undoAfterFiles: true } : {}) }, runner);
      }
    }
    stopIfInterrupted(options.signal);
    await set.sealFiles();
    await set.finish('applied');
    return set;
  } catch (error) {
    const undone = await rollback(set, { runCommand: runner, ...(options.netfilter ? { netfilter: options.netfilter } : {}) });
    const detail =
      undone.status === 'incomplete'
        ? `; rollback incomplete: ${undone.errors.join('; ')} (run clawmoat harden --rollback)`
        : '; everything it had changed was rolled back';
    // A refusal (a file changed after the plan) is the user's to act on, and stays one line.
    if (error instanceof UserError) throw new UserError(`${error.message}${detail}`);
    throw new ApplyFailed(`${(error as Error).message}${detail}`, undone.status !== 'incomplete');
  }
}
