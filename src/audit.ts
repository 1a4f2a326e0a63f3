import type { Collected, Snapshot } from './snapshot/types.js';
import { buildContext, type AnalysisOptions } from './model/context.js';
import { describeSocket } from './model/gateway.js';
import { runChecks } from './checks/run.js';
import { CHECKS } from './checks/catalogue.js';
import { REPORT_VERSION, type Report } from './report/types.js';
import { SEVERITY_ORDER, type Severity } from './checks/types.js';

/** Sources that limit the audit when missing (not-installed is a fact about the host, not a limitation). */
function limitations(snapshot: Snapshot): string[] {
  const sources: [string, Collected<unknown>][] = [
    ['sockets', snapshot.sockets],
    ['interfaces', snapshot.network.interfaces],
    ['routes', snapshot.network.routes],
    ['iptables-save', snapshot.netfilter.iptablesSave],
    ['ip6tables-save', snapshot.netfilter.ip6tablesSave],
    ['nft ruleset', snapshot.netfilter.nftRuleset],
    ['ufw', snapshot.ufw],
    ['docker', snapshot.docker],
    ['tailscale', snapshot.tailscale],
    ['sshd', snapshot.sshd],
  ];
  if (snapshot.sshd.status === 'ok') sources.push(['sshd config', snapshot.sshd.data.effective]);
  for (const p of snapshot.openclaw.processes) sources.push([`environment of gateway pid ${p.pid}`, p.env]);
  return sources
    .filter(([, c]) => c.status === 'unavailable' && c.reason !== 'not-installed' && c.reason !== 'not-running')
    .map(([name, c]) => `${name}: ${(c as { detail: string }).detail}`);
}

/** The audit, from a snapshot to a report. Pure: no I/O. */
export function auditSnapshot(snapshot: Snapshot, options: AnalysisOptions = {}): Report {
  const ctx = buildContext(snapshot, options);
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
    summary: { pass: count('pass'), fail: count('fail'), unknown: count('unknown'), skipped: count('skipped'), critical: sev('critical'), warn: sev('warn'), info: sev('info') },
    limitations: [...limitations(snapshot), ...ctx.netfilter.limitations],
  };
  if (g.effectiveBind) report.gateway.bind = { value: g.effectiveBind.value, source: g.effectiveBind.source };
  if (g.auth.mode) report.gateway.auth = { mode: g.auth.mode.value, source: g.auth.mode.source };
  else if (g.auth.token) report.gateway.auth = { mode: 'token', source: g.auth.token.source };
  if (g.version) report.gateway.version = g.version;
  return report;
}

/** Exit code for --fail-on: 1 when a finding (fail or unknown) is at or above the threshold. */
export function exitCodeFor(report: Report, failOn: Severity | 'none'): 0 | 1 {
  if (failOn === 'none') return 0;
  return report.findings.some((f) => SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[failOn]) ? 1 : 0;
}
