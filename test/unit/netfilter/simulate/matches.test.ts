import { describe, expect, it } from 'vitest';
import type { PacketFamily } from '../../../../src/netfilter/model.js';
import { simulate } from '../../../../src/netfilter/simulate/index.js';
import type { HostFacts, Packet } from '../../../../src/netfilter/simulate/types.js';
import { ipt, labHost, nft, nftDoc, tcp, x } from './helpers.js';

/**
 * Every match kind against a first TCP SYN from the WAN (203.0.113.9:40000 → 198.51.100.10:22 on
 * eth0): each rule is the only ACCEPT under a DROP policy, so `local` means it matched.
 */

const W = tcp('eth0', '203.0.113.9', '198.51.100.10', 22);
const W6 = tcp('eth0', '2001:db8:100::20', '2001:db8:100::10', 22);
const T = tcp('tailscale0', '100.64.0.5', '100.101.102.103', 22);
const U: Packet = { ...W, protocol: 'udp' };

type Expect = 'local' | 'dropped' | 'unknown';

function iptRule(rule: string, family: PacketFamily = 'ip'): ReturnType<typeof ipt> {
  // IPv6 cases accept neighbour discovery first, so the rule under test decides.
  const nd = family === 'ip6' ? '-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT\n' : '';
  return ipt(`*filter\n:INPUT DROP [0:0]\n${nd}-A INPUT ${rule} -j ACCEPT\nCOMMIT\n`, family);
}

const IPT_CASES: [string, Packet, Expect, HostFacts?][] = [
  ['-i eth+', W, 'local'],
  ['-i eth+', T, 'dropped'],
  ['! -i docker0', W, 'local'],
  ['-s 203.0.113.0/24', W, 'local'],
  ['! -s 203.0.113.0/24', W, 'dropped'],
  ['-d 198.51.100.10/32', W, 'local'],
  ['-m iprange --src-range 203.0.113.1-203.0.113.10', W, 'local'],
  ['-p udp', W, 'dropped'],
  ['-p udp -m udp --dport 22', U, 'local'],
  ['-p tcp -m multiport --dports 20:25,80', W, 'local'],
  ['-p tcp -m multiport ! --dports 20:25,80', W, 'dropped'],
  ['-p tcp -m tcp --sport 40000', W, 'local'],
  ['-p tcp -m tcp ! --dport 22', U, 'dropped'],
  ['-m conntrack --ctstate NEW', W, 'local'],
  ['-m conntrack --ctstate RELATED,ESTABLISHED', W, 'dropped'],
  ['-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT', W, 'local'],
  ['-m conntrack --ctstate INVALID', W, 'dropped'],
  ['-m state --state NEW', W, 'local'],
  ['-m conntrack --ctstatus CONFIRMED', W, 'dropped'],
  ['-m conntrack --ctorigdst 198.51.100.10 --ctorigdstport 22', W, 'local'],
  ['-m addrtype --dst-type LOCAL', W, 'local'],
  ['-m addrtype --src-type LOCAL', W, 'dropped'],
  ['-m addrtype --dst-type BROADCAST', W, 'dropped'],
  ['-m limit --limit 3/min --limit-burst 10', W, 'local'],
  ['-m hashlimit --hashlimit-above 10/sec --hashlimit-name x', W, 'dropped'],
  ['-m recent --set --name X --rsource', W, 'local'],
  ['-m recent --rcheck --seconds 60 --name X --rsource', W, 'dropped'],
  ['-m recent --update --seconds 30 --hitcount 6 --name X --rsource', W, 'dropped'],
  ['-m comment --comment "anything"', W, 'local'],
  ['-m nfacct --nfacct-name  ct_state_invalid_dropped_pkts', W, 'local'],
  ['-p icmp -m icmp --icmp-type 8', W, 'dropped'],
  ['-f', W, 'dropped'],
  ['! -f', W, 'local'],
  ['-m pkttype --pkt-type unicast', W, 'local'],
  ['-m pkttype --pkt-type broadcast', W, 'dropped'],
  ['-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN', W, 'local'],
  ['-p tcp -m tcp --syn', W, 'local'],
  ['-p tcp -m tcp ! --syn', W, 'dropped'],
  ['-p tcp -m tcp --tcp-flags SYN,ACK ACK', W, 'dropped'],
  ['-m ttl --ttl-eq 64', W, 'local'],
  ['-m ttl --ttl-lt 10', W, 'dropped'],
  ['-m mark --mark 0x0', W, 'local'],
  ['-m mark --mark 0x1/0x1', W, 'dropped'],
  ['-m connmark --mark 0x0', W, 'local'],
  ['-m set --match-set blocklist src', W, 'local', { ...labHost(), ipsets: { blocklist: { members: ['203.0.113.0/24'] } } }],
  ['-m set ! --match-set blocklist src', W, 'dropped', { ...labHost(), ipsets: { blocklist: { members: ['203.0.113.0/24'] } } }],
  ['-m set --match-set blocklist dst', W, 'dropped', { ...labHost(), ipsets: { blocklist: { members: ['203.0.113.0/24'] } } }],
  ['-m set --match-set blocklist src', W, 'unknown'],
  ['-m rpfilter', W, 'local'],
  ['-m rpfilter --invert', W, 'dropped'],
  ['-m statistic --mode random --probability 0.5', W, 'unknown'],
  ['-m foo --bar baz', W, 'unknown'],
];

