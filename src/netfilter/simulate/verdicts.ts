import type { Effect, Verdict } from '../model.js';
import {
  candidates,
  evalRule,
  randomOnly,
  type CStep,
  P_D4,
  P_DPORT,
  P_IIF,
  P_IIF_NEG,
  P_OIF,
  P_OIF_NEG,
  P_PROTO,
  P_S4,
  unknownWhy,
  type CChain,
  type CRule,
  type CVerdict,
  type Prefilter,
} from './compile.js';
import { formatEndpoint, parseIp, type Ip } from './ip.js';
import { F, T, U, type Test, type Tri } from './matches.js';
import { PORT_PROTOS } from './packet.js';
import { MAX_JUMP_DEPTH, type Run } from './run.js';
import { compileSet, lookup, NO_ELEMENT, UNKNOWN_ELEMENT } from './sets.js';

/**
 * One base chain, rule by rule: jumps push a return point, goto does not, RETURN or the end of
 * a user chain resumes the caller, and the end (or RETURN) of the base chain applies its
 * policy. ACCEPT ends only this chain; DROP and REJECT end the packet. A NAT target applies
 * its translation and ends the chain with accept, as the kernel's nat expressions do.
 */

export const ACCEPT = 0;
export const DROP = 1;
export const REJECT = 2;
/** Something no choice can settle: the walk stops with `run.fatal` set. */
export const STOP = 3;
export type ChainResult = typeof ACCEPT | typeof DROP | typeof REJECT | typeof STOP;

// What executing one verdict asks the walker to do next.
const NEXT = 10;
const RETURN = 11;
const JUMP = 12;
const GOTO = 13;
type Action = ChainResult | typeof NEXT | typeof RETURN | typeof JUMP | typeof GOTO;

export function runChain(run: Run, base: CChain): ChainResult {
  const p = run.p;
  const stackChains: CChain[] = [];
  const stackIdx: number[] = [];
  let chain = base;
  let n = chain.table.enter(chain);
  // With an index the walk visits only candidate rules: `cand[k]` is the rule index.
  let cand = candidates(chain, p);
  let pre = chain.pre as Prefilter;
  let k = 0;
  const state = { target: undefined as CChain | undefined };
  // The packet's side of the prefilter; constant for this call (a DNAT ends the chain).
  const names = chain.table.names;
  const proto = p.proto;
  const dport = p.dport;
  const v4 = p.family === 'ip';
  const s4 = v4 ? (p.saddr.words[0] as number) : 0;
  const d4 = v4 ? (p.daddr.words[0] as number) : 0;
  // Interned now: a chain entered later may intern more names, and its ids must compare right.
  const iif = names.id(p.iif);
  const oif = names.id(p.oif);

  for (;;) {
    const i = cand ? (k < cand.length ? (cand[k] as number) : n) : k;
    if (i >= n) {
      const back = stackChains.pop();
      if (back === undefined) return policy(run, base);
      chain = back;
      n = chain.table.enter(chain);
      cand = candidates(chain, p);
      pre = chain.pre as Prefilter;
      k = startAt(cand, stackIdx.pop() as number);
      continue;
    }
    const f = pre.flags[i] as number;
    if (
      f !== 0 &&
      ((f & P_PROTO && pre.proto[i] !== proto) ||
        (f & P_DPORT && (dport < (pre.dlo[i] as number) || dport > (pre.dhi[i] as number))) ||
        (f & P_S4 && (!v4 || (s4 & (pre.s4m[i] as number)) >>> 0 !== pre.s4[i])) ||
        (f & P_D4 && (!v4 || (d4 & (pre.d4m[i] as number)) >>> 0 !== pre.d4[i])) ||
        (f & P_IIF && (pre.iif[i] === iif) === ((f & P_IIF_NEG) !== 0)) ||
        (f & P_OIF && (pre.oif[i] === oif) === ((f & P_OIF_NEG) !== 0)))
    ) {
      k++;
      continue;
    }
    if (--run.budget < 0) {
      run.fatal = `more than the evaluation limit of rules in one walk (a goto loop?) at ${chain.table.label} ${chain.chain.name}`;
      return STOP;
    }
    const r = chain.table.rule(chain, i);
    let res = r.steps ? evalSteps(run, r) : evalRule(r, p);
    if (res === U) {
      const why = unknownWhy(r, p);
      res = run.decide(2, `${r.where}: ${why} — ${r.rule.origin.text}`, randomOnly(r, p)) === 1 ? 1 : F;
      run.note(`undecidable: ${r.where} taken as ${res === F ? 'not matching' : 'matching'} (${why})`, run.hook);
    }
    if (res === F) {
      k++;
      continue;
    }

    if (r.rule.effects.length > 0 && !applyEffects(run, r.rule.effects, r)) return STOP;
    let verdict = r.verdict;
    if (verdict.v.kind === 'vmap') {
      // A verdict map without an element for the packet is a rule that did not match.
      const el = vmapElement(run, r, verdict);
      if (!el) {
        k++;
        continue;
      }
      recordRule(run, r, chain, el.cv.v.kind);
      run.note(el.text, run.hook);
      verdict = el.cv;
    } else {
      recordRule(run, r, chain, verdict.v.kind === 'continue' ? effectAction(r.rule.effects) : verdict.v.kind);
    }
    const action = execute(run, r, verdict, chain, state);
    switch (action) {
      case NEXT:
        k++;
        continue;
      case RETURN: {
        const back = stackChains.pop();
        if (back === undefined) return policy(run, base);
        chain = back;
        n = chain.table.enter(chain);
        cand = candidates(chain, p);
        pre = chain.pre as Prefilter;
        k = startAt(cand, stackIdx.pop() as number);
        continue;
      }
      case JUMP:
      case GOTO: {
        if (action === JUMP) {
          if (stackChains.length >= MAX_JUMP_DEPTH) {
            run.fatal = `jumps nested deeper than ${MAX_JUMP_DEPTH} at ${r.where}`;
            return STOP;
          }
          stackChains.push(chain);
          stackIdx.push(i + 1);
        }
        chain = state.target as CChain;
        n = chain.table.enter(chain);
        cand = candidates(chain, p);
        pre = chain.pre as Prefilter;
        k = 0;
        continue;
      }
      default:
        return action;
    }
  }
}

