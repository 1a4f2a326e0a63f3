import type { Chain, Rule, Table, Verdict } from '../model.js';
import type { HostTable } from './host.js';
import { compileMatch, F, T, U, type Test, type Tri } from './matches.js';
import type { Pkt } from './packet.js';
import { compileSet, type CompiledSet } from './sets.js';

/**
 * Rules turned into arrays of tests with jump targets resolved. Work is done when a packet
 * first needs it: a chain's index when the chain is first entered, a rule's tests when a packet
 * first reaches that rule, so a large ruleset costs what the simulated packets touch.
 */

export interface CVerdict {
  v: Verdict;
  /** jump/goto: the chain in the same table; undefined when it does not exist. */
  target?: CChain;
  /** vmap: the compiled key lookup (absent when the map is filled at run time) and each element's verdict. */
  set?: CompiledSet;
  elements?: CVerdict[];
}

export interface CRule {
  rule: Rule;
  tests: Test[];
  /** Per test: why it can be undecidable. */
  whys: (string | undefined)[];
  verdict: CVerdict;
  /** "ip filter INPUT rule 3 (line 12)". */
  where: string;
}

export interface CChain {
  chain: Chain;
  table: CTable;
  /** Compiled rules by index, filled on first use. */
  compiled?: (CRule | undefined)[];
  /** null for chains too short (or too unselective) to be worth it. */
  index?: ChainIndex | null;
}

/**
 * Long chains (Docker's per-port DNAT and ACCEPT rules, kube-proxy's services, ufw's per-source
 * rules) are indexed by a key each rule requires: its destination port, or its exact destination
 * or source address. A packet then visits only the rules in its buckets plus the rules with no
 * such key, in chain order; a rule left out could not have matched.
 */
export interface ChainIndex {
  byPort: Map<number, Int32Array>;
  byDaddr: Map<string, Int32Array>;
  bySaddr: Map<string, Int32Array>;
  rest: Int32Array;
  /** Merged candidate lists by packet key. */
  cache: Map<string, Int32Array>;
}

const INDEX_MIN_RULES = 32;
const MAX_PORT_SPAN = 64;
const MAX_EXACT_ADDRS = 16;

export class CTable {
  /** "ip filter", "inet firewalld"; qualified when two tables share a name (iptables-legacy and iptables-nft). */
  readonly label: string;
  private readonly chains = new Map<string, CChain>();

  constructor(
    readonly table: Table,
    private readonly host: HostTable,
    qualifier?: string,
  ) {
    this.label = `${table.family} ${table.name}${qualifier ? ` (${qualifier})` : ''}`;
    for (const c of table.chains) if (!this.chains.has(c.name)) this.chains.set(c.name, { chain: c, table: this });
  }

  chain(name: string): CChain | undefined {
    return this.chains.get(name);
  }

  of(chain: Chain): CChain {
    const c = this.chains.get(chain.name);
    if (c && c.chain === chain) return c;
    return { chain, table: this };
  }

  /** Prepares a chain for walking (its index); returns its rule count. */
  enter(c: CChain): number {
    if (!c.compiled) {
      c.compiled = new Array<CRule | undefined>(c.chain.rules.length);
      c.index = c.chain.rules.length >= INDEX_MIN_RULES ? buildIndex(c.chain.rules) : null;
    }
    return c.chain.rules.length;
  }

  rule(c: CChain, i: number): CRule {
    const compiled = c.compiled as (CRule | undefined)[];
    let r = compiled[i];
    if (!r) compiled[i] = r = this.compileRule(c.chain.rules[i] as Rule, c);
    return r;
  }

  private compileRule(rule: Rule, c: CChain): CRule {
    const compiled = [];
    for (const m of rule.matches) {
      const cm = compileMatch(m, this.host);
      if (cm) compiled.push(cm);
    }
    // Stable: equal costs keep the rule's own order.
    compiled.sort((a, b) => a.cost - b.cost);
    const o = rule.origin;
    return {
      rule,
      tests: compiled.map((x) => x.test),
      whys: compiled.map((x) => x.unknownWhy),
      verdict: this.compileVerdict(rule.verdict),
      where: `${this.label} ${c.chain.name} rule ${o.index}${o.line !== undefined ? ` (line ${o.line})` : ''}`,
    };
  }

  private compileVerdict(v: Verdict): CVerdict {
    if (v.kind === 'jump' || v.kind === 'goto') {
      const target = this.chains.get(v.target);
      return target ? { v, target } : { v };
    }
    if (v.kind === 'vmap') {
      const out: CVerdict = { v, elements: v.elements.map((e) => this.compileVerdict(e.verdict)) };
      if (!v.dynamic) out.set = compileSet(v.keys, v.elements.map((e) => e.key));
      return out;
    }
    return { v };
  }
}

/** The bucket keys a rule cannot match without, of one kind. */
interface RuleKeys {
  ports?: number[];
  daddrs?: string[];
  saddrs?: string[];
}

