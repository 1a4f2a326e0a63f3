import type { Chain, Match, Rule, Table, Verdict } from '../model.js';
import { pendingRulesOf, type PendingRules, type RuleKeys } from '../pending-rules.js';
import type { HostTable } from './host.js';
import { compileMatch, F, T, U, type CompiledMatch, type Test, type Tri } from './matches.js';
import { parseIp } from './ip.js';
import { protoNumber, type Pkt } from './packet.js';
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
  /** Per test: its undecidability is the kernel's random choice per connection. */
  randoms?: boolean[];
  verdict: CVerdict;
  /** "ip filter INPUT rule 3 (line 12)". */
  where: string;
  /**
   * Rules with ordered tests (run-time sets, assumptions; see CompiledMatch.ordered): the tests
   * in the rule's own order, each step ANDed and run only when the steps before it held. `tests`
   * is then empty: the walker runs these steps instead (verdicts.ts).
   */
  steps?: CStep[];
}

export interface CStep {
  tests: Test[];
  whys: (string | undefined)[];
  /** Said in the path when the step is reached. */
  assume?: string;
}

/** A match with an effect on the walk's run-time sets: nothing after it may be skipped ahead of it. */
function effectful(m: Match): boolean {
  return m.kind === 'dynset' || m.kind === 'recent';
}

export interface CChain {
  chain: Chain;
  table: CTable;
  /** The rule count, known once entered. */
  count?: number;
  /** Rules the parser still holds as text when the chain was entered: parsed one by one, as packets reach them. */
  text?: PendingRules;
  /** Compiled rules by index, filled on first use. */
  compiled?: (CRule | undefined)[];
  /** null for chains too short (or too unselective) to be worth it. */
  index?: ChainIndex | null;
  pre?: Prefilter;
}

/**
 * Necessary conditions of every rule of a chain, packed into typed arrays: protocol, one
 * destination port range, one IPv4 source/destination prefix, exact interface names. A long
 * chain is then walked through a few flat arrays; following each rule's closures instead costs
 * cache misses that dominate at 100k rules. Only rules that pass are compiled and tested.
 */
export interface Prefilter {
  flags: Uint8Array;
  proto: Uint8Array;
  dlo: Uint16Array;
  dhi: Uint16Array;
  s4: Uint32Array;
  s4m: Uint32Array;
  d4: Uint32Array;
  d4m: Uint32Array;
  iif: Int32Array;
  oif: Int32Array;
}

export const P_PROTO = 1;
export const P_DPORT = 2;
export const P_S4 = 4;
export const P_D4 = 8;
export const P_IIF = 16;
export const P_IIF_NEG = 32;
export const P_OIF = 64;
export const P_OIF_NEG = 128;

/** Interface names → small integers, shared by all tables of a simulator. */
export class Names {
  private readonly ids = new Map<string, number>();
  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) this.ids.set(name, (id = this.ids.size));
    return id;
  }
}

/**
 * Long chains (Docker's per-port DNAT and ACCEPT rules, kube-proxy's services, ufw's per-source
 * rules) are indexed by a key each rule requires: its destination port, or its exact destination
 * or source address. A packet then visits only the rules in its buckets plus the rules with no
 * such key, in chain order; a rule left out could not have matched.
 */
export interface ChainIndex {
  byPort: Map<number, number[]>;
  byDaddr: Map<string, number[]>;
  bySaddr: Map<string, number[]>;
  rest: number[];
  /** Merged candidate lists by packet key. */
  cache: Map<string, Int32Array>;
  /** The same by destination port alone, for a chain without address buckets (no key string per lookup). */
  portCache: Map<number, Int32Array>;
}

const INDEX_MIN_RULES = 32;
const MAX_PORT_SPAN = 64;
const MAX_EXACT_ADDRS = 16;

export class CTable {
  /** "ip filter", "inet firewalld"; qualified when two tables share a name (iptables-legacy and iptables-nft). */
  readonly label: string;
  /** The table's chains by name (the first of a name), indexed when a walk first looks one up. */
  private byName: Map<string, Chain> | undefined;
  /** The chains a walk has looked up, each prepared once. */
  private readonly chains = new Map<string, CChain>();

  constructor(
    readonly table: Table,
    private readonly host: HostTable,
    readonly names: Names,
    qualifier?: string,
  ) {
    this.label = `${table.family} ${table.name}${qualifier ? ` (${qualifier})` : ''}`;
  }

  chain(name: string): CChain | undefined {
    let c = this.chains.get(name);
    if (c === undefined) {
      const chain = this.named().get(name);
      if (chain === undefined) return undefined;
      this.chains.set(name, (c = newCChain(chain, this)));
    }
    return c;
  }

  of(chain: Chain): CChain {
    const c = this.chain(chain.name);
    if (c && c.chain === chain) return c;
    return newCChain(chain, this);
  }