/**
 * A rule with ordered steps (compile.ts CStep): each step only when the ones before it held, as
 * the kernel runs a rule's expressions; an undecidable step is decided here, so that a set update
 * after it happens (or not) in that answer's walk. Never U.
 */
function evalSteps(run: Run, r: CRule): typeof F | typeof T {
  const p = run.p;
  for (const step of r.steps as CStep[]) {
    let res: Tri = T;
    const whys: string[] = [];
    for (let k = 0; k < step.tests.length; k++) {
      const x = (step.tests[k] as Test)(p);
      if (x === F) {
        res = F;
        break;
      }
      if (x === U) {
        res = U;
        whys.push(step.whys[k] ?? 'undecidable match');
      }
    }
    if (step.assume !== undefined) run.note(`${r.where}: assumed ${step.assume}`, run.hook);
    if (res === U) {
      const why = whys.join('; ');
      res = run.decide(2, `${r.where}: ${why} — ${r.rule.origin.text}`) === 1 ? T : F;
      run.note(`undecidable: ${r.where} taken as ${res === F ? 'not matching' : 'matching'} (${why})`, run.hook);
    }
    if (res === F) return F;
  }
  return T;
}

/** Where to resume in a chain at rule index `from`: that position among the candidates, if any. */
function startAt(cand: Int32Array | undefined, from: number): number {
  return cand ? lowerBound(cand, from) : from;
}

function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function policy(run: Run, base: CChain): ChainResult {
  const pol = base.chain.base?.policy ?? 'accept';
  run.step({
    hook: run.hook,
    table: base.table.label,
    chain: base.chain.name,
    text: `policy ${pol.toUpperCase()}${base.chain.base?.policyImplicit ? ' (default)' : ''}`,
    action: `policy-${pol}`,
  });
  if (pol === 'drop') run.droppedByPolicy = true;
  return pol === 'drop' ? DROP : ACCEPT;
}

function recordRule(run: Run, r: CRule, chain: CChain, action: string): void {
  const o = r.rule.origin;
  // Two whole literals, not a spread of one into the other: a step is made for every rule a walk meets.
  run.step(
    o.line !== undefined
      ? { hook: run.hook, table: chain.table.label, chain: chain.chain.name, rule: o.index, text: o.text, action, line: o.line }
      : { hook: run.hook, table: chain.table.label, chain: chain.chain.name, rule: o.index, text: o.text, action },
  );
}

