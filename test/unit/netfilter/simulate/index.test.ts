import { describe, expect, it } from 'vitest';
import { prepare } from '../../../../src/netfilter/simulate/index.js';
import type { Packet } from '../../../../src/netfilter/simulate/types.js';
import { ipt, labHost } from './helpers.js';

/**
 * The chain index and prefilter skip rules that cannot match. Long random chains (ports, exact
 * and prefix addresses, interfaces, negations, jumps and returns) are checked against a plain
 * first-match interpreter over the same rules.
 */

interface GenRule {
  proto?: 'tcp' | 'udp';
  dport?: [number, number];
  saddr?: string;
  daddr?: string;
  iif?: { name: string; negate: boolean };
  negSaddr?: boolean;
  target: 'ACCEPT' | 'DROP' | 'RETURN' | 'SUB';
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PORTS = [22, 80, 443, 8080, 9000, 9001];
const SOURCES = ['203.0.113.9', '203.0.113.10', '192.168.1.50', '100.64.0.5'];
const DESTS = ['198.51.100.10', '192.168.1.10', '100.101.102.103'];
const IFACES = ['eth0', 'eth1', 'tailscale0'];

function genRule(r: () => number, targets: GenRule['target'][]): GenRule {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const g: GenRule = { target: pick(targets) };
  if (r() < 0.8) g.proto = r() < 0.85 ? 'tcp' : 'udp';
  if (g.proto && r() < 0.7) {
    const p = pick(PORTS);
    g.dport = r() < 0.8 ? [p, p] : [p, p + Math.floor(r() * 100)];
  }
  if (r() < 0.4) {
    g.saddr = r() < 0.6 ? `${pick(SOURCES)}/32` : `${pick(SOURCES).split('.').slice(0, 3).join('.')}.0/24`;
    g.negSaddr = r() < 0.15;
  }
  if (r() < 0.3) g.daddr = `${pick(DESTS)}/32`;
  if (r() < 0.3) g.iif = { name: pick(IFACES), negate: r() < 0.3 };
  return g;
}

function text(chain: string, g: GenRule): string {
  const parts = [`-A ${chain}`];
  if (g.saddr) parts.push(`${g.negSaddr ? '! ' : ''}-s ${g.saddr}`);
  if (g.daddr) parts.push(`-d ${g.daddr}`);
  if (g.iif) parts.push(`${g.iif.negate ? '! ' : ''}-i ${g.iif.name}`);
  if (g.proto) parts.push(`-p ${g.proto}`);
  if (g.proto && g.dport) parts.push(`-m ${g.proto} --dport ${g.dport[0] === g.dport[1] ? g.dport[0] : `${g.dport[0]}:${g.dport[1]}`}`);
  parts.push(`-j ${g.target}`);
  return parts.join(' ');
}

function inPrefix(addr: string, prefix: string): boolean {
  const [net, len] = prefix.split('/') as [string, string];
  const n = (a: string): number => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (n(addr) & mask) >>> 0 === (n(net) & mask) >>> 0;
}

function matches(g: GenRule, p: Packet): boolean {
  if (g.proto && g.proto !== p.protocol) return false;
  if (g.dport && (p.dport < g.dport[0] || p.dport > g.dport[1])) return false;
  if (g.saddr && inPrefix(p.saddr, g.saddr) === Boolean(g.negSaddr)) return false;
  if (g.daddr && !inPrefix(p.daddr, g.daddr)) return false;
  if (g.iif && (p.iif === g.iif.name) === g.iif.negate) return false;
  return true;
}

/** First match with one level of jump: the reference the simulator must agree with. */
function reference(input: GenRule[], sub: GenRule[], p: Packet): 'local' | 'dropped' {
  for (const g of input) {
    if (!matches(g, p)) continue;
    if (g.target === 'ACCEPT') return 'local';
    if (g.target === 'DROP') return 'dropped';
    if (g.target === 'RETURN') return 'dropped'; // policy
    for (const s of sub) {
      if (!matches(s, p)) continue;
      if (s.target === 'ACCEPT') return 'local';
      if (s.target === 'DROP') return 'dropped';
      break; // RETURN: back to INPUT
    }
  }
  return 'dropped';
}

describe('chain index and prefilter', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`random chains agree with a first-match interpreter (seed ${seed})`, () => {
      const r = rng(seed);
      const input = Array.from({ length: 120 }, () => genRule(r, ['ACCEPT', 'DROP', 'SUB', 'SUB', 'RETURN']));
      const sub = Array.from({ length: 80 }, () => genRule(r, ['ACCEPT', 'DROP', 'RETURN', 'RETURN']));
      const ruleset = ipt(
        `*filter\n:INPUT DROP [0:0]\n:SUB - [0:0]\n${input.map((g) => text('INPUT', g)).join('\n')}\n${sub.map((g) => text('SUB', g)).join('\n')}\nCOMMIT\n`,
      );
      const sim = prepare(ruleset, labHost());
      let checked = 0;
      for (const iif of IFACES) {
        for (const saddr of SOURCES) {
          for (const daddr of DESTS) {
            for (const dport of [...PORTS, 9050, 5000]) {
              for (const protocol of ['tcp', 'udp'] as const) {
                const p: Packet = { family: 'ip', iif, saddr, daddr, protocol, sport: 40000, dport };
                const got = sim.simulate(p).disposition;
                const want = reference(input, sub, p);
                if (got !== want) expect(`${JSON.stringify(p)} → ${got}`).toBe(`${JSON.stringify(p)} → ${want}`);
                checked++;
              }
            }
          }
        }
      }
      expect(checked).toBe(IFACES.length * SOURCES.length * DESTS.length * 8 * 2);
    });
  }
});
