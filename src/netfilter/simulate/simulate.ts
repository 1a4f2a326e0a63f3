import type { Hook, PacketFamily, Ruleset, Table } from '../model.js';
import { CTable, Names } from './compile.js';
import { HostTable } from './host.js';
import { planHook, runHook, type HookEntry } from './hooks.js';
import { formatEndpoint, isLoopback6, parseIp, solicitedNode, type Ip } from './ip.js';
import type { Pkt } from './packet.js';
import { routeInput, routeOutput, type RouteDecision } from './routing.js';
import { Run, type Decision } from './run.js';
import type { DropReason, HostFacts, Packet, SimResult, Step } from './types.js';
import { ACCEPT, DROP, REJECT, type ChainResult } from './verdicts.js';

/**
 * The packet simulator: one first packet (a TCP SYN or UDP datagram, conntrack NEW, mark 0)
 * walked through the hooks the kernel runs for it, for IPv4 and IPv6:
 *
 *   arriving on an interface: [IPv6: neighbour discovery] → netdev ingress → PREROUTING →
 *   routing (local / forward / martian / no route) → INPUT, or FORWARD → POSTROUTING;
 *   sent by the host (iif "lo"): routing → OUTPUT → re-route after DNAT → POSTROUTING →
 *   (local: looped back through lo) → PREROUTING → INPUT.
 *
 * `prepare` indexes the ruleset and the host once; each `simulate` call then walks one packet.
 * Undecidable points (see matches.ts) are explored both ways: the result is `unknown` only
 * when the answers lead to different outcomes.
 */

export interface Simulator {
  simulate(packet: Packet): SimResult;
}

/** How many combinations of undecidable answers are tried before giving up. */
const MAX_RUNS = 64;

interface Outcome {
  disposition: SimResult['disposition'];
  daddr: string;
  dport: number;
  oif?: string;
  rejectWith?: string;
  reason?: DropReason;
  /** Set when no answer could settle the walk. */
  fatal?: string;
}

interface Evaluation {
  outcome: Outcome;
  steps: Step[];
  unknownReasons: string[];
  /** Undecidable points that turned out not to matter. */
  irrelevant: string[];
}

export function prepare(ruleset: Ruleset, host: HostFacts): Simulator {
  return new PreparedSimulator(ruleset, host);
}

/** One packet, no preparation kept: for a single question. A matrix should use `prepare`. */
export function simulate(ruleset: Ruleset, host: HostFacts, packet: Packet): SimResult {
  return prepare(ruleset, host).simulate(packet);
}

/** Two tables with one name (iptables-legacy and iptables-nft) get told apart in the explanation. */
function qualifiers(ruleset: Ruleset): Map<Table, string> {
  const out = new Map<Table, string>();
  const groups = new Map<string, Table[]>();
  for (const t of ruleset.tables) {
    const k = `${t.family} ${t.name}`;
    const g = groups.get(k) ?? [];
    g.push(t);
    groups.set(k, g);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    g.forEach((t, i) => {
      const src = ruleset.sources.find((s) => s.file !== undefined && s.file === t.file && s.source === t.source);
      const q = src?.backend === 'legacy' ? 'iptables-legacy' : src?.backend === 'nf_tables' ? 'iptables-nft' : t.source === 'nft' ? 'nft' : (t.file ?? `#${i + 1}`);
      out.set(t, q);
    });
  }
  return out;
}

class PreparedSimulator implements Simulator {
  private readonly host: HostTable;
  private readonly tables: CTable[];
  private readonly plans = new Map<string, HookEntry[]>();
  private readonly ndCache = new Map<string, Evaluation>();

  constructor(ruleset: Ruleset, facts: HostFacts) {
    this.host = new HostTable(facts);
    const q = qualifiers(ruleset);
    const names = new Names();
    this.tables = ruleset.tables.map((t) => new CTable(t, this.host, names, q.get(t)));
  }

  private plan(family: PacketFamily | 'netdev', hook: Hook): HookEntry[] {
    const key = `${family}/${hook}`;
    let p = this.plans.get(key);
    if (!p) this.plans.set(key, (p = planHook(this.tables, family, hook)));
    return p;
  }

