import type { CheckResult, Finding } from '../checks/types.js';

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
