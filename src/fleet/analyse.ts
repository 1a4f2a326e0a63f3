import { SEVERITY_ORDER, type Severity } from '../checks/types.js';
import { ZONE_KINDS, gatewayExposure } from '../report/exposure.js';
import type { Report, ZoneKindName } from '../report/types.js';
import { computeDrift, driftExitCode, type DriftSide } from './drift.js';
import { FLEET_REPORT_VERSION, type FleetHost, type FleetReport, type FleetUnreadable } from './types.js';

/** One audited host: its report and where it came from. */
export interface AuditedHost {
  file: string;
  report: Report;
}

/** A run to compare against, per hostname. */
export interface FleetBaseline {
  source: string;
  hosts: Map<string, DriftSide & { collectedAt?: string; source: string }>;
}

const rank = (w: Severity | 'none') => (w === 'none' ? -1 : SEVERITY_ORDER[w]);

function worstOf(report: Report): Severity | 'none' {
  return report.findings.reduce<Severity | 'none'>((w, f) => (rank(f.severity) > rank(w) ? f.severity : w), 'none');
}

function fleetHost({ file, report }: AuditedHost): FleetHost {
  const reach = (report.reach ?? []).filter((c) => c.verdict === 'open');
  return {
    host: report.host.hostname,
    file,
    collectedAt: report.host.collectedAt,
    worst: worstOf(report),
    checks: Object.fromEntries(report.checks.map((c) => [c.id, c.result])),
    findings: report.findings.map((f) => ({ id: f.id, severity: f.severity, status: f.status, title: f.title, message: f.message })),
    summary: report.summary,
    exposure: gatewayExposure(report.reach ?? []),
    reach,
    limitations: report.limitations,
  };
}

/**
 * The fleet report, from hosts already audited and files that could not be read. Pure: the
 * caller reads the files (fleet/read.ts) and audits each snapshot.
 */
export function analyseFleet(audited: readonly AuditedHost[], unreadable: readonly FleetUnreadable[], version: string, baseline?: FleetBaseline): FleetReport {
  const named = audited.map(fleetHost);
  // Two snapshots naming the same host would be two series with the same labels: name both by their file too.
  const seenNames = new Map<string, number>();
  for (const h of named) seenNames.set(h.host, (seenNames.get(h.host) ?? 0) + 1);
  for (const h of named) if (seenNames.get(h.host)! > 1) h.host = `${h.host} (${h.file})`;
  const hosts = named.sort(
    (a, b) => rank(b.worst) - rank(a.worst) || b.findings.length - a.findings.length || a.host.localeCompare(b.host) || a.file.localeCompare(b.file),
  );
  const checks = [...new Map(audited.flatMap((a) => a.report.checks.map((c) => [c.id, { id: c.id, title: c.title, severity: c.severity }] as const))).values()];
  const count = (s: Severity) => hosts.reduce((n, h) => n + h.summary[s], 0);
  const exposed = Object.fromEntries(ZONE_KINDS.map((k) => [k, k === 'loopback' ? 0 : hosts.filter((h) => h.exposure[k] > 0).length])) as Record<
    ZoneKindName,
    number
  >;
  const report: FleetReport = {
    schemaVersion: FLEET_REPORT_VERSION,
    tool: { name: 'clawmoat', version },
    hosts,
    unreadable: [...unreadable].sort((a, b) => a.file.localeCompare(b.file)),
    checks,
    summary: { hosts: hosts.length, unreadable: unreadable.length, critical: count('critical'), warn: count('warn'), info: count('info'), exposed },
  };
  if (baseline) {
    const seen = new Set<string>();
    for (const h of hosts) {
      const before = baseline.hosts.get(h.host);
      if (!before) continue;
      seen.add(h.host);
      h.drift = computeDrift(before, h, { source: before.source, ...(before.collectedAt ? { collectedAt: before.collectedAt } : {}) });
    }
    report.baseline = { source: baseline.source, missing: [...baseline.hosts.keys()].filter((k) => !seen.has(k)).sort() };
  }
  return report;
}

/**
 * The exit code: 1 when a host could not be read (its state is unknown, never a pass), or, without
 * a baseline, when the worst host has a finding at or above --fail-on; with a baseline, when a host
 * has something new at or above it (a host absent from the baseline: every finding is new).
 */
export function fleetExitCode(report: FleetReport, failOn: Severity | 'none'): 0 | 1 {
  if (failOn === 'none') return 0;
  if (report.unreadable.length > 0) return 1;
  const at = (s: Severity) => SEVERITY_ORDER[s] >= SEVERITY_ORDER[failOn];
  if (!report.baseline) return report.hosts.some((h) => h.findings.some((f) => at(f.severity))) ? 1 : 0;
  return report.hosts.some((h) => (h.drift ? driftExitCode(h.drift, failOn) === 1 : h.findings.some((f) => at(f.severity)))) ? 1 : 0;
}