  simulate(packet: Packet): SimResult {
    const init = this.initial(packet);
    if (typeof init === 'string') {
      return { disposition: 'unknown', daddr: packet.daddr, dport: packet.dport, steps: [], unknownReasons: [init] };
    }
    // IPv6 first needs neighbour discovery on the input link: if that fails nothing else matters.
    const nd = packet.family === 'ip6' && packet.iif !== 'lo' ? this.neighbour(init()) : undefined;
    if (nd && nd.outcome.disposition === 'dropped') {
      return this.result({
        outcome: { disposition: 'dropped', daddr: packet.daddr, dport: packet.dport, reason: 'neighbour-discovery' },
        steps: [
          { hook: 'note', table: '', chain: '', text: `neighbour discovery: the host drops neighbour solicitations from ${packet.saddr} on ${packet.iif}, so no IPv6 packet from it arrives on that link` },
          ...nd.steps,
        ],
        unknownReasons: [],
        irrelevant: nd.irrelevant,
      });
    }
    let ev = this.evaluate(init);
    if (nd && nd.outcome.disposition === 'unknown' && ev.outcome.disposition !== 'dropped') {
      ev = {
        outcome: { ...ev.outcome, disposition: 'unknown' },
        steps: [{ hook: 'note', table: '', chain: '', text: `neighbour discovery on ${packet.iif} cannot be decided` }, ...ev.steps],
        unknownReasons: [...nd.unknownReasons, ...ev.unknownReasons],
        irrelevant: ev.irrelevant,
      };
    }
    return this.result(ev);
  }

  private result(ev: Evaluation): SimResult {
    const o = ev.outcome;
    const steps = ev.steps;
    if (ev.irrelevant.length > 0) {
      steps.push({ hook: 'note', table: '', chain: '', text: `undecidable but irrelevant (every answer gives this result): ${[...new Set(ev.irrelevant)].join(' | ')}` });
    }
    const r: SimResult = { disposition: o.disposition, daddr: o.daddr, dport: o.dport, steps, unknownReasons: ev.unknownReasons };
    if (o.oif !== undefined) r.oif = o.oif;
    if (o.disposition === 'dropped') {
      if (o.rejectWith !== undefined) {
        r.rejected = true;
        r.rejectWith = o.rejectWith;
      } else {
        r.rejected = false;
      }
      if (o.reason !== undefined) r.reason = o.reason;
    }
    return r;
  }

  /** A factory for fresh packet state (each replay mutates its own), or why the packet is invalid. */
  private initial(packet: Packet): (() => Pkt) | string {
    const saddr = parseIp(packet.saddr);
    const daddr = parseIp(packet.daddr);
    if (!saddr || !daddr) return `not an IP address: ${!saddr ? packet.saddr : packet.daddr}`;
    if (saddr.family !== packet.family || daddr.family !== packet.family) return `addresses ${packet.saddr} → ${packet.daddr} are not ${packet.family === 'ip' ? 'IPv4' : 'IPv6'}`;
    const okPort = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;
    if (!okPort(packet.sport) || !okPort(packet.dport)) return `bad port in ${packet.sport} → ${packet.dport}`;
    const proto = packet.protocol === 'tcp' ? 6 : 17;
    return () => ({
      family: packet.family,
      iif: packet.iif,
      oif: '',
      saddr,
      daddr,
      proto,
      sport: packet.sport,
      dport: packet.dport,
      icmpType: -1,
      icmpCode: -1,
      hopLimit: 64,
      pkttype: 'host',
      mark: 0,
      markKnown: true,
      ctmark: 0,
      ctmarkKnown: true,
      ct: 'none',
      untrackedByConntrack: false,
      dnat: false,
      origDaddr: daddr,
      origDport: packet.dport,
    });
  }

