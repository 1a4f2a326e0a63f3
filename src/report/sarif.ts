import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Location, Log, ReportingDescriptor, Result } from 'sarif';
import type { CheckResult, Finding, Severity } from '../checks/types.js';
import type { SourceLocation } from '../snapshot/types.js';
import {
  checksToShow,
  evidenceLine,
  fenceFor,
  formatLocation,
  primaryLocation,
  sameLocation,
  stepText,
  withTrailingNewline,
  type RenderOptions,
} from './common.js';
import { inline } from './markdown.js';
import { baselineName } from './drift.js';
import type { Drift, DriftFinding, Report } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', warn: 'warning', info: 'note' };

/**
 * GitHub code scanning ranks "security" rules by this number (its Critical/High/Medium/Low bands
 * start at 9.0/7.0/4.0/0.1) instead of the coarser error/warning/note.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.0', warn: '5.0', info: '2.0' };

export const SARIF_VERSION = '2.1.0';

/**
 * SARIF 2.1.0: one rule per check that ran, one result per finding.
 *
 * An `unknown` finding becomes `kind: "review"` with `level: "none"`: the check could not decide,
 * so a person has to look. SARIF §3.27.10 requires level "none" whenever kind is not "fail", so it
 * cannot carry the check's severity as a level; the severity is kept in `properties.severity` and
 * on the rule, and `properties.status` says "unknown".
 */
/** Files inside the working directory are named relative to it (SARIF §3.14.14); GitHub code scanning takes it as the checkout. */
export const SRCROOT = '%SRCROOT%';

/** The partialFingerprints key: bumped if what goes into the hash ever changes meaning. */
export const FINGERPRINT_KEY = 'clawmoat/v1';

export function renderSarif(report: Report, options: RenderOptions = {}): string {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const addRule = (rule: ReportingDescriptor): void => {
    if (ruleIndex.has(rule.id)) return;
    ruleIndex.set(rule.id, rules.length);
    rules.push(rule);
  };
  for (const check of checksToShow(report)) addRule(ruleFor(check, report, options));

  const uris = new UriMaker(options.workingDirectory);
  const states = report.drift ? baselineStatesOf(report.findings, report.drift) : undefined;
  const results = report.findings.map((f, i) => ({ ...resultFor(f, ruleIndex.get(f.id) ?? 0, uris), ...(states ? { baselineState: states[i] } : {}) }));
  // With --baseline, what the baseline had and this run has not: SARIF's "absent" results.
  if (report.drift) results.push(...report.drift.resolved.map((f) => absentResult(f, report, ruleIndex.get(f.id), report.drift!)));

  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            // Unreadable sources limit what the audit could see; SARIF viewers show these beside the results.
            toolExecutionNotifications: report.limitations.map((text) => ({ level: 'warning', message: { text: plainText(text) } })),
            machine: report.host.hostname,
          },
        ],
        // Always there: a relative location names %SRCROOT%, which a consumer must be able to look up.
        originalUriBaseIds: {
          [SRCROOT]: uris.root
            ? { uri: uris.root, description: { text: 'The directory clawmoat ran in; files inside it are named relative to it.' } }
            : { description: { text: 'The directory clawmoat ran in (not recorded); files given by a relative path are relative to it.' } },
        },
        results,
        properties: {
          hostname: report.host.hostname,
          collectedAt: report.host.collectedAt,
          gateway: report.gateway,
          summary: report.summary,
          // The whole comparison (reach cells opened and closed, its limitations), as the JSON report has it.
          ...(report.drift ? { drift: report.drift } : {}),
        },
      },
    ],
  };
  return withTrailingNewline(JSON.stringify(log, null, 2));
}

function ruleFor(check: CheckResult, report: Report, options: RenderOptions): ReportingDescriptor {
  const docs = options.checkDocs?.[check.id];
  const rule: ReportingDescriptor = {
    id: check.id,
    name: check.id,
    shortDescription: { text: check.title },
    fullDescription: { text: docs ?? `${check.title}. Guide section: ${check.guide}.` },
    defaultConfiguration: { level: LEVEL[check.severity] },
    properties: { tags: [check.guide, 'security'], 'security-severity': SECURITY_SEVERITY[check.severity] },
  };
  // The report carries remediations only on findings, so a passing check has no help text to give.
  const finding = report.findings.find((f) => f.id === check.id);
  if (finding) {
    const { summary, steps } = finding.remediation;
    const lines = steps.map(stepText);
    const commands = lines.join('\n');
    const fence = fenceFor(commands);
    // Viewers render help Markdown: the summary holds host text (a config path, a tunnel URL), escaped like the Markdown report's.
    rule.help = {
      text: [summary, ...lines].join('\n'),
      markdown: steps.length > 0 ? `${inline(summary)}\n\n${fence}sh\n${commands}\n${fence}` : inline(summary),
    };
  }
  return rule;
}

