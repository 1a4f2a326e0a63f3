import type { Key, Value } from '../model.js';
import { inNet, netOfPrefix, netOfSpec, parseIp, type Net } from './ip.js';
import { ctStateOf, icmpType, PORT_PROTOS, protoNumber, tracked, type Pkt } from './packet.js';

/**
 * nft set and verdict-map lookups: an element is one Value per key component. Exact elements
 * go into a hash map (kube-proxy's service maps, Docker's per-port sets); prefixes, ranges and
 * wildcards are scanned. Compiled once per element array (several rules share a named set).
 */

type KeyKind = 'addr' | 'num' | 'str' | 'iface' | 'opaque';

type Component =
  { k: 'net'; net: Net; exact?: string } | { k: 'num'; from: number; to: number } | { k: 'str'; s: string } | { k: 'pre'; s: string } | { k: 'bad' };

export const NO_ELEMENT = -1;
export const UNKNOWN_ELEMENT = -2;

export interface CompiledSet {
  keys: readonly Key[];
  kinds: KeyKind[];
  exact: Map<string, number>;
  /** Elements that are not all-exact, with their index. */
  scan: { index: number; parts: Component[] }[];
  /** Elements with a component that cannot be compared: a lookup that reaches them is unknown. */
  hasBad: boolean;
  /**
   * Single-address-key sets whose non-exact elements are disjoint prefixes/ranges (nft interval
   * sets, firewalld's blocklists): sorted bounds for a binary search instead of a scan.
   */
  intervals?: { from: number[][]; to: number[][]; index: number[] };
}

function kindOf(key: Key): KeyKind {
  switch (key) {
    case 'iifname':
    case 'oifname':
    case 'iif':
    case 'oif':
      return 'iface';
    case 'ip saddr':
    case 'ip daddr':
    case 'ip6 saddr':
    case 'ip6 daddr':
      return 'addr';
    case 'meta nfproto':
    case 'meta protocol':
    case 'meta pkttype':
    case 'ct state':
      return 'str';
    case 'ct status':
    case 'numgen':
      return 'opaque';
    default:
      return 'num';
  }
}

function numberOf(key: Key, v: string | number): number | undefined {
  if (typeof v === 'number') return v;
  if (key === 'meta l4proto' || key === 'ip protocol' || key === 'ip6 nexthdr') return protoNumber(v);
  if (key === 'icmp type' || key === 'icmpv6 type') {
    const t = icmpType(v, key === 'icmp type' ? 'icmp' : 'icmpv6');
    return t !== undefined && t !== 'any' && t.code === undefined ? t.type : undefined;
  }
  if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  return undefined;
}

function compileComponent(key: Key, kind: KeyKind, v: Value): Component {
  switch (kind) {
    case 'addr': {
      if (v.kind === 'exact') {
        const ip = parseIp(String(v.value));
        const net = ip ? netOfPrefix(ip.text, ip.family === 'ip' ? 32 : 128) : undefined;
        return ip && net ? { k: 'net', net, exact: ip.text } : { k: 'bad' };
      }
      if (v.kind === 'prefix') {
        const net = netOfPrefix(v.address, v.length);
        return net ? { k: 'net', net } : { k: 'bad' };
      }
      if (v.kind === 'range') {
        const net = netOfSpec({ kind: 'range', from: String(v.from), to: String(v.to) });
        return net ? { k: 'net', net } : { k: 'bad' };
      }
      return { k: 'bad' };
    }
    case 'num': {
      if (v.kind === 'exact') {
        const n = numberOf(key, v.value);
        return n === undefined ? { k: 'bad' } : { k: 'num', from: n, to: n };
      }
      if (v.kind === 'range') {
        const a = numberOf(key, v.from);
        const b = numberOf(key, v.to);
        return a === undefined || b === undefined ? { k: 'bad' } : { k: 'num', from: a, to: b };
      }
      return { k: 'bad' };
    }
    case 'str':
      return v.kind === 'exact' ? { k: 'str', s: String(v.value).toLowerCase() } : { k: 'bad' };
    case 'iface':
      if (v.kind === 'exact') return { k: 'str', s: String(v.value) };
      if (v.kind === 'wildcard') return { k: 'pre', s: v.prefix };
      return { k: 'bad' };
    default:
      return { k: 'bad' };
  }
}