  /**
   * A kube-proxy dump has tens of thousands of chains of which a walk enters few; nothing is
   * made for a chain before a packet needs it, and the index only when a first packet does.
   */
  private named(): Map<string, Chain> {
    if (this.byName === undefined) {
      const byName = new Map<string, Chain>();
      for (const c of this.table.chains) if (!byName.has(c.name)) byName.set(c.name, c);
      this.byName = byName;
    }
    return this.byName;
  }

  /** Prepares a chain for walking (its index); returns its rule count. */
  enter(c: CChain): number {
    if (c.count === undefined) {
      const text = pendingRulesOf(c.chain);
      if (text) {
        // Keys from the rules' text; each rule's prefilter entry is filled when it is parsed.
        c.text = text;
        c.count = text.count;
        c.index = text.count >= INDEX_MIN_RULES ? buildIndex(text.count, (i) => text.keys(i)) : null;
        c.pre = emptyPrefilter(text.count);
      } else {
        const rules = c.chain.rules;
        c.count = rules.length;
        c.index = rules.length >= INDEX_MIN_RULES ? buildIndex(rules.length, (i) => keysOf(rules[i] as Rule)) : null;
        c.pre = emptyPrefilter(rules.length);
        for (let i = 0; i < rules.length; i++) prefilterEntry(c.pre, i, rules[i] as Rule, this.names);
      }
      c.compiled = new Array<CRule | undefined>(c.count);
    }
    return c.count;
  }

  rule(c: CChain, i: number): CRule {
    const compiled = c.compiled as (CRule | undefined)[];
    let r = compiled[i];
    if (!r) {
      if (c.text) {
        const rule = c.text.rule(i);
        prefilterEntry(c.pre as Prefilter, i, rule, this.names);
        compiled[i] = r = this.compileRule(rule, c);
      } else {
        compiled[i] = r = this.compileRule(c.chain.rules[i] as Rule, c);
      }
    }
    return r;
  }

  private compileRule(rule: Rule, c: CChain): CRule {
    const compiled: CompiledMatch[] = [];
    let steps: CStep[] | undefined;
    let segment: CompiledMatch[] = [];
    const flush = (): void => {
      if (segment.length === 0) return;
      segment.sort((a, b) => a.cost - b.cost);
      (steps ??= []).push({ tests: segment.map((x) => x.test), whys: segment.map((x) => x.unknownWhy) });
      segment = [];
    };
    for (const m of rule.matches) {
      const cm = compileMatch(m, this.host);
      if (!cm) continue;
      compiled.push(cm);
      if (cm.ordered) {
        flush();
        const step: CStep = { tests: [cm.test], whys: [cm.unknownWhy] };
        if (cm.assume !== undefined) step.assume = cm.assume;
        (steps ??= []).push(step);
      } else {
        segment.push(cm);
      }
    }
    if (steps) flush();
    // Stable: equal costs keep the rule's own order.
    compiled.sort((a, b) => a.cost - b.cost);
    const o = rule.origin;
    // Every key in one literal, absent ones undefined: every compiled rule has one shape, and the
    // walker's code that reads them is optimised once (a rule with or without `randoms` or
    // `steps` was another shape, and a new one met later threw the optimised walker away).
    return {
      rule,
      tests: steps ? [] : compiled.map((x) => x.test),
      whys: steps ? [] : compiled.map((x) => x.unknownWhy),
      randoms: compiled.some((x) => x.random) ? compiled.map((x) => x.random === true) : undefined,
      verdict: this.compileVerdict(rule.verdict),
      where: `${this.label} ${c.chain.name} rule ${o.index}${o.line !== undefined ? ` (line ${o.line})` : ''}`,
      steps,
    };
  }

  private compileVerdict(v: Verdict): CVerdict {
    if (v.kind === 'jump' || v.kind === 'goto') {
      const target = this.chain(v.target);
      return target ? { v, target } : { v };
    }
    if (v.kind === 'vmap') {
      const out: CVerdict = { v, elements: v.elements.map((e) => this.compileVerdict(e.verdict)) };
      if (!v.missing)
        out.set = compileSet(
          v.keys,
          v.elements.map((e) => e.key),
        );
      return out;
    }
    return { v };
  }
}

/** A chain as a walk first looks it up: what enter() fills is there from the start (one shape for every chain, see compileRule). */
function newCChain(chain: Chain, table: CTable): CChain {
  return { chain, table, count: undefined, text: undefined, compiled: undefined, index: undefined, pre: undefined };
}

function v4Prefix(a: { kind: string; address?: string; length?: number }): { net: number; mask: number } | undefined {
  if (a.kind !== 'prefix' || a.address === undefined || a.length === undefined) return undefined;
  const ip = parseIp(a.address);
  if (!ip || ip.family !== 'ip') return undefined;
  const mask = a.length === 0 ? 0 : (0xffffffff << (32 - a.length)) >>> 0;
  return { net: ((ip.words[0] ?? 0) & mask) >>> 0, mask };
}

