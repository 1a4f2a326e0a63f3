import type { Hook, PacketFamily, Ruleset, Table } from '../model.js';
import { CTable, Names } from './compile.js';
import { HostTable } from './host.js';
import { filterPlan, planHook, runHook, tableRanks, type HookPlan } from './hooks.js';
import { formatEndpoint, isLoopback6, parseIp, type Ip } from './ip.js';
import { ndPacket, nextHop, sameIp, solicitationGroup, solicitationSource } from './neighbour.js';
import { TCP_ACK, TCP_RST, TCP_SYN, tracked, type Pkt } from './packet.js';
import { routeInput, routeOutput, type RouteDecision } from './routing.js';
import { Run, type Decision } from './run.js';
import type { AnswerFn, AnswerKind, DropReason, HostFacts, Packet, SimResult, Step } from './types.js';
import { ACCEPT, DROP, REJECT, type ChainResult } from './verdicts.js';

/**
 * The packet simulator: one first packet (a TCP SYN or UDP datagram, conntrack NEW, mark 0)
 * walked through the hooks the kernel runs for it, for IPv4 and IPv6:
 *
 *   arriving on an interface: [IPv6: neighbour discovery] → netdev ingress → PREROUTING →
 *   routing (local / forward / martian / no route) → INPUT, or FORWARD → POSTROUTING;
 *   sent by the host (iif "lo"): routing → OUTPUT → re-route after DNAT → POSTROUTING →
 *   (local: looped back through lo) → PREROUTING → INPUT;
 *   IPv6 forwarded: the host resolves the next hop (neighbour.ts);
 *   asked about the answer (SYN-ACK or RST): the answer's own way back, as conntrack's reply
 *   direction (ESTABLISHED, NAT undone): from a local socket OUTPUT → POSTROUTING (→ lo:
 *   PREROUTING → INPUT), from a container PREROUTING → FORWARD → POSTROUTING, and for an
 *   IPv6 client behind a gateway the host's resolution of that gateway.
 *
 * `prepare` indexes the ruleset and the host once; each `simulate` call then walks one packet.
 * Undecidable points (see matches.ts) are explored both ways: the result is `unknown` only
 * when the answers lead to different outcomes.
 */

export interface Simulator {
  /** `answer`: what answers at a local destination; given, the answer's way back is walked too. */
  simulate(packet: Packet, answer?: AnswerFn): SimResult;
  /**
   * Every answer to the undecidable points, walked one by one (IPv4; at most MAX_RUNS): each
   * branch's result, and whether only the kernel's random choices (statistic --mode random,
   * numgen) led there, so that a client retrying meets it. undefined when a point stops every
   * walk, or there are more branches.
   */
  branches(packet: Packet, answer?: AnswerFn): { result: SimResult; random: boolean }[] | undefined;
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
  /** The connection's answer was walked: its kind, and why it did not get back (absent: it did). */
  answer?: AnswerKind;
  answerLost?: string;
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
export function simulate(ruleset: Ruleset, host: HostFacts, packet: Packet, answer?: AnswerFn): SimResult {
  return prepare(ruleset, host).simulate(packet, answer);
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
      const q =
        src?.backend === 'legacy' ? 'iptables-legacy' : src?.backend === 'nf_tables' ? 'iptables-nft' : t.source === 'nft' ? 'nft' : (t.file ?? `#${i + 1}`);
      out.set(t, q);
    });
  }
  return out;
}

class PreparedSimulator implements Simulator {
  private readonly host: HostTable;
  private readonly tables: CTable[];
  /** Plans by family, then hook: asked at every hook of every walk, so no key string is built. */
  private readonly plans = new Map<PacketFamily | 'netdev', Map<Hook, HookPlan>>();
  private readonly ranks: ReturnType<typeof tableRanks>;
  private readonly ndCache = new Map<string, Evaluation>();
  private readonly resolveCache = new Map<string, Evaluation>();

