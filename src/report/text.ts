import pc from 'picocolors';
import type { CheckResult, CheckResultKind, Finding, Severity } from '../checks/types.js';
import {
  HARDEN_NOTE,
  effectiveSeverity,
  RESULT_MARK,
  evidenceLines,
  findingsFor,
  checksToShow,
  groupByGuide,
  sanitize,
  stepText,
  withTrailingNewline,
  type RenderOptions,
} from './common.js';
import type { Report } from './types.js';

type Colors = ReturnType<typeof pc.createColors>;
type Paint = (s: string) => string;

const WIDTH = 100;
const CHECK_INDENT = '  ';
const DETAIL_INDENT = '      ';
const STEP_INDENT = '          ';

/** The audit as a terminal checklist, grouped by guide section. */
export function renderText(report: Report, options: RenderOptions = {}): string {
  // createColors(flag) rather than the default export: picocolors would otherwise sniff the
  // environment itself, and the caller has already decided from the TTY and NO_COLOR.
  const c = pc.createColors(options.color === true);
  const lines: string[] = [...header(report, c)];

  for (const group of groupByGuide(checksToShow(report))) {
    lines.push('', c.bold(c.underline(sanitize(group.guide))));
    for (const check of group.checks) {
      lines.push(...checkLines(report, check, c));
    }
  }
  if (report.checks.length === 0) lines.push('', c.dim('No checks ran.'));

  lines.push('', ...footer(report, c));
  return withTrailingNewline(lines.join('\n'));
}

function header(report: Report, c: Colors): string[] {
  const root = report.host.uid === 0 ? 'root' : `uid ${report.host.uid}, not root`;
  const lines = [
    `${c.bold(`${report.tool.name} ${sanitize(report.tool.version)}`)} ${c.dim('·')} host ${c.bold(sanitize(report.host.hostname))} ` +
      `${c.dim(`· collected ${sanitize(report.host.collectedAt)} (${root})`)}`,
  ];
  const gw = report.gateway;
  if (!gw.detected) {
    lines.push(`Gateway: ${c.dim('no OpenClaw gateway found on this host (the host is audited anyway)')}`);
    return lines;
  }
  const by = gw.detectedBy.length > 0 ? ` ${c.dim(`(found by ${sanitize(gw.detectedBy.join(', '))})`)}` : '';
  lines.push(`Gateway: ${c.green('detected')}${by}`);
  // Values are sanitised before painting: sanitising afterwards would escape our own colour codes.
  const from = (value: string | number, source: string): string => `${sanitize(String(value))}  ${c.dim(`from ${sanitize(source)}`)}`;
  const rows: [string, string][] = [];
  if (gw.bind) rows.push(['bind', from(gw.bind.value, gw.bind.source)]);
  if (gw.port) rows.push(['port', from(gw.port.value, gw.port.source)]);
  const extraPorts = gw.ports.filter((p) => p !== gw.port?.value);
  if (extraPorts.length > 0) rows.push([gw.port ? 'also' : 'ports', extraPorts.join(', ')]);
  if (gw.auth) rows.push(['auth', from(gw.auth.mode, gw.auth.source)]);
  if (gw.version) rows.push(['version', sanitize(gw.version)]);
  if (gw.listeners.length === 0) rows.push(['listening', c.dim('nothing')]);
  gw.listeners.forEach((l, i) => rows.push([i === 0 ? 'listening' : '', sanitize(l)]));
  for (const [label, value] of rows) lines.push(`  ${c.dim(label.padEnd(10))}${value}`);
  return lines;
}

function markColor(result: CheckResultKind, c: Colors): Paint {
  switch (result) {
    case 'pass':
      return c.green;
    case 'fail':
      return c.red;
    case 'unknown':
      return c.yellow;
    case 'skipped':
      return c.dim;
  }
}

function severityColor(severity: Severity, c: Colors): Paint {
  switch (severity) {
    case 'critical':
      return (s) => c.bold(c.red(s));
    case 'warn':
      return c.yellow;
    case 'info':
      return c.cyan;
  }
}

