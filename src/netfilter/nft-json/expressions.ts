import { parseAddrRange, parsePrefix } from '../addr.js';
import type { AddrSpec, IfacePattern, Key, Match, PacketFamily, PortProtocol, PortRange, Value } from '../model.js';
import { brief, isObject, num, single, str } from './json.js';
import { printStatement } from './print.js';

/**
 * nft JSON expressions → neutral matches. A match statement is `{left, op, right}`; the left
 * side says what is read from the packet (a Key), the right side what it is compared with
 * (a literal, an anonymous set, a prefix/range, or `@name`). Known keys with literal values
 * become the typed matches (iface, addr, port, …); named-set lookups and concatenations become
 * `set` matches; anything else is `unsupported` with its printed text.
 */

const PORT_PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp', 'dccp', 'udplite', 'th'];
const MAX_DEPTH = 16;

export function keyOf(expr: unknown): Key | undefined {
  return keyOfKv(single(expr));
}

/** keyOf on an expression already split by single() (decodeMatch splits each left side once). */
function keyOfKv(kv: [string, unknown] | undefined): Key | undefined {
  if (!kv) return undefined;
  const [k, v] = kv;
  if (!isObject(v)) return undefined;
  if (k === 'meta') {
    switch (str(v.key)) {
      case 'iifname':
      case 'oifname':
      case 'iif':
      case 'oif':
        return v.key as Key;
      case 'l4proto':
        return 'meta l4proto';
      case 'nfproto':
        return 'meta nfproto';
      case 'protocol':
        return 'meta protocol';
      case 'mark':
        return 'meta mark';
      case 'pkttype':
        return 'meta pkttype';
      default:
        return undefined;
    }
  }
  if (k === 'payload') {
    const proto = str(v.protocol);
    const field = str(v.field);
    if ((proto === 'ip' || proto === 'ip6') && (field === 'saddr' || field === 'daddr')) return `${proto} ${field}`;
    if (proto === 'ip' && field === 'protocol') return 'ip protocol';
    if (proto === 'ip6' && field === 'nexthdr') return 'ip6 nexthdr';
    if (proto !== undefined && PORT_PROTOCOLS.includes(proto) && (field === 'sport' || field === 'dport')) return `${proto as PortProtocol} ${field}`;
    if (proto === 'icmp' && field === 'type') return 'icmp type';
    if (proto === 'icmpv6' && field === 'type') return 'icmpv6 type';
    return undefined;
  }
  if (k === 'ct' && v.dir === undefined) {
    switch (str(v.key)) {
      case 'state':
        return 'ct state';
      case 'status':
        return 'ct status';
      case 'mark':
        return 'ct mark';
      default:
        return undefined;
    }
  }
  if (k === 'numgen') return 'numgen';
  return undefined;
}

/** Keys of a (possibly concatenated) left side, or undefined if any component is unknown. */
export function keysOf(expr: unknown): Key[] | undefined {
  return keysOfKv(single(expr));
}

function keysOfKv(kv: [string, unknown] | undefined): Key[] | undefined {
  if (kv && kv[0] === 'concat') {
    if (!Array.isArray(kv[1])) return undefined;
    const keys: Key[] = [];
    for (const part of kv[1]) {
      const key = keyOf(part);
      if (!key) return undefined;
      keys.push(key);
    }
    return keys;
  }
  const key = keyOfKv(kv);
  return key ? [key] : undefined;
}

function isIfnameKey(key: Key | undefined): boolean {
  return key === 'iifname' || key === 'oifname' || key === 'iif' || key === 'oif';
}

function normaliseAddressText(s: string): string {
  const p = parsePrefix(s);
  return p.ok && p.value.spec.kind === 'prefix' ? p.value.spec.address : s;
}

