/**
 * clawmoat as a library: collect a snapshot of this host, or read and validate one; audit it;
 * compute who can reach each listener from each zone; render a report. Everything but
 * collectSnapshot and readSnapshot is pure (no I/O): a snapshot from elsewhere works the same.
 *
 *   import { collectSnapshot, auditSnapshot, renderReport } from 'clawmoat';
 *   const report = auditSnapshot(await collectSnapshot());
 *   process.stdout.write(renderReport(report, 'text'));
 */
import { buildContext, type AnalysisOptions } from './model/context.js';
import type { ReachMatrix } from './model/reach.js';
import type { Snapshot } from './snapshot/types.js';

export { collectSnapshot, type CollectOptions } from './collect/index.js';
export { readSnapshot, validateSnapshot } from './snapshot/io.js';
export { UserError } from './errors.js';
export { auditSnapshot, exitCodeFor } from './audit.js';
export { renderReport, REPORT_FORMATS, type ReportFormat, type RenderOptions } from './report/index.js';
export { parseZoneSpec, type Zone, type ZoneSpec } from './model/zones.js';
export type { AnalysisOptions } from './model/context.js';
export type { ReachCell, ReachMatrix } from './model/reach.js';
export type { Report } from './report/types.js';
export type { Finding, Severity } from './checks/types.js';
export { planHost as planHardening, type HostPlanOptions } from './harden/plan-host.js';
export type { Plan, Step } from './harden/types.js';
export type { Snapshot } from './snapshot/types.js';
export { TOOL_VERSION as VERSION } from './version.js';

/** The reachability matrix: each listener × each zone, with the path that decided it. */
export function reachMatrix(snapshot: Snapshot, options: Pick<AnalysisOptions, 'zones'> = {}): ReachMatrix {
  return buildContext(snapshot, options).reach();
}