function resultFor(finding: Finding, ruleIndex: number, uris: UriMaker): Result {
  const result: Result = {
    ruleId: finding.id,
    ruleIndex,
    kind: finding.status === 'fail' ? 'fail' : 'review',
    level: finding.status === 'fail' ? LEVEL[finding.severity] : 'none',
    message: { text: plainText(messageText(finding)) },
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(finding, uris) },
    properties: { severity: finding.severity, status: finding.status, guide: finding.guide, evidence: finding.evidence, remediation: finding.remediation },
  };
  const primary = primaryLocation(finding);
  if (primary) {
    result.locations = [location(primary, uris)];
    const related = finding.evidence.filter((e) => e.location && !sameLocation(e.location, primary));
    if (related.length > 0) {
      result.relatedLocations = related.map((e, i) => ({ ...location(e.location as SourceLocation, uris), id: i + 1, message: { text: plainText(e.text) } }));
    }
  }
  return result;
}

/**
 * SARIF's baselineState values this report uses, spelled out: the public types (dist/*.d.ts) must
 * not name @types/sarif, a development dependency a consumer does not have.
 */
export type BaselineState = 'new' | 'unchanged' | 'updated' | 'absent';

/**
 * Each finding's SARIF baselineState, in the findings' order, from a drift: "new" for those drift
 * calls new (matched by id and message, as drift matched them), "updated" for a changed severity
 * or status, "unchanged" otherwise. No drift (a fleet host absent from the baseline): all new.
 */
export function baselineStatesOf(findings: readonly Pick<Finding, 'id' | 'message'>[], drift: Drift | undefined): BaselineState[] {
  if (!drift) return findings.map(() => 'new');
  const take = (list: DriftFinding[], f: Pick<Finding, 'id' | 'message'>): boolean => {
    const i = list.findIndex((d) => d.id === f.id && d.message === f.message);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  };
  const fresh = [...drift.new];
  const changed = [...drift.changed];
  return findings.map((f) => (take(fresh, f) ? 'new' : take(changed, f) ? 'updated' : 'unchanged'));
}

/**
 * A finding of the baseline this run no longer has (SARIF §3.27.24 "absent"). Its kind says what
 * the check says now (pass, or not applicable when skipped), so a viewer counting failures does
 * not count it; its level is "none", as SARIF requires of any kind but "fail".
 */
function absentResult(f: DriftFinding, report: Report, ruleIndex: number | undefined, drift: Drift): Result {
  const now = report.checks.find((c) => c.id === f.id)?.result;
  return {
    ruleId: f.id,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    kind: now === 'pass' ? 'pass' : now === 'skipped' ? 'notApplicable' : 'informational',
    level: 'none',
    baselineState: 'absent',
    message: { text: plainText(`resolved since ${baselineName(drift)}: ${f.message || f.title}`) },
    properties: { severity: f.severity, status: f.status, baseline: drift.baseline.source },
  };
}

/**
 * The same finding on the next run gets the same fingerprint, so code scanning updates one alert
 * instead of opening another: the check, the file it points at (as named in the log: relative to
 * %SRCROOT%, so the checkout's path does not count), and each evidence item's kind, file and text
 * with what changes from run to run masked (process ids, timings, timestamps, counts of rules).
 * Line numbers are left out: an edit above the setting moves it without making it another finding.
 */
export function fingerprint(finding: Finding, uris: UriMaker = new UriMaker(undefined)): string {
  const primary = primaryLocation(finding);
  const parts = [finding.id, primary ? uris.name(primary.file) : ''];
  for (const e of finding.evidence) parts.push(`${e.kind}|${e.location ? uris.name(e.location.file) : ''}|${stableText(e.text)}`);
  return fingerprintOf(parts);
}

