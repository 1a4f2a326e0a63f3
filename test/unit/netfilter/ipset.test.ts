import { describe, expect, it } from 'vitest';
import { parseIpsetSave } from '../../../src/netfilter/ipset.js';
import { HostTable } from '../../../src/netfilter/simulate/host.js';
import { parseIp } from '../../../src/netfilter/simulate/ip.js';

/**
 * ipset membership as the kernel decides it. The save texts are real `ipset save` output
 * (ipset v7.17); the expectations are what `ipset test` said for each address on that kernel
 * (test/system/ipset-kernel-root.test.ts checks the same against the live kernel).
 */

const SAVE = `create blocked hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xb78f80c1
add blocked 203.0.113.0/24 nomatch
add blocked 203.0.0.0/8
create nm hash:ip family inet hashsize 1024 maxelem 65536 netmask 24 bucketsize 12 initval 0x69cc641f
add nm 203.0.113.0
create n6 hash:ip family inet6 hashsize 1024 maxelem 65536 netmask 64 bucketsize 12 initval 0x298d2e27
add n6 2001:db8::
create bm hash:ip family inet hashsize 1024 maxelem 65536 bitmask 255.0.255.0 bucketsize 12 initval 0xce3b74d6
add bm 1.0.3.0
create bi bitmap:ip range 10.0.0.0-10.0.255.255 netmask 24
add bi 10.0.5.0
create t hash:net family inet hashsize 1024 maxelem 65536 timeout 300 counters bucketsize 12 initval 0x16e5f573
add t 1.2.3.0/24 timeout 99 nomatch packets 0 bytes 0
add t 1.2.0.0/16 timeout 299 packets 0 bytes 0
add t 1.2.3.64/26 timeout 299 packets 0 bytes 0
create c hash:net family inet hashsize 1024 maxelem 65536 comment bucketsize 12 initval 0xb8e2d01b
add c 10.0.0.0/8 nomatch comment "a b"
add c 10.1.2.3 comment "x nomatch y"
create hn6 hash:net family inet6 hashsize 1024 maxelem 65536 bucketsize 12 initval 0x0759b541
add hn6 2001:db8::/32
add hn6 2001:db8:1::/48 nomatch
add hn6 2001:db8::1
create ipp hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xb2a90a26
add ipp 1.2.3.4,tcp:80
create ls list:set size 8
add ls blocked
`;

const host = new HostTable({ addresses: [], routes: [], sysctl: {}, ipsets: parseIpsetSave(SAVE) });
const member = (set: string, addr: string): boolean => host.inIpset(set, parseIp(addr)!);

describe('ipset membership (ipset save → the kernel test)', () => {
  it.each([
    ['blocked', '203.0.113.77', false], // inside a nomatch /24, which is more specific than the /8
    ['blocked', '203.9.9.9', true],
    ['blocked', '198.51.100.1', false],
    ['nm', '203.0.113.77', true], // hash:ip netmask 24: any address of the /24 the set was given
    ['nm', '203.0.114.1', false],
    ['n6', '2001:db8::ffff:1', true],
    ['n6', '2001:db8:0:1::1', false],
    ['bm', '1.9.3.7', true], // bitmask 255.0.255.0: the second and fourth bytes are ignored
    ['bm', '1.9.4.7', false],
    ['bi', '10.0.5.200', true],
    ['bi', '10.0.6.1', false],
    ['t', '1.2.3.4', false],
    ['t', '1.2.3.70', true], // a longer member inside the nomatch /24 wins again
    ['t', '1.2.4.4', true],
    ['c', '10.9.9.9', false],
    ['c', '10.1.2.3', true], // "nomatch" inside a comment is not the flag
    ['hn6', '2001:db8:1::5', false],
    ['hn6', '2001:db8:2::5', true],
    ['hn6', '203.0.113.1', false], // another family is never in the set
  ])('%s holds %s: %s', (set, addr, expected) => {
    expect(host.ipsetUnknown(set)).toBeUndefined();
    expect(member(set, addr)).toBe(expected);
  });

  it('a set type whose membership is not modelled is unknown, naming the type', () => {
    expect(host.ipsetUnknown('ipp')).toMatch(/hash:ip,port set, which is not modelled/);
    expect(host.ipsetUnknown('ls')).toMatch(/list:set/);
    expect(host.ipsetUnknown('missing')).toMatch(/not in the collected ipset save/);
  });

  it('an option that may change membership is unknown, never read as a plain set', () => {
    const sets = parseIpsetSave('create x hash:net family inet hashsize 1024 maxelem 65536 newopt 3\nadd x 10.0.0.0/8\n');
    expect(sets.x).toEqual({ unknown: expect.stringMatching(/create option newopt/) });
    const entries = parseIpsetSave('create y hash:net family inet\nadd y 10.0.0.0/8 weird\n');
    expect(entries.y).toEqual({ unknown: expect.stringMatching(/option weird/) });
  });

  it('without collected ipsets every set is unknown', () => {
    const bare = new HostTable({ addresses: [], routes: [], sysctl: {} });
    expect(bare.ipsetUnknown('blocked')).toMatch(/not collected/);
  });
});