/** One scalar/prefix/range (not a set) → a Value. `key` only decides how strings read. */
export function decodeScalar(raw: unknown, key: Key | undefined, depth = 0): Value | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (typeof raw === 'number' && Number.isFinite(raw)) return { kind: 'exact', value: raw };
  if (typeof raw === 'string') {
    // nft prints interface wildcards as "eth*"; a literal star is escaped ("eth\*").
    if (isIfnameKey(key)) {
      if (raw.endsWith('*') && !raw.endsWith('\\*')) return { kind: 'wildcard', prefix: raw.slice(0, -1) };
      return { kind: 'exact', value: raw.endsWith('\\*') ? `${raw.slice(0, -2)}*` : raw };
    }
    return { kind: 'exact', value: raw.includes('.') || raw.includes(':') ? normaliseAddressText(raw) : raw };
  }
  const kv = single(raw);
  if (!kv) return undefined;
  const [k, v] = kv;
  if (k === 'elem' && isObject(v)) return decodeScalar(v.val, key, depth + 1);
  if (k === 'prefix' && isObject(v)) {
    const addr = str(v.addr);
    const len = num(v.len);
    if (addr === undefined || len === undefined) return undefined;
    const p = parsePrefix(`${addr}/${len}`);
    return p.ok && p.value.spec.kind === 'prefix' ? { kind: 'prefix', address: p.value.spec.address, length: p.value.spec.length } : undefined;
  }
  if (k === 'range' && Array.isArray(v) && v.length === 2) {
    const a = decodeScalar(v[0], key, depth + 1);
    const b = decodeScalar(v[1], key, depth + 1);
    if (a?.kind !== 'exact' || b?.kind !== 'exact') return undefined;
    return { kind: 'range', from: a.value, to: b.value };
  }
  return undefined;
}

/** A set element → one Value per key component (concatenations). */
export function decodeElement(raw: unknown, keys: readonly (Key | undefined)[], depth = 0): Value[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const kv = single(raw);
  if (kv && kv[0] === 'elem' && isObject(kv[1])) return decodeElement(kv[1].val, keys, depth + 1);
  if (kv && kv[0] === 'concat') {
    if (!Array.isArray(kv[1])) return undefined;
    const parts: Value[] = [];
    for (let i = 0; i < kv[1].length; i++) {
      const v = decodeScalar(kv[1][i], keys[i], depth + 1);
      if (!v) return undefined;
      parts.push(v);
    }
    return parts;
  }
  const v = decodeScalar(raw, keys[0], depth + 1);
  return v ? [v] : undefined;
}

/** Right-hand side → list of alternatives, or the name of a set. */
type Right = { kind: 'values'; values: Value[][] } | { kind: 'named'; name: string } | { kind: 'bad' };

function decodeRight(raw: unknown, keys: readonly Key[]): Right {
  if (typeof raw === 'string' && raw.startsWith('@')) return { kind: 'named', name: raw.slice(1) };
  // Flag lists (`ct state in ["established","related"]`) are plain arrays.
  const list = Array.isArray(raw)
    ? raw
    : (() => {
        const kv = single(raw);
        return kv && kv[0] === 'set' && Array.isArray(kv[1]) ? kv[1] : undefined;
      })();
  const items = list ?? [raw];
  const values: Value[][] = [];
  for (const item of items) {
    const e = decodeElement(item, keys);
    if (!e || e.length !== keys.length) return { kind: 'bad' };
    values.push(e);
  }
  return { kind: 'values', values };
}

function exactStrings(values: Value[][]): string[] | undefined {
  const out: string[] = [];
  for (const [v] of values) {
    if (v?.kind !== 'exact') return undefined;
    out.push(String(v.value));
  }
  return out;
}

function addrSpecs(values: Value[][], family: PacketFamily): AddrSpec[] | undefined {
  const out: AddrSpec[] = [];
  for (const [v] of values) {
    if (!v) return undefined;
    if (v.kind === 'exact') {
      const p = parsePrefix(String(v.value));
      if (!p.ok || p.value.family !== family) return undefined;
      out.push(p.value.spec);
    } else if (v.kind === 'prefix') {
      const p = parsePrefix(`${v.address}/${v.length}`);
      if (!p.ok || p.value.family !== family) return undefined;
      out.push(p.value.spec);
    } else if (v.kind === 'range') {
      const r = parseAddrRange(String(v.from), String(v.to));
      if (!r.ok || r.value.family !== family) return undefined;
      out.push(r.value.spec);
    } else {
      return undefined;
    }
  }
  return out;
}

