import type { Snapshot, SourceLocation } from '../snapshot/types.js';
import type { AnalysisContext } from '../model/context.js';
import type { ProbeReport } from '../probe/types.js';
import type { InputId } from '../model/inputs.js';
import type { FixIntent } from './fix-intents.js';

export type Severity = 'info' | 'warn' | 'critical';
export const SEVERITY_ORDER: Record<Severity, number> = { info: 0, warn: 1, critical: 2 };

/** One fact a finding rests on: a socket, a rule, a file line, a process, a container. */
export interface Evidence {
  kind: 'socket' | 'rule' | 'file' | 'process' | 'container' | 'config' | 'service' | 'note';
  /** One line a user can read, e.g. "tcp 0.0.0.0:18789 (pid 4242 node)". */
  text: string;
  location?: SourceLocation;
}

export interface Remediation {
  /** What to do, in one or two sentences. */
  summary: string;
  /** Exact commands or file edits, one per entry. */
  steps: string[];
  /** True when `clawmoat harden` can apply it. */
  automatic: boolean;
}

export interface Finding {
  /** Stable id, documented in docs/checks.md; scripts depend on it. */
  id: string;
  severity: Severity;
  title: string;
  /** `fail`: the check found the problem. `unknown`: it could not decide, and says why. */
  status: 'fail' | 'unknown';
  /** Why this is a problem on this host, in a sentence. */
  message: string;
  evidence: Evidence[];
  remediation: Remediation;
  /** Guide section this enforces, e.g. "Bind to localhost only". */
  guide: string;
  /** Primary location for SARIF and editors, when there is one. */
  location?: SourceLocation;
  /**
   * What must change, as data: `harden` turns each into steps (checks/fix-intents.ts). Absent
   * when the fix is not a change the check can name; a check that returns one is fixable.
   */
  fixes?: FixIntent[];
}

export type CheckResultKind = 'pass' | 'fail' | 'unknown' | 'skipped';

export interface CheckResult {
  id: string;
  title: string;
  severity: Severity;
  guide: string;
  result: CheckResultKind;
  /** For pass, skipped and unknown: why, in one line. */
  reason?: string;
}

export interface CheckMeta {
  id: string;
  title: string;
  severity: Severity;
  /** The guide section it enforces. */
  guide: string;
  /** A paragraph for docs/checks.md: what it looks at and why it matters. */
  docs: string;
  /** Whether `harden` can fix it. */
  fixable: boolean;
  /**
   * Every input the check rests on. When one of them could not be read, parsed or fully seen,
   * the runner makes a `pass` or `skipped` `unknown`, with the problem as its limitation.
   */
  inputs: readonly InputId[];
  /** What docs/checks.md lists under "Fails for" and "Passes for": the names of the check's test cases. */
  examples: { fails: readonly string[]; passes: readonly string[] };
}

/** A finding as a check returns it; id, title, severity and guide are filled from meta. */
export type FindingDraft = Omit<Finding, 'id' | 'title' | 'severity' | 'guide'> & { severity?: Severity; title?: string };

export type CheckOutcome =
  { result: 'pass'; reason: string } | { result: 'skipped'; reason: string } | { result: 'fail' | 'unknown'; findings: FindingDraft[]; reason?: string };

/** A fixture case: a snapshot patch, and for invalid cases what must be reported. */
export interface CheckCase {
  name: string;
  snapshot: (base: Snapshot) => Snapshot;
  options?: { zones?: string[]; probe?: ProbeReport };
}

export interface InvalidCase extends CheckCase {
  result: 'fail' | 'unknown';
  /** The severity of what it reports (several when its findings differ), pinned: --fail-on depends on it. */
  severity: Severity | Severity[];
  /** How many findings it reports. */
  findings: number;
  /** Every string must appear in the finding's message or evidence. */
  evidenceIncludes?: string[];
  /** The fix intents the findings carry, in order (absent: none does): the check owns its fix, as ESLint's rule tests pin `output`. */
  fixes?: FixIntent['kind'][];
  /**
   * The ids of the steps `harden` plans for its findings (steps whose `finding` is this check), in
   * order, planned from the case's snapshot with test/unit/checks/cases.test.ts's view of the live
   * host. Pinned for every invalid case of a fixable check (`[]` where nothing is planned: an
   * undecided finding, a container with no file to edit, a host without ufw).
   */
  steps?: string[];
}

export interface ValidCase extends CheckCase {
  result: 'pass' | 'skipped';
}

export interface Check {
  meta: CheckMeta;
  evaluate(ctx: AnalysisContext): CheckOutcome;
}

/**
 * ESLint-style table of a check's cases: snapshots it must pass and snapshots it must report.
 * The tables are test data and live under test/unit/checks/cases/, one file per check.
 */
export interface CheckCases {
  valid: ValidCase[];
  invalid: InvalidCase[];
}