  /**
   * IPv6 needs neighbour discovery before any packet arrives: the client solicits the host's
   * address on the link (ICMPv6 135 to the solicited-node group, hop limit 255, untracked by
   * conntrack). If the host's input rules drop that, nothing else on the link reaches it.
   */
  private neighbour(p: Pkt): Evaluation | undefined {
    const own = this.host.addressesOf(p.iif).find((a) => a.ip.text === p.daddr.text);
    const target: Ip | undefined = own?.ip ?? this.host.primaryAddress(p.iif, 'ip6');
    if (!target) return undefined;
    const key = `${p.iif}|${p.saddr.text}|${target.text}`;
    const cached = this.ndCache.get(key);
    if (cached) return cached;
    const group = solicitedNode(target.words);
    const ev = this.evaluate(() => ({
      ...p,
      daddr: group,
      origDaddr: group,
      proto: 58,
      sport: 0,
      dport: 0,
      origDport: 0,
      icmpType: 135,
      icmpCode: 0,
      hopLimit: 255,
      pkttype: 'multicast',
      untrackedByConntrack: true,
    }));
    this.ndCache.set(key, ev);
    return ev;
  }

  /** Walks the packet once per combination of undecidable answers, until they disagree. */
  private evaluate(make: () => Pkt): Evaluation {
    let forced: number[] = [];
    let first: { run: Run; outcome: Outcome } | undefined;
    const reasons: string[] = [];
    for (let runs = 1; ; runs++) {
      const run = new Run(make(), this.host, forced);
      const outcome = this.walk(run);
      for (const d of run.decisions) reasons.push(d.why);
      if (!first) first = { run, outcome };
      if (outcome.fatal !== undefined) return this.unknown(first, [outcome.fatal, ...reasons]);
      if (!same(first.outcome, outcome)) return this.unknown(first, reasons);
      const next = nextChoices(run.decisions);
      if (!next) break;
      if (runs >= MAX_RUNS) return this.unknown(first, [`more than ${MAX_RUNS} combinations of undecidable rules`, ...reasons]);
      forced = next;
    }
    return { outcome: first.outcome, steps: first.run.steps, unknownReasons: [], irrelevant: [...new Set(reasons)] };
  }

  private unknown(first: { run: Run; outcome: Outcome }, reasons: string[]): Evaluation {
    const o = first.outcome;
    return {
      outcome: { disposition: 'unknown', daddr: o.daddr, dport: o.dport },
      steps: first.run.steps,
      unknownReasons: [...new Set(reasons)],
      irrelevant: [],
    };
  }

  private walk(run: Run): Outcome {
    const p = run.p;
    if (p.iif === 'lo') return this.walkLocalOrigin(run);
    if (p.family === 'ip6' && isLoopback6(p.daddr.words)) {
      run.note(`martian: ${p.daddr.text} arriving on ${p.iif} is dropped before any hook`, 'routing');
      return this.dropped(run, 'martian');
    }
    const ingress = this.plan('netdev', 'ingress').filter((e) => e.chain.chain.base?.device === p.iif);
    if (ingress.length > 0) {
      const r = runHook(run, ingress, 'ingress');
      if (r !== ACCEPT) return this.stopped(run, r);
    }
    let r = runHook(run, this.plan(p.family, 'prerouting'), 'prerouting');
    if (r !== ACCEPT) return this.stopped(run, r);
    const d = routeInput(this.host, p);
    run.note(d.text, 'routing');
    switch (d.kind) {
      case 'drop':
      case 'special':
        return this.routeDrop(run, d);
      case 'local':
        r = runHook(run, this.plan(p.family, 'input'), 'input');
        return r === ACCEPT ? this.reached(run, 'local') : this.stopped(run, r);
      case 'forward':
        p.oif = d.oif;
        r = runHook(run, this.plan(p.family, 'forward'), 'forward');
        if (r !== ACCEPT) return this.stopped(run, r);
        r = runHook(run, this.plan(p.family, 'postrouting'), 'postrouting');
        return r === ACCEPT ? this.reached(run, 'forward') : this.stopped(run, r);
    }
  }

