import { SEVERITY_ORDER, type Finding, type Severity } from '../checks/types.js';
import type { Drift, DriftFinding, ReachCellSummary } from '../report/types.js';

/** What a run is compared on: its findings and, when it has them, its reach cells. */
export interface DriftSide {
  findings: readonly Pick<Finding, 'id' | 'severity' | 'status' | 'title' | 'message'>[];
  reach?: readonly ReachCellSummary[];
}

function summary(f: DriftSide['findings'][number]): DriftFinding {
  return { id: f.id, severity: f.severity, status: f.status, title: f.title, message: f.message };
}

/**
 * A cell by listener × zone. Reports before 2026-12 wrote an IPv6 listener unbracketed
 * (`tcp :::22`), later ones bracketed (`tcp [::]:22`): the key drops the brackets, so a baseline of
 * either kind matches.
 */
const cellKey = (c: ReachCellSummary) => `${c.listener.replace(/\[([^\]]*)\]:/, '$1:')}\u0000${c.zone}`;

/**
 * What changed from `before` to `after`. Findings are matched by check id: the same id with the
 * same message first, then the rest of that id in order; a match whose severity differs is
 * `changed`. Reach cells are matched by listener × zone and compared on whether they are open.
 */
export function computeDrift(before: DriftSide, after: DriftSide, baseline: Drift['baseline']): Drift {
  const drift: Drift = { baseline, new: [], resolved: [], changed: [], opened: [], closed: [], limitations: [] };
  const ids = [...new Set([...after.findings.map((f) => f.id), ...before.findings.map((f) => f.id)])];
  for (const id of ids) {
    const was = before.findings.filter((f) => f.id === id);
    const now = after.findings.filter((f) => f.id === id);
    const pairs: [DriftSide['findings'][number], DriftSide['findings'][number]][] = [];
    for (const n of [...now]) {
      const i = was.findIndex((w) => w.message === n.message);
      if (i >= 0) {
        pairs.push([was[i]!, n]);
        was.splice(i, 1);
        now.splice(now.indexOf(n), 1);
      }
    }
    while (was.length > 0 && now.length > 0) pairs.push([was.shift()!, now.shift()!]);
    for (const [w, n] of pairs) if (w.severity !== n.severity) drift.changed.push({ ...summary(n), previousSeverity: w.severity });
    drift.new.push(...now.map(summary));
    drift.resolved.push(...was.map(summary));
  }
  if (!before.reach || !after.reach) {
    drift.limitations.push(
      `${!before.reach ? 'the baseline' : 'this run'} has no reach cells (a report of an older clawmoat?): cells that opened or closed are not compared`,
    );
  } else {
    const openBefore = new Map(before.reach.filter((c) => c.verdict === 'open').map((c) => [cellKey(c), c]));
    const openAfter = new Map(after.reach.filter((c) => c.verdict === 'open').map((c) => [cellKey(c), c]));
    for (const [k, c] of openAfter) if (!openBefore.has(k)) drift.opened.push(c);
    for (const [k, c] of openBefore) if (!openAfter.has(k)) drift.closed.push(c);
  }
  return drift;
}

/**
 * Exit 1 when something appeared at or above the threshold: a new finding, or one whose
 * severity rose to it. A steady state (the same findings as last time) is 0.
 */
export function driftExitCode(drift: Drift, failOn: Severity | 'none'): 0 | 1 {
  if (failOn === 'none') return 0;
  const at = (s: Severity) => SEVERITY_ORDER[s] >= SEVERITY_ORDER[failOn];
  const raised = drift.changed.some((f) => at(f.severity) && (f.previousSeverity === undefined || !at(f.previousSeverity)));
  return drift.new.some((f) => at(f.severity)) || raised ? 1 : 0;
}

/** Whether anything changed at all. */
export function hasDrift(drift: Drift): boolean {
  return drift.new.length + drift.resolved.length + drift.changed.length + drift.opened.length + drift.closed.length > 0;
}
