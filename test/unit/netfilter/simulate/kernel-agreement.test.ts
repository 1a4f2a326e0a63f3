import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/netfilter/simulate/index.js';
import type { AnswerFn, HostFacts } from '../../../../src/netfilter/simulate/types.js';
import { ipt, labHost, nft, nftDoc, tcp, x } from './helpers.js';

/**
 * Kernel behaviours the differential system test (test/system/reach-kernel.test.ts, see
 * docs/reach-agreement.md) found the model missing, each with the smallest ruleset that shows it.
 * The rulesets are cut down from the random ones the lab saved (seeds named below).
 */

const SYNACK: AnswerFn = () => 'synack';
const LO = tcp('lo', '127.0.0.1', '127.0.0.1', 6379);
const WAN = tcp('eth0', '203.0.113.9', '198.51.100.10', 22);

describe('a connection the host makes to itself is CONFIRMED when it comes back in on lo (seeds 196, 310, 322)', () => {
  // Conntrack confirms a new entry at the end of POSTROUTING; the looped-back SYN then meets
  // PREROUTING and INPUT with its entry still NEW but already confirmed.
  const confirmed = (negate: boolean) =>
    ipt(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m conntrack ${negate ? '! ' : ''}--ctstatus CONFIRMED -j REJECT --reject-with tcp-reset\nCOMMIT\n`);

  it('--ctstatus CONFIRMED matches the looped-back SYN, not a SYN from outside', () => {
    expect(simulate(confirmed(false), labHost(), LO)).toMatchObject({ disposition: 'dropped', rejected: true });
    expect(simulate(confirmed(false), labHost(), WAN)).toMatchObject({ disposition: 'local' });
    expect(simulate(confirmed(true), labHost(), LO)).toMatchObject({ disposition: 'local' });
    expect(simulate(confirmed(true), labHost(), WAN)).toMatchObject({ disposition: 'dropped', rejected: true });
  });

  it('the state is still NEW there, and nft `ct status confirmed` reads the same bit', () => {
    const stillNew = ipt('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m conntrack --ctstate NEW --ctstatus CONFIRMED -j ACCEPT\nCOMMIT\n');
    expect(simulate(stillNew, labHost(), LO)).toMatchObject({ disposition: 'local' });
    const native = nft(
      nftDoc({
        family: 'inet',
        name: 'f',
        chains: [{ name: 'in', base: { hook: 'input', prio: 0 }, rules: [[x.match({ ct: { key: 'status' } }, 'confirmed', 'in'), x.drop]] }],
      }),
    );
    expect(simulate(native, labHost(), LO)).toMatchObject({ disposition: 'dropped' });
    expect(simulate(native, labHost(), WAN)).toMatchObject({ disposition: 'local' });
  });
});

describe('--ctstatus NONE adds no bit to the mask: it never matches (seed 322)', () => {
  it('NONE never matches, ! NONE always does (with a conntrack entry)', () => {
    const none = (negate: boolean) => ipt(`*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m conntrack ${negate ? '! ' : ''}--ctstatus NONE -j ACCEPT\nCOMMIT\n`);
    expect(simulate(none(false), labHost(), WAN)).toMatchObject({ disposition: 'dropped' });
    expect(simulate(none(false), labHost(), LO)).toMatchObject({ disposition: 'dropped' });
    expect(simulate(none(true), labHost(), WAN)).toMatchObject({ disposition: 'local' });
  });
});

describe('routing lowers the TTL / hop limit before FORWARD', () => {
  const dnat = (fam: 4 | 6, target: string) =>
    `*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination ${target}\nCOMMIT\n` +
    `*mangle\n:PREROUTING ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A PREROUTING -m ${fam === 4 ? 'ttl --ttl-eq 63' : 'hl --hl-eq 63'} -j DROP\nCOMMIT\n`;
  const forward = (fam: 4 | 6, target: string, test: string) =>
    ipt(
      `${dnat(fam, target)}*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -p tcp -m ${test} -j DROP\nCOMMIT\n`,
      fam === 4 ? 'ip' : 'ip6',
    );
  const p4 = tcp('eth0', '203.0.113.9', '198.51.100.10', 8080);

  it('IPv4: PREROUTING sees the TTL the client sent (64), FORWARD one less', () => {
    expect(simulate(forward(4, '172.17.0.2:80', 'ttl --ttl-eq 64'), labHost(), p4, SYNACK)).toMatchObject({
      disposition: 'forward',
      answer: { delivered: true },
    });
    expect(simulate(forward(4, '172.17.0.2:80', 'ttl --ttl-eq 63'), labHost(), p4)).toMatchObject({ disposition: 'dropped' });
    expect(simulate(forward(4, '172.17.0.2:80', 'ttl --ttl-lt 64'), labHost(), p4)).toMatchObject({ disposition: 'dropped' });
  });

  it("the container's answer is routed too: a FORWARD rule on TTL 63 meets it without the established accept", () => {
    const answerRule = ipt(
      `${dnat(4, '172.17.0.2:80')}*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -i docker0 -p tcp -m ttl --ttl-eq 63 -j DROP\nCOMMIT\n`,
    );
    expect(simulate(answerRule, labHost(), p4, SYNACK)).toMatchObject({ disposition: 'forward', answer: { delivered: false } });
  });

  it('a DNAT back out of the bridge the client is on is bridged, not routed: the TTL stays 64 (seed 1162)', () => {
    const fromBridge = tcp('docker0', '172.17.0.200', '198.51.100.10', 8080);
    const bridged: HostFacts = { ...labHost(), bridges: ['docker0', 'br-app'] };
    expect(simulate(forward(4, '172.17.0.2:80', 'ttl --ttl-eq 64'), bridged, fromBridge)).toMatchObject({ disposition: 'dropped' });
    expect(simulate(forward(4, '172.17.0.2:80', 'ttl --ttl-eq 63'), bridged, fromBridge)).toMatchObject({ disposition: 'forward' });
    // From another interface the same DNAT is routed.
    expect(simulate(forward(4, '172.17.0.2:80', 'ttl --ttl-eq 63'), bridged, p4)).toMatchObject({ disposition: 'dropped' });
  });

  it('IPv6: the hop limit likewise', () => {
    const host6: HostFacts = {
      ...labHost({ 'net.ipv6.conf.all.forwarding': '1' }),
      addresses: [...labHost().addresses, { iface: 'docker0', address: 'fd00:dead:beef::1', prefixlen: 64, family: 6 }],
    };
    const p6 = tcp('eth0', '2001:db8:100::20', '2001:db8:100::10', 8080);
    // Neighbour discovery (ICMPv6, hop limit 255) passes: only TCP is tested.
    const rs = (test: string) => forward(6, '[fd00:dead:beef::2]:80', `hl ${test}`);
    expect(simulate(rs('--hl-eq 64'), host6, p6)).toMatchObject({ disposition: 'forward' });
    expect(simulate(rs('--hl-eq 63'), host6, p6)).toMatchObject({ disposition: 'dropped' });
  });
});

describe("nft's whole TCP flag list names bit 0x40 `ecn` (iptables: ECE)", () => {
  it('`tcp flags != syn` compares all eight flags: a SYN does not match it, a SYN-ACK does', () => {
    // The JSON of `tcp flags != syn` as nft 1.0.6 lists it (the parser reads the unmasked form as all eight flags).
    const flags = x.payload('tcp', 'flags');
    const ruleset = nft(
      nftDoc({
        family: 'inet',
        name: 'f',
        chains: [{ name: 'in', base: { hook: 'input', prio: 0, policy: 'accept' }, rules: [[x.match(flags, 'syn', '!='), x.drop]] }],
      }),
    );
    expect(simulate(ruleset, labHost(), WAN)).toMatchObject({ disposition: 'local', unknownReasons: [] });
    const out = nft(
      nftDoc({
        family: 'inet',
        name: 'f',
        chains: [{ name: 'out', base: { hook: 'output', prio: 0, policy: 'accept' }, rules: [[x.match(flags, 'syn', '!='), x.drop]] }],
      }),
    );
    expect(simulate(out, labHost(), WAN, SYNACK)).toMatchObject({ disposition: 'local', answer: { delivered: false } });
  });
});
