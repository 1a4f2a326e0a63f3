import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../../src/model/context.js';
import { entrancesTo, portPoints } from '../../../../src/netfilter/entrances.js';
import { baselineSnapshot, compose, tcpListener, withInterface, withIptables, withSockets } from '../../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import { ipt, nft, nftDoc, x } from './helpers.js';

/**
 * Every path into a listener counts (issue 15): a cell answers "by any port and any address the
 * client can aim at", so a DNAT or REDIRECT that lands on the listener's port is a path.
 */

const LAN = withInterface('eth1', '192.168.1.10', 24);
const TS = withInterface('tailscale0', '100.100.0.1', 10);

function matrix(...patches: ((s: Snapshot) => Snapshot)[]) {
  return buildContext(compose(...patches)(baselineSnapshot())).reach();
}

const withNft =
  (doc: unknown) =>
  (s: Snapshot): Snapshot => ({ ...s, netfilter: { ...s.netfilter, nftRuleset: { status: 'ok', data: doc } } });

describe('a DNAT from another port is a path (the seed that found it)', () => {
  // `-t nat -A PREROUTING -i eth1 -p tcp --dport 80 -j DNAT --to-destination 100.100.0.1:22` (the host's
  // tailnet address) and a raw drop of port 22 on eth1: the kernel connects through port 80.
  const rules = [
    '*raw',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A PREROUTING -i eth1 -p tcp -m tcp --dport 22 -j DROP',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    '-A PREROUTING -i eth1 -p tcp -m tcp --dport 80 -j DNAT --to-destination 100.100.0.1:22',
    'COMMIT',
    '',
  ].join('\n');

  it('the LAN cell of 0.0.0.0:22 is open, aimed at port 80 of an address the LAN client can use', () => {
    const m = matrix(LAN, TS, withIptables(rules), withSockets(tcpListener('0.0.0.0', 22, 7, 'sshd')));
    const cell = m.cells.find((c) => c.listener.port === 22 && c.zone.interface === 'eth1');
    expect(cell).toMatchObject({ verdict: 'open', destinationPort: 80 });
    expect(cell?.destination).not.toBe('127.0.0.1');
    expect(cell?.reason).toMatch(/aimed at .*:80, translated by ip nat PREROUTING rule 1 and delivered to 0\.0\.0\.0:22/);
    expect(cell?.path.map((s) => s.text).join('\n')).toMatch(/DNAT .*:80 → 100\.100\.0\.1:22/);
    // The internet (eth0) meets no such rule: its own port 22 is open and needs no translation.
    const inet = m.cells.find((c) => c.listener.port === 22 && c.zone.interface === 'eth0');
    expect(inet).toMatchObject({ verdict: 'open' });
    expect(inet?.destinationPort).toBeUndefined();
  });

  it('a DNAT to a socket bound elsewhere is no path to it', () => {
    const m = matrix(LAN, TS, withIptables(rules), withSockets(tcpListener('192.168.1.10', 22, 7, 'sshd')));
    const cell = m.cells.find((c) => c.listener.port === 22 && c.zone.interface === 'eth1');
    expect(cell?.verdict).toBe('filtered');
  });
});

