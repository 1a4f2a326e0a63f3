import { SEVERITY_ORDER, type CheckResultKind, type Severity } from '../checks/types.js';
import { withTrailingNewline } from '../report/common.js';
import { ZONE_KINDS } from '../report/exposure.js';
import { attr, text } from '../report/junit.js';
import type { FleetHost, FleetReport, FleetUnreadable } from './types.js';

type Check = FleetReport['checks'][number];

/**
 * `fleet --format junit`: one <testsuite> per host (worst first, as the report orders them), one
 * <testcase> per check with classname = the host, so a CI dashboard groups by host. As for one
 * host (report/junit.ts): fail → <failure>, unknown → <error>, skipped → <skipped>. A host that
 * could not be read is a suite of one testcase, "collection", that is an <error> with the reason:
 * nothing is known of it, which CI must show, never a green suite.
 */
export function renderFleetJunit(report: FleetReport): string {
  const suites = [...report.hosts.map((h) => hostSuite(h, report.checks)), ...report.unreadable.map(unreadableSuite)];
  const total = (k: keyof SuiteCounts) => suites.reduce((n, s) => n + s.counts[k], 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="clawmoat fleet" tests="${total('tests')}" failures="${total('failures')}" errors="${total('errors')}" skipped="${total('skipped')}" time="0">`,
  );
  for (const s of suites) out.push(...s.lines);
  out.push('</testsuites>');
  return withTrailingNewline(out.join('\n'));
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function countsAttr(c: SuiteCounts): string {
  return `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="0"`;
}

function hostSuite(h: FleetHost, checks: readonly Check[]): { counts: SuiteCounts; lines: string[] } {
  const results = checks.map((c): [Check, CheckResultKind | undefined] => [c, h.checks[c.id]]);
  const counts: SuiteCounts = {
    tests: results.length,
    failures: results.filter(([, r]) => r === 'fail').length,
    errors: results.filter(([, r]) => r === 'unknown').length,
    skipped: results.filter(([, r]) => r === 'skipped' || r === undefined).length,
  };
  const lines = [`  <testsuite name=${attr(h.host)} ${countsAttr(counts)} hostname=${attr(h.host)}>`, '    <properties>'];
  lines.push(`      <property name="file" value=${attr(h.file)}/>`);
  lines.push(`      <property name="collectedAt" value=${attr(h.collectedAt)}/>`);
  lines.push(`      <property name="worst" value=${attr(h.worst)}/>`);
  for (const k of ZONE_KINDS) lines.push(`      <property name="exposure.${k}" value="${h.exposure[k]}"/>`);
  for (const k of ZONE_KINDS) lines.push(`      <property name="exposure_unknown.${k}" value="${h.undecided[k]}"/>`);
  for (const l of h.limitations) lines.push(`      <property name="limitation" value=${attr(l)}/>`);
  lines.push('    </properties>');
  for (const [c, r] of results) lines.push(...testcase(h, c, r));
  lines.push('  </testsuite>');
  return { counts, lines };
}

function testcase(h: FleetHost, check: Check, result: CheckResultKind | undefined): string[] {
  const open = `    <testcase classname=${attr(h.host)} name=${attr(`${check.id}: ${check.title}`)} time="0"`;
  switch (result) {
    case 'pass':
      return [`${open}/>`];
    case 'skipped':
    case undefined:
      return [`${open}>`, `      <skipped message=${attr(result === 'skipped' ? 'skipped on this host' : 'not run on this host')}/>`, '    </testcase>'];
    case 'fail':
    case 'unknown': {
      const element = result === 'fail' ? 'failure' : 'error';
      const findings = h.findings.filter((f) => f.id === check.id);
      const message = findings.map((f) => f.message || f.title).join(' / ') || check.title;
      const severity = findings.reduce<Severity>(
        (w, f) => (SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[w] ? f.severity : w),
        findings[0]?.severity ?? check.severity,
      );
      const body = findings.map((f) => `[${f.severity}] ${f.title}${f.message ? `\n${f.message}` : ''}`).join('\n\n');
      return [`${open}>`, `      <${element} message=${attr(message)} type=${attr(severity)}>${text(body)}</${element}>`, '    </testcase>'];
    }
  }
}

function unreadableSuite(u: FleetUnreadable): { counts: SuiteCounts; lines: string[] } {
  const name = u.host ?? u.file;
  const counts: SuiteCounts = { tests: 1, failures: 0, errors: 1, skipped: 0 };
  return {
    counts,
    lines: [
      `  <testsuite name=${attr(name)} ${countsAttr(counts)}${u.host ? ` hostname=${attr(u.host)}` : ''}>`,
      '    <properties>',
      `      <property name="file" value=${attr(u.file)}/>`,
      '    </properties>',
      `    <testcase classname=${attr(name)} name="collection" time="0">`,
      `      <error message=${attr(u.reason)} type="unreadable">${text(`${name} could not be read: ${u.reason}`)}</error>`,
      '    </testcase>',
      '  </testsuite>',
    ],
  };
}