function effectAction(effects: readonly Effect[]): string {
  if (effects.some((e) => e.kind === 'mark')) return 'mark';
  if (effects.some((e) => e.kind === 'log')) return 'log';
  return 'continue';
}

/** false when an effect rewrites what the walk reads (run.fatal says which): the walk stops, unknown. */
function applyEffects(run: Run, effects: readonly Effect[], r: CRule): boolean {
  const p = run.p;
  for (const e of effects) {
    if (e.kind === 'unsupported' && e.rewrites) {
      run.fatal = `${r.where}: ${e.text}: ${e.reason ?? 'not modelled'} — ${r.rule.origin.text}`;
      return false;
    }
    switch (e.kind) {
      case 'mark':
        if (e.on === 'packet') p.mark = ((p.mark & ~e.mask) ^ e.xor) >>> 0;
        // Without a conntrack entry (raw, untracked) there is no connection mark to set.
        else if (p.ct === 'new' || p.ct === 'established') p.ctmark = ((p.ctmark & ~e.mask) ^ e.xor) >>> 0;
        break;
      case 'notrack':
        if (p.ct === 'none') p.ct = 'untracked';
        break;
      case 'unsupported':
        // The model cannot tell what it changed; only marks are read later, so they become unknown.
        p.markKnown = false;
        p.ctmarkKnown = false;
        run.note(`${r.where}: ${e.text} is not modelled${e.reason ? ` (${e.reason})` : ''}; marks are unknown from here`, run.hook);
        break;
      default:
        break;
    }
  }
  return true;
}

/** Runs one verdict; for jump/goto leaves the target in `state.target`. */
function execute(run: Run, r: CRule, cv: CVerdict, chain: CChain, state: { target: CChain | undefined }): Action {
  const v = cv.v;
  switch (v.kind) {
    case 'continue':
      return NEXT;
    case 'accept':
      return ACCEPT;
    case 'drop':
      return DROP;
    case 'reject':
      run.rejectWith = v.with ?? 'default (ICMP port unreachable)';
      return REJECT;
    case 'return':
      return RETURN;
    case 'jump':
    case 'goto':
      if (!cv.target) {
        run.fatal = `${r.where}: ${v.kind} to chain ${v.target}, which does not exist in ${chain.table.label}`;
        return STOP;
      }
      state.target = cv.target;
      return v.kind === 'jump' ? JUMP : GOTO;
    case 'dnat':
    case 'redirect':
      return dnat(run, r, v, chain);
    case 'snat':
    case 'masquerade': {
      run.natDone = true;
      // Where answers will be sent (undone by conntrack on their way back): MASQUERADE takes the
      // output interface's address. A map-chosen SNAT address is not looked up: the source is kept.
      const p = run.p;
      const to = v.kind === 'snat' ? (v.addr !== undefined ? parseIp(v.addr) : undefined) : run.host.primaryAddress(p.oif, p.family);
      const snatTo = to && to.family === p.family ? to : p.saddr;
      // A binding that changes nothing sets no SNAT status (nf_nat_setup_info: the tuple is unchanged).
      p.snatTo = snatTo.text === p.saddr.text && !(v.kind === 'snat' && v.port !== undefined) ? undefined : snatTo;
      run.step({
        hook: run.hook,
        table: chain.table.label,
        chain: chain.chain.name,
        rule: r.rule.origin.index,
        text: `${v.kind === 'snat' ? `SNAT to ${v.addr ?? '?'}` : 'MASQUERADE'}: only the source changes`,
        action: v.kind,
      });
      return ACCEPT;
    }
    case 'vmap':
      // Resolved by the walker before execution; a map element cannot hold another map.
      return NEXT;
    case 'queue': {
      const c = run.decide(2, `${r.where}: ${v.text} hands the packet to a user-space program — ${r.rule.origin.text}`);
      run.note(`undecidable: ${r.where} queues to user space; taken as ${c === 0 ? 'accept' : 'drop'}`, run.hook);
      return c === 0 ? ACCEPT : DROP;
    }
    case 'unsupported': {
      const c = run.decide(3, `${r.where}: unsupported target ${v.text}${v.reason ? ` (${v.reason})` : ''} — ${r.rule.origin.text}`);
      run.note(`undecidable: ${r.where} target ${v.text} taken as ${['continue', 'accept', 'drop'][c] ?? '?'}`, run.hook);
      return c === 0 ? NEXT : c === 1 ? ACCEPT : DROP;
    }
  }
}