function exactText(c: Component): string | undefined {
  if (c.k === 'net') return c.exact;
  if (c.k === 'num') return c.from === c.to ? String(c.from) : undefined;
  if (c.k === 'str') return c.s;
  return undefined;
}

const cache = new WeakMap<readonly (readonly Value[])[], Map<string, CompiledSet>>();

export function compileSet(keys: readonly Key[], elements: readonly (readonly Value[])[]): CompiledSet {
  const keyText = keys.join(' . ');
  let byKeys = cache.get(elements);
  const hit = byKeys?.get(keyText);
  if (hit) return hit;
  const kinds = keys.map(kindOf);
  const out: CompiledSet = { keys, kinds, exact: new Map(), scan: [], hasBad: false };
  elements.forEach((el, index) => {
    const parts = keys.map((key, i) => (el[i] === undefined ? ({ k: 'bad' } as Component) : compileComponent(key, kinds[i] as KeyKind, el[i] as Value)));
    if (parts.some((c) => c.k === 'bad')) out.hasBad = true;
    const texts = parts.map(exactText);
    if (texts.every((t): t is string => t !== undefined)) {
      const joined = texts.join('\u0000');
      if (!out.exact.has(joined)) out.exact.set(joined, index);
    } else {
      out.scan.push({ index, parts });
    }
  });
  if (out.scan.length >= 16 && kinds.length === 1 && kinds[0] === 'addr') out.intervals = intervalsOf(out.scan);
  if (!byKeys) cache.set(elements, (byKeys = new Map()));
  byKeys.set(keyText, out);
  return out;
}

function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function boundsOf(c: Component): { from: number[]; to: number[] } | undefined {
  if (c.k !== 'net') return undefined;
  const n = c.net;
  if (n.net && n.mask) return { from: [...n.net], to: n.net.map((w, i) => (w | ~(n.mask?.[i] ?? 0)) >>> 0) };
  if (n.from && n.to) return { from: [...n.from], to: [...n.to] };
  return undefined;
}

/** Sorted disjoint bounds, or undefined if some element is not an address net or two overlap (then the scan keeps first-match order). */
function intervalsOf(scan: CompiledSet['scan']): CompiledSet['intervals'] {
  const items: { from: number[]; to: number[]; index: number }[] = [];
  for (const el of scan) {
    const b = el.parts.length === 1 && el.parts[0] ? boundsOf(el.parts[0]) : undefined;
    if (!b || (el.parts[0] as { net: Net }).net.family !== (scan[0]?.parts[0] as { net: Net }).net.family) return undefined;
    items.push({ ...b, index: el.index });
  }
  items.sort((x, y) => compareWords(x.from, y.from));
  for (let i = 1; i < items.length; i++) if (compareWords((items[i - 1] as { to: number[] }).to, (items[i] as { from: number[] }).from) >= 0) return undefined;
  return { from: items.map((x) => x.from), to: items.map((x) => x.to), index: items.map((x) => x.index) };
}

function searchIntervals(iv: NonNullable<CompiledSet['intervals']>, words: readonly number[]): number {
  let lo = 0;
  let hi = iv.from.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compareWords(iv.from[mid] as number[], words) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0 || compareWords(words, iv.to[found] as number[]) > 0) return Number.MAX_SAFE_INTEGER;
  return iv.index[found] as number;
}

/** What a key reads from the packet: a string, a number, an address, undefined (the expression does not apply: no match), or null (unknown). */
type KeyValue = string | number | { family: 'ip' | 'ip6'; words: readonly number[]; text: string } | undefined | null;

