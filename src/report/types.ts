import type { CheckResult, Finding, Severity } from '../checks/types.js';

export const REPORT_VERSION = 1;

/** The audit report. Published in schema/report.schema.json; scripts depend on these names. */
export interface Report {
  schemaVersion: typeof REPORT_VERSION;
  tool: { name: 'clawmoat'; version: string };
  host: { hostname: string; collectedAt: string; uid: number };
  /** What clawmoat understood about the gateway on this host. */
  gateway: GatewaySummary;
  /** Every check that ran, with its result. */
  checks: CheckResult[];
  /** Failed and undecided checks, most severe first. */
  findings: Finding[];
  summary: { pass: number; fail: number; unknown: number; skipped: number; critical: number; warn: number; info: number };
  /** Sources that could not be read, and why: they limit what the audit can say. */
  limitations: string[];
  /**
   * Every cell of the reachability matrix (listener × zone) with its verdict, so a later run can
   * say which cells opened or closed (`audit --baseline`). Absent in reports of older versions.
   */
  reach?: ReachCellSummary[];
  /** What changed since the report given with `--baseline`; absent without one. */
  drift?: Drift;
}

export type ZoneKindName = 'loopback' | 'internet' | 'lan' | 'tailnet' | 'docker' | 'custom';

/** One cell of the reachability matrix, as a report carries it. */
export interface ReachCellSummary {
  /** The row: "tcp 0.0.0.0:18789", with " via <door kind>" for a door. */
  listener: string;
  /** True when the row is the gateway, or a door that leads to it. */
  gateway: boolean;
  /** The zone's name: "internet:eth0", "lan:wlan0", "docker:bridge", "loopback". */
  zone: string;
  zoneKind: ZoneKindName;
  verdict: 'open' | 'filtered' | 'closed' | 'unknown';
}

/** A finding as drift names it. */
export interface DriftFinding {
  id: string;
  severity: Severity;
  status: 'fail' | 'unknown';
  title: string;
  message: string;
  /** For a finding whose severity changed: the severity it had in the baseline. */
  previousSeverity?: Severity;
  /** For a finding whose status changed (unknown → fail, or back): the status it had in the baseline. */
  previousStatus?: 'fail' | 'unknown';
}

/** What changed between a baseline run and this one. */
export interface Drift {
  /** Where the baseline came from (a file) and when it was collected. */
  baseline: { source: string; collectedAt?: string };
  /** Findings in this run that the baseline did not have. */
  new: DriftFinding[];
  /** Findings of the baseline that this run no longer has. */
  resolved: DriftFinding[];
  /** Findings in both whose severity or status changed. */
  changed: DriftFinding[];
  /** Reach cells open now and not in the baseline. */
  opened: ReachCellSummary[];
  /** Reach cells open in the baseline and not now. */
  closed: ReachCellSummary[];
  /** Why part of the comparison could not be made (e.g. the baseline has no reach cells). */
  limitations: string[];
}

export interface GatewaySummary {
  detected: boolean;
  /** How it was found: process, config, well-known port. */
  detectedBy: string[];
  ports: number[];
  bind?: { value: string; source: string };
  port?: { value: number; source: string };
  auth?: { mode: string; source: string };
  version?: string;
  listeners: string[];
}