function portNumber(x: string | number): number | undefined {
  const n = typeof x === 'number' ? x : /^\d+$/.test(x) ? Number(x) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

function portRanges(values: Value[][]): PortRange[] | undefined {
  const out: PortRange[] = [];
  for (const [v] of values) {
    if (v?.kind === 'exact') {
      const p = portNumber(v.value);
      if (p === undefined) return undefined;
      out.push({ from: p, to: p });
    } else if (v?.kind === 'range') {
      const a = portNumber(v.from);
      const b = portNumber(v.to);
      if (a === undefined || b === undefined || a > b) return undefined;
      out.push({ from: a, to: b });
    } else {
      return undefined;
    }
  }
  return out;
}

function ifacePatterns(values: Value[][]): IfacePattern[] | undefined {
  const out: IfacePattern[] = [];
  for (const [v] of values) {
    if (v?.kind === 'exact') out.push({ name: String(v.value), wildcard: false });
    else if (v?.kind === 'wildcard') out.push({ name: v.prefix, wildcard: true });
    else return undefined;
  }
  return out;
}

/** `<`, `>`, `<=`, `>=` on ports → one range. */
function comparisonRange(op: string, value: number): PortRange | undefined {
  switch (op) {
    case '<':
      return value > 0 ? { from: 0, to: value - 1 } : undefined;
    case '<=':
      return { from: 0, to: value };
    case '>':
      return value < 65535 ? { from: value + 1, to: 65535 } : undefined;
    case '>=':
      return { from: value, to: 65535 };
    default:
      return undefined;
  }
}

function typedMatch(key: Key, values: Value[][], negate: boolean, op = '=='): Match[] | undefined {
  switch (key) {
    case 'iifname':
    case 'oifname':
    case 'iif':
    case 'oif': {
      const patterns = ifacePatterns(values);
      if (!patterns) return undefined;
      const m: Match = { kind: 'iface', dir: key.startsWith('i') ? 'in' : 'out', patterns, negate };
      if (key === 'iif' || key === 'oif') m.byIndex = true;
      return [m];
    }
    case 'ip saddr':
    case 'ip daddr':
    case 'ip6 saddr':
    case 'ip6 daddr': {
      const family: PacketFamily = key.startsWith('ip6') ? 'ip6' : 'ip';
      const addrs = addrSpecs(values, family);
      return addrs ? [{ kind: 'addr', dir: key.endsWith('saddr') ? 'src' : 'dst', family, addrs, negate }] : undefined;
    }
    case 'meta l4proto': {
      const protocols = exactStrings(values);
      return protocols ? [{ kind: 'protocol', protocols: protocols.map(normaliseL4), negate }] : undefined;
    }
    case 'meta nfproto':
    case 'meta protocol': {
      // nfproto names the family (ipv4, ipv6), protocol the ethertype (ip, ip6): for an ip/ip6/inet packet they agree.
      const fams = exactStrings(values);
      if (!fams || fams.length !== 1) return undefined;
      const f = fams[0] === 'ipv4' || fams[0] === 'ip' ? 'ip' : fams[0] === 'ipv6' || fams[0] === 'ip6' ? 'ip6' : undefined;
      return f ? [{ kind: 'nfproto', family: f, negate }] : undefined;
    }
    case 'ip protocol':
    case 'ip6 nexthdr': {
      const protocols = exactStrings(values);
      if (!protocols) return undefined;
      return [
        { kind: 'nfproto', family: key === 'ip protocol' ? 'ip' : 'ip6', negate: false },
        { kind: 'protocol', protocols: protocols.map(normaliseL4), negate },
      ];
    }
    case 'meta pkttype': {
      const types = exactStrings(values);
      return types ? [{ kind: 'pkttype', types, negate }] : undefined;
    }
    case 'ct state': {
      const states = exactStrings(values);
      return states ? [{ kind: 'ctstate', states: states.map((s) => s.toUpperCase()), negate }] : undefined;
    }
    case 'ct status': {
      const statuses = exactStrings(values);
      if (!statuses) return undefined;
      const m: Match = { kind: 'ctstatus', statuses: statuses.map((s) => s.toUpperCase().replace(/-/g, '_')), negate };
      // `==`/`!=` compare the whole word; `in` (nft's `ct status dnat`) tests bits.
      if (op === '==' || op === '!=') m.exact = true;
      return [m];
    }
    case 'meta mark':
    case 'ct mark': {
      const [only] = values;
      const v = values.length === 1 ? only?.[0] : undefined;
      if (v?.kind !== 'exact' || typeof v.value !== 'number') return undefined;
      return [{ kind: 'mark', on: key === 'ct mark' ? 'conn' : 'packet', value: v.value >>> 0, mask: 0xffffffff, negate }];
    }
    case 'icmp type':
    case 'icmpv6 type': {
      const types = exactStrings(values);
      return types ? [{ kind: 'icmp', version: key === 'icmp type' ? 'icmp' : 'icmpv6', types, negate }] : undefined;
    }
    case 'numgen':
      return undefined;
    default: {
      // `${proto} sport|dport`
      const space = key.indexOf(' ');
      const ports = portRanges(values);
      return ports ? [{ kind: 'port', dir: key.endsWith('sport') ? 'src' : 'dst', protocol: key.slice(0, space) as PortProtocol, ports, negate }] : undefined;
    }
  }
}

function normaliseL4(p: string): string {
  const lower = p.toLowerCase();
  return lower === 'icmpv6' ? 'ipv6-icmp' : lower;
}

function unsupported(statement: unknown, reason: string): Match {
  return { kind: 'unsupported', text: printStatement(statement), reason };
}

/** `ip protocol X` / `ip6 nexthdr X`: a protocol match on one address family. */
function l3ProtocolMatch(kv: [string, unknown] | undefined, right: unknown, negate: boolean): Match[] | undefined {
  if (!kv || kv[0] !== 'payload' || !isObject(kv[1])) return undefined;
  const proto = str(kv[1].protocol);
  const field = str(kv[1].field);
  if (!((proto === 'ip' && field === 'protocol') || (proto === 'ip6' && field === 'nexthdr'))) return undefined;
  const r = decodeRight(right, ['meta l4proto']);
  if (r.kind !== 'values') return undefined;
  const protocols = exactStrings(r.values);
  if (!protocols) return undefined;
  return [
    { kind: 'nfproto', family: proto === 'ip' ? 'ip' : 'ip6', negate: false },
    { kind: 'protocol', protocols: protocols.map(normaliseL4), negate },
  ];
}

/** `fib daddr [. iif] type local` (addrtype) and `fib saddr [. mark] [. iif] oif missing` (rpfilter). */
function fibMatch(kv: [string, unknown] | undefined, op: string, right: unknown): Match[] | undefined {
  if (!kv || kv[0] !== 'fib' || !isObject(kv[1])) return undefined;
  const result = str(kv[1].result);
  const flags = Array.isArray(kv[1].flags) ? kv[1].flags.filter((f): f is string => typeof f === 'string') : [str(kv[1].flags) ?? ''];
  if (op !== '==' && op !== '!=') return undefined;
  const negate = op === '!=';
  if (result === 'type') {
    const dir = flags.includes('daddr') ? 'dst' : flags.includes('saddr') ? 'src' : undefined;
    if (!dir || (flags.includes('daddr') && flags.includes('saddr'))) return undefined;
    const r = decodeRight(right, ['meta pkttype']);
    const types = r.kind === 'values' ? exactStrings(r.values) : undefined;
    if (!types) return undefined;
    const m: Match = { kind: 'addrtype', dir, types: types.map((t) => t.toUpperCase()), negate };
    if (flags.includes('iif')) m.limitIfaceIn = true;
    if (flags.includes('oif')) m.limitIfaceOut = true;
    return [m];
  }
  if ((result === 'oif' || result === 'oifname') && flags.includes('saddr') && !flags.includes('daddr')) {
    // `oif missing` is printed as false, `oif exists` as true.
    const missing = right === false || right === 'missing' ? true : right === true || right === 'exists' ? false : undefined;
    if (missing === undefined) return undefined;
    return [{ kind: 'rpfilter', invert: missing !== negate, loose: !flags.includes('iif'), validmark: flags.includes('mark'), acceptLocal: false }];
  }
  return undefined;
}

/** Original/reply tuple: `ct original ip daddr`, `ct original proto-dst`. */
function ctTupleMatch(kv: [string, unknown] | undefined, right: unknown, negate: boolean): Match[] | undefined {
  if (!kv || kv[0] !== 'ct' || !isObject(kv[1])) return undefined;
  const dir = str(kv[1].dir);
  const key = str(kv[1].key);
  if (dir !== 'original' && dir !== 'reply') return undefined;
  if (key === 'saddr' || key === 'daddr' || key === 'ip saddr' || key === 'ip daddr' || key === 'ip6 saddr' || key === 'ip6 daddr') {
    const fam = str(kv[1].family);
    const family: PacketFamily = fam === 'ip6' || key.startsWith('ip6') ? 'ip6' : 'ip';
    const r = decodeRight(right, [`${family} daddr`]);
    const addrs = r.kind === 'values' ? addrSpecs(r.values, family) : undefined;
    if (!addrs) return undefined;
    return [{ kind: 'ctaddr', tuple: dir, dir: key.endsWith('saddr') ? 'src' : 'dst', family, addrs, negate }];
  }
  if (key === 'proto-src' || key === 'proto-dst') {
    const r = decodeRight(right, ['th dport']);
    const ports = r.kind === 'values' ? portRanges(r.values) : undefined;
    if (!ports) return undefined;
    return [{ kind: 'ctport', tuple: dir, dir: key === 'proto-src' ? 'src' : 'dst', ports, negate }];
  }
  return undefined;
}

/** `meta mark & MASK == VALUE` (and the same on ct mark). */
function maskedMarkMatch(kv: [string, unknown] | undefined, op: string, right: unknown): Match[] | undefined {
  if (!kv || kv[0] !== '&' || !Array.isArray(kv[1]) || kv[1].length !== 2) return undefined;
  const key = keyOf(kv[1][0]);
  const mask = num(kv[1][1]);
  const value = num(right);
  if ((key !== 'meta mark' && key !== 'ct mark') || mask === undefined || value === undefined) return undefined;
  if (op !== '==' && op !== '!=') return undefined;
  return [{ kind: 'mark', on: key === 'ct mark' ? 'conn' : 'packet', value: value >>> 0, mask: mask >>> 0, negate: op === '!=' }];
}

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECN', 'CWR'];

/** `"syn"`, `["fin","syn"]`, `{"|": ["fin", "syn"]}`, `0x12` → upper-case flag names (numbers as hex text). */
function flagList(x: unknown, depth = 0): string[] | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (typeof x === 'number') return Number.isInteger(x) && x >= 0 && x <= 255 ? (x === 0 ? [] : [`0x${x.toString(16)}`]) : undefined;
  if (typeof x === 'string') {
    if (/^(0x[0-9a-f]{1,2}|\d{1,3})$/i.test(x)) return flagList(Number(x), depth + 1);
    return TCP_FLAGS.includes(x.toUpperCase()) ? [x.toUpperCase()] : undefined;
  }
  const items = Array.isArray(x) ? x : single(x)?.[0] === '|' ? single(x)?.[1] : undefined;
  if (!Array.isArray(items)) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const f = flagList(item, depth + 1);
    if (!f) return undefined;
    out.push(...f);
  }
  return out;
}

