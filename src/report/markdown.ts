import type { CheckResultKind, Finding } from '../checks/types.js';
import {
  HARDEN_NOTE,
  RESULT_MARK,
  evidenceLines,
  fenceFor,
  checksToShow,
  groupByGuide,
  sanitize,
  stepText,
  withTrailingNewline,
  type RenderOptions,
} from './common.js';
import type { Report } from './types.js';

/** GitHub-flavoured Markdown: a table of every check, then a section per finding. */
export function renderMarkdown(report: Report, _options: RenderOptions = {}): string {
  const out: string[] = [];
  out.push(`# clawmoat audit: ${inline(report.host.hostname)}`, '');
  out.push(
    `${inline(report.tool.name)} ${inline(report.tool.version)} · collected ${inline(report.host.collectedAt)} · ` +
      (report.host.uid === 0 ? 'as root' : `as uid ${report.host.uid} (not root)`),
    '',
  );
  out.push(...gatewaySection(report), '');

  const s = report.summary;
  out.push(
    `**Summary:** ${s.pass} pass · ${s.fail} fail · ${s.unknown} unknown · ${s.skipped} skipped — ` +
      `findings: ${s.critical} critical · ${s.warn} warn · ${s.info} info`,
    '',
  );

  out.push('## Checks', '');
  out.push('| Result | Check | Title | Severity | Guide section | Reason |');
  out.push('|---|---|---|---|---|---|');
  for (const group of groupByGuide(checksToShow(report))) {
    for (const c of group.checks) {
      out.push(`| ${resultCell(c.result)} | ${cell(c.id)} | ${cell(c.title)} | ${cell(c.severity)} | ${cell(c.guide)} | ${cell(c.reason ?? '')} |`);
    }
  }
  out.push('');

  if (report.findings.length > 0) {
    out.push('## Findings', '');
    for (const finding of report.findings) out.push(...findingSection(finding));
  }

  if (report.limitations.length > 0) {
    out.push('## Limitations', '', 'What could not be read or understood:', '');
    for (const l of report.limitations) out.push(`- ${inline(l)}`);
    out.push('');
  }
  return withTrailingNewline(out.join('\n').replace(/\n+$/, ''));
}

function gatewaySection(report: Report): string[] {
  const gw = report.gateway;
  if (!gw.detected) return ['**Gateway:** no OpenClaw gateway found on this host (the host is audited anyway).'];
  const lines = [`**Gateway:** detected${gw.detectedBy.length > 0 ? ` by ${inline(gw.detectedBy.join(', '))}` : ''}`, ''];
  if (gw.bind) lines.push(`- bind: ${code(gw.bind.value)} (from ${inline(gw.bind.source)})`);
  if (gw.port) lines.push(`- port: ${gw.port.value} (from ${inline(gw.port.source)})`);
  if (gw.ports.length > 0) lines.push(`- ports: ${gw.ports.join(', ')}`);
  if (gw.auth) lines.push(`- auth: ${code(gw.auth.mode)} (from ${inline(gw.auth.source)})`);
  if (gw.version) lines.push(`- version: ${inline(gw.version)}`);
  for (const l of gw.listeners) lines.push(`- listening: ${code(l)}`);
  return lines;
}

function resultCell(result: CheckResultKind): string {
  return `${RESULT_MARK[result]} ${result}`;
}

function findingSection(finding: Finding): string[] {
  const status = finding.status === 'fail' ? RESULT_MARK.fail : RESULT_MARK.unknown;
  const out = [`### ${status} ${inline(finding.id)}: ${inline(finding.title)} (${finding.severity}, ${finding.status})`, ''];
  out.push(`*${inline(finding.guide)}*`, '');
  if (finding.message) out.push(inline(finding.message), '');
  const evidence = evidenceLines(finding);
  if (evidence.length > 0) out.push('**Evidence**', '', ...codeBlock(evidence.join('\n'), 'text'), '');
  out.push(`**Fix:** ${inline(finding.remediation.summary)}${finding.remediation.automatic ? ` (${HARDEN_NOTE})` : ''}`, '');
  if (finding.remediation.steps.length > 0) out.push(...codeBlock(finding.remediation.steps.map(stepText).join('\n'), 'sh'), '');
  return out;
}

function codeBlock(content: string, lang: string): string[] {
  const body = sanitize(content, true);
  const fence = fenceFor(body);
  return [`${fence}${lang}`, body, fence];
}

/**
 * Inline text from the host is escaped so it renders literally: Markdown punctuation is
 * backslash-escaped (CommonMark allows that for any ASCII punctuation), and `<` cannot open HTML.
 */
export function inline(s: string): string {
  return sanitize(s).replace(/[\\`*_[\]<>|#~]/g, (ch) => `\\${ch}`);
}

/** A table cell: inline escaping (which covers `|` and backticks) on one line. */
export function cell(s: string): string {
  return inline(s).trim();
}

/** A code span whose delimiter outruns any backticks inside, padded when the content touches one. */
export function code(s: string): string {
  const text = sanitize(s);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}