/** The element of a verdict map the packet hits (asking `decide` when that cannot be known), or undefined for none. */
function vmapElement(run: Run, r: CRule, cv: CVerdict): { cv: CVerdict; text: string } | undefined {
  const v = cv.v;
  if (v.kind !== 'vmap') return undefined;
  const elements = cv.elements ?? [];
  const label = v.map !== undefined ? `@${v.map}` : 'inline map';
  if (!cv.set) {
    // Not found: no element, or any verdict.
    const c = run.decide(3, `${r.where}: verdict map ${label} was not found — ${r.rule.origin.text}`);
    run.note(`undecidable: ${r.where} verdict map ${label} taken as ${['no element', 'accept', 'drop'][c] ?? '?'}`, run.hook);
    if (c === 0) return undefined;
    return { cv: { v: c === 1 ? { kind: 'accept' } : { kind: 'drop' } }, text: `${label}: assumed ${c === 1 ? 'accept' : 'drop'}` };
  }
  if (v.dynamic) run.note(`${r.where}: verdict map ${label} is filled at run time: its listed elements are taken (a fresh client added none)`, run.hook);
  let idx = lookup(cv.set, run.p);
  if (idx === UNKNOWN_ELEMENT) {
    const c = run.decide(
      elements.length + 1,
      `${r.where}: key ${v.keys.join(' . ')} of verdict map ${label} cannot be decided — ${r.rule.origin.text}`,
      v.keys.includes('numgen'),
    );
    idx = c === 0 ? NO_ELEMENT : c - 1;
    run.note(`undecidable: ${r.where} verdict map ${label} lookup taken as ${idx === NO_ELEMENT ? 'no element' : `element ${idx + 1}`}`, run.hook);
  }
  if (idx === NO_ELEMENT) return undefined;
  const el = elements[idx] as CVerdict;
  return { cv: el, text: `${label}: ${v.keys.join(' . ')} hits element ${idx + 1} → ${describeVerdict(el.v)}` };
}

function describeVerdict(v: Verdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.target}` : v.kind;
}

/** DNAT / REDIRECT on the first packet: rewrite the destination, mark the connection DNAT, end the chain. */
function dnat(run: Run, r: CRule, v: Extract<Verdict, { kind: 'dnat' } | { kind: 'redirect' }>, chain: CChain): Action {
  const p = run.p;
  const before = formatEndpoint(p.daddr.text, p.dport, p.family);
  let addr = p.daddr;
  let port = p.dport;
  const notes: string[] = [];
  if (v.kind === 'dnat') {
    if (v.computed !== undefined) {
      run.fatal = `${r.where}: DNAT target computed at run time (${v.computed}) — ${r.rule.origin.text}`;
      return STOP;
    }
    if (v.addrMap !== undefined || v.portMap !== undefined) {
      const looked = natMapTarget(run, r, v);
      if (looked === STOP || looked === NEXT) return looked;
      if (looked.addr !== undefined) {
        if (looked.addr.family !== p.family) return NEXT;
        addr = looked.addr;
      }
      if (looked.port !== undefined && PORT_PROTOS.has(p.proto)) port = natPort(p.dport, looked.port.from, looked.port.to, notes);
      notes.push(...looked.notes);
    }
    if (v.addr !== undefined) {
      const a = parseIp(v.addr);
      // An inet nat rule for the other family is skipped by the kernel (nft_nat_inet_eval).
      if (!a || a.family !== p.family) return NEXT;
      addr = a;
      if (v.addrTo !== undefined && v.addrTo !== v.addr) notes.push(`address range ${v.addr}-${v.addrTo}: the first address is assumed`);
    }
    if (v.port !== undefined && PORT_PROTOS.has(p.proto)) port = natPort(p.dport, v.port, v.portTo, notes);
  } else {
    // REDIRECT: to the primary address of the input interface (127.0.0.1/::1 when locally generated).
    const a = run.host.primaryAddress(p.iif === '' ? 'lo' : p.iif, p.family);
    if (!a) {
      run.note(`REDIRECT: ${p.iif} has no ${p.family === 'ip' ? 'IPv4' : 'IPv6'} address, so the kernel drops the packet`, run.hook);
      return DROP;
    }
    addr = a;
    if (v.port !== undefined && PORT_PROTOS.has(p.proto)) port = natPort(p.dport, v.port, v.portTo, notes);
  }
  // A translation to where the packet already goes changes no tuple: conntrack records no DNAT
  // (nf_nat_setup_info sets IPS_DST_NAT only when the tuple changes), so --ctstate DNAT does not match.
  const changed = addr.text !== p.daddr.text || port !== p.dport;
  p.daddr = addr;
  p.dport = port;
  if (changed) p.dnat = true;
  run.natDone = true;
  const after = formatEndpoint(addr.text, port, p.family);
  run.step({
    hook: run.hook,
    table: chain.table.label,
    chain: chain.chain.name,
    rule: r.rule.origin.index,
    text: `${v.kind === 'dnat' ? 'DNAT' : 'REDIRECT'} ${before} → ${after}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
    action: v.kind,
  });
  return ACCEPT;
}

