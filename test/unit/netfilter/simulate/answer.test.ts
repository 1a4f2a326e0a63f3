import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/netfilter/simulate/index.js';
import type { AnswerFn, HostFacts } from '../../../../src/netfilter/simulate/types.js';
import { ipt, labHost, nft, nftDoc, tcp, x } from './helpers.js';

/**
 * The answer's way back (SYN-ACK or the stack's RST), walked as conntrack's reply direction:
 * ESTABLISHED, NAT undone, through the hooks the answer really crosses; and for IPv6 the host's
 * own neighbour resolution of the next hop.
 */

const SYNACK: AnswerFn = () => 'synack';
const RST: AnswerFn = () => 'rst';

/** INPUT DROP with only a port accept, no "established" rule: the classic lock-out of the host's own connections. */
const noEstablished = ipt('*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n');

describe('the answer to a connection', () => {
  it('from the host itself, the SYN-ACK crosses INPUT too: without an established rule it is dropped there', () => {
    const r = simulate(noEstablished, labHost(), tcp('lo', '127.0.0.1', '192.168.1.10', 22), SYNACK);
    expect(r.disposition).toBe('local');
    expect(r.answer).toMatchObject({ kind: 'synack', delivered: false, why: 'the answer is dropped in input' });
    // From a client the answer only leaves through OUTPUT.
    expect(simulate(noEstablished, labHost(), tcp('eth0', '203.0.113.9', '198.51.100.10', 22), SYNACK).answer).toEqual({ kind: 'synack', delivered: true });
    // Not asked: no answer walked.
    expect(simulate(noEstablished, labHost(), tcp('lo', '127.0.0.1', '192.168.1.10', 22)).answer).toBeUndefined();
  });

  it('an established rule lets it back, and the stack RST of a closed port takes the same way', () => {
    const ok = ipt(
      '*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n',
    );
    expect(simulate(ok, labHost(), tcp('lo', '127.0.0.1', '192.168.1.10', 22), SYNACK).answer).toEqual({ kind: 'synack', delivered: true });
    expect(simulate(ok, labHost(), tcp('lo', '127.0.0.1', '192.168.1.10', 22), RST).answer).toEqual({ kind: 'rst', delivered: true });
  });

  it('TCP flags tell the answers apart: a rule on SYN,ACK drops the SYN-ACK but not the RST', () => {
    const ruleset = ipt('*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp -m tcp --tcp-flags SYN,ACK SYN,ACK -j DROP\nCOMMIT\n');
    const p = tcp('eth0', '203.0.113.9', '198.51.100.10', 22);
    expect(simulate(ruleset, labHost(), p, SYNACK).answer).toMatchObject({ delivered: false, why: 'the answer is dropped in output' });
    expect(simulate(ruleset, labHost(), p, RST).answer).toMatchObject({ delivered: true });
  });

  it('conntrack undoes the DNAT only at the nat core (postrouting 100): chains before it see the translated source', () => {
    const nat = '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 22\nCOMMIT\n';
    const at = (prio: number) =>
      nft(
        nftDoc({
          family: 'ip',
          name: 'f',
          chains: [{ name: 'post', base: { hook: 'postrouting', prio }, rules: [[x.match(x.payload('tcp', 'sport'), 22), x.drop]] }],
        }),
      );
    const p = tcp('eth0', '203.0.113.9', '198.51.100.10', 8080);
    const merged = (prio: number) => ({ ...at(prio), tables: [...ipt(nat).tables, ...at(prio).tables] });
    expect(simulate(merged(50), labHost(), p, SYNACK).answer).toMatchObject({ delivered: false });
    expect(simulate(merged(150), labHost(), p, SYNACK).answer).toMatchObject({ delivered: true });
  });

  it("a forwarded connection's answer comes back through FORWARD: Docker-like rules that accept only towards the bridge drop it", () => {
    const fwd = (extra: string) =>
      ipt(
        '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n' +
          `*filter\n:FORWARD DROP [0:0]\n-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT\n${extra}COMMIT\n`,
      );
    const p = tcp('eth0', '203.0.113.9', '198.51.100.10', 8080);
    const lost = simulate(fwd(''), labHost(), p, SYNACK);
    expect(lost).toMatchObject({ disposition: 'forward', answer: { delivered: false, why: 'the answer is dropped in forward' } });
    expect(simulate(fwd('-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n'), labHost(), p, SYNACK).answer).toEqual({ kind: 'synack', delivered: true });
  });
});