describe('iptables matches against a first SYN', () => {
  for (const [rule, packet, expected, host] of IPT_CASES) {
    it(`${rule} (${packet.protocol} from ${packet.iif})`, () => {
      expect(simulate(iptRule(rule), host ?? labHost(), packet).disposition).toBe(expected);
    });
  }

  it('IPv6: no routing header, hop limit 64, ICMPv6 types do not match TCP', () => {
    expect(simulate(iptRule('-m rt --rt-type 0', 'ip6'), labHost(), W6).disposition).toBe('dropped');
    expect(simulate(iptRule('-m hl --hl-eq 64', 'ip6'), labHost(), W6).disposition).toBe('local');
    expect(simulate(iptRule('-p ipv6-icmp -m icmp6 --icmpv6-type 128', 'ip6'), labHost(), W6).disposition).toBe('dropped');
    expect(simulate(iptRule('-s 2001:db8:100::/64 -p tcp -m tcp --dport 22', 'ip6'), labHost(), W6).disposition).toBe('local');
  });

  it('IPv6 addrtype (xt_addrtype match_type6) tests the type list: UNICAST holds for a local address too', () => {
    // Unlike IPv4 (one type per address, where LOCAL excludes UNICAST) and unlike nft fib.
    expect(simulate(iptRule('-m addrtype --dst-type UNICAST', 'ip6'), labHost(), W6).disposition).toBe('local');
    expect(simulate(iptRule('-m addrtype ! --dst-type UNICAST', 'ip6'), labHost(), W6).disposition).toBe('dropped');
    expect(simulate(iptRule('-m addrtype --dst-type LOCAL', 'ip6'), labHost(), W6).disposition).toBe('local');
    expect(simulate(iptRule('-m addrtype --src-type LOCAL', 'ip6'), labHost(), W6).disposition).toBe('dropped');
    expect(simulate(iptRule('-m addrtype --dst-type MULTICAST', 'ip6'), labHost(), W6).disposition).toBe('dropped');
    expect(simulate(iptRule('-m addrtype --dst-type UNICAST'), labHost(), W).disposition).toBe('dropped');
    // LOCAL/ANYCAST/UNREACHABLE come from a route lookup: no route back to the source is UNREACHABLE.
    const routed: HostFacts = { ...labHost(), routes: [...labHost().routes, { family: 6, dst: '2001:db8:100::/64', dev: 'eth0' }] };
    const far = tcp('eth0', '2001:db8:ffff::77', '2001:db8:100::10', 22);
    expect(simulate(iptRule('-m addrtype --src-type UNREACHABLE', 'ip6'), routed, far).disposition).toBe('local');
    expect(simulate(iptRule('-m addrtype --src-type UNREACHABLE', 'ip6'), routed, W6).disposition).toBe('dropped');
    // The network address of an on-link prefix is its subnet-router anycast address.
    const anycast = ipt('*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m addrtype --dst-type ANYCAST -j DROP\nCOMMIT\n', 'ip6');
    const forwarding: HostFacts = { ...routed, sysctl: { ...routed.sysctl, 'net.ipv6.conf.all.forwarding': '1' } };
    expect(simulate(anycast, forwarding, tcp('eth0', '2001:db8:ffff::77', '2001:db8:100::', 22)).reason).toBe('rule');
    expect(simulate(anycast, forwarding, tcp('eth0', '2001:db8:ffff::77', '2001:db8:100::9', 22)).disposition).toBe('forward');
  });

  it('marks follow MARK targets on the walk', () => {
    const ruleset = ipt(
      '*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i tailscale0 -j MARK --set-xmark 0x40000/0xff0000\nCOMMIT\n' +
        '*filter\n:INPUT DROP [0:0]\n-A INPUT -m mark --mark 0x40000/0xff0000 -j ACCEPT\nCOMMIT\n',
    );
    expect(simulate(ruleset, labHost(), T).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W).disposition).toBe('dropped');
  });
});

