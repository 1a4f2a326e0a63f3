import ipaddr from 'ipaddr.js';
import type { AddrSpec, PacketFamily } from '../model.js';

/**
 * Addresses as 32-bit words (one for IPv4, four for IPv6) so a prefix or range test is a few
 * integer operations: rule addresses are converted once per ruleset, packet addresses once per
 * packet, and no string is parsed while rules are evaluated.
 */

export type Words = readonly number[];

export interface Ip {
  family: PacketFamily;
  words: Words;
  /** Canonical text (ipaddr.js `toString()`), the same form the parsers store. */
  text: string;
}

const cache = new Map<string, Ip | null>();
const CACHE_MAX = 65536;

function toWords(addr: ipaddr.IPv4 | ipaddr.IPv6): Words {
  if (addr.kind() === 'ipv4') {
    const o = (addr as ipaddr.IPv4).octets;
    return [(((o[0] ?? 0) << 24) | ((o[1] ?? 0) << 16) | ((o[2] ?? 0) << 8) | (o[3] ?? 0)) >>> 0];
  }
  const p = (addr as ipaddr.IPv6).parts;
  const out: number[] = [];
  for (let i = 0; i < 8; i += 2) out.push((((p[i] ?? 0) << 16) | (p[i + 1] ?? 0)) >>> 0);
  return out;
}

/** Canonical dotted quads (what the parsers store) without ipaddr.js: the common case, and allocation-light. */
function quickV4(text: string): Ip | undefined {
  let w = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return undefined;
      w = w * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // A leading zero is not canonical (and ipaddr.js reads it as octal): leave it to ipaddr.js.
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      digits++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return undefined;
  return { family: 'ip', words: [(w * 256 + part) >>> 0], text };
}

/** Parses an address (no prefix); undefined if it is not one. IPv4-mapped IPv6 stays IPv6, as on the wire. */
export function parseIp(text: string): Ip | undefined {
  const v4 = quickV4(text);
  if (v4) return v4;
  let r = cache.get(text);
  if (r === undefined) {
    r = null;
    const bare = text.replace(/%.*$/, '');
    if (ipaddr.isValid(bare)) {
      const addr = ipaddr.parse(bare);
      r = { family: addr.kind() === 'ipv4' ? 'ip' : 'ip6', words: toWords(addr), text: addr.toString() };
    }
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(text, r);
  }
  return r ?? undefined;
}

export function ipFromWords(family: PacketFamily, words: Words): Ip {
  if (family === 'ip') {
    const w = words[0] ?? 0;
    const text = `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
    return parseIp(text) as Ip;
  }
  const parts: number[] = [];
  for (const w of words) parts.push(w >>> 16, w & 0xffff);
  return parseIp(parts.map((x) => x.toString(16)).join(':')) as Ip;
}

/** Mask words for a prefix length over `n` words. */
export function maskWords(length: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const bits = Math.max(0, Math.min(32, length - i * 32));
    out.push(bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0);
  }
  return out;
}

/** A prefix or an inclusive range, ready for `inNet`. */
export interface Net {
  family: PacketFamily;
  /** Prefix: network words and masks. */
  net?: Words;
  mask?: Words;
  /** Range: inclusive bounds. */
  from?: Words;
  to?: Words;
}

export function netOfPrefix(address: string, length: number): Net | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  const mask = maskWords(length, ip.words.length);
  return { family: ip.family, net: ip.words.map((w, i) => (w & (mask[i] ?? 0)) >>> 0), mask };
}

export function netOfSpec(spec: AddrSpec): Net | undefined {
  if (spec.kind === 'prefix') return netOfPrefix(spec.address, spec.length);
  const a = parseIp(spec.from);
  const b = parseIp(spec.to);
  if (!a || !b || a.family !== b.family) return undefined;
  return { family: a.family, from: a.words, to: b.words };
}

function compare(a: Words, b: Words): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function inNet(n: Net, family: PacketFamily, words: Words): boolean {
  if (n.family !== family) return false;
  if (n.net && n.mask) {
    for (let i = 0; i < words.length; i++) if (((words[i] ?? 0) & (n.mask[i] ?? 0)) >>> 0 !== n.net[i]) return false;
    return true;
  }
  return n.from !== undefined && n.to !== undefined && compare(words, n.from) >= 0 && compare(words, n.to) <= 0;
}

export function sameWords(a: Words, b: Words): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isLoopback4(words: Words): boolean {
  return (words[0] ?? 0) >>> 24 === 127;
}

export function isMulticast(family: PacketFamily, words: Words): boolean {
  return family === 'ip' ? (words[0] ?? 0) >>> 28 === 0xe : (words[0] ?? 0) >>> 24 === 0xff;
}

export function isLinkLocal6(words: Words): boolean {
  return (words[0] ?? 0) >>> 22 === 0x3fa; // fe80::/10
}

export function isLoopback6(words: Words): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 1;
}

/** ff02::1:ffXX:XXXX, where a neighbour solicitation for `target` is sent. */
export function solicitedNode(target: Words): Ip {
  const low = (target[3] ?? 0) & 0xffffff;
  return ipFromWords('ip6', [0xff020000, 0, 1, (0xff000000 | low) >>> 0]);
}

export function formatEndpoint(ip: string, port: number, family: PacketFamily): string {
  return family === 'ip6' ? `[${ip}]:${port}` : `${ip}:${port}`;
}