  private walkLocalOrigin(run: Run): Outcome {
    const p = run.p;
    p.iif = '';
    let d = routeOutput(this.host, p);
    run.note(d.text, 'routing');
    if (d.kind === 'drop' || d.kind === 'special') return this.routeDrop(run, d);
    p.oif = d.kind === 'local' ? 'lo' : d.oif;
    let r = runHook(run, this.plan(p.family, 'output'), 'output');
    if (r !== ACCEPT) return this.stopped(run, r);
    if (p.dnat) {
      d = routeOutput(this.host, p);
      run.note(`re-routed after DNAT: ${d.text}`, 'routing');
      if (d.kind === 'drop' || d.kind === 'special') return this.routeDrop(run, d);
      p.oif = d.kind === 'local' ? 'lo' : d.oif;
    }
    r = runHook(run, this.plan(p.family, 'postrouting'), 'postrouting');
    if (r !== ACCEPT) return this.stopped(run, r);
    if (d.kind === 'forward') {
      run.note(`leaves via ${d.oif}: locally generated traffic does not cross FORWARD`, 'routing');
      return this.reached(run, 'forward');
    }
    // Looped back: PREROUTING and INPUT again with iif lo; the NAT binding already exists.
    p.iif = 'lo';
    p.oif = '';
    r = runHook(run, this.plan(p.family, 'prerouting'), 'prerouting', true);
    if (r !== ACCEPT) return this.stopped(run, r);
    run.note(`route: local delivery to ${p.daddr.text} (through lo)`, 'routing');
    r = runHook(run, this.plan(p.family, 'input'), 'input', true);
    return r === ACCEPT ? this.reached(run, 'local') : this.stopped(run, r);
  }

  private reached(run: Run, disposition: 'local' | 'forward'): Outcome {
    const p = run.p;
    const o: Outcome = { disposition, daddr: p.daddr.text, dport: p.dport };
    if (disposition === 'forward') o.oif = p.oif;
    run.note(disposition === 'local' ? `deliver to a local socket on ${formatEndpoint(p.daddr.text, p.dport, p.family)}` : `forwarded to ${formatEndpoint(p.daddr.text, p.dport, p.family)} via ${p.oif}`, 'socket');
    return o;
  }

  private dropped(run: Run, reason: DropReason, rejectWith?: string): Outcome {
    const o: Outcome = { disposition: 'dropped', daddr: run.p.daddr.text, dport: run.p.dport, reason };
    if (rejectWith !== undefined) o.rejectWith = rejectWith;
    return o;
  }

  private routeDrop(run: Run, d: Extract<RouteDecision, { kind: 'drop' } | { kind: 'special' }>): Outcome {
    if (d.kind === 'drop') return this.dropped(run, d.reason, d.rejectWith);
    if (run.p.proto === 6) return this.dropped(run, 'broadcast');
    return { disposition: 'unknown', daddr: run.p.daddr.text, dport: run.p.dport, fatal: `${d.text}: delivery of broadcast/multicast datagrams is not modelled` };
  }

  private stopped(run: Run, r: ChainResult): Outcome {
    if (r === DROP) return this.dropped(run, run.droppedByPolicy ? 'policy' : 'rule');
    if (r === REJECT) return this.dropped(run, 'rule', run.rejectWith ?? 'default');
    return { disposition: 'unknown', daddr: run.p.daddr.text, dport: run.p.dport, fatal: run.fatal ?? 'undecidable' };
  }
}

function same(a: Outcome, b: Outcome): boolean {
  return a.disposition === b.disposition && a.daddr === b.daddr && a.dport === b.dport && a.oif === b.oif && (a.rejectWith === undefined) === (b.rejectWith === undefined);
}

/** The next combination of answers, depth first: bump the last point that has an answer left. */
function nextChoices(decisions: readonly Decision[]): number[] | undefined {
  for (let j = decisions.length - 1; j >= 0; j--) {
    const d = decisions[j] as Decision;
    if (d.taken + 1 < d.alternatives) return [...decisions.slice(0, j).map((x) => x.taken), d.taken + 1];
  }
  return undefined;
}
