import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/netfilter/simulate/index.js';
import { labHost, nft, nftDoc, tcp, x } from './helpers.js';

/**
 * Verdict maps and maps over every key the model knows, single and concatenated, and TCP flags in
 * every form nft writes. The JSON is what `nft -j list ruleset` (nftables 1.0.6) printed.
 */

const W = (port: number) => tcp('eth0', '203.0.113.9', '198.51.100.10', port);
const W6 = (port: number) => tcp('eth0', '2001:db8:ffff::77', '2001:db8:100::10', port);

function input(
  rules: unknown[][],
  extra: { name: string; rules: unknown[][] }[] = [],
  sets: ({ kind: 'set' | 'map' } & Record<string, unknown>)[] = [],
  policy: 'accept' | 'drop' = 'drop',
) {
  return nft(
    nftDoc({
      family: 'inet',
      name: 't',
      sets,
      chains: [
        { name: 'input', base: { hook: 'input', prio: 0, policy }, rules: [[x.match({ meta: { key: 'l4proto' } }, 'ipv6-icmp'), x.accept], ...rules] },
        ...extra,
      ],
    }),
  );
}

describe('verdict maps keyed by what the model reads (issue 15 known unknowns)', () => {
  it('`meta protocol vmap { ip : jump input_ipv4, ip6 : jump input_ipv6 }` (the nftables wiki simple server)', () => {
    const ruleset = input(
      [[x.vmap(x.meta('protocol'), x.set(['ip', x.jump('input_ipv4')], ['ip6', x.jump('input_ipv6')]))]],
      [
        { name: 'input_ipv4', rules: [[x.tcpDport(22), x.accept]] },
        { name: 'input_ipv6', rules: [[x.tcpDport(9090), x.accept]] },
      ],
    );
    expect(simulate(ruleset, labHost(), W(22)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W(9090))).toMatchObject({ disposition: 'dropped', reason: 'policy' });
    expect(simulate(ruleset, labHost(), W6(9090)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W6(22))).toMatchObject({ disposition: 'dropped', reason: 'policy' });
  });

  it('`ip protocol . th dport vmap { udp . 67 : accept, tcp . 22 : accept }`', () => {
    const key = { concat: [x.payload('ip', 'protocol'), x.payload('th', 'dport')] };
    const ruleset = input([[x.vmap(key, x.set([{ concat: ['tcp', 22] }, x.accept], [{ concat: ['udp', 67] }, x.accept]))]]);
    expect(simulate(ruleset, labHost(), W(22)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W(67)).disposition).toBe('dropped');
    // An IPv6 packet has no `ip protocol`: no element.
    expect(simulate(ruleset, labHost(), { ...W6(22) }).disposition).toBe('dropped');
    expect(simulate(ruleset, labHost(), { ...W(67), protocol: 'udp' }).disposition).toBe('local');
  });

  it('`ct state vmap { established : accept, related : accept, invalid : drop }` lets a new connection go on', () => {
    const ruleset = input([
      [x.vmap({ ct: { key: 'state' } }, x.set(['established', x.accept], ['related', x.accept], ['invalid', x.drop]))],
      [x.tcpDport(22), x.accept],
    ]);
    expect(simulate(ruleset, labHost(), W(22)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W(80)).disposition).toBe('dropped');
  });

  it('named interval map with a concatenated key: `ip saddr . tcp dport vmap @allow` (flags interval)', () => {
    const allow = {
      kind: 'map' as const,
      name: 'allow',
      type: ['ipv4_addr', 'inet_service'],
      map: 'verdict',
      flags: ['interval'],
      elem: [
        [{ concat: [{ prefix: { addr: '203.0.113.0', len: 24 } }, { range: [20, 23] }] }, x.accept],
        [{ concat: ['198.51.100.20', 80] }, x.accept],
      ],
    };
    const ruleset = input([[x.vmap({ concat: [x.payload('ip', 'saddr'), x.payload('tcp', 'dport')] }, '@allow')]], [], [allow]);
    expect(simulate(ruleset, labHost(), W(22)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W(80)).disposition).toBe('dropped');
    expect(simulate(ruleset, labHost(), tcp('eth0', '198.51.100.20', '198.51.100.10', 80)).disposition).toBe('local');
  });

  it('`meta l4proto . th dport` and `iifname . tcp dport` vmaps; `meta nfproto` as a key', () => {
    const ruleset = input([
      [x.vmap({ concat: [x.meta('l4proto'), x.payload('th', 'dport')] }, x.set([{ concat: ['tcp', 443] }, x.accept]))],
      [x.vmap({ concat: [x.meta('iifname'), x.payload('tcp', 'dport')] }, x.set([{ concat: ['eth0', 5432] }, x.accept]))],
      [x.vmap(x.meta('nfproto'), x.set(['ipv6', x.drop]))],
      [x.tcpDport(8080), x.accept],
    ]);
    expect(simulate(ruleset, labHost(), W(443)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W(5432)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), tcp('eth1', '192.168.1.50', '192.168.1.10', 5432)).disposition).toBe('dropped');
    expect(simulate(ruleset, labHost(), W(8080)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W6(8080)).disposition).toBe('dropped');
  });

  it('a vmap key the model cannot read stays unknown, naming the rule and the expression', () => {
    const ruleset = input([[x.vmap({ meta: { key: 'cpu' } }, x.set([0, x.accept]))]]);
    const r = simulate(ruleset, labHost(), W(22));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons.join()).toMatch(/inet t input rule 2.*meta cpu/);
  });
});

