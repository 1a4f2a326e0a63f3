import { SEVERITY_ORDER, type Finding, type Severity } from '../checks/types.js';
import type { Drift, DriftFinding, ReachCellSummary, ZoneKindName } from '../report/types.js';
import { exposureInternet } from '../checks/rules/exposure-internet.js';
import { exposureLan } from '../checks/rules/exposure-lan.js';

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
 * What changed from `before` to `after`. Findings are matched by check id and message: another
 * message of the same check is another fact (the gateway itself open where a door was, another
 * listener), so it is new and the old one resolved, never paired in order. A match whose severity
 * or status (unknown → fail) differs is `changed`. Reach cells are matched by listener × zone and
 * compared on whether they are open.
 */
export function computeDrift(before: DriftSide, after: DriftSide, baseline: Drift['baseline']): Drift {
  const drift: Drift = { baseline, new: [], resolved: [], changed: [], opened: [], closed: [], limitations: [] };
  const ids = [...new Set([...after.findings.map((f) => f.id), ...before.findings.map((f) => f.id)])];
  for (const id of ids) {
    const was = before.findings.filter((f) => f.id === id);
    for (const n of after.findings.filter((f) => f.id === id)) {
      const i = was.findIndex((w) => w.message === n.message);
      if (i < 0) {
        drift.new.push(summary(n));
        continue;
      }
      const [w] = was.splice(i, 1) as [DriftSide['findings'][number]];
      if (w.severity !== n.severity || w.status !== n.status)
        drift.changed.push({
          ...summary(n),
          ...(w.severity !== n.severity ? { previousSeverity: w.severity } : {}),
          ...(w.status !== n.status ? { previousStatus: w.status } : {}),
        });
    }
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
 * The severity of a gateway cell newly open from a zone of this kind: that of the check that
 * judges such cells (exposure.internet, exposure.lan), so drift weighs it as the audit does.
 */
const OPENED_SEVERITY: Partial<Record<ZoneKindName, Severity>> = {
  internet: exposureInternet.meta.severity,
  lan: exposureLan.meta.severity,
  custom: exposureLan.meta.severity,
};

/**
 * Exit 1 when something appeared at or above the threshold: a new finding, one whose severity
 * rose to it, one that went from undecided to failed (the host was judged, and badly), or a
 * gateway cell newly open beyond loopback. A steady state (the same findings as last time) is 0.
 */
export function driftExitCode(drift: Drift, failOn: Severity | 'none'): 0 | 1 {
  if (failOn === 'none') return 0;
  const at = (s: Severity | undefined) => s !== undefined && SEVERITY_ORDER[s] >= SEVERITY_ORDER[failOn];
  const raised = drift.changed.some(
    (f) => at(f.severity) && ((f.previousSeverity !== undefined && !at(f.previousSeverity)) || (f.previousStatus === 'unknown' && f.status === 'fail')),
  );
  const opened = drift.opened.some((c) => c.gateway && at(OPENED_SEVERITY[c.zoneKind]));
  return drift.new.some((f) => at(f.severity)) || raised || opened ? 1 : 0;
}

/** Whether anything changed at all. */
export function hasDrift(drift: Drift): boolean {
  return drift.new.length + drift.resolved.length + drift.changed.length + drift.opened.length + drift.closed.length > 0;
}
