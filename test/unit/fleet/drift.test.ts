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

  it('matches findings of one check by message only: another message of the same check is new, the old one resolved', () => {
    const before: DriftSide = { findings: [f('x', 'warn', 'one'), f('x', 'warn', 'two')] };
    const after: DriftSide = { findings: [f('x', 'warn', 'two'), f('x', 'warn', 'three'), f('x', 'critical', 'four')] };
    const d = computeDrift(before, after, base);
    expect(d.new.map((x) => x.message)).toEqual(['three', 'four']);
    expect(d.resolved.map((x) => x.message)).toEqual(['one']);
    expect(d.changed).toEqual([]);
  });

  it('a door open from the internet replaced by the gateway itself open from the internet is new, not the same finding: exit 1', () => {
    const door = f('exposure.internet', 'critical', 'The gateway is reachable through tcp 0.0.0.0:443 (nginx) from internet:eth0');
    const gateway = f('exposure.internet', 'critical', 'The gateway tcp 0.0.0.0:18789 (openclaw-gatewa) is open from internet:eth0');
    const d = computeDrift({ findings: [door] }, { findings: [gateway] }, base);
    expect(d.new.map((x) => x.message)).toEqual([gateway.message]);
    expect(driftExitCode(d, 'warn')).toBe(1);
  });

  it('the same finding going from unknown to fail is changed (previousStatus unknown) and exits 1 at its severity', () => {
    const unknown = { ...f('exposure.internet', 'critical', 'same'), status: 'unknown' as const };
    const d = computeDrift({ findings: [unknown] }, { findings: [f('exposure.internet', 'critical', 'same')] }, base);
    expect(d.changed).toEqual([{ ...f('exposure.internet', 'critical', 'same'), previousStatus: 'unknown' }]);
    expect(driftExitCode(d, 'warn')).toBe(1);
    expect(driftExitCode(d, 'critical')).toBe(1);
    const back = computeDrift({ findings: [f('exposure.internet', 'critical', 'same')] }, { findings: [unknown] }, base);
    expect(back.changed).toEqual([{ ...unknown, previousStatus: 'fail' }]);
    expect(driftExitCode(back, 'warn')).toBe(0);
  });

  it('a gateway cell newly open beyond loopback exits 1 at the severity of its exposure check, even with no finding new', () => {
    const internet = computeDrift(
      { findings: [], reach: [cell('tcp 0.0.0.0:18789', 'internet:eth0', 'unknown')] },
      { findings: [], reach: [cell('tcp 0.0.0.0:18789', 'internet:eth0', 'open')] },
      base,
    );
    expect(driftExitCode(internet, 'critical')).toBe(1);
    const lan = { ...cell('tcp 0.0.0.0:18789', 'lan:eth1', 'open'), zoneKind: 'lan' as const };
    const lanOpened = computeDrift({ findings: [], reach: [] }, { findings: [], reach: [lan] }, base);
    expect(driftExitCode(lanOpened, 'warn')).toBe(1);
    expect(driftExitCode(lanOpened, 'critical')).toBe(0);
    const notGateway = computeDrift(
      { findings: [], reach: [] },
      { findings: [], reach: [{ ...cell('tcp 0.0.0.0:22', 'internet:eth0', 'open'), gateway: false }] },
      base,
    );
    expect(driftExitCode(notGateway, 'info')).toBe(0);
    const loopback = computeDrift({ findings: [], reach: [] }, { findings: [], reach: [cell('tcp 127.0.0.1:18789', 'loopback', 'open')] }, base);
    expect(driftExitCode(loopback, 'info')).toBe(0);
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