  constructor(ruleset: Ruleset, facts: HostFacts) {
    this.host = new HostTable(facts);
    const q = qualifiers(ruleset);
    const names = new Names();
    this.tables = ruleset.tables.map((t) => new CTable(t, this.host, names, q.get(t)));
    this.ranks = tableRanks(this.tables);
  }

  private plan(family: PacketFamily | 'netdev', hook: Hook): HookPlan {
    let byHook = this.plans.get(family);
    if (!byHook) this.plans.set(family, (byHook = new Map()));
    let p = byHook.get(hook);
    if (!p) byHook.set(hook, (p = planHook(this.tables, family, hook, this.ranks)));
    return p;
  }

  simulate(packet: Packet, answer?: AnswerFn): SimResult {
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
          {
            hook: 'note',
            table: '',
            chain: '',
            text: `neighbour discovery: the host drops neighbour solicitations from ${packet.saddr} on ${packet.iif}, so no IPv6 packet from it arrives on that link`,
          },
          ...nd.steps,
        ],
        unknownReasons: [],
        irrelevant: nd.irrelevant,
      });
    }
    let ev = this.evaluate(init, (run) => this.walkConnection(run, answer));
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

  branches(packet: Packet, answer?: AnswerFn): { result: SimResult; random: boolean }[] | undefined {
    const init = this.initial(packet);
    if (typeof init === 'string' || packet.family !== 'ip') return undefined;
    const out: { result: SimResult; random: boolean }[] = [];
    let forced: number[] = [];
    for (let runs = 1; ; runs++) {
      const run = new Run(init(), this.host, forced);
      const outcome = this.walkConnection(run, answer);
      if (outcome.fatal !== undefined) return undefined;
      out.push({
        result: this.result({ outcome, steps: run.steps, unknownReasons: [], irrelevant: [] }),
        random: run.decisions.every((d) => d.random === true),
      });
      const next = nextChoices(run.decisions);
      if (!next) return out;
      if (runs >= MAX_RUNS) return undefined;
      forced = next;
    }
  }

  private result(ev: Evaluation): SimResult {
    const o = ev.outcome;
    const steps = ev.steps;
    if (ev.irrelevant.length > 0) {
      steps.push({
        hook: 'note',
        table: '',
        chain: '',
        text: `undecidable but irrelevant (every answer gives this result): ${[...new Set(ev.irrelevant)].join(' | ')}`,
      });
    }
    const r: SimResult = { disposition: o.disposition, daddr: o.daddr, dport: o.dport, steps, unknownReasons: ev.unknownReasons };
    if (o.oif !== undefined) r.oif = o.oif;
    if (o.answer !== undefined && (o.disposition === 'local' || o.disposition === 'forward')) {
      r.answer = o.answerLost === undefined ? { kind: o.answer, delivered: true } : { kind: o.answer, delivered: false, why: o.answerLost };
    }
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
    if (saddr.family !== packet.family || daddr.family !== packet.family)
      return `addresses ${packet.saddr} → ${packet.daddr} are not ${packet.family === 'ip' ? 'IPv4' : 'IPv6'}`;
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
      tcpFlags: proto === 6 ? TCP_SYN : 0,
      dnat: false,
      snatTo: undefined,
      reply: undefined,
      confirmed: false,
      origDaddr: daddr,
      origDport: packet.dport,
      // Present from the start (set on first use): one shape for every packet, answers and
      // neighbour discovery copied from it included, so the walker is optimised once.
      dyn: undefined,
      made: undefined,
    });
  }

  /**
   * IPv6 needs neighbour discovery before any packet arrives: the client solicits the host's
   * address on the link (ICMPv6 135 to the solicited-node group, hop limit 255, untracked by
   * conntrack) and the host advertises back (136, through its output). If the host's rules drop
   * either, nothing else on the link reaches it.
   */
  private neighbour(p: Pkt): Evaluation | undefined {
    const own = this.host.addressesOf(p.iif).find((a) => a.ip.text === p.daddr.text);
    const target: Ip | undefined = own?.ip ?? this.host.primaryAddress(p.iif, 'ip6');
    if (!target) return undefined;
    const key = `${p.iif}|${p.saddr.text}|${target.text}`;
    const cached = this.ndCache.get(key);
    if (cached) return cached;
    const iif = p.iif;
    const ns = ndPacket(p, { type: 135, saddr: p.saddr, daddr: solicitationGroup(target), iif, oif: '' });
    const ev = this.evaluate(
      () => ({ ...ns }),
      (run) => {
        const o = this.walk(run);
        if (o.disposition !== 'local') return o;
        run.note(`the host advertises ${target.text} to ${p.saddr.text}`, 'note');
        Object.assign(run.p, ndPacket(run.p, { type: 136, saddr: target, daddr: p.saddr, iif: '', oif: iif }));
        return this.walkSent(run);
      },
    );
    this.ndCache.set(key, ev);
    return ev;
  }

  /**
   * The host resolving neighbour `nh` on `oif` before it can send there: its NS out (from
   * `trigger` when that address is on `oif`, else a link-local one), `nh`'s NA back in.
   * undefined when the snapshot gives `oif` no IPv6 address to solicit from.
   */
  private resolve(oif: string, nh: Ip, trigger: Ip, base: Pkt): Evaluation | undefined {
    const src = solicitationSource(this.host, oif, trigger);
    if (!src) return undefined;
    const key = `${oif}|${nh.text}|${src.text}`;
    const cached = this.resolveCache.get(key);
    if (cached) return cached;
    const ns = ndPacket(base, { type: 135, saddr: src, daddr: solicitationGroup(nh), iif: '', oif });
    const ev = this.evaluate(
      () => ({ ...ns }),
      (run) => {
        const o = this.walkSent(run);
        if (o.disposition !== 'local') return o;
        run.note(`${nh.text} advertises itself to ${src.text} on ${oif}`, 'note');
        Object.assign(run.p, ndPacket(run.p, { type: 136, saddr: nh, daddr: src, iif: oif, oif: '' }));
        return this.walk(run);
      },
    );
    this.resolveCache.set(key, ev);
    return ev;
  }

  /**
   * Consults `resolve` inside a walk: undefined when the neighbour is resolved (or nothing can be
   * said), else why not; an undecidable resolution stops the walk.
   */
  private resolved(run: Run, oif: string, nh: Ip, trigger: Ip): string | undefined {
    const ev = this.resolve(oif, nh, trigger, run.p);
    if (!ev) return undefined;
    if (ev.outcome.disposition === 'unknown') {
      run.fatal = `resolving ${nh.text} on ${oif}: ${ev.unknownReasons.join('; ')}`;
      return 'undecidable';
    }
    if (ev.outcome.disposition === 'local') return undefined;
    for (const st of ev.steps) run.step(st);
    return `the host cannot resolve its neighbour ${nh.text} on ${oif}: ${ev.outcome.disposition === 'dropped' ? 'the neighbour discovery exchange is dropped' : 'no advertisement arrives'}`;
  }

  /**
   * The far end the host forwarded to (a container on a bridge) answers a client beyond its link
   * through its gateway, the host's address there, and solicits that address first: the host's own
   * solicitation for the far end came from a link-local address (the forwarded packet's source is
   * not the host's), which teaches it nothing about the gateway (CI seed 250482478: an input rule
   * dropping ICMPv6 to multicast addresses left a container unable to answer). undefined when that
   * exchange gets through (or nothing can be said), else why not.
   */
  private farEndResolved(run: Run, answer: Pkt): string | undefined {
    const ev = this.neighbour(answer);
    if (!ev) return undefined;
    if (ev.outcome.disposition === 'unknown') {
      run.fatal = `${answer.saddr.text} resolving its gateway on ${answer.iif}: ${ev.unknownReasons.join('; ')}`;
      return 'undecidable';
    }
    if (ev.outcome.disposition === 'local') return undefined;
    for (const st of ev.steps) run.step(st);
    return `${answer.saddr.text} cannot resolve its gateway (the host's address on ${answer.iif}): the host drops its neighbour solicitation or the advertisement back`;
  }

  /**
   * Two neighbours on a bridge resolving each other across it (a hairpinned answer): the NS and
   * the NA are bridged frames, which with br_netfilter cross the host's prerouting, forward and
   * postrouting hooks. undefined when they get through, else why not.
   */
  private bridgedResolved(run: Run, bridge: string, from: Ip, to: Ip): string | undefined {
    const key = `bridge|${bridge}|${from.text}|${to.text}`;
    let ev = this.resolveCache.get(key);
    if (!ev) {
      const ns = ndPacket(run.p, { type: 135, saddr: from, daddr: solicitationGroup(to), iif: bridge, oif: bridge });
      ev = this.evaluate(
        () => ({ ...ns }),
        (r) => {
          let o = this.walkBridged(r);
          if (o.disposition !== 'local') return o;
          r.note(`${to.text} advertises itself to ${from.text} across ${bridge}`, 'note');
          Object.assign(r.p, ndPacket(r.p, { type: 136, saddr: to, daddr: from, iif: bridge, oif: bridge }));
          o = this.walkBridged(r);
          return o;
        },
      );
      this.resolveCache.set(key, ev);
    }
    if (ev.outcome.disposition === 'unknown') {
      run.fatal = `${from.text} resolving ${to.text} across ${bridge}: ${ev.unknownReasons.join('; ')}`;
      return 'undecidable';
    }
    if (ev.outcome.disposition === 'local') return undefined;
    for (const st of ev.steps) run.step(st);
    return `${from.text} cannot resolve ${to.text} across ${bridge}: the bridged neighbour discovery is dropped by the host's hooks`;
  }

  /** A frame bridged between two ports of `p.iif` (= `p.oif`), as br_netfilter shows it to the ip hooks. */
  private walkBridged(run: Run): Outcome {
    for (const hook of ['prerouting', 'forward', 'postrouting'] as const) {
      const r = runHook(run, this.plan(run.p.family, hook), hook);
      if (r !== ACCEPT) return this.stopped(run, r);
    }
    return { disposition: 'local', daddr: run.p.daddr.text, dport: run.p.dport };
  }

  /** Walks the packet once per combination of undecidable answers, until they disagree. */
  private evaluate(make: () => Pkt, walker: (run: Run) => Outcome = (run) => this.walk(run)): Evaluation {
    let forced: number[] = [];
    let first: { run: Run; outcome: Outcome } | undefined;
    const reasons: string[] = [];
    for (let runs = 1; ; runs++) {
      const run = new Run(make(), this.host, forced);
      const outcome = walker(run);
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

  /**
   * A connection's first packet, then (IPv6 forward) the host's resolution of the next hop, then
   * (when `answer` is given) the answer's way back.
   */
  private walkConnection(run: Run, answer: AnswerFn | undefined): Outcome {
    const o = this.walk(run);
    if (o.disposition !== 'local' && o.disposition !== 'forward') return o;
    const p = run.p;
    if (o.disposition === 'forward' && p.family === 'ip6') {
      const nh = nextHop(this.host, p.daddr);
      const lost = nh ? this.resolved(run, p.oif, nh, p.snatTo ?? p.saddr) : undefined;
      if (lost === 'undecidable') return { ...o, disposition: 'unknown', fatal: run.fatal };
      if (lost !== undefined) {
        run.note(lost, 'routing');
        return this.dropped(run, 'neighbour-discovery');
      }
    }
    if (!answer || p.proto !== 6) return o;
    const kind = o.disposition === 'local' ? answer({ daddr: o.daddr, dport: o.dport }) : 'synack';
    return this.walkAnswer(run, o, kind);
  }

  /** A packet the host sends to a neighbour on `p.oif` without routing (ND): OUTPUT then POSTROUTING. */
  private walkSent(run: Run): Outcome {
    let r = runHook(run, this.plan(run.p.family, 'output'), 'output');
    if (r !== ACCEPT) return this.stopped(run, r);
    r = runHook(run, this.plan(run.p.family, 'postrouting'), 'postrouting');
    if (r !== ACCEPT) return this.stopped(run, r);
    // Reaching the wire counts as delivered ('local' = it got where it was going).
    return { disposition: 'local', daddr: run.p.daddr.text, dport: run.p.dport };
  }

  /**
   * The answer to the connection `run.p` just opened (o: local or forward), walked back to the
   * client in the same run: conntrack knows it as the reply direction (ESTABLISHED) and undoes
   * the NAT on it; an untracked connection's answer is a new packet to conntrack. The first
   * packet's outcome is kept; the answer adds whether it got back.
   */
  private walkAnswer(run: Run, o: Outcome, kind: AnswerKind): Outcome {
    const q = run.p;
    const forward = o.disposition === 'forward';
    const back = q.snatTo ?? q.saddr;
    const from = q.daddr;
    const wasTracked = tracked(q);
    // With a source NAT the far end answers the host, not the client: no hairpin then.
    const snatted = q.snatTo !== undefined;
    const answer: Pkt = {
      ...q,
      iif: forward ? q.oif : '',
      oif: '',
      saddr: from,
      sport: q.dport,
      daddr: back,
      dport: q.sport,
      proto: 6,
      tcpFlags: kind === 'synack' ? TCP_SYN | TCP_ACK : TCP_RST | TCP_ACK,
      icmpType: -1,
      icmpCode: -1,
      hopLimit: 64,
      pkttype: 'host',
      // A new skb: the socket's (or the far end's) mark, 0; the connection mark stays.
      mark: 0,
      markKnown: true,
      ct: 'none',
      untrackedByConntrack: false,
      reply: undefined,
      // An answer's status comes from `reply` (its connection is confirmed); untracked has none.
      confirmed: false,
    };
    if (wasTracked) {
      answer.reply = { osrc: q.saddr, osport: q.sport, rsrc: from, rsport: q.dport, rdst: back, rdport: q.sport };
      if (q.snatTo !== undefined) answer.reply.undoSnat = { daddr: q.saddr, dport: q.sport };
      if (q.dnat) answer.reply.undoDnat = { saddr: q.origDaddr, sport: q.origDport };
    } else {
      // Untracked (NOTRACK): conntrack meets the answer as the first packet of a new connection.
      answer.dnat = false;
      answer.snatTo = undefined;
      answer.origDaddr = back;
      answer.origDport = q.sport;
    }
    Object.assign(q, answer);
    const a = run.p;
    run.note(
      `answer: ${kind === 'synack' ? 'SYN-ACK' : 'RST'} ${formatEndpoint(a.saddr.text, a.sport, a.family)} → ${formatEndpoint(a.daddr.text, a.dport, a.family)}${forward ? ` arriving on ${a.iif}` : ''}`,
      'note',
    );
    const lost = (why: string): Outcome => ({ ...o, answer: kind, answerLost: why });
    const stop = (r: ChainResult, where: string): Outcome => {
      if (r === DROP || r === REJECT) return lost(`the answer is ${r === DROP ? 'dropped' : 'rejected'} in ${where}`);
      return { ...o, disposition: 'unknown', fatal: run.fatal ?? 'undecidable' };
    };
    let r: ChainResult;
    let toClient: RouteDecision;
    if (!forward) {
      toClient = routeOutput(this.host, a);
      run.note(`answer ${toClient.text}`, 'routing');
      if (toClient.kind === 'drop' || toClient.kind === 'special') return lost(`no way back: ${toClient.text}`);
      a.oif = toClient.kind === 'local' ? 'lo' : toClient.oif;
      r = runHook(run, this.plan(a.family, 'output'), 'output', wasTracked);
      if (r !== ACCEPT) return stop(r, 'output');
      r = runHook(run, this.plan(a.family, 'postrouting'), 'postrouting', wasTracked);
      if (r !== ACCEPT) return stop(r, 'postrouting');
      if (toClient.kind === 'local') {
        a.iif = 'lo';
        a.oif = '';
        r = runHook(run, this.plan(a.family, 'prerouting'), 'prerouting', true);
        if (r !== ACCEPT) return stop(r, 'prerouting');
        r = runHook(run, this.plan(a.family, 'input'), 'input', true);
        if (r !== ACCEPT) return stop(r, 'input');
      }
    } else {
      const ingress = filterPlan(this.plan('netdev', 'ingress'), (e) => e.chain.chain.base?.device === a.iif);
      if (ingress.orders.some((x) => x.length > 0)) {
        r = runHook(run, ingress, 'ingress');
        if (r !== ACCEPT) return stop(r, 'ingress');
      }
      r = runHook(run, this.plan(a.family, 'prerouting'), 'prerouting', wasTracked);
      if (r !== ACCEPT) return stop(r, 'prerouting');
      // Back to the host itself (a loopback connection DNATed out in OUTPUT) too: 127.0.0.1
      // arriving from a device is a martian unless that device has route_localnet.
      toClient = routeInput(this.host, a);
      run.note(`answer ${toClient.text}`, 'routing');
      if (toClient.kind === 'drop' || toClient.kind === 'special') return lost(`no way back: ${toClient.text}`);
      if (toClient.kind === 'local') {
        r = runHook(run, this.plan(a.family, 'input'), 'input', wasTracked);
        if (r !== ACCEPT) return stop(r, 'input');
      } else {
        a.oif = toClient.oif;
        if (toClient.oif === a.iif && !snatted) {
          // Hairpin: the far end and the client share the link, so the far end answers the client
          // directly across it. Only with br_netfilter (net.bridge.bridge-nf-call-ip(6)tables) do
          // those bridged frames meet the host's hooks, and conntrack undo the DNAT on them.
          const key = a.family === 'ip' ? 'net.bridge.bridge-nf-call-iptables' : 'net.bridge.bridge-nf-call-ip6tables';
          const setting = this.host.sysctl(key);
          if (setting === '0')
            return lost(`the far end answers the client directly across ${a.iif}, and with ${key}=0 the host never translates that answer back`);
          run.note(
            `hairpin: the far end answers the client directly across ${a.iif}; bridged frames cross the host's hooks (br_netfilter, ${key}${setting === undefined ? ' not in the snapshot: assumed 1, as on Docker hosts' : '=1'})`,
            'routing',
          );
          if (a.family === 'ip6') {
            const why = this.bridgedResolved(run, a.iif, a.saddr, a.daddr);
            if (why === 'undecidable') return { ...o, disposition: 'unknown', fatal: run.fatal };
            if (why !== undefined) return lost(why);
          }
        } else {
          if (a.family === 'ip6') {
            const why = this.farEndResolved(run, a);
            if (why === 'undecidable') return { ...o, disposition: 'unknown', fatal: run.fatal };
            if (why !== undefined) return lost(why);
          }
          // Bridged frames keep their TTL; this answer is routed.
          routed(run);
        }
        r = runHook(run, this.plan(a.family, 'forward'), 'forward');
        if (r !== ACCEPT) return stop(r, 'forward');
        r = runHook(run, this.plan(a.family, 'postrouting'), 'postrouting', wasTracked);
        if (r !== ACCEPT) return stop(r, 'postrouting');
      }
    }
    if (a.reply?.undoDnat || a.reply?.undoSnat) return lost('the answer was left untracked, so its NAT was never undone and the client does not recognise it');
    if (toClient.kind === 'forward' && a.family === 'ip6') {
      // The client's own solicitation taught the host its address; a client behind a gateway needs the gateway resolved.
      const nh = nextHop(this.host, a.daddr);
      if (nh && !sameIp(nh, a.daddr)) {
        const why = this.resolved(run, toClient.oif, nh, a.saddr);
        if (why === 'undecidable') return { ...o, disposition: 'unknown', fatal: run.fatal };
        if (why !== undefined) return lost(why);
      }
    }
    run.note(`the answer reaches ${a.daddr.text}`, 'socket');
    return { ...o, answer: kind };
  }

  private walk(run: Run): Outcome {
    const p = run.p;
    if (p.iif === 'lo') return this.walkLocalOrigin(run);
    if (p.family === 'ip6' && isLoopback6(p.daddr.words)) {
      run.note(`martian: ${p.daddr.text} arriving on ${p.iif} is dropped before any hook`, 'routing');
      return this.dropped(run, 'martian');
    }
    const ingress = filterPlan(this.plan('netdev', 'ingress'), (e) => e.chain.chain.base?.device === p.iif);
    if (ingress.orders.some((o) => o.length > 0)) {
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
        if (
          d.oif === p.iif &&
          this.host.isBridge(p.iif) &&
          this.host.sysctl(p.family === 'ip' ? 'net.bridge.bridge-nf-call-iptables' : 'net.bridge.bridge-nf-call-ip6tables') !== '0'
        ) {
          // br_netfilter's "bridged DNAT" (br_nf_pre_routing_finish): a DNAT back out of the bridge
          // the frame came in on is bridged to the target, not routed, so the TTL is not lowered.
          run.note(`bridged DNAT: the target is on ${p.iif}, where the frame came from; it is bridged, not routed (TTL kept)`, 'routing');
        } else routed(run);
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
    // Conntrack confirms the new entry as the packet leaves POSTROUTING (nf_confirm, last on the
    // hook): back on lo it is still NEW, but `ct status confirmed` / `--ctstatus CONFIRMED` hold.
    if (tracked(p)) p.confirmed = true;
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
    run.note(
      disposition === 'local'
        ? `deliver to a local socket on ${formatEndpoint(p.daddr.text, p.dport, p.family)}`
        : `forwarded to ${formatEndpoint(p.daddr.text, p.dport, p.family)} via ${p.oif}`,
      'socket',
    );
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
    return {
      disposition: 'unknown',
      daddr: run.p.daddr.text,
      dport: run.p.dport,
      fatal: `${d.text}: delivery of broadcast/multicast datagrams is not modelled`,
    };
  }

  private stopped(run: Run, r: ChainResult): Outcome {
    if (r === DROP) return this.dropped(run, run.droppedByPolicy ? 'policy' : 'rule');
    if (r === REJECT) return this.dropped(run, 'rule', run.rejectWith ?? 'default');
    return { disposition: 'unknown', daddr: run.p.daddr.text, dport: run.p.dport, fatal: run.fatal ?? 'undecidable' };
  }
}

/**
 * A routed (forwarded) packet: ip_forward() and ip6_forward() lower the TTL / hop limit *before*
 * the FORWARD hook (net/ipv4/ip_forward.c: ip_decrease_ttl, then NF_HOOK(NF_INET_FORWARD);
 * net/ipv6/ip6_output.c: hdr->hop_limit--), so `-m ttl`/`-m hl` in FORWARD and POSTROUTING see
 * one less than PREROUTING did. A packet with TTL 1 would be answered with time-exceeded
 * instead; the simulated packets start at 64.
 */
function routed(run: Run): void {
  if (run.p.hopLimit > 1) run.p.hopLimit--;
}

function same(a: Outcome, b: Outcome): boolean {
  return (
    a.disposition === b.disposition &&
    a.daddr === b.daddr &&
    a.dport === b.dport &&
    a.oif === b.oif &&
    (a.rejectWith === undefined) === (b.rejectWith === undefined) &&
    a.answer === b.answer &&
    (a.answerLost === undefined) === (b.answerLost === undefined)
  );
}

/** The next combination of answers, depth first: bump the last point that has an answer left. */
function nextChoices(decisions: readonly Decision[]): number[] | undefined {
  for (let j = decisions.length - 1; j >= 0; j--) {
    const d = decisions[j] as Decision;
    if (d.taken + 1 < d.alternatives) return [...decisions.slice(0, j).map((x) => x.taken), d.taken + 1];
  }
  return undefined;
}
