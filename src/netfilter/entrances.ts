import type { Chain, Key, Match, NatMap, PacketFamily, PortRange, Rule, Ruleset, Table, Value } from './model.js';
import { pendingRulesOf } from './pending-rules.js';

/**
 * Every other way into a local port: the DNAT and REDIRECT rules (iptables and nft, literal
 * targets and map lookups) whose translation can land on it, each with the destination ports and
 * addresses a client would aim at to meet that rule. The reach model tries them beside the
 * listener's own port (a LAN client reaches port 22 through `--dport 80 -j DNAT --to :22` even
 * when port 22 itself is dropped).
 *
 * Ports a rule accepts are many; the ruleset's behaviour changes only at the bounds of the port
 * ranges it names, so one port per stretch between bounds stands for all of it (see portPoints).
 */

export interface Entrance {
  /** Where the rule is, for the explanation. */
  where: string;
  /** The family the rule can translate (undefined: both). */
  family?: PacketFamily;
  /** Literal target address (undefined: REDIRECT, a map, or the destination kept). */
  toAddr?: string;
  /** Ports the client can aim at to meet the rule (undefined: the listener's own port only, the rule keeps ports). */
  ports: number[];
  /** Destination addresses the rule requires (positive single addresses), which a same-link client may aim at. */
  addrs: string[];
}

/** At most this many ports stand for one rule's range (bounds first). */
const MAX_PORTS_PER_RULE = 24;

/**
 * An entrance as cached per listener port. Its ports are worked out the first time a question
 * keeps it (see entrancesTo): standing for a wide range needs the whole ruleset's port bounds.
 */
interface Found {
  entrance: Entrance;
  /** The destination ports the rule accepts (undefined: any port). */
  ranges: PortRange[] | undefined;
  resolved: boolean;
}

const cache = new WeakMap<Ruleset, Map<string, Found[]>>();
const pointsCache = new WeakMap<Ruleset, number[]>();

function natTables(ruleset: Ruleset): Table[] {
  return ruleset.tables.filter((t) => t.chains.some((c) => c.base?.type === 'nat' && (c.base.hook === 'prerouting' || c.base.hook === 'output')));
}

function isPortKey(k: Key): boolean {
  return k.endsWith(' dport');
}

function valuePorts(v: Value | undefined): PortRange | undefined {
  if (!v) return undefined;
  if (v.kind === 'exact') {
    const n = Number(v.value);
    return Number.isInteger(n) && n >= 0 && n <= 65535 ? { from: n, to: n } : undefined;
  }
  if (v.kind === 'range') {
    const a = Number(v.from);
    const b = Number(v.to);
    return Number.isInteger(a) && Number.isInteger(b) ? { from: a, to: b } : undefined;
  }
  return undefined;
}

/** Destination-port ranges a match names, for the bounds (negated or not: both sides of a bound differ). */
function matchRanges(m: Match): PortRange[] {
  if (m.kind === 'port' && m.dir === 'dst') return m.ports;
  if (m.kind === 'set') {
    const i = m.keys.findIndex(isPortKey);
    if (i < 0) return [];
    return m.elements.map((e) => valuePorts(e[i])).filter((r): r is PortRange => r !== undefined);
  }
  if (m.kind === 'ctport') return m.ports;
  return [];
}

/**
 * The bounds of every destination-port range the ruleset names (each range's first port, last
 * port, and the ports just outside), sorted: between two neighbouring points every port meets the
 * same port matches.
 */
export function portPoints(ruleset: Ruleset): number[] {
  const hit = pointsCache.get(ruleset);
  if (hit) return hit;
  const points = new Set<number>();
  const add = (r: PortRange) => {
    for (const p of [r.from - 1, r.from, r.to, r.to + 1]) if (p >= 1 && p <= 65535) points.add(p);
  };
  for (const t of ruleset.tables) {
    for (const c of t.chains) {
      for (const rule of c.rules) {
        for (const m of rule.matches) for (const r of matchRanges(m)) add(r);
        const v = rule.verdict;
        if (v.kind === 'vmap') {
          const i = v.keys.findIndex(isPortKey);
          if (i >= 0)
            for (const e of v.elements) {
              const r = valuePorts(e.key[i]);
              if (r) add(r);
            }
        }
      }
    }
  }
  const out = [...points].sort((a, b) => a - b);
  pointsCache.set(ruleset, out);
  return out;
}