describe('TCP flags in every form nft writes', () => {
  const flags = x.payload('tcp', 'flags');
  const rule = (m: unknown) => input([[m, x.drop], [x.accept]], [], [], 'accept');
  const syn = W(22);

  it('`tcp flags & (fin|syn|rst|psh|ack|urg) == 0x0` (listed as `tcp flags ! fin,syn,rst,psh,ack,urg`): a SYN does not match', () => {
    expect(simulate(rule(x.match(flags, ['fin', 'syn', 'rst', 'psh', 'ack', 'urg'], '!')), labHost(), syn).disposition).toBe('local');
    expect(simulate(rule(x.match({ '&': [flags, ['fin', 'syn', 'rst', 'psh', 'ack', 'urg']] }, 0)), labHost(), syn).disposition).toBe('local');
    expect(simulate(rule(x.match({ '&': [flags, ['fin', 'syn']] }, 0, '!=')), labHost(), syn).disposition).toBe('dropped');
  });

  it('`tcp flags syn / fin,syn,rst,ack`, `tcp flags & 0x12 == 0x2`, `tcp flags syn,ack` (any of them)', () => {
    expect(simulate(rule(x.match({ '&': [flags, ['fin', 'syn', 'rst', 'ack']] }, 'syn')), labHost(), syn).disposition).toBe('dropped');
    expect(simulate(rule(x.match({ '&': [flags, 18] }, 2)), labHost(), syn).disposition).toBe('dropped');
    expect(simulate(rule(x.match(flags, ['syn', 'ack'], 'in')), labHost(), syn).disposition).toBe('dropped');
    expect(simulate(rule(x.match(flags, ['fin', 'rst'], 'in')), labHost(), syn).disposition).toBe('local');
  });

  it('sets of flag values: `tcp flags { syn | ack, syn }`, and `!=` of one', () => {
    expect(simulate(rule(x.match(flags, x.set({ '|': ['syn', 'ack'] }, 'syn'))), labHost(), syn).disposition).toBe('dropped');
    expect(simulate(rule(x.match(flags, x.set({ '|': ['syn', 'ack'] }, 'fin'))), labHost(), syn).disposition).toBe('local');
    expect(simulate(rule(x.match(flags, x.set('fin', 'rst'), '!=')), labHost(), syn).disposition).toBe('dropped');
  });
});

describe('a statement that rewrites what the walk reads stops it, named; one that changes nothing it reads does not', () => {
  it('`tcp dport 80 ip daddr set 192.0.2.1` is unknown; `ip dscp set cs1` and `meta priority set` go on', () => {
    const set = (key: unknown, value: unknown) => ({ mangle: { key, value } });
    const r = simulate(input([[x.tcpDport(80), set(x.payload('ip', 'daddr'), '192.0.2.1')], [x.accept]]), labHost(), W(80));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons.join()).toMatch(/inet t input rule 2: .*it rewrites ip daddr, which the model does not follow/);
    expect(simulate(input([[x.tcpDport(80), set(x.payload('ip', 'dscp'), 'cs1')], [x.accept]]), labHost(), W(80)).disposition).toBe('local');
    expect(simulate(input([[set(x.meta('priority'), 1)], [x.accept]]), labHost(), W(80)).disposition).toBe('local');
  });
});