function emptyPrefilter(n: number): Prefilter {
  return {
    flags: new Uint8Array(n),
    proto: new Uint8Array(n),
    dlo: new Uint16Array(n),
    dhi: new Uint16Array(n),
    s4: new Uint32Array(n),
    s4m: new Uint32Array(n),
    d4: new Uint32Array(n),
    d4m: new Uint32Array(n),
    iif: new Int32Array(n),
    oif: new Int32Array(n),
  };
}

/** Rule I's necessary conditions in the chain's prefilter (flags 0: the rule is always tested). */
function prefilterEntry(pre: Prefilter, i: number, rule: Rule, names: Names): void {
  let f = 0;
  for (const m of rule.matches) {
    // What follows a set update is tested only after the update happened.
    if (effectful(m)) break;
    if (m.kind === 'protocol' && !m.negate && m.protocols.length === 1 && !(f & P_PROTO)) {
      const num = protoNumber(m.protocols[0] as string);
      if (num !== undefined && num < 256) {
        f |= P_PROTO;
        pre.proto[i] = num;
      }
    } else if (m.kind === 'port' && m.dir === 'dst' && !m.negate && m.ports.length === 1 && !(f & P_DPORT)) {
      f |= P_DPORT;
      pre.dlo[i] = (m.ports[0] as { from: number }).from;
      pre.dhi[i] = (m.ports[0] as { to: number }).to;
    } else if (m.kind === 'addr' && !m.negate && m.family === 'ip' && m.addrs.length === 1) {
      const v = v4Prefix(m.addrs[0] as { kind: string });
      if (!v) continue;
      if (m.dir === 'src' && !(f & P_S4)) {
        f |= P_S4;
        pre.s4[i] = v.net;
        pre.s4m[i] = v.mask;
      } else if (m.dir === 'dst' && !(f & P_D4)) {
        f |= P_D4;
        pre.d4[i] = v.net;
        pre.d4m[i] = v.mask;
      }
    } else if (m.kind === 'iface' && m.patterns.length === 1 && !(m.patterns[0] as { wildcard: boolean }).wildcard) {
      const id = names.id((m.patterns[0] as { name: string }).name);
      if (m.dir === 'in' && !(f & P_IIF)) {
        f |= P_IIF | (m.negate ? P_IIF_NEG : 0);
        pre.iif[i] = id;
      } else if (m.dir === 'out' && !(f & P_OIF)) {
        f |= P_OIF | (m.negate ? P_OIF_NEG : 0);
        pre.oif[i] = id;
      }
    }
  }
  pre.flags[i] = f;
}

/** The bucket keys a rule cannot match without (exported for the test that holds text keys to them). */
export function keysOf(rule: Rule): RuleKeys | undefined {
  let out: RuleKeys | undefined;
  for (const m of rule.matches) {
    if (effectful(m)) break;
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

function buildIndex(n: number, keysAt: (i: number) => RuleKeys | undefined): ChainIndex | null {
  const keys: (RuleKeys | undefined)[] = new Array<RuleKeys | undefined>(n);
  for (let i = 0; i < n; i++) keys[i] = keysAt(i);
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
  if (rest.length > n / 2) return null;
  return { byPort, byDaddr, bySaddr, rest, cache: new Map(), portCache: new Map() };
}

const EMPTY: number[] = [];

function mergeSorted(lists: readonly number[][]): Int32Array {
  let n = 0;
  let nonEmpty = 0;
  for (const l of lists) {
    n += l.length;
    if (l.length > 0) nonEmpty++;
  }
  const out = new Int32Array(n);
  let k = 0;
  for (const l of lists) for (const x of l) out[k++] = x;
  // Buckets are disjoint (one key kind per rule), so sorting the concatenation restores chain order.
  return nonEmpty > 1 ? out.sort() : out;
}

/** The rule indices of `c` this packet can match, in order; undefined = all of them. */
export function candidates(c: CChain, p: Pkt): Int32Array | undefined {
  const ix = c.index;
  if (!ix) return undefined;
  if (ix.byDaddr.size === 0 && ix.bySaddr.size === 0) {
    let list = ix.portCache.get(p.dport);
    if (!list) {
      list = mergeSorted([ix.byPort.get(p.dport) ?? EMPTY, EMPTY, EMPTY, ix.rest]);
      ix.portCache.set(p.dport, list);
    }
    return list;
  }
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

/** Every test of R that returned U is a random choice of the kernel. */
export function randomOnly(r: CRule, p: Pkt): boolean {
  if (!r.randoms) return false;
  return r.tests.every((t, i) => t(p) !== U || r.randoms?.[i] === true);
}

/** Why a rule evaluated to U: the reasons of the tests that returned U. */
export function unknownWhy(r: CRule, p: Pkt): string {
  const out: string[] = [];
  r.tests.forEach((t, i) => {
    if (t(p) === U) out.push(r.whys[i] ?? 'undecidable match');
  });
  return out.join('; ');
}