describe('REDIRECT and nft dnat (maps too) from other ports', () => {
  it('`tcp dport 2222 redirect to :22` beside a drop of 22 on eth1', () => {
    const doc = nftDoc(
      { family: 'inet', name: 'f', chains: [{ name: 'input', base: { hook: 'input', prio: 0 }, rules: [[x.iifname('eth1'), x.tcpDport(22), x.drop]] }] },
      {
        family: 'ip',
        name: 'n',
        chains: [{ name: 'pre', base: { type: 'nat', hook: 'prerouting', prio: -100 }, rules: [[x.tcpDport(2222), { redirect: { port: 22 } }]] }],
      },
    );
    const m = matrix(LAN, withNft(doc), withSockets(tcpListener('0.0.0.0', 22, 7, 'sshd')));
    const cell = m.cells.find((c) => c.listener.port === 22 && c.zone.interface === 'eth1');
    // The input chain sees port 22 after the REDIRECT, and drops it too: filtered.
    expect(cell?.verdict).toBe('filtered');
    const doc2 = nftDoc(
      { family: 'inet', name: 'f', chains: [{ name: 'pre', base: { hook: 'prerouting', prio: -300 }, rules: [[x.iifname('eth1'), x.tcpDport(22), x.drop]] }] },
      {
        family: 'ip',
        name: 'n',
        chains: [{ name: 'pre', base: { type: 'nat', hook: 'prerouting', prio: -100 }, rules: [[x.tcpDport(2222), { redirect: { port: 22 } }]] }],
      },
    );
    const m2 = matrix(LAN, withNft(doc2), withSockets(tcpListener('0.0.0.0', 22, 7, 'sshd')));
    expect(m2.cells.find((c) => c.listener.port === 22 && c.zone.interface === 'eth1')).toMatchObject({ verdict: 'open', destinationPort: 2222 });
  });

  it('`dnat to tcp dport map { 8022 : 192.168.1.10 . 22 }` offers port 8022', () => {
    const dnat = { dnat: { addr: { map: { key: x.payload('tcp', 'dport'), data: { set: [[8022, { concat: ['192.168.1.10', 22] }]] } } } } };
    const ruleset = nft(nftDoc({ family: 'ip', name: 'n', chains: [{ name: 'pre', base: { type: 'nat', hook: 'prerouting', prio: -100 }, rules: [[dnat]] }] }));
    expect(entrancesTo(ruleset, 22)).toEqual([expect.objectContaining({ ports: [8022] })]);
    expect(entrancesTo(ruleset, 80)).toEqual([]);
  });

  it('a DNAT rule without a port condition is met on any port: the ruleset port bounds stand for them', () => {
    const ruleset = ipt(
      '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i eth1 -p tcp -j DNAT --to-destination 192.168.1.10:22\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 1000:2000 -j DROP\nCOMMIT\n',
    );
    expect(portPoints(ruleset)).toEqual([999, 1000, 2000, 2001]);
    const [e] = entrancesTo(ruleset, 22);
    expect(e?.ports).toEqual(expect.arrayContaining([22, 1, 65535, 999, 1000, 2000, 2001]));
  });
});

describe('a path the kernel picks at random for each connection counts (kube-proxy endpoints)', () => {
  const rules = (probability: string) =>
    [
      '*raw',
      ':PREROUTING ACCEPT [0:0]',
      '-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DROP',
      'COMMIT',
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':SVC - [0:0]',
      ':SEP1 - [0:0]',
      ':SEP2 - [0:0]',
      '-A PREROUTING -p tcp -m tcp --dport 30022 -j SVC',
      `-A SVC -m statistic --mode ${probability} -j SEP1`,
      '-A SVC -j SEP2',
      '-A SEP1 -p tcp -m tcp -j DNAT --to-destination 198.51.100.10:8080',
      '-A SEP2 -p tcp -m tcp -j DNAT --to-destination 10.244.0.5:8080',
      'COMMIT',
      '',
    ].join('\n');

  it('NodePort 30022 reaches the local endpoint half the time: open, and the reason says it is chosen at random', () => {
    const m = matrix(LAN, withIptables(rules('random --probability 0.50000000000')), withSockets(tcpListener('0.0.0.0', 8080, 7, 'app')));
    const cell = m.cells.find((c) => c.listener.port === 8080 && c.zone.interface === 'eth0');
    expect(cell).toMatchObject({ verdict: 'open', destinationPort: 30022 });
    expect(cell?.reason).toMatch(/chosen|at random/);
  });

  it('a choice that counts packets (--mode nth) is not random: unknown, named', () => {
    const m = matrix(LAN, withIptables(rules('nth --every 2 --packet 0')), withSockets(tcpListener('0.0.0.0', 8080, 7, 'app')));
    const cell = m.cells.find((c) => c.listener.port === 8080 && c.zone.interface === 'eth0');
    expect(cell?.verdict).toBe('unknown');
    expect(cell?.reason).toMatch(/statistic/);
  });
});