/** Up to MAX_PORTS_PER_RULE ports standing for RANGES: their bounds, then the points inside. */
function representatives(ranges: readonly PortRange[], points: readonly number[], must: number[]): number[] {
  const out = new Set<number>(must);
  for (const r of ranges) {
    out.add(r.from);
    out.add(r.to);
  }
  const inside = points.filter((p) => ranges.some((r) => p > r.from && p < r.to) && !out.has(p));
  const room = MAX_PORTS_PER_RULE - out.size;
  if (room > 0) {
    const step = Math.max(1, inside.length / room);
    for (let i = 0; i < inside.length && out.size < MAX_PORTS_PER_RULE; i += step) out.add(inside[Math.floor(i)] as number);
  }
  return [...out];
}

/** Does a translated port (range) take the client to PORT? */
function landsOn(port: number | undefined, portTo: number | undefined, listener: number): boolean {
  if (port === undefined) return true;
  return listener >= port && listener <= (portTo ?? port);
}

function positiveDaddrs(rule: Rule): string[] {
  const out: string[] = [];
  for (const m of rule.matches) {
    if (m.kind !== 'addr' || m.dir !== 'dst' || m.negate) continue;
    for (const a of m.addrs) out.push(a.kind === 'prefix' ? a.address : a.from);
  }
  return out;
}

function rulePortRanges(rule: Rule): PortRange[] | undefined {
  let ranges: PortRange[] | undefined;
  for (const m of rule.matches) {
    if (m.kind === 'port' && m.dir === 'dst' && !m.negate) ranges = m.ports;
    else if (m.kind === 'set' && !m.negate && m.keys.length === 1 && isPortKey(m.keys[0] as Key)) ranges = matchRanges(m);
  }
  return ranges;
}

/** A map's elements whose data can land on LISTENER: the ports and addresses their keys name. */
function mapEntries(map: NatMap, dataPort: (d: Value[]) => Value | undefined, listener: number): { ports: PortRange[]; addrs: string[]; any: boolean } {
  const ports: PortRange[] = [];
  const addrs: string[] = [];
  let any = false;
  const pi = map.keys.findIndex(isPortKey);
  const ai = map.keys.findIndex((k) => k === 'ip daddr' || k === 'ip6 daddr');
  map.elements.forEach((key, i) => {
    const d = dataPort(map.data[i] ?? []);
    const r = d === undefined ? undefined : valuePorts(d);
    if (d !== undefined && (!r || listener < r.from || listener > r.to)) return;
    any = true;
    if (pi >= 0) {
      const pr = valuePorts(key[pi]);
      if (pr) ports.push(pr);
    }
    const a = ai >= 0 ? key[ai] : undefined;
    if (a?.kind === 'exact') addrs.push(String(a.value));
    else if (a?.kind === 'prefix') addrs.push(a.address);
  });
  return { ports, addrs, any };
}

/**
 * The DNAT/REDIRECT rules that can take a client to local port LISTENER, with what to aim at.
 * A rule without a port condition is met on any port: the ruleset's port points stand for them.
 */
