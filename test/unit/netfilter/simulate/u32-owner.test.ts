import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/netfilter/simulate/index.js';
import type { AnswerFn } from '../../../../src/netfilter/simulate/types.js';
import { parseU32 } from '../../../../src/netfilter/u32.js';
import { ipt, labHost, nft, nftDoc, tcp, x } from './helpers.js';

/** `-m u32` as far as a SYN's fields decide it, and the sending socket's owner where a packet has one. */

const W = (port: number) => tcp('eth0', '203.0.113.9', '198.51.100.10', port);
const SYNACK: AnswerFn = () => 'synack';
const RST: AnswerFn = () => 'rst';
const input = (m: string) => ipt(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp ${m} -j DROP\nCOMMIT\n`);

describe('-m u32', () => {
  it('parses what iptables-save prints; refuses what it does not', () => {
    expect(parseU32('0x6&0xff=0x6')).toEqual([
      {
        ops: [
          { op: 'at', value: 6 },
          { op: '&', value: 255 },
        ],
        ranges: [{ from: 6, to: 6 }],
      },
    ]);
    expect(parseU32('0x0>>0x16&0x3c@0x0&0xffff=0x16&&0x6&0xff=0x6')).toHaveLength(2);
    for (const bad of ['', '6', '6&=1', '6=2:1', '6>>40=1', '6=1:2:3', 'x=1']) expect(parseU32(bad)).toBeUndefined();
  });

  it('protocol and destination port of a SYN decide it', () => {
    expect(simulate(input('-m u32 --u32 "0x6&0xff=0x6"'), labHost(), W(22)).disposition).toBe('dropped');
    expect(simulate(input('-m u32 --u32 "0x6&0xff=0x11"'), labHost(), W(22)).disposition).toBe('local');
    // IHL from byte 0, then the TCP header: its low 16 bits are the destination port.
    const dport = '-m u32 --u32 "0x0>>0x16&0x3c@0x0&0xffff=0x16"';
    expect(simulate(input(dport), labHost(), W(22)).disposition).toBe('dropped');
    expect(simulate(input(dport), labHost(), W(80)).disposition).toBe('local');
    expect(simulate(input('-m u32 ! --u32 "0x0>>0x16&0x3c@0x0&0xffff=0x16"'), labHost(), W(80)).disposition).toBe('dropped');
  });

  it('a field a SYN does not fix stays unknown, naming the test: the TCP data offset, the total length', () => {
    const r = simulate(input('-m u32 --u32 "0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0>>0x18=0x47"'), labHost(), W(22));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons.join()).toMatch(/u32 test .*0x0>>0x16&0x3c@0xc>>0x1a&0x3c@0x0>>0x18=0x47.* does not know/);
    expect(simulate(input('-m u32 --u32 "0x0&0xffff=0x0:0x100"'), labHost(), W(22)).disposition).toBe('unknown');
    // Unknown bits that cannot change the answer do not matter: any total length is ≤ 0xffff.
    expect(simulate(input('-m u32 --u32 "0x0&0xffff=0x0:0xffff"'), labHost(), W(22)).disposition).toBe('dropped');
  });
});

describe('-m owner and meta skuid', () => {
  const output = (m: string, policy = 'ACCEPT') =>
    ipt(`*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ${policy} [0:0]\n-A OUTPUT -p tcp ${m} -j ${policy === 'DROP' ? 'ACCEPT' : 'DROP'}\nCOMMIT\n`);

  it('a listener SYN-ACK has a socket; the stack RST a kernel one (exists, no owner)', () => {
    const r = simulate(output('-m owner --socket-exists', 'DROP'), labHost(), W(22), SYNACK);
    expect(r.answer).toEqual({ kind: 'synack', delivered: true });
    expect(simulate(output('-m owner --socket-exists', 'DROP'), labHost(), W(22), RST).answer).toEqual({ kind: 'rst', delivered: true });
    expect(simulate(output('-m owner --uid-owner 0', 'DROP'), labHost(), W(22), RST).answer).toMatchObject({ kind: 'rst', delivered: false });
    expect(simulate(output('-m owner ! --uid-owner 0', 'DROP'), labHost(), W(22), RST).answer).toEqual({ kind: 'rst', delivered: true });
  });

  it('the uid of a SYN-ACK is not in the snapshot: unknown, naming the rule', () => {
    const r = simulate(output('-m owner --uid-owner 1000'), labHost(), W(22), SYNACK);
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons.join()).toMatch(/owner --uid-owner 1000: the uid of the local socket that sends it is not in the snapshot/);
  });

  it('forwarded packets have no socket: nft meta skuid breaks, xt owner matches only inverted', () => {
    const fwd = tcp('eth0', '203.0.113.9', '172.17.0.2', 80);
    // iptables refuses owner outside OUTPUT/POSTROUTING; POSTROUTING is where a forwarded packet can meet it.
    const post = ipt('*mangle\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -m owner ! --uid-owner 0 -j DROP\nCOMMIT\n');
    expect(simulate(post, labHost(), fwd).disposition).toBe('dropped');
    const meta = nft(
      nftDoc({
        family: 'inet',
        name: 't',
        chains: [{ name: 'post', base: { hook: 'postrouting', prio: 0 }, rules: [[x.match(x.meta('skuid'), 0, '!='), x.drop]] }],
      }),
    );
    expect(simulate(meta, labHost(), fwd).disposition).toBe('forward');
  });
});
