import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetlinkFamilies, parseNftJson, rulesThatMayHideFamily } from '../../../src/netfilter/index.js';
import { simulate } from '../../../src/netfilter/simulate/index.js';
import { buildNetfilterView } from '../../../src/model/netfilter-view.js';
import { labHost, tcp } from './simulate/helpers.js';
import { baselineSnapshot } from '../../fixtures/builders/snapshot.js';
import type { NetfilterState } from '../../../src/snapshot/types.js';

/**
 * What `nft -j list ruleset` does not print and the kernel still runs. Fixtures: the real
 * nftables 1.0.6 listings of test/fixtures/nft-hidden-family/ruleset.nft (how they were made is
 * in that file).
 */

const dir = new URL('../../fixtures/nft-hidden-family/', import.meta.url);
const json = JSON.parse(readFileSync(new URL('ruleset.json', dir), 'utf8')) as unknown;
const netlink = readFileSync(new URL('ruleset.netlink.txt', dir), 'utf8');

const W4 = (port: number) => tcp('eth0', '192.0.2.9', '198.51.100.10', port);
const W6 = (port: number) => tcp('eth0', '2001:db8:ffff::77', '2001:db8:100::10', port);

function snapshotWith(netfilter: Partial<NetfilterState>) {
  const s = baselineSnapshot();
  return { ...s, netfilter: { ...s.netfilter, ...netfilter } };
}

function parse(withBytecode: boolean) {
  const { ruleset, errors } = parseNftJson(json, withBytecode ? { familyMatches: parseNetlinkFamilies(netlink) } : {});
  expect(errors).toEqual([]);
  return ruleset;
}

describe('family matches the nft listing hides', () => {
  it('reads each rule’s nfproto and ethertype comparisons from the bytecode, by rule handle', () => {
    const families = parseNetlinkFamilies(netlink);
    expect(families.get('inet t input 3')).toEqual([{ kind: 'nfproto', family: 'ip6', negate: false }]);
    expect(families.get('inet t input 4')).toEqual([{ kind: 'nfproto', family: 'ip', negate: false }]);
    expect(families.get('inet t input 5')).toBeUndefined();
  });

  it('`meta nfproto ipv6 … reject with tcp reset` rejects IPv6 only, as the kernel does, when the bytecode is known', () => {
    const ruleset = parse(true);
    expect(simulate(ruleset, labHost(), W6(8080))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(simulate(ruleset, labHost(), W4(8080)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), W4(8081))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(simulate(ruleset, labHost(), W6(8081)).disposition).toBe('local');
    // No family in the rule at all: both.
    expect(simulate(ruleset, labHost(), W4(8082)).disposition).toBe('dropped');
    expect(simulate(ruleset, labHost(), W6(8082)).disposition).toBe('dropped');
  });

  it('without the bytecode the rule is read as listed (both families) and the view names the rules that may differ', () => {
    const ruleset = parse(false);
    expect(simulate(ruleset, labHost(), W4(8080)).disposition).toBe('dropped');
    expect(rulesThatMayHideFamily(json).map((r) => r.key)).toEqual(['inet t input 3', 'inet t input 4', 'inet t input 5']);
    const view = buildNetfilterView(snapshotWith({ nftRuleset: { status: 'ok', data: json } }));
    expect(view.limitations.join('\n')).toMatch(/3 inet rule\(s\) ending in `reject with tcp reset` \(first: inet t input 3\) may hold a `meta nfproto` match/);
    const collected = buildNetfilterView(snapshotWith({ nftRuleset: { status: 'ok', data: json }, nftNetlink: { status: 'ok', data: netlink } }));
    expect(collected.limitations.join('\n')).not.toMatch(/meta nfproto/);
  });

  it('the reject statement’s own dependencies: `reject with icmp` is IPv4 only in an inet table, `reject with tcp reset` TCP only', () => {
    const ruleset = parse(false);
    expect(simulate(ruleset, labHost(), W4(8083))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(simulate(ruleset, labHost(), W6(8083)).disposition).toBe('local');
    // `ip f input`: `ip saddr 192.0.2.99 reject with tcp reset` lists without its `meta l4proto tcp`.
    const from99 = { ...W4(53), saddr: '192.0.2.99' };
    expect(simulate(ruleset, labHost(), { ...from99, protocol: 'udp' }).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), from99)).toMatchObject({ disposition: 'dropped', reason: 'rule' });
  });
});
