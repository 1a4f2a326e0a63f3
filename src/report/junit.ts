import type { CheckResult, Finding } from '../checks/types.js';
import { HARDEN_NOTE, effectiveSeverity, evidenceLines, findingsFor, checksToShow, groupByGuide, withTrailingNewline, type RenderOptions } from './common.js';
import { baselineName, driftLines } from './drift.js';
import type { Report } from './types.js';

/**
 * JUnit XML for CI dashboards: one testcase per check, classname = guide section.
 *
 * fail → <failure type="<severity>">; unknown → <error type="<severity>"> (the audit could not
 * decide, which CI should show as loudly as a failure but distinguishable from it); skipped →
 * <skipped>. Evidence and fix go in the element body.
 */
export function renderJunit(report: Report, _options: RenderOptions = {}): string {
  const checks = groupByGuide(checksToShow(report)).flatMap((g) => g.checks);
  const count = (r: CheckResult['result']): number => checks.filter((c) => c.result === r).length;
  const counts = `tests="${checks.length}" failures="${count('fail')}" errors="${count('unknown')}" skipped="${count('skipped')}" time="0"`;

  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="clawmoat" ${counts}>`);
  out.push(`  <testsuite name="clawmoat audit" ${counts} hostname=${attr(report.host.hostname)}>`);
  out.push('    <properties>');
  out.push(`      <property name="clawmoat.version" value=${attr(report.tool.version)}/>`);
  // Not the testsuite's timestamp attribute: the JUnit XSD wants it without a zone, and this is UTC.
  out.push(`      <property name="collectedAt" value=${attr(report.host.collectedAt)}/>`);
  out.push(`      <property name="gateway.detected" value="${report.gateway.detected}"/>`);
  for (const limitation of report.limitations) out.push(`      <property name="limitation" value=${attr(limitation)}/>`);
  const drift = report.drift;
  // With --baseline the exit code comes from what changed: the counts say so, the suite's output lists it.
  if (drift) {
    out.push(`      <property name="baseline" value=${attr(baselineName(drift))}/>`);
    const counts = { new: drift.new, resolved: drift.resolved, changed: drift.changed, opened: drift.opened, closed: drift.closed };
    for (const [name, list] of Object.entries(counts)) out.push(`      <property name="baseline.${name}" value="${list.length}"/>`);
  }
  out.push('    </properties>');
  for (const check of checks) out.push(...testcase(report, check));
  if (drift) out.push(`    <system-out>${text(driftLines(drift).join('\n'))}</system-out>`);
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return withTrailingNewline(out.join('\n'));
}

function testcase(report: Report, check: CheckResult): string[] {
  const open = `    <testcase classname=${attr(check.guide)} name=${attr(`${check.id}: ${check.title}`)} time="0"`;
  switch (check.result) {
    case 'pass':
      return [`${open}/>`];
    case 'skipped':
      return [`${open}>`, `      <skipped message=${attr(check.reason ?? 'skipped')}/>`, '    </testcase>'];
    case 'fail':
    case 'unknown': {
      const element = check.result === 'fail' ? 'failure' : 'error';
      const findings = findingsFor(report, check.id);
      const message = findings.map((f) => f.message || f.title).join(' / ') || check.reason || check.title;
      const severity = effectiveSeverity(check, findings);
      const body = findings.length > 0 ? findings.map(findingBody).join('\n\n') : (check.reason ?? '');
      return [`${open}>`, `      <${element} message=${attr(message)} type=${attr(severity)}>${text(body)}</${element}>`, '    </testcase>'];
    }
  }
}

function findingBody(finding: Finding): string {
  const lines = [`[${finding.severity}] ${finding.title}`];
  if (finding.message) lines.push(finding.message);
  const evidence = evidenceLines(finding);
  if (evidence.length > 0) lines.push('Evidence:', ...evidence.map((e) => `  ${e}`));
  lines.push(`Fix: ${finding.remediation.summary}${finding.remediation.automatic ? ` (${HARDEN_NOTE})` : ''}`);
  for (const step of finding.remediation.steps) lines.push(...step.split('\n').map((s) => `  ${s}`));
  return lines.join('\n');
}

/**
 * XML 1.0 cannot carry most C0 controls, lone surrogates or U+FFFE/U+FFFF even as character
 * references, so they are written as visible \uXXXX text rather than silently dropped.
 */
function xmlChars(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
        continue;
      }
    }
    const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd);
    out += allowed ? s[i]! : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** Element content. `>` is escaped too, so a "]]>" in host data can never look like a CDATA end. */
export function text(s: string): string {
  // A literal CR would be normalised away by the reader, so it is kept as a reference.
  return xmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/**
 * A quoted attribute value. Newlines, tabs and CRs are written as character references because a
 * parser normalises literal ones in attributes to spaces, which would lose the line structure.
 */
export function attr(s: string): string {
  const escaped = xmlChars(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
  return `"${escaped}"`;
}