function isTcpFlags(x: unknown): boolean {
  return isTcpFlagsKv(single(x));
}

function isTcpFlagsKv(kv: [string, unknown] | undefined): boolean {
  return kv !== undefined && kv[0] === 'payload' && isObject(kv[1]) && kv[1].protocol === 'tcp' && kv[1].field === 'flags';
}

/** `tcp flags & (fin|syn|rst|ack) == syn`, `tcp flags == syn`, `tcp flags syn` (one flag set). */
function tcpFlagsMatch(kv: [string, unknown] | undefined, op: string, right: unknown): Match[] | undefined {
  const masked = kv && kv[0] === '&' && Array.isArray(kv[1]) && kv[1].length === 2 && isTcpFlags(kv[1][0]);
  if (!masked && !isTcpFlagsKv(kv)) return undefined;
  const mask = masked ? flagList((kv[1] as unknown[])[1]) : TCP_FLAGS;
  if (!mask) return undefined;
  // A set of values: `tcp flags { syn, syn | ack }` (each compared whole, or under the mask).
  const rs = single(right);
  if (rs && rs[0] === 'set' && Array.isArray(rs[1]) && (op === '==' || op === '!=')) {
    const anyOf: string[][] = [];
    for (const item of rs[1]) {
      const f = flagList(item);
      if (!f) return undefined;
      anyOf.push(f);
    }
    return [{ kind: 'tcpflags', mask: [...mask], set: [], anyOf, negate: op === '!=' }];
  }
  const set = flagList(right);
  if (!set) return undefined;
  if (op === 'in') {
    // `tcp flags syn,ack`: any of these on.
    return [{ kind: 'tcpflags', mask: set, set, negate: false, ...(set.length > 1 ? { nonzero: true } : {}) }];
  }
  if (op === '!') {
    // `tcp flags ! fin,syn,rst`: none of these on (what `& (…) == 0x0` lists as).
    return [{ kind: 'tcpflags', mask: set, set: [], negate: false }];
  }
  if (op !== '==' && op !== '!=') return undefined;
  return [{ kind: 'tcpflags', mask: [...mask], set, negate: op === '!=' }];
}