/** The one hash behind every clawmoat SARIF fingerprint (this log's and the fleet's): 128 bits of sha256 over the parts, one per line. */
export function fingerprintOf(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/**
 * A SARIF plain-text message (§3.11.6) reads `[text](N)` as an embedded link, and `\\` escapes
 * a bracket: host text (a path, a process name) escapes all three, so it never becomes a link.
 */
export function plainText(text: string): string {
  return text.replace(/[\\[\]]/g, (ch) => `\\${ch}`);
}

export function stableText(text: string): string {
  return text
    .replace(/\b(pid|PID)[ =:]+\d+/g, '$1 *')
    .replace(/\b\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?/g, '*')
    .replace(/\b\d+(?:\.\d+)?\s?(ms|s)\b/g, '* $1')
    .replace(/\b\d+ rule\(s\)/g, '* rule(s)');
}

/** Code-scanning UIs show only the message, so the evidence is folded into it as plain lines. */
function messageText(finding: Finding): string {
  const head = finding.message || finding.title;
  const lines = finding.evidence.map((e) => `- ${evidenceLine(e)}`);
  if (finding.location && !finding.evidence.some((e) => e.location && sameLocation(e.location, finding.location as SourceLocation))) {
    lines.unshift(`- at ${formatLocation(finding.location)}`);
  }
  return lines.length > 0 ? `${head}\n${lines.join('\n')}` : head;
}

function location(loc: SourceLocation, uris: UriMaker): Location {
  const region: { startLine?: number; startColumn?: number } = {};
  // SARIF lines and columns are 1-based; a 0 from a collector means "unknown", not "line zero".
  if (Number.isInteger(loc.line) && loc.line >= 1) {
    region.startLine = loc.line;
    if (loc.column !== undefined && Number.isInteger(loc.column) && loc.column >= 1) region.startColumn = loc.column;
  }
  return {
    physicalLocation: {
      artifactLocation: uris.artifact(loc.file),
      ...(region.startLine !== undefined ? { region } : {}),
    },
  };
}

/**
 * Where a file goes in the log. Inside the working directory: a relative reference against
 * %SRCROOT% (what code scanning resolves against the checkout). Elsewhere (/etc/ufw, a config in
 * a home directory): an absolute file:// URI, with no uriBaseId, as SARIF §3.4.4 requires of an
 * absolute URI; resolved against %SRCROOT% it would name a file of the repository that it is not.
 * A relative path with no working directory known stays relative to %SRCROOT%, which is what it
 * was relative to. Pure: the working directory is given, never read from the process.
 */
export class UriMaker {
  /** The working directory as a file URI ending in '/', as originalUriBaseIds wants. */
  readonly root: string | undefined;
  private readonly cwd: string | undefined;

  constructor(workingDirectory: string | undefined) {
    this.cwd = workingDirectory && posix.isAbsolute(workingDirectory) ? posix.normalize(workingDirectory).replace(/\/+$/, '') || '/' : undefined;
    this.root = this.cwd === undefined ? undefined : fileUri(this.cwd === '/' ? '/' : `${this.cwd}/`);
  }

  // The SARIF artifactLocation shape, written out: this class is exported, and naming the `sarif`
  // types package here would make the published declarations need it.
  artifact(path: string): { uri: string; uriBaseId?: string } {
    const relative = this.relative(path);
    return relative === undefined ? { uri: fileUri(posix.normalize(this.absolute(path))) } : { uri: fileUri(relative), uriBaseId: SRCROOT };
  }

  /** How the log names the file: relative to %SRCROOT% when inside it, else its absolute path. */
  name(path: string): string {
    return this.relative(path) ?? posix.normalize(this.absolute(path));
  }

  private absolute(path: string): string {
    return this.cwd !== undefined ? posix.resolve(this.cwd, path) : path;
  }

  private relative(path: string): string | undefined {
    if (this.cwd === undefined) {
      if (posix.isAbsolute(path)) return undefined;
      const normal = posix.normalize(path);
      return normal.startsWith('../') || normal === '..' ? undefined : normal;
    }
    const rel = posix.relative(this.cwd, posix.resolve(this.cwd, path));
    return rel === '' || rel.startsWith('../') || rel === '..' || posix.isAbsolute(rel) ? undefined : rel;
  }
}

/**
 * An absolute path becomes a file:// URI; a relative one (a compose file given as ./compose.yml)
 * stays a relative reference, which SARIF allows. Built by hand rather than with pathToFileURL,
 * which would resolve relative paths against the process's cwd and make rendering impure.
 */
export function fileUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  return path.startsWith('/') ? `file://${encoded}` : encoded;
}