function readKey(key: Key, p: Pkt): KeyValue {
  switch (key) {
    case 'iifname':
    case 'iif':
      return p.iif;
    case 'oifname':
    case 'oif':
      return p.oif;
    case 'ip saddr':
      return p.family === 'ip' ? p.saddr : undefined;
    case 'ip daddr':
      return p.family === 'ip' ? p.daddr : undefined;
    case 'ip6 saddr':
      return p.family === 'ip6' ? p.saddr : undefined;
    case 'ip6 daddr':
      return p.family === 'ip6' ? p.daddr : undefined;
    case 'meta l4proto':
      return p.proto;
    case 'meta nfproto':
      return p.family === 'ip' ? 'ipv4' : 'ipv6';
    case 'meta protocol':
      return p.family === 'ip' ? 'ip' : 'ip6';
    case 'ip protocol':
      return p.family === 'ip' ? p.proto : undefined;
    case 'ip6 nexthdr':
      return p.family === 'ip6' ? p.proto : undefined;
    case 'meta mark':
      return p.markKnown ? p.mark : null;
    case 'meta pkttype':
      return p.pkttype;
    case 'ct state':
      return ctStateOf(p).toLowerCase();
    case 'ct mark':
      if (!tracked(p)) return undefined;
      return p.ctmarkKnown ? p.ctmark : null;
    case 'icmp type':
      return p.family === 'ip' && p.proto === 1 ? p.icmpType : undefined;
    case 'icmpv6 type':
      return p.family === 'ip6' && p.proto === 58 ? p.icmpType : undefined;
    case 'ct status':
    case 'numgen':
      return null;
    default: {
      // `${proto} sport|dport`
      const space = key.indexOf(' ');
      const proto = key.slice(0, space);
      const ok = proto === 'th' ? PORT_PROTOS.has(p.proto) : protoNumber(proto) === p.proto;
      if (!ok) return undefined;
      return key.endsWith('sport') ? p.sport : p.dport;
    }
  }
}

function componentMatches(c: Component, v: Exclude<KeyValue, undefined | null>): boolean {
  switch (c.k) {
    case 'net':
      return typeof v === 'object' && inNet(c.net, v.family, v.words);
    case 'num':
      return typeof v === 'number' && v >= c.from && v <= c.to;
    case 'str':
      return v === c.s;
    case 'pre':
      return typeof v === 'string' && v.startsWith(c.s);
    default:
      return false;
  }
}

/**
 * The packet's key for KEYS as one text (components joined as the exact-element index joins
 * them): undefined when an expression does not apply to the packet (the rule breaks there),
 * null when it cannot be read.
 */
export function keyText(keys: readonly Key[], p: Pkt): string | undefined | null {
  let joined = '';
  for (let i = 0; i < keys.length; i++) {
    const v = readKey(keys[i] as Key, p);
    if (v === undefined || v === null) return v;
    const t = typeof v === 'object' ? v.text : String(v);
    joined = i === 0 ? t : `${joined}\u0000${t}`;
  }
  return joined;
}

/** Index of the element the packet's key hits, NO_ELEMENT, or UNKNOWN_ELEMENT. */
export function lookup(set: CompiledSet, p: Pkt): number {
  const n = set.keys.length;
  const values: Exclude<KeyValue, undefined | null>[] = [];
  let joined = '';
  for (let i = 0; i < n; i++) {
    const v = readKey(set.keys[i] as Key, p);
    if (v === undefined) return NO_ELEMENT;
    if (v === null) return UNKNOWN_ELEMENT;
    values.push(v);
    const t = typeof v === 'object' ? v.text : String(v);
    joined = i === 0 ? t : `${joined}\u0000${t}`;
  }
  let best = set.exact.get(joined) ?? Number.MAX_SAFE_INTEGER;
  if (set.intervals) {
    const v = values[0];
    if (typeof v === 'object' && v.family === (set.scan[0]?.parts[0] as { net: Net } | undefined)?.net.family)
      best = Math.min(best, searchIntervals(set.intervals, v.words));
    return best === Number.MAX_SAFE_INTEGER ? NO_ELEMENT : best;
  }
  for (const el of set.scan) {
    if (el.index >= best) break;
    let all = true;
    let bad = false;
    for (let i = 0; i < n; i++) {
      const c = el.parts[i] as Component;
      if (c.k === 'bad') {
        bad = true;
        continue;
      }
      if (!componentMatches(c, values[i] as Exclude<KeyValue, undefined | null>)) {
        all = false;
        break;
      }
    }
    if (all && bad) return UNKNOWN_ELEMENT;
    if (all) {
      best = el.index;
      break;
    }
  }
  return best === Number.MAX_SAFE_INTEGER ? NO_ELEMENT : best;
}
