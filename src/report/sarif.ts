import type { Location, Log, ReportingDescriptor, Result } from 'sarif';
import type { CheckResult, Finding, Severity } from '../checks/types.js';
import type { SourceLocation } from '../snapshot/types.js';
import { checksToShow, evidenceLine, fenceFor, formatLocation, primaryLocation, sameLocation, withTrailingNewline, type RenderOptions } from './common.js';
import type { Report } from './types.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', warn: 'warning', info: 'note' };

/**
 * GitHub code scanning ranks "security" rules by this number (its Critical/High/Medium/Low bands
 * start at 9.0/7.0/4.0/0.1) instead of the coarser error/warning/note.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.0', warn: '5.0', info: '2.0' };

const SARIF_VERSION = '2.1.0';

/**
 * SARIF 2.1.0: one rule per check that ran, one result per finding.
 *
 * An `unknown` finding becomes `kind: "review"` with `level: "none"`: the check could not decide,
 * so a person has to look. SARIF §3.27.10 requires level "none" whenever kind is not "fail", so it
 * cannot carry the check's severity as a level; the severity is kept in `properties.severity` and
 * on the rule, and `properties.status` says "unknown".
 */
export function renderSarif(report: Report, options: RenderOptions = {}): string {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const addRule = (rule: ReportingDescriptor): void => {
    if (ruleIndex.has(rule.id)) return;
    ruleIndex.set(rule.id, rules.length);
    rules.push(rule);
  };
  for (const check of checksToShow(report)) addRule(ruleFor(check, report, options));

  const results = report.findings.map((f) => resultFor(f, ruleIndex.get(f.id) ?? 0));

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
            toolExecutionNotifications: report.limitations.map((text) => ({ level: 'warning', message: { text } })),
            machine: report.host.hostname,
          },
        ],
        results,
        properties: {
          hostname: report.host.hostname,
          collectedAt: report.host.collectedAt,
          gateway: report.gateway,
          summary: report.summary,
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
    const commands = steps.join('\n');
    const fence = fenceFor(commands);
    rule.help = {
      text: [summary, ...steps].join('\n'),
      markdown: steps.length > 0 ? `${summary}\n\n${fence}sh\n${commands}\n${fence}` : summary,
    };
  }
  return rule;
}

function resultFor(finding: Finding, ruleIndex: number): Result {
  const result: Result = {
    ruleId: finding.id,
    ruleIndex,
    kind: finding.status === 'fail' ? 'fail' : 'review',
    level: finding.status === 'fail' ? LEVEL[finding.severity] : 'none',
    message: { text: messageText(finding) },
    properties: { severity: finding.severity, status: finding.status, guide: finding.guide, evidence: finding.evidence, remediation: finding.remediation },
  };
  const primary = primaryLocation(finding);
  if (primary) {
    result.locations = [location(primary)];
    const related = finding.evidence.filter((e) => e.location && !sameLocation(e.location, primary));
    if (related.length > 0) {
      result.relatedLocations = related.map((e, i) => ({ ...location(e.location as SourceLocation), id: i + 1, message: { text: e.text } }));
    }
  }
  return result;
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

function location(loc: SourceLocation): Location {
  const region: { startLine?: number; startColumn?: number } = {};
  // SARIF lines and columns are 1-based; a 0 from a collector means "unknown", not "line zero".
  if (Number.isInteger(loc.line) && loc.line >= 1) {
    region.startLine = loc.line;
    if (loc.column !== undefined && Number.isInteger(loc.column) && loc.column >= 1) region.startColumn = loc.column;
  }
  return {
    physicalLocation: {
      artifactLocation: { uri: fileUri(loc.file) },
      ...(region.startLine !== undefined ? { region } : {}),
    },
  };
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
