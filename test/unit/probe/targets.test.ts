import { describe, expect, it } from 'vitest';
import { MAX_TARGET_PORTS, parseTargetSpec, planTargets } from '../../../src/probe/targets.js';
import { baselineSnapshot, compose, tcpListener, withInterface, withSockets } from '../../fixtures/builders/snapshot.js';

const host = compose(withInterface('eth1', '192.168.1.10', 24), withInterface('eth1', 'fd00:1::10', 64), withInterface('eth1', 'fe80::1', 64));

describe('planTargets: the host view', () => {
  it('probes each TCP listener port on every non-loopback address of a family it serves', () => {
    const snapshot = compose(
      host,
      withSockets(tcpListener('0.0.0.0', 18789), { protocol: 'tcp', address: '::', port: 22, family: 6, v6only: false }),
    )(baselineSnapshot());
    const { targets } = planTargets(snapshot);
    expect(targets).toEqual([
      { address: '192.168.1.10', port: 22 },
      { address: '198.51.100.10', port: 22 },
      { address: 'fd00:1::10', port: 22 },
      { address: '192.168.1.10', port: 18789 },
      { address: '198.51.100.10', port: 18789 },
    ]);
  });

  it('probes a loopback-only port on the other addresses too, where it must be refused', () => {
    const snapshot = compose(host, withSockets(tcpListener('127.0.0.1', 18789)))(baselineSnapshot());
    expect(planTargets(snapshot).targets.map((t) => t.address)).toEqual(['192.168.1.10', '198.51.100.10']);
  });

  it('never probes loopback or link-local addresses, and says what it left out', () => {
    const snapshot = compose(host, withSockets(tcpListener('::', 80), { protocol: 'udp', address: '0.0.0.0', port: 53, family: 4 }))(baselineSnapshot());
    const plan = planTargets(snapshot);
    expect(plan.targets.map((t) => t.address)).not.toContain('fe80::1');
    expect(plan.targets.map((t) => t.address)).not.toContain('::1');
    expect(plan.notes.join('\n')).toMatch(/1 UDP listener/);
    expect(plan.notes.join('\n')).toMatch(/link-local/);
  });

  it('with --target, probes only that address (the host the user names), on the port given or every listener port', () => {
    const snapshot = compose(host, withSockets(tcpListener('0.0.0.0', 18789), tcpListener('0.0.0.0', 22)))(baselineSnapshot());
    expect(planTargets(snapshot, { target: { host: '203.0.113.5' } }).targets).toEqual([
      { address: '203.0.113.5', port: 22 },
      { address: '203.0.113.5', port: 18789 },
    ]);
    expect(planTargets(snapshot, { target: { host: '192.168.1.10', port: 9999 } }).targets).toEqual([{ address: '192.168.1.10', port: 9999 }]);
  });

  it('with --target, a snapshot listing thousands of ports cannot make the probe a port scan of the host named', () => {
    const many = Array.from({ length: 2000 }, (_, i) => tcpListener('0.0.0.0', 10_000 + i));
    const plan = planTargets(compose(host, withSockets(...many))(baselineSnapshot()), { target: { host: '203.0.113.5' } });
    expect(plan.targets).toHaveLength(MAX_TARGET_PORTS);
    expect(plan.targets.every((t) => t.address === '203.0.113.5')).toBe(true);
    expect(plan.notes.join('\n')).toMatch(/1744 of 2000 listener ports not probed/);
  });

  it('refuses to guess when the listeners are unknown and no port is named', () => {
    const snapshot = {
      ...baselineSnapshot(),
      sockets: { status: 'unavailable' as const, reason: 'permission-denied' as const, detail: 'ss: permission denied' },
    };
    expect(() => planTargets(snapshot)).toThrow(/run as root, or name a port/);
  });
});

describe('parseTargetSpec', () => {
  it.each([
    ['198.51.100.10', { host: '198.51.100.10' }],
    ['198.51.100.10:18789', { host: '198.51.100.10', port: 18789 }],
    ['[2001:db8::1]:22', { host: '2001:db8::1', port: 22 }],
    ['2001:db8::1', { host: '2001:db8::1' }],
    ['vps.example.com:18789', { host: 'vps.example.com', port: 18789 }],
  ])('%s', (text, expected) => expect(parseTargetSpec(text)).toEqual(expected));

  it.each(['10.0.0.0/24', '10.0.0.1-10.0.0.9', '10.0.0.1,10.0.0.2', '*', 'host:70000', 'a b'])('rejects %s: one host, never a range', (text) => {
    expect(() => parseTargetSpec(text)).toThrow(/--target/);
  });
});