/** `meta skuid 1000`, `meta skgid != 0`: the sending socket's owner. */
function skMatch(kv: [string, unknown] | undefined, op: string, right: unknown, statement: unknown): Match[] | undefined {
  if (!kv || kv[0] !== 'meta' || !isObject(kv[1])) return undefined;
  const key = str(kv[1].key);
  if (key !== 'skuid' && key !== 'skgid') return undefined;
  if (op !== '==' && op !== '!=') return undefined;
  const value = typeof right === 'number' || typeof right === 'string' ? String(right) : undefined;
  if (value === undefined) return undefined;
  return [{ kind: 'socket', tests: [{ what: key === 'skuid' ? 'uid' : 'gid', negate: op === '!=', value }], nft: true, text: printStatement(statement) }];
}

/** One `{"match": …}` statement body → matches. Never throws. */
export function decodeMatch(body: unknown, statement: unknown): Match[] {
  if (!isObject(body)) return [unsupported(statement, 'malformed match')];
  const op = str(body.op) ?? '==';
  const { left, right } = body;

  // The left side is split once: each test below looks at its kind.
  const lkv = single(left);
  const special = fibMatch(lkv, op, right) ?? maskedMarkMatch(lkv, op, right) ?? tcpFlagsMatch(lkv, op, right);
  if (special) return special;
  if (op === '==' || op === '!=') {
    const l3 = l3ProtocolMatch(lkv, right, op === '!=') ?? ctTupleMatch(lkv, right, op === '!=');
    if (l3) return l3;
  }

  const owner = skMatch(lkv, op, right, statement);
  if (owner) return owner;
  const keys = keysOfKv(lkv);
  if (!keys) return [unsupported(statement, `expression ${brief(left, 80)} is not modelled`)];
  const onlyKey = keys.length === 1 ? keys[0] : undefined;

  if (op === '<' || op === '>' || op === '<=' || op === '>=') {
    const value = num(right);
    const range = value !== undefined && onlyKey && onlyKey.endsWith('port') ? comparisonRange(op, value) : undefined;
    if (!range || !onlyKey) return [unsupported(statement, `comparison ${op} is only modelled on ports`)];
    return typedMatch(onlyKey, [[{ kind: 'range', from: range.from, to: range.to }]], false) ?? [unsupported(statement, 'bad port')];
  }
  // `in` tests flag bits (ct state/status); for one packet that is set membership.
  if (op !== '==' && op !== '!=' && op !== 'in') return [unsupported(statement, `operator ${op} is not modelled`)];
  const negate = op === '!=';
  const r = decodeRight(right, keys);
  if (r.kind === 'bad') return [unsupported(statement, `value ${brief(right, 80)} is not understood`)];
  if (r.kind === 'named') return [{ kind: 'set', keys, name: r.name, elements: [], dynamic: false, negate }];
  if (onlyKey) {
    const typed = typedMatch(onlyKey, r.values, negate, op);
    if (typed) return typed;
    if (onlyKey === 'numgen') return [unsupported(statement, 'numgen outside a verdict map is not modelled')];
    return [unsupported(statement, `value ${brief(right, 80)} does not fit ${onlyKey}`)];
  }
  return [{ kind: 'set', keys, elements: r.values, dynamic: false, negate }];
}