describe('IPv6: the host resolves its next hop', () => {
  /** eth0 with a link-local address and IPv6 routes: a default via 2001:db8:100::20, docker0 on fd00:dead:beef::/64. */
  const host6: HostFacts = {
    ...labHost({ 'net.ipv6.conf.all.forwarding': '1' }),
    addresses: [
      ...labHost().addresses,
      { iface: 'eth0', address: 'fe80::1', prefixlen: 64, family: 6 },
      { iface: 'docker0', address: 'fd00:dead:beef::1', prefixlen: 64, family: 6 },
    ],
    routes: [...labHost().routes, { family: 6, dst: 'default', gateway: '2001:db8:100::20', dev: 'eth0' }],
  };
  const accept = '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT\n';
  const input = (extra: string) => ipt(`*filter\n:INPUT DROP [0:0]\n${accept}${extra}-A INPUT -p tcp -j ACCEPT\nCOMMIT\n`, 'ip6');

  it("answering a client behind a gateway needs the gateway's advertisement in: dropping it loses every answer", () => {
    const far = tcp('eth0', '2001:db8:ffff::77', '2001:db8:100::10', 22);
    expect(simulate(input(''), host6, far, SYNACK).answer).toMatchObject({
      delivered: false,
      why: expect.stringContaining('cannot resolve its neighbour 2001:db8:100::20 on eth0'),
    });
    expect(simulate(input('-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 136 -j ACCEPT\n'), host6, far, SYNACK).answer).toMatchObject({ delivered: true });
    // A client on the link taught the host its address with its own solicitation.
    expect(simulate(input(''), host6, tcp('eth0', '2001:db8:100::20', '2001:db8:100::10', 22), SYNACK).answer).toMatchObject({ delivered: true });
  });

  it('a DNAT to a container: the container must be resolved before the SYN is forwarded', () => {
    const dnat = '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:dead:beef::2]:80\nCOMMIT\n';
    const ruleset = (extra: string) => ipt(`${dnat}*filter\n:INPUT DROP [0:0]\n${accept}${extra}COMMIT\n`, 'ip6');
    const p = tcp('eth0', '2001:db8:100::20', '2001:db8:100::10', 8080);
    expect(simulate(ruleset(''), host6, p)).toMatchObject({ disposition: 'dropped', reason: 'neighbour-discovery' });
    expect(simulate(ruleset('-A INPUT -s fd00:dead:beef::2 -p ipv6-icmp -j ACCEPT\n'), host6, p)).toMatchObject({
      disposition: 'forward',
      daddr: 'fd00:dead:beef::2',
    });
  });

  it("a container answering a client beyond its bridge first solicits its gateway, the host's address there: a rule dropping that loses the answer", () => {
    const dnat = '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:dead:beef::2]:80\nCOMMIT\n';
    const ruleset = (first: string) =>
      ipt(`${dnat}*filter\n:INPUT DROP [0:0]\n${first}-A INPUT -s fd00:dead:beef::2 -p ipv6-icmp -j ACCEPT\n${accept}COMMIT\n`, 'ip6');
    const p = tcp('eth0', '2001:db8:100::20', '2001:db8:100::10', 8080);
    expect(simulate(ruleset(''), host6, p, SYNACK)).toMatchObject({ disposition: 'forward', answer: { kind: 'synack', delivered: true } });
    // ICMPv6 to addresses not the host's own: the solicitation goes to fd00:dead:beef::1's solicited-node group.
    const lost = simulate(ruleset('-A INPUT -s fd00:dead:beef::/64 -p ipv6-icmp -m addrtype ! --dst-type LOCAL -j DROP\n'), host6, p, SYNACK);
    expect(lost).toMatchObject({
      disposition: 'forward',
      answer: { delivered: false, why: expect.stringContaining("fd00:dead:beef::2 cannot resolve its gateway (the host's address on docker0)") },
    });
  });
});

describe('hairpin: a client and the DNAT target on one bridge', () => {
  const host6: HostFacts = {
    ...labHost({ 'net.ipv6.conf.all.forwarding': '1' }),
    addresses: [...labHost().addresses, { iface: 'docker0', address: 'fd00:dead:beef::1', prefixlen: 64, family: 6 }],
    routes: [...labHost().routes, { family: 6, dst: 'fd00:dead:beef::/64', dev: 'docker0' }],
  };
  const ruleset = (forward: string) =>
    ipt(
      '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 443 -j DNAT --to-destination fd00:dead:beef::2\nCOMMIT\n' +
        `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n${forward}COMMIT\n`,
      'ip6',
    );
  const p = tcp('docker0', 'fd00:dead:beef::c8', '2001:db8:100::10', 443);

  it('the target answers the client across the bridge, after resolving it there: bridged ND meets FORWARD (br_netfilter)', () => {
    const tcpOnly = simulate(ruleset('-A FORWARD -i docker+ -p tcp -j ACCEPT\n'), host6, p, SYNACK);
    expect(tcpOnly).toMatchObject({
      disposition: 'forward',
      answer: { delivered: false, why: expect.stringContaining('cannot resolve fd00:dead:beef::c8 across docker0') },
    });
    expect(simulate(ruleset('-A FORWARD -i docker+ -j ACCEPT\n'), host6, p, SYNACK).answer).toEqual({ kind: 'synack', delivered: true });
  });

  it('without br_netfilter the direct answer is never translated back', () => {
    const off: HostFacts = { ...host6, sysctl: { ...host6.sysctl, 'net.bridge.bridge-nf-call-ip6tables': '0' } };
    expect(simulate(ruleset('-A FORWARD -i docker+ -j ACCEPT\n'), off, p, SYNACK).answer).toMatchObject({
      delivered: false,
      why: expect.stringContaining('never translates that answer back'),
    });
  });
});
