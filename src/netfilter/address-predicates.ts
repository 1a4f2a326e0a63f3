import ipaddr from 'ipaddr.js';
import type { AddrSpec, Chain, Key, Match, NatMap, Rule, Ruleset, Table, Value, Verdict } from './model.js';
import { pendingRulesOf } from './pending-rules.js';
import type { Ipset } from './simulate/types.js';

/**
 * Every address test in a ruleset, as ranges of addresses: `-s`/`-d` and nft `ip saddr`/`daddr`
 * (literal, anonymous or named sets, verdict and NAT maps), conntrack tuple addresses and
 * `-m set` ipsets. A zone's clients are many addresses, and the ruleset tells them apart only at
 * the bounds of these ranges: one address per class of addresses that every predicate treats
 * alike stands for the whole class (see model/zone-sources.ts). Destination tests count as well:
 * the host's answer travels back to the client's address as its destination.
 */

export type Family = 4 | 6;

/** An inclusive range of addresses, as integers. */
export type Span = readonly [bigint, bigint];

export interface AddressPredicate {
  family: Family;
  spans: Span[];
  /**
   * The rule only drops or rejects what it matches, with no effect on later packets: its addresses
   * can make a client less open, never more (model/zone-sources.ts tries such a range only when
   * nothing else stands for its class: a fail2ban chain of banned addresses is no class each).
   */
  closes?: true;
  /** The rule, for the explanation (predicateWhere): kept in parts, as most are never shown. */
  rule: { table: string; chain: string; index: number; line: number | undefined; text: string };
}

/** Where a predicate's rule is: `ip filter INPUT rule 3 (line 12): -A INPUT -s … -j DROP`. */
export function predicateWhere(p: AddressPredicate): string {
  const r = p.rule;
  return `${r.table} ${r.chain} rule ${r.index}${r.line !== undefined ? ` (line ${r.line})` : ''}: ${r.text}`;
}

const ADDRESS_KEYS = new Set<Key>(['ip saddr', 'ip daddr', 'ip6 saddr', 'ip6 daddr']);

const cache = new WeakMap<Ruleset, Map<Readonly<Record<string, Ipset>> | undefined, AddressPredicate[]>>();

/** A dotted quad as a number (what iptables-save and nft print); undefined for any other text. */
function dottedQuad(text: string): number | undefined {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (octet < 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = -1;
    } else if (c >= 48 && c <= 57) {
      octet = octet < 0 ? c - 48 : octet * 10 + c - 48;
      if (octet > 255) return undefined;
    } else return undefined;
  }
  return dots === 3 && octet >= 0 ? value * 256 + octet : undefined;
}

/**
 * The integer of an address, with its family; undefined when the text is not one. Dotted quads
 * take a path of their own: a kube-proxy host's ruleset tests a hundred thousand of them, and
 * parsing each through ipaddr.js into a BigInt byte by byte was most of the model's time.
 */
export function addressValue(text: string): { family: Family; value: bigint } | undefined {
  const quad = dottedQuad(text);
  if (quad !== undefined) return { family: 4, value: BigInt(quad) };
  if (!ipaddr.isValid(text)) return undefined;
  const parsed = ipaddr.parse(text);
  let value = 0n;
  for (const b of parsed.toByteArray()) value = (value << 8n) | BigInt(b);
  return { family: parsed.kind() === 'ipv4' ? 4 : 6, value };
}

