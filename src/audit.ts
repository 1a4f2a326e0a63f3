import type { Snapshot } from './snapshot/types.js';
import { buildContext, type AnalysisOptions } from './model/context.js';
import { auditContext } from './audit-context.js';
import type { Report } from './report/types.js';

export { auditContext, exitCodeFor, summariseReach } from './audit-context.js';

/** The audit, from a snapshot to a report. Pure: no I/O. (The CLI audits a context it loads itself: audit-context.ts.) */
export function auditSnapshot(snapshot: Snapshot, options: AnalysisOptions = {}): Report {
  return auditContext(buildContext(snapshot, options));
}
