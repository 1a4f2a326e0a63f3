import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { buildContext } from '../../../src/model/context.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { baselineSnapshot, compose, tcpListener, withGatewayProcess, withInterface, withIptables, withSockets } from '../../fixtures/builders/snapshot.js';

/**
 * A zone's clients are one address per class of addresses the ruleset tells apart (review D, s12):
 * a class is made by each address test and each set element that leads somewhere else, never by a
 * whole rule, and a rule that only drops makes none. Each case admits the gateway from 5.1.0.0/16
 * only; the internet must read open and exposure.internet fail.
 */

const saddr = { payload: { protocol: 'ip', field: 'saddr' } };
const dport = { payload: { protocol: 'tcp', field: 'dport' } };

function nft(rules: unknown[][], sets: unknown[] = []): unknown {
  return {
    nftables: [
      { metainfo: { version: '1.0.6', json_schema_version: 1 } },
      { table: { family: 'inet', name: 'f', handle: 1 } },
      { chain: { family: 'inet', table: 'f', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
      ...sets,
      ...rules.map((expr, i) => ({ rule: { family: 'inet', table: 'f', chain: 'input', handle: 10 + i, expr } })),
    ],
  };
}

const gateway = (address = '0.0.0.0') =>
  [withSockets(tcpListener(address, 18789, 200, 'openclaw-gateway')), withGatewayProcess(200, ['openclaw-gateway'])] as const;

function nftHost(doc: unknown): Snapshot {
  const s = compose(...gateway())(baselineSnapshot());
  return { ...s, netfilter: { ...s.netfilter, iptablesSave: { status: 'ok', data: '' }, nftRuleset: { status: 'ok', data: doc as never } } };
}

function iptablesHost(rules: string[], address = '0.0.0.0'): Snapshot {
  const text = ['*filter', ':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', ...rules, 'COMMIT', ''].join('\n');
  return compose(withIptables(text), ...gateway(address))(baselineSnapshot());
}

function internet(s: Snapshot): { verdict: string; source: string; reason: string; check: string | undefined } {
  const cell = buildContext(s)
    .reach()
    .cells.find((c) => c.listener.port === 18789 && c.zone.kind === 'internet');
  if (!cell) throw new Error('no internet cell for the gateway');
  return {
    verdict: cell.verdict,
    source: cell.zone.source,
    reason: cell.reason,
    check: auditSnapshot(s).checks.find((c) => c.id === 'exposure.internet')?.result,
  };
}

const prefix = (addr: string, len: number) => ({ prefix: { addr, len } });

describe('source classes: what tells a zone’s clients apart', () => {
  const cases: [string, Snapshot][] = [
    [
      'an nft concatenation: the office to ssh, the VPN range to the gateway',
      nftHost(
        nft(
          [[{ match: { op: '==', left: { concat: [saddr, dport] }, right: '@allowed' } }, { accept: null }]],
          [
            {
              set: {
                family: 'inet',
                table: 'f',
                name: 'allowed',
                type: ['ipv4_addr', 'inet_service'],
                handle: 3,
                flags: ['interval'],
                elem: [{ concat: [prefix('5.0.0.0', 16), 22] }, { concat: [prefix('5.1.0.0', 16), 18789] }],
              },
            },
          ],
        ),
      ),
    ],
    [
      'an nft verdict map on the source',
      nftHost(
        nft([
          [
            {
              vmap: {
                key: saddr,
                data: {
                  set: [
                    [prefix('5.0.0.0', 16), { drop: null }],
                    [prefix('5.1.0.0', 16), { accept: null }],
                  ],
                },
              },
            },
          ],
        ]),
      ),
    ],
    [
      'two source tests in one nft rule',
      nftHost(
        nft([
          [
            { match: { op: '==', left: saddr, right: prefix('5.0.0.0', 8) } },
            { match: { op: '!=', left: saddr, right: prefix('5.0.0.0', 16) } },
            { match: { op: '!=', left: saddr, right: prefix('5.2.0.0', 15) } },
            { match: { op: '!=', left: saddr, right: prefix('5.4.0.0', 14) } },
            { match: { op: '!=', left: saddr, right: prefix('5.8.0.0', 13) } },
            { match: { op: '!=', left: saddr, right: prefix('5.16.0.0', 12) } },
            { match: { op: '!=', left: saddr, right: prefix('5.32.0.0', 11) } },
            { match: { op: '!=', left: saddr, right: prefix('5.64.0.0', 10) } },
            { match: { op: '!=', left: saddr, right: prefix('5.128.0.0', 9) } },
            { accept: null },
          ],
        ]),
      ),
    ],
    [
      'an ipset whose nomatch entry cuts a range out of a member',
      (() => {
        const s = iptablesHost(['-A INPUT -m set --match-set allow src -p tcp --dport 18789 -j ACCEPT']);
        const save =
          'create allow hash:net family inet hashsize 1024 maxelem 65536\nadd allow 5.0.0.0/16 nomatch\nadd allow 5.2.0.0/15 nomatch\nadd allow 5.4.0.0/14 nomatch\nadd allow 5.8.0.0/13 nomatch\nadd allow 5.16.0.0/12 nomatch\nadd allow 5.32.0.0/11 nomatch\nadd allow 5.64.0.0/10 nomatch\nadd allow 5.128.0.0/9 nomatch\nadd allow 5.0.0.0/8\n';
        return { ...s, netfilter: { ...s.netfilter, ipsetSave: { status: 'ok', data: save } } } as Snapshot;
      })(),
    ],
    [
      'a GeoIP allow-list: everything not in an ipset dropped',
      (() => {
        const s = iptablesHost(['-A INPUT -m set ! --match-set geo src -j DROP', '-A INPUT -p tcp --dport 18789 -j ACCEPT']);
        return { ...s, netfilter: { ...s.netfilter, ipsetSave: { status: 'ok', data: 'create geo hash:net family inet\nadd geo 5.1.0.0/17\n' } } } as Snapshot;
      })(),
    ],
    ['everything but one range dropped (! -s ... -j DROP)', iptablesHost(['-A INPUT ! -s 5.1.0.0/16 -j DROP', '-A INPUT -p tcp --dport 18789 -j ACCEPT'])],
    [
      '-s with an iprange exception in one iptables rule',
      iptablesHost(['-A INPUT -s 5.1.0.0/16 -m iprange ! --src-range 5.1.0.0-5.1.0.10 -p tcp --dport 18789 -j ACCEPT']),
    ],
  ];
  it.each(cases)('%s: the internet reaches the gateway, exposure.internet fails', (_name, s) => {
    const cell = internet(s);
    expect(cell.verdict, cell.reason).toBe('open');
    expect(cell.source.startsWith('5.1.')).toBe(true);
    expect(cell.check).toBe('fail');
  });

  const bans = Array.from({ length: 40 }, (_, i) => `-A f2b-sshd -s 45.${i}.0.9/32 -j REJECT --reject-with icmp-port-unreachable`);
  const fail2ban = [':f2b-sshd - [0:0]', '-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd', ...bans, '-A f2b-sshd -j RETURN'];

  it('forty fail2ban bans make no classes: an open gateway is open, not unknown', () => {
    const cell = internet(iptablesHost([...fail2ban, '-A INPUT -p tcp --dport 18789 -j ACCEPT']));
    expect(cell.verdict, cell.reason).toBe('open');
    expect(cell.check).toBe('fail');
  });

  it('forty fail2ban bans: a firewalled gateway is filtered and exposure.internet passes, not unknown', () => {
    const cell = internet(iptablesHost([...fail2ban, '-A INPUT -p tcp --dport 22 -j ACCEPT']));
    expect(cell.verdict, cell.reason).toBe('filtered');
    expect(cell.check).toBe('pass');
  });

  it('a bogon drop list never decides the internet by the one address it drops', () => {
    const cell = internet(
      iptablesHost(['-A INPUT -s 203.0.113.0/24 -j DROP', '-A INPUT -s 198.51.100.0/24 -j DROP', '-A INPUT -p tcp --dport 18789 -j ACCEPT']),
    );
    expect(cell.verdict, cell.reason).toBe('open');
  });

  it('a REDIRECT only one class of the LAN may use is found however many classes come first (each source its own budget)', () => {
    const admins = Array.from({ length: 12 }, (_, i) => `-A INPUT -i eth1 -s 192.168.1.${i + 1}/32 -p tcp --dport 22 -j ACCEPT`);
    const filter = [
      '*filter',
      ':INPUT ACCEPT [0:0]',
      ':FORWARD DROP [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      '-A INPUT -m conntrack --ctstate DNAT -j ACCEPT',
      ...admins,
      '-A INPUT -p tcp --dport 18789 -j DROP',
      'COMMIT',
    ];
    const nat = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':INPUT ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      '-A PREROUTING -i eth1 -s 192.168.1.64/26 -p tcp -m multiport --dports 8443,9443,10443,11443,12443 -j REDIRECT --to-ports 18789',
      'COMMIT',
    ];
    const s = compose(
      withIptables(`${nat.join('\n')}\n${filter.join('\n')}\n`),
      ...gateway(),
      withInterface('eth1', '192.168.1.100', 24, '192.168.1.0/24'),
      withInterface('eth2', '10.1.0.5', 24, '10.1.0.0/24'),
      withInterface('eth3', '10.2.0.5', 24, '10.2.0.0/24'),
      withInterface('eth4', '10.3.0.5', 24, '10.3.0.0/24'),
    )(baselineSnapshot());
    const cell = buildContext(s)
      .reach()
      .cells.find((c) => c.listener.port === 18789 && c.zone.interface === 'eth1');
    expect(cell?.verdict, cell?.reason).toBe('open');
    expect(cell?.destinationPort).toBeDefined();
  });
});