describe('what conntrack records of a translation (seeds 976003495, 976003426)', () => {
  it('nft `ct status != dnat` compares the whole status word: it matches a DNATed connection (DST_NAT_DONE is set too); `ct status dnat` tests the bit', async () => {
    const { simulate } = await import('../../../../src/netfilter/simulate/index.js');
    const { labHost, tcp } = await import('./helpers.js');
    const status = (op: string) =>
      nft(
        nftDoc(
          {
            family: 'ip',
            name: 'n',
            chains: [{ name: 'pre', base: { type: 'nat', hook: 'prerouting', prio: -100 }, rules: [[x.tcpDport(80), x.dnat('192.168.1.10', 22)]] }],
          },
          {
            family: 'inet',
            name: 'f',
            chains: [{ name: 'in', base: { hook: 'input', prio: 0 }, rules: [[x.match({ ct: { key: 'status' } }, 'dnat', op), x.drop]] }],
          },
        ),
      );
    const p = tcp('eth1', '192.168.1.50', '192.168.1.10', 80);
    expect(simulate(status('!='), labHost(), p).disposition).toBe('dropped');
    expect(simulate(status('=='), labHost(), p).disposition).toBe('local');
    expect(simulate(status('in'), labHost(), p).disposition).toBe('dropped');
    // Without a DNAT the bit is not there: `!=` still matches, `in` does not.
    const q = tcp('eth1', '192.168.1.50', '192.168.1.10', 22);
    expect(simulate(status('!='), labHost(), q).disposition).toBe('dropped');
    expect(simulate(status('in'), labHost(), q).disposition).toBe('local');
  });

  it('a DNAT to where the packet already goes changes no tuple: no DNAT state (iptables --ctstate DNAT does not match)', async () => {
    const { simulate } = await import('../../../../src/netfilter/simulate/index.js');
    const { labHost, tcp } = await import('./helpers.js');
    const rules = ipt(
      '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8443 -j DNAT --to-destination 198.51.100.10\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m conntrack --ctstate DNAT -j DROP\nCOMMIT\n',
    );
    expect(simulate(rules, labHost(), tcp('eth1', '192.168.1.50', '198.51.100.10', 8443)).disposition).toBe('local');
    expect(simulate(rules, labHost(), tcp('eth1', '192.168.1.50', '192.168.1.10', 8443)).disposition).toBe('dropped');
  });
});

describe('a translation that lands on another listener (seed 633449098)', () => {
  // From ::1, `-t nat -A OUTPUT -p tcp --dport 9090 -j DNAT --to-destination [fd00:dead:beef::1]:8080`
  // hands the connection to the listener on [::]:8080: the kernel completes the handshake with it,
  // so for the listener on 9090 the cell is closed, not a lost reset (which only a refusal meets).
  const v6 = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    '-A OUTPUT -p tcp -m tcp --dport 9090 -j DNAT --to-destination [fd00:dead:beef::1]:8080',
    'COMMIT',
    '',
  ].join('\n');
  const host = [
    withInterface('eth0', '2001:db8:100::10', 64),
    withInterface('docker0', 'fd00:dead:beef::1', 64),
    withIptables('', v6),
    withSockets(tcpListener('2001:db8:100::10', 9090, 7), tcpListener('::', 8080, 8)),
  ];

  it('the loopback cell of the 9090 listener is closed: another listener answers', () => {
    const cell = matrix(...host).cells.find((c) => c.listener.port === 9090 && c.zone.kind === 'loopback');
    expect(cell?.verdict).toBe('closed');
    expect(cell?.reason).toMatch(/redirected to port 8080, where another listener answers/);
  });

  it('without a listener there, the reset to ::1 is lost and the client times out (filtered), as before', () => {
    const cell = matrix(...host.slice(0, 3), withSockets(tcpListener('2001:db8:100::10', 9090, 7))).cells.find(
      (c) => c.listener.port === 9090 && c.zone.kind === 'loopback',
    );
    expect(cell?.verdict).toBe('filtered');
    expect(cell?.reason).toMatch(/reset to ::1 is lost/);
  });
});
