import { GUIDE } from '../checks/guide.js';
import { SEVERITY_ORDER, type CheckResult, type CheckResultKind, type Evidence, type Finding, type Severity } from '../checks/types.js';
import type { SourceLocation } from '../snapshot/types.js';
import type { Report } from './types.js';

/** Options shared by every renderer; each format reads only what it needs. */
export interface RenderOptions {
  /** ANSI colours in the text format. The caller decides (TTY, NO_COLOR); renderers never look at the environment. */
  color?: boolean;
  /**
   * The catalogue's docs paragraph per check id. The report does not carry it, and SARIF wants a
   * fullDescription per rule; without it the renderers fall back to the title and guide section.
   */
  checkDocs?: Readonly<Record<string, string>>;
  /**
   * The directory the report is about (the CLI passes its working directory, absolute): SARIF
   * names files inside it relative to `%SRCROOT%`, so code scanning can place them in a checkout.
   */
  workingDirectory?: string;
  /** Prometheus: Unix time (seconds) the run finished; the caller owns the clock. */
  runFinishedAt?: number;
  /** Prometheus: how long the run took, in seconds. */
  runDurationSeconds?: number;
}

/** The guide's own order, so every format reads like the guide it audits against. */
export const GUIDE_ORDER: readonly string[] = [GUIDE.bind, GUIDE.firewall, GUIDE.docker, GUIDE.remote, GUIDE.config];

export interface GuideGroup {
  guide: string;
  checks: CheckResult[];
}

/** Checks grouped by guide section: known sections in guide order, then any others in order of appearance. */
export function groupByGuide(checks: readonly CheckResult[]): GuideGroup[] {
  const groups = new Map<string, CheckResult[]>();
  for (const guide of GUIDE_ORDER) groups.set(guide, []);
  for (const check of checks) {
    const list = groups.get(check.guide);
    if (list) list.push(check);
    else groups.set(check.guide, [check]);
  }
  return [...groups].filter(([, list]) => list.length > 0).map(([guide, list]) => ({ guide, checks: list }));
}

/**
 * The checks to list: every check that ran, plus one per finding whose id is missing from
 * `checks`, so a report assembled inconsistently still shows every finding.
 */
export function checksToShow(report: Report): CheckResult[] {
  const known = new Set(report.checks.map((c) => c.id));
  const extra: CheckResult[] = [];
  for (const f of report.findings) {
    if (known.has(f.id)) continue;
    known.add(f.id);
    extra.push({ id: f.id, title: f.title, severity: f.severity, guide: f.guide, result: f.status });
  }
  return [...report.checks, ...extra];
}

export function findingsFor(report: Report, checkId: string): Finding[] {
  return report.findings.filter((f) => f.id === checkId);
}

export function formatLocation(location: SourceLocation): string {
  return location.column !== undefined ? `${location.file}:${location.line}:${location.column}` : `${location.file}:${location.line}`;
}

export function sameLocation(a: SourceLocation, b: SourceLocation): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}

/** The finding's primary location, else the first evidence that has one. */
export function primaryLocation(finding: Finding): SourceLocation | undefined {
  return finding.location ?? finding.evidence.find((e) => e.location)?.location;
}

/** One line for an evidence item, with its file:line when it has one. */
export function evidenceLine(evidence: Evidence): string {
  const where = evidence.location ? ` (${formatLocation(evidence.location)})` : '';
  return `${evidence.kind}: ${evidence.text}${where}`;
}

/**
 * Evidence lines for a finding; the finding's own location is added as its own line only when no
 * evidence already names it, so a reader sees each file:line once.
 */
export function evidenceLines(finding: Finding): string[] {
  const lines = finding.evidence.map(evidenceLine);
  const loc = finding.location;
  if (loc && !finding.evidence.some((e) => e.location && sameLocation(e.location, loc))) {
    lines.unshift(`at ${formatLocation(loc)}`);
  }
  return lines;
}

export const RESULT_MARK: Record<CheckResultKind, string> = { pass: '✔', fail: '✖', unknown: '?', skipped: '–' };

export const HARDEN_NOTE = 'clawmoat harden can apply this';

/** Text renderings normalise to exactly one trailing newline, so callers can write them as files unchanged. */
export function withTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Host-derived strings (process names, file contents, rule comments) can hold control characters,
 * and an ESC among them would let a hostile process name drive the reader's terminal. Tabs become
 * spaces; other controls are shown as \xNN. Newlines survive when asked, for multi-line steps.
 */
export function sanitize(text: string, keepNewlines = false): string {
  const normalised = text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ');
  return normalised.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    if (ch === '\n') return keepNewlines ? '\n' : ' ';
    const code = ch.charCodeAt(0);
    // Bidirectional overrides and line separators (U+202E makes "exe.txt" read as "txt.exe") are shown too.
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/**
 * One fix step as it is offered to paste: always one line. A newline inside a step would start a
 * command of whoever chose the text (a host-derived path), so every control character, a newline
 * too, is shown as \xNN; the renderers put only their own newlines between steps.
 */
export function stepText(step: string): string {
  return sanitize(step.replace(/[\r\n]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** The most severe of a check's findings, since a check may raise or lower severity per finding. */
export function effectiveSeverity(check: CheckResult, findings: readonly Finding[]): Severity {
  const [first, ...rest] = findings;
  if (!first) return check.severity;
  return rest.reduce<Severity>((worst, f) => (SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[worst] ? f.severity : worst), first.severity);
}

/**
 * A Markdown fence longer than any backtick run in the content, so evidence that itself contains
 * ``` (a compose file, a Markdown note) cannot close the block early.
 */
export function fenceFor(content: string): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}