export function addressText(family: Family, value: bigint): string {
  const bytes: number[] = [];
  let v = value;
  for (let i = 0; i < (family === 4 ? 4 : 16); i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** The addresses of `address/length` (host bits ignored, as the kernel does). */
export function prefixSpan(address: string, length: number): { family: Family; span: Span } | undefined {
  const quad = dottedQuad(address);
  if (quad !== undefined) {
    if (!Number.isInteger(length) || length < 0 || length > 32) return undefined;
    const size = 2 ** (32 - length);
    const low = quad - (quad % size);
    return { family: 4, span: [BigInt(low), BigInt(low + size - 1)] };
  }
  const a = addressValue(address);
  if (!a) return undefined;
  const bits = a.family === 4 ? 32 : 128;
  if (!Number.isInteger(length) || length < 0 || length > bits) return undefined;
  const hostBits = BigInt(bits - length);
  const low = (a.value >> hostBits) << hostBits;
  return { family: a.family, span: [low, low + (1n << hostBits) - 1n] };
}

/** `A.B.C.D`, `A.B.C.D/N` or `A-B`. */
export function textSpan(text: string): { family: Family; span: Span } | undefined {
  const dash = text.indexOf('-');
  if (dash > 0) {
    const from = addressValue(text.slice(0, dash));
    const to = addressValue(text.slice(dash + 1));
    return from && to && from.family === to.family && from.value <= to.value ? { family: from.family, span: [from.value, to.value] } : undefined;
  }
  const slash = text.indexOf('/');
  if (slash < 0) {
    const a = addressValue(text);
    return a && { family: a.family, span: [a.value, a.value] };
  }
  return prefixSpan(text.slice(0, slash), Number(text.slice(slash + 1)));
}

function specSpan(spec: AddrSpec): { family: Family; span: Span } | undefined {
  return spec.kind === 'prefix' ? prefixSpan(spec.address, spec.length) : textSpan(`${spec.from}-${spec.to}`);
}

function valueSpan(v: Value | undefined): { family: Family; span: Span } | undefined {
  if (!v) return undefined;
  if (v.kind === 'exact') return typeof v.value === 'string' ? textSpan(v.value) : undefined;
  if (v.kind === 'prefix') return prefixSpan(v.address, v.length);
  if (v.kind === 'range') return typeof v.from === 'string' && typeof v.to === 'string' ? textSpan(`${v.from}-${v.to}`) : undefined;
  return undefined;
}

type Found = { family: Family; span: Span };

/** The address components of a set element keyed by `keys` (concatenations: each address column). */
function elementSpans(keys: readonly Key[], element: readonly Value[]): Found[] {
  const out: Found[] = [];
  keys.forEach((k, i) => {
    if (!ADDRESS_KEYS.has(k)) return;
    const s = valueSpan(element[i]);
    if (s) out.push(s);
  });
  return out;
}

/**
 * A set's elements as predicates: one for a plain set of addresses (membership: every element
 * leads to the same), one per element where the elements differ in more than the address (a
 * concatenation's other columns, a verdict map's verdicts, a NAT map's data).
 */
function elementGroups(keys: readonly Key[], elements: readonly (readonly Value[])[], alike: boolean): Found[][] {
  if (!keys.some((k) => ADDRESS_KEYS.has(k))) return [];
  if (alike && keys.length === 1) return [elements.flatMap((e) => elementSpans(keys, e))];
  return elements.map((e) => elementSpans(keys, e)).filter((g) => g.length > 0);
}

/** The address tests of a match, each group one predicate (what tells addresses apart). */
function matchGroups(m: Match, ipsets: Readonly<Record<string, Ipset>> | undefined): Found[][] {
  switch (m.kind) {
    case 'addr':
    case 'ctaddr':
      return [m.addrs.map(specSpan).filter((s) => s !== undefined)];
    case 'ipset': {
      // `add NAME ENTRY [options]`: the entry is the first word. Members and `nomatch` entries apart.
      const set = ipsets?.[m.name];
      if (!set || !('members' in set)) return [];
      const spans = (entries: readonly string[]): Found[] => entries.map((e) => textSpan(e.split(/\s/)[0] ?? '')).filter((s) => s !== undefined);
      return [spans(set.members), spans(set.nomatch ?? [])];
    }
    case 'set':
      return elementGroups(m.keys, m.elements, true);
    default:
      return [];
  }
}

function verdictGroups(v: Verdict): Found[][] {
  if (v.kind === 'vmap')
    return elementGroups(
      v.keys,
      v.elements.map((e) => e.key),
      false,
    );
  if (v.kind !== 'dnat' && v.kind !== 'snat') return [];
  const maps: NatMap[] = [];
  if (v.addrMap) maps.push(v.addrMap);
  if (v.portMap) maps.push(v.portMap);
  return maps.flatMap((map) => elementGroups(map.keys, map.elements, false));
}

function push(out: AddressPredicate[], groups: readonly Found[][], rule: AddressPredicate['rule'], closes: boolean): void {
  for (const found of groups) {
    for (const family of [4, 6] as const) {
      const spans = found.filter((f) => f.family === family).map((f) => f.span);
      if (spans.length > 0) out.push(closes ? { family, spans, rule, closes } : { family, spans, rule });
    }
  }
}

/**
 * The ruleset's address predicates (one per rule and family that tests an address), cached per
 * ruleset. A chain whose rules the parser still holds as text is read from the text where that
 * says all (pending-rules.ts addressWords): the simulator leaves most of a kube-proxy dump
 * unparsed, and parsing it all here cost more than the whole matrix.
 */
export function addressPredicates(ruleset: Ruleset, ipsets?: Readonly<Record<string, Ipset>>): AddressPredicate[] {
  let byIpsets = cache.get(ruleset);
  if (!byIpsets) cache.set(ruleset, (byIpsets = new Map()));
  const cached = byIpsets.get(ipsets);
  if (cached) return cached;
  const out: AddressPredicate[] = [];
  const parsed = (table: Table, chain: Chain, rule: Rule): void => {
    const groups = [...rule.matches.flatMap((m) => matchGroups(m, ipsets)), ...verdictGroups(rule.verdict)];
    // Only a test that drops what lies inside its ranges: `! --match-set geo src -j DROP` drops the rest.
    const closes =
      (rule.verdict.kind === 'drop' || rule.verdict.kind === 'reject') &&
      rule.effects.length === 0 &&
      !rule.matches.some((m) => (m.kind === 'addr' || m.kind === 'ctaddr' || m.kind === 'ipset' || m.kind === 'set') && m.negate);
    const origin = { table: `${table.family} ${table.name}`, chain: chain.name, index: rule.origin.index, line: rule.origin.line, text: rule.origin.text };
    if (groups.length > 0) push(out, groups, origin, closes);
  };
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      const held = pendingRulesOf(chain);
      if (!held?.addressWords) {
        for (const rule of chain.rules) parsed(table, chain, rule);
        continue;
      }
      for (let i = 0; i < held.count; i++) {
        const read = held.addressWords(i);
        const groups = read?.groups.map((words) => words.map(textSpan));
        // A word that is no address, prefix or range (a netmask form): the parse decides.
        if (!read || !groups || groups.some((g) => g.some((f) => f === undefined))) {
          parsed(table, chain, held.rule(i));
          continue;
        }
        const origin = { table: `${table.family} ${table.name}`, chain: chain.name, index: read.index, line: read.line, text: read.text };
        if (groups.length > 0) push(out, groups as Found[][], origin, read.closes);
      }
    }
  }
  byIpsets.set(ipsets, out);
  return out;
}