export function entrancesTo(
  ruleset: Ruleset,
  listener: number,
  canLand: (address: string) => boolean = () => true,
  isLocal: (address: string) => boolean = () => true,
): Entrance[] {
  let byPort = cache.get(ruleset);
  if (!byPort) cache.set(ruleset, (byPort = new Map()));
  const key = String(listener);
  let all = byPort.get(key);
  if (!all) {
    all = [];
    for (const { table, chain, rule } of translatingRules(ruleset, isLocal)) {
      const found = collect(table, chain, rule, listener);
      if (found) all.push(found);
    }
    byPort.set(key, all);
  }
  const out: Entrance[] = [];
  for (const found of all) {
    const e = found.entrance;
    if (e.toAddr !== undefined && !canLand(e.toAddr)) continue;
    if (!found.resolved) {
      const { ranges } = found;
      // The ruleset's port bounds (every rule parsed) only when a range must be stood for.
      const points = !ranges || ranges.some((x) => x.to > x.from) ? portPoints(ruleset) : [];
      e.ports = ranges ? representatives(ranges, points, []) : representatives([{ from: 1, to: 65535 }], points, [listener]);
      found.resolved = true;
    }
    out.push(e);
  }
  return out;
}

const rulesCache = new WeakMap<Ruleset, { table: Table; chain: Chain; rule: Rule }[]>();

/**
 * The ruleset's DNAT/REDIRECT rules that may land on the host itself, found once: a chain still
 * held as text is read line by line and only those rules parsed (a kube-proxy or Docker host has
 * thousands of DNATs to pods and containers, whose literal targets are not local). The host's
 * addresses are the same for every question about one ruleset.
 */
function translatingRules(ruleset: Ruleset, isLocal: (address: string) => boolean): { table: Table; chain: Chain; rule: Rule }[] {
  let out = rulesCache.get(ruleset);
  if (out) return out;
  out = [];
  for (const table of natTables(ruleset)) {
    for (const chain of table.chains) {
      const pending = pendingRulesOf(chain);
      const n = pending ? pending.count : chain.rules.length;
      for (let i = 0; i < n; i++) {
        if (pending?.mayTranslate && !pending.mayTranslate(i, isLocal)) continue;
        const rule = pending ? pending.rule(i) : (chain.rules[i] as Rule);
        const v = rule.verdict;
        if (v.kind === 'redirect' || (v.kind === 'dnat' && (v.addr === undefined || isLocal(v.addr)))) out.push({ table, chain, rule });
      }
    }
  }
  rulesCache.set(ruleset, out);
  return out;
}

function collect(t: Table, c: Chain, rule: Rule, listener: number): Found | undefined {
  const v = rule.verdict;
  if (v.kind !== 'dnat' && v.kind !== 'redirect') return undefined;
  const where = `${t.family} ${t.name} ${c.name} rule ${rule.origin.index}`;
  const addrs = positiveDaddrs(rule);
  let ranges: PortRange[] | undefined = rulePortRanges(rule);
  let toAddr: string | undefined;
  if (v.kind === 'redirect') {
    if (!landsOn(v.port, v.portTo, listener)) return undefined;
    if (v.port === undefined) ranges = [{ from: listener, to: listener }];
  } else {
    if (v.computed !== undefined) return undefined;
    const map = v.portMap ?? v.addrMap;
    if (map) {
      const portOf = (d: Value[]): Value | undefined => (v.portMap ? d[0] : d[1]);
      const m = mapEntries(map, portOf, listener);
      if (!m.any) return undefined;
      if (m.ports.length > 0) ranges = m.ports;
      addrs.push(...m.addrs);
      const keepsPort = v.portMap === undefined && v.port === undefined && !(v.addrMap?.data.some((d) => d.length > 1) ?? false);
      if (keepsPort) ranges = [{ from: listener, to: listener }];
    } else {
      if (!landsOn(v.port, v.portTo, listener)) return undefined;
      if (v.port === undefined) ranges = [{ from: listener, to: listener }];
    }
    if (v.addr !== undefined) toAddr = v.addr;
  }
  const e: Entrance = { where, ports: [], addrs };
  if (toAddr !== undefined) e.toAddr = toAddr;
  if (t.family === 'ip' || t.family === 'ip6') e.family = t.family;
  else if (toAddr !== undefined) e.family = toAddr.includes(':') ? 'ip6' : 'ip';
  return { entrance: e, ranges, resolved: false };
}
