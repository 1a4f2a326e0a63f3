import { SEVERITY_ORDER, type Severity } from '../checks/types.js';
import { ZONE_KINDS, gatewayExposure, gatewayUndecided } from '../report/exposure.js';
import type { Report, ZoneKindName } from '../report/types.js';
import { inventoryNames } from './inventory.js';
import { computeDrift, driftExitCode, type DriftSide } from './drift.js';
import { FLEET_REPORT_VERSION, type FleetHost, type FleetReport, type FleetUnreadable } from './types.js';

/**
 * One audited host's line of the fleet, made as soon as its audit is done: a fleet keeps these,
 * not the reports (nor the snapshots and analysis contexts behind them), so its memory grows by a
 * row per host; a worker thread sends the row, not the report. `columns` are the checks the host
 * was audited with, for the fleet's hosts × checks table.
 */
export interface FleetRow {
  host: FleetHost;
  columns: FleetReport['checks'];
}

/** A run to compare against, per inventory name (fleet/inventory.ts), as the hosts of this run are named. */
export interface FleetBaseline {
  source: string;
  hosts: Map<string, DriftSide & { collectedAt?: string; source: string }>;
}

const rank = (w: Severity | 'none') => (w === 'none' ? -1 : SEVERITY_ORDER[w]);

function worstOf(report: Report): Severity | 'none' {
  return report.findings.reduce<Severity | 'none'>((w, f) => (rank(f.severity) > rank(w) ? f.severity : w), 'none');
}

/** The row of a host audited from `file`: what the fleet report shows of it, and no more. */
export function fleetRow(file: string, report: Report): FleetRow {
  const reach = (report.reach ?? []).filter((c) => c.verdict === 'open');
  const host: FleetHost = {
    // Named by analyseFleet, which sees every file; the declared name stays in its own field.
    host: file,
    hostname: report.host.hostname,
    file,
    collectedAt: report.host.collectedAt,
    worst: worstOf(report),
    checks: Object.fromEntries(report.checks.map((c) => [c.id, c.result])),
    findings: report.findings.map((f) => ({ id: f.id, severity: f.severity, status: f.status, title: f.title, message: f.message })),
    summary: report.summary,
    exposure: gatewayExposure(report.reach ?? []),
    undecided: gatewayUndecided(report.reach ?? []),
    reach,
    limitations: report.limitations,
  };
  return { host, columns: report.checks.map((c) => ({ id: c.id, title: c.title, severity: c.severity })) };
}

/**
 * The fleet report, from the rows of the hosts audited and the files that could not be read. Pure:
 * the caller reads the files and audits each snapshot (fleet/read.ts).
 */
export function analyseFleet(rows: readonly FleetRow[], unreadable: readonly FleetUnreadable[], version: string, baseline?: FleetBaseline): FleetReport {
  // Copies: a host's name and drift are set below, and the rows stay as they were given.
  const names = inventoryNames(rows.map((r) => r.host.file));
  const named = rows.map((r, i) => ({ ...r.host, host: names[i]! }));
  const hosts = named.sort(
    (a, b) => rank(b.worst) - rank(a.worst) || b.findings.length - a.findings.length || a.host.localeCompare(b.host) || a.file.localeCompare(b.file),
  );
  const checks = [...new Map(rows.flatMap((r) => r.columns.map((c) => [c.id, c] as const))).values()];
  const count = (s: Severity) => hosts.reduce((n, h) => n + h.summary[s], 0);
  const hostsWith = (of: (h: FleetHost) => Record<ZoneKindName, number>) =>
    Object.fromEntries(ZONE_KINDS.map((k) => [k, k === 'loopback' ? 0 : hosts.filter((h) => of(h)[k] > 0).length])) as Record<ZoneKindName, number>;
  const exposed = hostsWith((h) => h.exposure);
  const undecided = hostsWith((h) => h.undecided);
  const report: FleetReport = {
    schemaVersion: FLEET_REPORT_VERSION,
    tool: { name: 'clawmoat', version },
    hosts,
    unreadable: [...unreadable].sort((a, b) => a.file.localeCompare(b.file)),
    checks,
    summary: { hosts: hosts.length, unreadable: unreadable.length, critical: count('critical'), warn: count('warn'), info: count('info'), exposed, undecided },
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