function checkLines(report: Report, check: CheckResult, c: Colors): string[] {
  const id = sanitize(check.id);
  const title = sanitize(check.title);
  const mark = RESULT_MARK[check.result];

  if (check.result === 'skipped') {
    // Dimmed whole: a skipped check is context, but its reason ("Docker is not running") stays readable.
    const plain = `${CHECK_INDENT}${mark} ${id}  ${title}`;
    const reason = check.reason ? sanitize(check.reason) : '';
    if (!reason) return [c.dim(plain)];
    if (plain.length + reason.length + 3 <= WIDTH) return [c.dim(`${plain} (${reason})`)];
    return [c.dim(plain), ...wrap(reason, DETAIL_INDENT).map((l) => c.dim(l))];
  }

  const head = `${CHECK_INDENT}${markColor(check.result, c)(mark)} ${c.bold(id)}  ${title}`;
  if (check.result === 'pass') return [head];

  const findings = findingsFor(report, check.id);
  const severity = effectiveSeverity(check, findings);
  const lines = [`${head}  ${severityColor(severity, c)(`[${severity}]`)}`];
  if (findings.length === 0) {
    if (check.reason) lines.push(...wrap(sanitize(check.reason), DETAIL_INDENT));
    return lines;
  }
  for (const finding of findings) lines.push(...findingLines(check, finding, c));
  return lines;
}

function findingLines(check: CheckResult, finding: Finding, c: Colors): string[] {
  const lines: string[] = [];
  if (finding.title !== check.title) lines.push(...wrap(sanitize(finding.title), DETAIL_INDENT).map((l) => c.bold(l)));
  if (finding.message) lines.push(...wrap(sanitize(finding.message), DETAIL_INDENT));
  for (const ev of evidenceLines(finding)) {
    lines.push(...wrap(sanitize(ev), `${DETAIL_INDENT}• `, `${DETAIL_INDENT}  `).map((l) => c.dim(l)));
  }
  const fix = sanitize(finding.remediation.summary);
  const auto = finding.remediation.automatic ? ` (${HARDEN_NOTE})` : '';
  const fixLines = wrap(`Fix: ${fix}${auto}`, DETAIL_INDENT);
  lines.push(...fixLines.map((l, i) => (i === 0 ? l.replace('Fix:', c.green(c.bold('Fix:'))) : l)));
  for (const step of finding.remediation.steps) {
    // Steps are commands and file edits: wrapping would break copy and paste, so only indent them.
    lines.push(c.cyan(`${STEP_INDENT}${stepText(step)}`));
  }
  return lines;
}

function footer(report: Report, c: Colors): string[] {
  const s = report.summary;
  const total = s.pass + s.fail + s.unknown + s.skipped;
  const parts = [
    c.green(`${s.pass} pass`),
    s.fail > 0 ? c.red(`${s.fail} fail`) : `${s.fail} fail`,
    s.unknown > 0 ? c.yellow(`${s.unknown} unknown`) : `${s.unknown} unknown`,
    c.dim(`${s.skipped} skipped`),
  ];
  const lines = [`${c.bold('Summary:')} ${total} checks: ${parts.join(', ')}`];
  const findings = s.critical + s.warn + s.info;
  if (findings > 0) {
    const bySeverity = [
      s.critical > 0 ? severityColor('critical', c)(`${s.critical} critical`) : `${s.critical} critical`,
      s.warn > 0 ? severityColor('warn', c)(`${s.warn} warn`) : `${s.warn} warn`,
      `${s.info} info`,
    ];
    lines.push(`${c.bold('Findings:')} ${bySeverity.join(', ')}`);
  } else {
    lines.push(`${c.bold('Findings:')} ${c.green('none')}`);
  }
  if (report.limitations.length > 0) {
    lines.push(c.yellow('Limitations (what could not be read or understood):'));
    for (const l of report.limitations) lines.push(...wrap(sanitize(l), '  - ', '    ').map((x) => c.dim(x)));
  }
  return lines;
}

/** Greedy word wrap to WIDTH; a word longer than the line (a path, a URL) is left whole. */
export function wrap(text: string, firstIndent: string, restIndent: string = firstIndent): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    const words = paragraph.split(/ +/).filter((w) => w.length > 0);
    let line = out.length === 0 ? firstIndent : restIndent;
    let empty = true;
    for (const word of words) {
      if (!empty && line.length + 1 + word.length > WIDTH) {
        out.push(line);
        line = restIndent + word;
      } else {
        line += (empty ? '' : ' ') + word;
      }
      empty = false;
    }
    out.push(line);
  }
  return out;
}
