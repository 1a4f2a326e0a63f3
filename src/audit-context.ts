import type { AnalysisContext } from './model/analysis-context.js';
import { INPUT_IDS, describeProblem } from './model/inputs.js';
import { describeSocket } from './model/gateway.js';
import { hostPort } from './model/addresses.js';
import { runChecks } from './checks/run.js';
import { CHECKS } from './checks/catalogue.js';
import { REPORT_VERSION, type ReachCellSummary, type Report } from './report/types.js';
import type { ReachMatrix } from './model/reach-types.js';
import { SEVERITY_ORDER, type Severity } from './checks/types.js';

/**
 * What limits the audit: every input that was named or looked for and could not be read,
 * parsed or fully seen (not-installed is a fact about the host, not a limitation), each
 * with where and what to do; then the ruleset's own limitations.
 */
function limitations(ctx: AnalysisContext): string[] {
  const lines = INPUT_IDS.flatMap((id) => ctx.inputs[id].map(describeProblem));
  return [...new Set([...lines, ...ctx.netfilter.limitations, ...unmaskedSecrets(ctx)])];
}

/** Secrets left unmasked because they equal a fact of the host: said, because someone chose them so. */
function unmaskedSecrets(ctx: AnalysisContext): string[] {
  const spared = ctx.snapshot.unmaskedSecrets ?? [];
  if (spared.length === 0) return [];
  const lengths = spared.map((s) => s.length).join(', ');
  return [
    `${spared.length} value(s) held as secrets (of ${lengths} characters, from the gateway's environment, config or files) also occur among this host's facts ` +
      '(an address, an interface, a rule word), so they are not masked where echoed: masking them would have changed the facts this audit judges. ' +
      'A secret equal to a fact is no secret, and one set so may be an attempt to hide an exposure: find and replace it.',
  ];
}

/**
 * The audit of a context already built: a command that also plans (harden) or draws the matrix
 * (the HTML report) builds the context once and hands it here, so the matrix is computed once.
 */
export function auditContext(ctx: AnalysisContext): Report {
  const snapshot = ctx.snapshot;
  const { checks, findings } = runChecks(ctx, CHECKS);
  const g = ctx.gateway;
  const count = (r: string) => checks.filter((c) => c.result === r).length;
  const sev = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const report: Report = {
    schemaVersion: REPORT_VERSION,
    tool: { name: 'clawmoat', version: snapshot.tool.version },
    host: { hostname: snapshot.host.hostname, collectedAt: snapshot.collectedAt, uid: snapshot.host.uid },
    gateway: {
      detected: g.detected,
      detectedBy: g.detectedBy,
      ports: g.ports,
      port: { value: g.port.value, source: g.port.source },
      listeners: g.listeners.map(describeSocket),
    },
    checks,
    findings,
    summary: {
      pass: count('pass'),
      fail: count('fail'),
      unknown: count('unknown'),
      skipped: count('skipped'),
      critical: sev('critical'),
      warn: sev('warn'),
      info: sev('info'),
    },
    limitations: limitations(ctx),
    reach: summariseReach(ctx.reach()),
  };
  if (g.effectiveBind) report.gateway.bind = { value: g.effectiveBind.value, source: g.effectiveBind.source };
  if (g.auth.mode) report.gateway.auth = { mode: g.auth.mode.value, source: g.auth.mode.source };
  else if (g.auth.token) report.gateway.auth = { mode: 'token', source: g.auth.token.source };
  if (g.version) report.gateway.version = g.version;
  return report;
}

/** The matrix's cells as a report carries them: enough to tell, next run, which opened or closed. */
export function summariseReach(matrix: ReachMatrix): ReachCellSummary[] {
  return matrix.cells.map((c) => ({
    listener: `${c.listener.protocol} ${hostPort(c.listener.address, c.listener.port)}${c.listener.door ? ` via ${c.listener.door.kind}` : ''}`,
    gateway: c.listener.gateway,
    zone: c.zone.name,
    zoneKind: c.zone.kind,
    verdict: c.verdict,
  }));
}

/** Exit code for --fail-on: 1 when a finding (fail or unknown) is at or above the threshold. */
export function exitCodeFor(report: Report, failOn: Severity | 'none'): 0 | 1 {
  if (failOn === 'none') return 0;
  return report.findings.some((f) => SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[failOn]) ? 1 : 0;
}
