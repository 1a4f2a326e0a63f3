import type { CheckResultKind, Severity } from '../checks/types.js';
import { withTrailingNewline, type RenderOptions } from './common.js';
import { ZONE_KINDS, gatewayExposure, gatewayUndecided } from './exposure.js';
import type { Report } from './types.js';

/**
 * The Prometheus text exposition format (0.0.4), for node_exporter's textfile collector. Metric
 * names follow https://prometheus.io/docs/practices/naming/: the `clawmoat_` prefix, base units
 * (seconds), no high-cardinality labels (check ids are a fixed catalogue).
 */

/** clawmoat_check_status's value per result: alert on `== 1` (fail) or `>= 1` (fail or undecided). */
export const CHECK_STATUS_VALUE: Record<CheckResultKind, number> = { pass: 0, fail: 1, unknown: 2, skipped: 3 };
const SEVERITIES: readonly Severity[] = ['critical', 'warn', 'info'];

/** A label value, escaped as the exposition format wants (backslash, double quote, newline). */
export function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function labels(pairs: Record<string, string | undefined>): string {
  const parts = Object.entries(pairs)
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}="${labelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** One metric family: HELP, TYPE, then its samples. */
export function family(name: string, help: string, samples: [Record<string, string | undefined>, number][], type = 'gauge'): string[] {
  return [
    `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, ' ')}`,
    `# TYPE ${name} ${type}`,
    ...samples.map(([l, v]) => `${name}${labels(l)} ${Number.isFinite(v) ? v : 'NaN'}`),
  ];
}

export const HELP = {
  checkStatus: 'Result of each clawmoat check: 0 pass, 1 fail, 2 unknown (could not decide), 3 skipped (does not apply).',
  findings: 'Findings (failed or undecided checks) by severity.',
  exposed: 'Open cells of the reach matrix for the gateway (or a door to it), by kind of zone the clients are in.',
  exposureUnknown:
    'Cells of the reach matrix for the gateway (or a door to it) that could not be decided, by kind of zone: clawmoat_gateway_exposed 0 with this above 0 is not "not reachable".',
  hostInfo: 'Always 1: a fleet host by its inventory name (host, its file), with the hostname its snapshot declares (chosen by the host, so never a key).',
  timestamp: 'Unix time at which this clawmoat run finished.',
  duration: 'How long this clawmoat run took, in seconds.',
  collected: 'Unix time at which the snapshot analysed was collected.',
  baselineChanges:
    'With audit --baseline: what changed since the baseline report (findings new, resolved or changed in severity or status; reach cells open now and not then, or then and not now). The exit code comes from these.',
} as const;

/** The kinds of change `clawmoat_baseline_changes` counts, one sample each. */
const CHANGES = ['new', 'resolved', 'changed', 'opened', 'closed'] as const;

/** The samples of one report, `extra` labels (e.g. host) on each. */
export function reportSamples(report: Report, extra: Record<string, string> = {}) {
  const exposure = gatewayExposure(report.reach ?? []);
  const undecided = gatewayUndecided(report.reach ?? []);
  return {
    checks: report.checks.map((c): [Record<string, string>, number] => [{ ...extra, check: c.id, severity: c.severity }, CHECK_STATUS_VALUE[c.result]]),
    findings: SEVERITIES.map((s): [Record<string, string>, number] => [{ ...extra, severity: s }, report.summary[s]]),
    exposed: report.reach ? ZONE_KINDS.map((k): [Record<string, string>, number] => [{ ...extra, zone_kind: k }, exposure[k]]) : [],
    exposureUnknown: report.reach ? ZONE_KINDS.map((k): [Record<string, string>, number] => [{ ...extra, zone_kind: k }, undecided[k]]) : [],
    collected: [[extra, Date.parse(report.host.collectedAt) / 1000]] as [Record<string, string>, number][],
  };
}

/** Run metrics, when the caller (which owns the clock) passed them. */
export function runFamilies(options: RenderOptions): string[] {
  const out: string[] = [];
  if (options.runFinishedAt !== undefined) out.push(...family('clawmoat_last_run_timestamp_seconds', HELP.timestamp, [[{}, options.runFinishedAt]]));
  if (options.runDurationSeconds !== undefined) out.push(...family('clawmoat_run_duration_seconds', HELP.duration, [[{}, options.runDurationSeconds]]));
  return out;
}

export function renderPrometheus(report: Report, options: RenderOptions = {}): string {
  const s = reportSamples(report);
  return withTrailingNewline(
    [
      ...family('clawmoat_check_status', HELP.checkStatus, s.checks),
      ...family('clawmoat_findings', HELP.findings, s.findings),
      ...(s.exposed.length > 0 ? family('clawmoat_gateway_exposed', HELP.exposed, s.exposed) : []),
      ...(s.exposureUnknown.length > 0 ? family('clawmoat_gateway_exposure_unknown', HELP.exposureUnknown, s.exposureUnknown) : []),
      ...family('clawmoat_snapshot_collected_timestamp_seconds', HELP.collected, s.collected),
      ...(report.drift
        ? family(
            'clawmoat_baseline_changes',
            HELP.baselineChanges,
            CHANGES.map((c) => [{ change: c }, report.drift![c].length]),
          )
        : []),
      ...runFamilies(options),
    ].join('\n'),
  );
}
