import { describe, expect, it } from 'vitest';
import { computeDrift, driftExitCode, hasDrift, type DriftSide } from '../../../src/fleet/drift.js';
import { auditSnapshot } from '../../../src/audit.js';
import type { ReachCellSummary } from '../../../src/report/types.js';
import { exposedHost, loopbackHost } from './hosts.js';

const f = (id: string, severity: 'info' | 'warn' | 'critical', message = `${id} message`) => ({ id, severity, status: 'fail' as const, title: id, message });
const cell = (listener: string, zone: string, verdict: ReachCellSummary['verdict']): ReachCellSummary => ({
  listener,
  gateway: true,
  zone,
  zoneKind: zone.startsWith('internet') ? 'internet' : 'loopback',
  verdict,
});
const base = { source: 'last.json' };

describe('computeDrift', () => {
  it('names findings new, resolved and changed in severity', () => {
    const before: DriftSide = { findings: [f('a', 'warn'), f('b', 'critical'), f('c', 'info')], reach: [] };
    const after: DriftSide = { findings: [f('a', 'critical'), f('c', 'info'), f('d', 'warn')], reach: [] };
    const d = computeDrift(before, after, base);
    expect(d.new.map((x) => x.id)).toEqual(['d']);
    expect(d.resolved.map((x) => x.id)).toEqual(['b']);
    expect(d.changed).toEqual([{ ...f('a', 'critical'), previousSeverity: 'warn' }]);
    expect(hasDrift(d)).toBe(true);
  });

  it('matches several findings of one check by message first, then in order', () => {
    const before: DriftSide = { findings: [f('x', 'warn', 'one'), f('x', 'warn', 'two')] };
    const after: DriftSide = { findings: [f('x', 'warn', 'two'), f('x', 'warn', 'three'), f('x', 'critical', 'four')] };
    const d = computeDrift(before, after, base);
    expect(d.new.map((x) => x.message)).toEqual(['four']);
    expect(d.resolved).toEqual([]);
    expect(d.changed).toEqual([]);
  });

  it('names reach cells that opened or closed, by listener × zone', () => {
    const before: DriftSide = {
      findings: [],
      reach: [
        cell('tcp 0.0.0.0:18789', 'internet:eth0', 'filtered'),
        cell('tcp 0.0.0.0:18789', 'loopback', 'open'),
        cell('tcp 0.0.0.0:22', 'internet:eth0', 'open'),
      ],
    };
    const after: DriftSide = { findings: [], reach: [cell('tcp 0.0.0.0:18789', 'internet:eth0', 'open'), cell('tcp 0.0.0.0:18789', 'loopback', 'open')] };
    const d = computeDrift(before, after, base);
    expect(d.opened.map((c) => `${c.listener} ${c.zone}`)).toEqual(['tcp 0.0.0.0:18789 internet:eth0']);
    expect(d.closed.map((c) => `${c.listener} ${c.zone}`)).toEqual(['tcp 0.0.0.0:22 internet:eth0']);
  });

  it('an IPv6 listener of an older report (unbracketed) is the same cell as the bracketed one of today', () => {
    const before: DriftSide = { findings: [], reach: [cell('tcp :::18789', 'internet:eth0', 'open'), cell('tcp :::22', 'internet:eth0', 'open')] };
    const after: DriftSide = { findings: [], reach: [cell('tcp [::]:18789', 'internet:eth0', 'open'), cell('tcp [::]:8080', 'internet:eth0', 'open')] };
    const d = computeDrift(before, after, base);
    expect(d.opened.map((c) => c.listener)).toEqual(['tcp [::]:8080']);
    expect(d.closed.map((c) => c.listener)).toEqual(['tcp :::22']);
  });

  it('says so when the baseline has no reach cells, instead of reporting none opened', () => {
    const d = computeDrift({ findings: [] }, { findings: [], reach: [cell('tcp 0.0.0.0:1', 'loopback', 'open')] }, base);
    expect(d.opened).toEqual([]);
    expect(d.limitations[0]).toMatch(/baseline has no reach cells/);
  });

  it('exits 1 only for something new (or raised) at or above --fail-on: a steady state is 0', () => {
    const steady = computeDrift({ findings: [f('a', 'critical')] }, { findings: [f('a', 'critical')] }, base);
    expect(driftExitCode(steady, 'warn')).toBe(0);
    const newWarn = computeDrift({ findings: [] }, { findings: [f('a', 'warn')] }, base);
    expect(driftExitCode(newWarn, 'warn')).toBe(1);
    expect(driftExitCode(newWarn, 'critical')).toBe(0);
    expect(driftExitCode(newWarn, 'none')).toBe(0);
    const raised = computeDrift({ findings: [f('a', 'warn')] }, { findings: [f('a', 'critical')] }, base);
    expect(driftExitCode(raised, 'critical')).toBe(1);
    expect(driftExitCode(raised, 'warn')).toBe(0);
    const resolved = computeDrift({ findings: [f('a', 'critical')] }, { findings: [] }, base);
    expect(driftExitCode(resolved, 'info')).toBe(0);
  });

  it('on real reports: a gateway that moved from loopback to every address is new findings and an internet cell opened', () => {
    const before = auditSnapshot(loopbackHost('h'));
    const after = auditSnapshot(exposedHost('h'));
    const d = computeDrift(before, after, base);
    expect(d.new.map((x) => x.id)).toEqual(expect.arrayContaining(['gateway.bind.public', 'exposure.internet']));
    expect(d.opened.some((c) => c.gateway && c.zoneKind === 'internet')).toBe(true);
    expect(driftExitCode(d, 'critical')).toBe(1);
    expect(computeDrift(after, after, base)).toMatchObject({ new: [], resolved: [], changed: [], opened: [], closed: [] });
  });
});