/**
 * The address and port of a DNAT whose target comes from maps (nft `dnat to tcp dport map { … }`):
 * a key without an element breaks the rule (NEXT), an undecidable key asks `decide`.
 */
function natMapTarget(
  run: Run,
  r: CRule,
  v: Extract<Verdict, { kind: 'dnat' }>,
): { addr?: Ip; port?: { from: number; to: number | undefined }; notes: string[] } | typeof NEXT | typeof STOP {
  const out: { addr?: Ip; port?: { from: number; to: number | undefined }; notes: string[] } = { notes: [] };
  for (const [which, m] of [
    ['address', v.addrMap],
    ['port', v.portMap],
  ] as const) {
    if (!m) continue;
    if (m.missing) {
      run.fatal = `${r.where}: DNAT ${which} map was not found — ${r.rule.origin.text}`;
      return STOP;
    }
    if (m.dynamic) run.note(`${r.where}: the DNAT ${which} map is filled at run time: its listed elements are taken`, run.hook);
    let idx = lookup(compileSet(m.keys, m.elements), run.p);
    if (idx === UNKNOWN_ELEMENT) {
      const c = run.decide(
        m.elements.length + 1,
        `${r.where}: key ${m.keys.join(' . ')} of the DNAT ${which} map cannot be decided — ${r.rule.origin.text}`,
        m.keys.includes('numgen'),
      );
      idx = c === 0 ? NO_ELEMENT : c - 1;
      run.note(`undecidable: ${r.where} DNAT ${which} map lookup taken as ${idx === NO_ELEMENT ? 'no element' : `element ${idx + 1}`}`, run.hook);
    }
    // No element: the lookup ends the rule, which did not match.
    if (idx === NO_ELEMENT) return NEXT;
    const data = m.data[idx] ?? [];
    const values = which === 'address' ? data : [undefined, ...data];
    const [a, pt] = [values[0], values[1]];
    if (a !== undefined) {
      const text = a.kind === 'exact' ? String(a.value) : a.kind === 'range' ? String(a.from) : undefined;
      const ip = text === undefined ? undefined : parseIp(text);
      if (!ip) {
        run.fatal = `${r.where}: DNAT map element ${idx + 1} (${JSON.stringify(a)}) is not an address the model can use — ${r.rule.origin.text}`;
        return STOP;
      }
      if (a.kind === 'range') out.notes.push(`address range ${a.from}-${a.to}: the first address is assumed`);
      out.addr = ip;
    }
    if (pt !== undefined) {
      const from = Number(pt.kind === 'exact' ? pt.value : pt.kind === 'range' ? pt.from : NaN);
      const to = pt.kind === 'range' ? Number(pt.to) : undefined;
      if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) {
        run.fatal = `${r.where}: DNAT map element ${idx + 1} has no usable port — ${r.rule.origin.text}`;
        return STOP;
      }
      out.port = { from, to };
    }
  }
  return out;
}

/** A port range keeps the original port when it is inside (the kernel's choice for a free tuple). */
function natPort(current: number, from: number, to: number | undefined, notes: string[]): number {
  if (to === undefined || to === from) return from;
  if (current >= from && current <= to) return current;
  notes.push(`port range ${from}-${to}: ${from} is assumed`);
  return from;
}