describe('nft matches against a first SYN', () => {
  const rule = (...expr: unknown[]) =>
    nft(
      nftDoc({
        family: 'inet',
        name: 't',
        chains: [
          {
            name: 'input',
            base: { hook: 'input', prio: 0, policy: 'drop' },
            rules: [
              [x.match(x.payload('icmpv6', 'type'), 'nd-neighbor-solicit'), x.accept],
              [...expr, x.accept],
            ],
          },
        ],
      }),
    );
  const cases: [string, unknown[], Packet, Expect][] = [
    ['fib daddr type local', [x.match({ fib: { result: 'type', flags: ['daddr'] } }, 'local')], W, 'local'],
    [
      'fib daddr type unicast on a local IPv6 address: fib gives one type, local',
      [x.match({ fib: { result: 'type', flags: ['daddr'] } }, 'unicast')],
      W6,
      'dropped',
    ],
    ['fib daddr type local on IPv6', [x.match({ fib: { result: 'type', flags: ['daddr'] } }, 'local')], W6, 'local'],
    [
      'fib daddr . iif type local (other interface)',
      [x.match({ fib: { result: 'type', flags: ['daddr', 'iif'] } }, 'local')],
      tcp('eth0', '203.0.113.9', '192.168.1.10', 22),
      'dropped',
    ],
    ['meta nfproto ipv6 on IPv4', [x.match(x.meta('nfproto'), 'ipv6')], W, 'dropped'],
    ['ip saddr != 10.0.0.0/8 on IPv6: the family is a precondition', [x.ipSaddr({ prefix: { addr: '10.0.0.0', len: 8 } }, '!=')], W6, 'dropped'],
    ['ip saddr != 10.0.0.0/8 on IPv4', [x.ipSaddr({ prefix: { addr: '10.0.0.0', len: 8 } }, '!=')], W, 'local'],
    ['meta pkttype host', [x.match(x.meta('pkttype'), 'host')], W, 'local'],
    ['ct status dnat without DNAT', [x.match({ ct: { key: 'status' } }, 'dnat', 'in')], W, 'dropped'],
    ['ct state new', [x.ctState('new')], W, 'local'],
    ['ct state established,related', [x.ctState('established', 'related')], W, 'dropped'],
    ['meta l4proto { tcp, udp }', [x.match(x.meta('l4proto'), x.set('tcp', 'udp'))], W, 'local'],
    ['th dport 22', [x.match(x.payload('th', 'dport'), 22)], W, 'local'],
    ['tcp dport != 22 on UDP', [x.tcpDport(22, '!=')], U, 'dropped'],
    ['iifname "eth*"', [x.iifname('eth*')], W, 'local'],
    ['iifname { "wg0", "tailscale0" }', [x.iifname(x.set('wg0', 'tailscale0'))], T, 'local'],
    ['limit rate 10/second', [{ limit: { rate: 10, per: 'second' } }], W, 'local'],
    ['limit rate over 10/second', [{ limit: { rate: 10, per: 'second', inv: true } }], W, 'dropped'],
    [
      'ip saddr . tcp dport in an anonymous concatenated set',
      [x.match({ concat: [x.payload('ip', 'saddr'), x.payload('tcp', 'dport')] }, x.set({ concat: ['203.0.113.9', 22] }))],
      W,
      'local',
    ],
    ['meta mark & 0xff == 0x1', [x.match({ '&': [x.meta('mark'), 255] }, 1)], W, 'dropped'],
    ['numgen in a match', [x.match({ numgen: { mode: 'random', mod: 2 } }, 0)], W, 'unknown'],
  ];
  for (const [name, expr, packet, expected] of cases) {
    it(name, () => {
      expect(simulate(rule(...expr), labHost(), packet).disposition).toBe(expected);
    });
  }
});