function keysOf(rule: Rule): RuleKeys | undefined {
  let out: RuleKeys | undefined;
  for (const m of rule.matches) {
    if (m.kind === 'port' && m.dir === 'dst' && !m.negate && !out?.ports) {
      let span = 0;
      for (const r of m.ports) span += r.to - r.from + 1;
      if (span > MAX_PORT_SPAN) continue;
      const ports: number[] = [];
      for (const r of m.ports) for (let x = r.from; x <= r.to; x++) ports.push(x);
      (out ??= {}).ports = ports;
    } else if (m.kind === 'addr' && !m.negate && m.addrs.length <= MAX_EXACT_ADDRS) {
      const full = m.family === 'ip' ? 32 : 128;
      // The parsers store addresses in canonical form, the same text packets carry.
      if (!m.addrs.every((a) => a.kind === 'prefix' && a.length === full)) continue;
      const texts = m.addrs.map((a) => (a.kind === 'prefix' ? a.address : ''));
      if (m.dir === 'dst' && !out?.daddrs) (out ??= {}).daddrs = texts;
      else if (m.dir === 'src' && !out?.saddrs) (out ??= {}).saddrs = texts;
    }
  }
  return out;
}

function count<K>(map: Map<K, number>, keys: readonly K[] | undefined): void {
  if (keys) for (const k of keys) map.set(k, (map.get(k) ?? 0) + 1);
}

function cost<K>(map: Map<K, number>, keys: readonly K[] | undefined): number {
  if (!keys) return Infinity;
  let n = 0;
  for (const k of keys) n += map.get(k) ?? 0;
  return n;
}

function add<K>(map: Map<K, number[]>, keys: readonly K[], i: number): void {
  for (const k of keys) {
    const list = map.get(k);
    if (!list) map.set(k, [i]);
    else if (list[list.length - 1] !== i) list.push(i);
  }
}

function buildIndex(rules: readonly Rule[]): ChainIndex | null {
  const keys = rules.map(keysOf);
  const portN = new Map<number, number>();
  const daddrN = new Map<string, number>();
  const saddrN = new Map<string, number>();
  for (const k of keys) {
    if (!k) continue;
    count(portN, k.ports);
    count(daddrN, k.daddrs);
    count(saddrN, k.saddrs);
  }
  const byPort = new Map<number, number[]>();
  const byDaddr = new Map<string, number[]>();
  const bySaddr = new Map<string, number[]>();
  const rest: number[] = [];
  keys.forEach((k, i) => {
    if (!k) return void rest.push(i);
    // Each rule goes into the buckets of its most selective key.
    const p = cost(portN, k.ports);
    const d = cost(daddrN, k.daddrs);
    const s = cost(saddrN, k.saddrs);
    if (p <= d && p <= s && k.ports) add(byPort, k.ports, i);
    else if (d <= s && k.daddrs) add(byDaddr, k.daddrs, i);
    else if (k.saddrs) add(bySaddr, k.saddrs, i);
    else rest.push(i);
  });
  if (rest.length > rules.length / 2) return null;
  const freeze = <K>(m: Map<K, number[]>): Map<K, Int32Array> => {
    const out = new Map<K, Int32Array>();
    for (const [k, v] of m) out.set(k, Int32Array.from(v));
    return out;
  };
  return { byPort: freeze(byPort), byDaddr: freeze(byDaddr), bySaddr: freeze(bySaddr), rest: Int32Array.from(rest), cache: new Map() };
}

const EMPTY = new Int32Array(0);

function mergeSorted(lists: readonly Int32Array[]): Int32Array {
  let n = 0;
  let nonEmpty = 0;
  for (const l of lists) {
    n += l.length;
    if (l.length > 0) nonEmpty++;
  }
  const out = new Int32Array(n);
  let k = 0;
  for (const l of lists) {
    out.set(l, k);
    k += l.length;
  }
  // Buckets are disjoint (one key kind per rule), so sorting the concatenation restores chain order.
  return nonEmpty > 1 ? out.sort() : out;
}

/** The rule indices of `c` this packet can match, in order; undefined = all of them. */
export function candidates(c: CChain, p: Pkt): Int32Array | undefined {
  const ix = c.index;
  if (!ix) return undefined;
  const key = `${p.dport}|${ix.byDaddr.size > 0 ? p.daddr.text : ''}|${ix.bySaddr.size > 0 ? p.saddr.text : ''}`;
  let list = ix.cache.get(key);
  if (!list) {
    list = mergeSorted([ix.byPort.get(p.dport) ?? EMPTY, ix.byDaddr.get(p.daddr.text) ?? EMPTY, ix.bySaddr.get(p.saddr.text) ?? EMPTY, ix.rest]);
    ix.cache.set(key, list);
  }
  return list;
}

/** All tests ANDed: F wins over U, so an undecidable match only matters when the others hold. */
export function evalRule(r: CRule, p: Pkt): Tri {
  const tests = r.tests;
  let unknown = false;
  for (let i = 0; i < tests.length; i++) {
    const x = (tests[i] as Test)(p);
    if (x === F) return F;
    if (x === U) unknown = true;
  }
  return unknown ? U : T;
}

/** Why a rule evaluated to U: the reasons of the tests that returned U. */
export function unknownWhy(r: CRule, p: Pkt): string {
  const out: string[] = [];
  r.tests.forEach((t, i) => {
    if (t(p) === U) out.push(r.whys[i] ?? 'undecidable match');
  });
  return out.join('; ');
}
