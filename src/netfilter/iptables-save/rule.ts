import { parsePrefix } from '../addr.js';
import { own } from '../builtins.js';
import type { Effect, Match, PacketFamily, Verdict } from '../model.js';
import { implicitModuleFor, MODULES, optionText, type ModuleContext, type ModuleOption, type ModuleSpec } from './matches.js';
import { TARGETS, targetText, type TargetSpec } from './targets.js';
import { SharedParts, Slot } from './shared.js';
import type { Token } from './tokenize.js';

/**
 * The arguments of one `-A CHAIN …` line → matches, effects and a verdict.
 *
 * iptables lets options of every loaded extension appear anywhere after its `-m` (kube-proxy's
 * restore input interleaves `-m tcp -p tcp -d X --dport 80`), so an option is given to the
 * clause it follows if that clause knows it, else to the most recent other extension that does,
 * else to the protocol module `-p` loads implicitly — the order iptables itself resolves them in.
 */

export interface RuleContext {
  family: PacketFamily;
  /** Whether NAME is a chain of the table (user or built-in): then `-j NAME` is a jump. */
  isChain(name: string): boolean;
  /** The table's repeated matches and jumps, kept once (absent: every rule gets its own). */
  shared?: SharedParts;
}

export interface ParsedRuleArgs {
  matches: Match[];
  effects: Effect[];
  verdict: Verdict;
  comment?: string;
  /** Malformed input (the rule also carries an `unsupported` match saying so). */
  errors: string[];
}

interface ModuleClause {
  /** Not a Match kind: tells a clause from a match in the rule's item list. */
  kind: '@module';
  name: string;
  spec: ModuleSpec | undefined;
  opts: ModuleOption[];
}

interface TargetClause {
  name: string;
  goto: boolean;
  spec: TargetSpec | undefined;
  opts: ModuleOption[];
}

/** A match as read, or a `-m` clause whose options are still being collected (in line order). */
type Item = Match | ModuleClause;

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '33': 'dccp',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '58': 'ipv6-icmp',
  '132': 'sctp',
  '136': 'udplite',
};

export function normaliseProtocol(text: string): string {
  const lower = text.toLowerCase();
  if (lower === 'icmpv6') return 'ipv6-icmp';
  return own(PROTOCOL_NUMBERS, lower) ?? lower;
}

const CORE_WITH_ARG = new Set([
  '-s',
  '--source',
  '--src',
  '-d',
  '--destination',
  '--dst',
  '-i',
  '--in-interface',
  '-o',
  '--out-interface',
  '-p',
  '--protocol',
  '-m',
  '--match',
  '-j',
  '--jump',
  '-g',
  '--goto',
]);

/** `-x`, `--xyz`, but not `-5` (a negative number is a value). Char codes: no regex per token. */
function isOption(t: Token | undefined): boolean {
  if (t === undefined || t.quoted) return false;
  const s = t.text;
  if (s.length < 2 || s.charCodeAt(0) !== 45) return false;
  const c = s.charCodeAt(1);
  return c < 48 || c > 57;
}

function isBang(t: Token | undefined): boolean {
  return t !== undefined && !t.quoted && t.text === '!';
}

function knows(spec: { options: Record<string, number> } | undefined, name: string): boolean {
  return spec !== undefined && Object.hasOwn(spec.options, name);
}

/** Exactly N argument texts from TOKENS at I, or undefined when the line ends first. */
function argsAt(tokens: readonly Token[], i: number, n: number): string[] | undefined {
  if (i + n > tokens.length) return undefined;
  const args: string[] = new Array<string>(n);
  for (let k = 0; k < n; k++) args[k] = (tokens[i + k] as Token).text;
  return args;
}

function needsArgs(option: string, n: number): string {
  return `option ${option} needs ${n} argument${n === 1 ? '' : 's'} (line cut off?)`;
}

/** What a rule line's options add up to, while they are read. */
interface ArgState {
  readonly ctx: RuleContext;
  /** Matches and `-m` clauses, in line order. */
  readonly items: Item[];
  readonly modules: ModuleClause[];
  readonly errors: string[];
  target: TargetClause | undefined;
  /** The clause the last `-m`/`-j` opened: its options come first. */
  context: ModuleClause | TargetClause | undefined;
  protocol: { value: string; negate: boolean } | undefined;
}

/** TOKENS from index FROM on (the caller's `-A CHAIN` left in place: no copy per line). */
export function parseRuleArgs(tokens: readonly Token[], ctx: RuleContext, from = 0): ParsedRuleArgs {
  const st: ArgState = { ctx, items: [], modules: [], errors: [], target: undefined, context: undefined, protocol: undefined };
  const { items, errors } = st;
  let negate = false;
  const end = tokens.length;
  let i = from;

  // The loop only dispatches: each kind of option is handled in a function of its own, so that
  // optimising (and re-optimising) them stays cheap in a cold process.
  while (i < end) {
    const tok = tokens[i] as Token;
    i++;
    if (isBang(tok)) {
      if (negate) errors.push('"!" given twice');
      negate = true;
      continue;
    }
    const name = tok.text;
    const neg = negate;
    negate = false;
    if (!tok.quoted && CORE_WITH_ARG.has(name)) {
      if (i >= end) {
        errors.push(needsArgs(name, 1));
        break;
      }
      const arg = (tokens[i] as Token).text;
      i++;
      coreOption(st, name, arg, neg);
      continue;
    }
    if (!tok.quoted && (name === '-f' || name === '--fragment')) {
      items.push({ kind: 'fragment', negate: neg });
      continue;
    }
    if (!tok.quoted && (name === '-c' || name === '--set-counters')) {
      if (i + 2 > end) {
        errors.push(needsArgs(name, 2));
        break;
      }
      i += 2;
      continue;
    }
    if (!isOption(tok)) {
      const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
      errors.push(`unexpected argument ${JSON.stringify(shown)}`);
      items.push({ kind: 'unsupported', text: name, reason: 'argument without an option' });
      continue;
    }

    // An extension option.
    i = extensionOption(st, tokens, i, name, neg);
    if (i < 0) break;
  }
  if (negate) errors.push('"!" at the end of the rule');

  // The rest is in functions of their own: each is compiled (and, when a new shape of rule
  // appears, recompiled) apart, instead of one large function whose optimisation cost a
  // 10k-rule run tens of milliseconds each time.
  const matches = matchesOf(items, ctx, st.protocol);
  let comment: string | undefined;
  for (const m of matches) if (m.kind === 'comment') comment = comment === undefined ? m.text : `${comment}; ${m.text}`;
  const { verdict, effects } = st.target ? targetVerdict(st.target, ctx, errors) : { verdict: { kind: 'continue' } as Verdict, effects: [] as Effect[] };
  return comment === undefined ? { matches, effects, verdict, errors } : { matches, effects, verdict, errors, comment };
}

/** `-s`, `-d`, `-i`, `-o`, `-p`, `-m`, `-j`, `-g` with their argument ARG. */
function coreOption(st: ArgState, name: string, arg: string, neg: boolean): void {
  switch (name) {
    case '-s':
    case '--source':
    case '--src':
    case '-d':
    case '--destination':
    case '--dst': {
      const dir = name.startsWith('-s') || name === '--source' || name === '--src' ? 'src' : 'dst';
      const slot = dir === 'src' ? Slot.Src : Slot.Dst;
      const seen = st.ctx.shared?.match(slot, neg, arg);
      if (seen) {
        st.items.push(seen);
        break;
      }
      const p = parsePrefix(arg);
      let m: Match;
      if (!p.ok) m = { kind: 'unsupported', text: `${neg ? '! ' : ''}${dir === 'src' ? '-s' : '-d'} ${arg}`, reason: p.message };
      else if (p.value.family !== st.ctx.family)
        m = {
          kind: 'unsupported',
          text: `${neg ? '! ' : ''}${dir === 'src' ? '-s' : '-d'} ${arg}`,
          reason: `address family does not match the ${st.ctx.family} table`,
        };
      else m = { kind: 'addr', dir, family: p.value.family, addrs: [p.value.spec], negate: neg };
      st.items.push(st.ctx.shared ? st.ctx.shared.keep(slot, neg, arg, m) : m);
      break;
    }
    case '-i':
    case '--in-interface':
    case '-o':
    case '--out-interface': {
      const dir = name === '-i' || name === '--in-interface' ? 'in' : 'out';
      const slot = dir === 'in' ? Slot.In : Slot.Out;
      const seen = st.ctx.shared?.match(slot, neg, arg);
      if (seen) {
        st.items.push(seen);
        break;
      }
      const wildcard = arg.endsWith('+');
      const m: Match = { kind: 'iface', dir, patterns: [{ name: wildcard ? arg.slice(0, -1) : arg, wildcard }], negate: neg };
      st.items.push(st.ctx.shared ? st.ctx.shared.keep(slot, neg, arg, m) : m);
      break;
    }
    case '-p':
    case '--protocol': {
      const value = normaliseProtocol(arg);
      st.protocol = { value, negate: neg };
      if (value === 'all' || value === '0') {
        if (neg) st.items.push({ kind: 'unsupported', text: `! -p ${arg}`, reason: 'matches no packet' });
      } else {
        const seen = st.ctx.shared?.match(Slot.Protocol, neg, arg);
        const m: Match = seen ?? { kind: 'protocol', protocols: [value], negate: neg };
        st.items.push(seen ?? (st.ctx.shared ? st.ctx.shared.keep(Slot.Protocol, neg, arg, m) : m));
      }
      break;
    }
    case '-m':
    case '--match': {
      if (neg) st.errors.push(`"!" before -m ${arg}`);
      const clause: ModuleClause = { kind: '@module', name: arg, spec: own(MODULES, arg), opts: [] };
      st.modules.push(clause);
      st.items.push(clause);
      st.context = clause;
      break;
    }
    default: {
      // -j / -g
      if (st.target) st.errors.push(`second target ${arg}`);
      if (neg) st.errors.push(`"!" before ${name}`);
      const isGoto = name === '-g' || name === '--goto';
      const spec = isGoto || st.ctx.isChain(arg) ? undefined : own(TARGETS, arg);
      st.target = { name: arg, goto: isGoto, spec, opts: [] };
      st.context = st.target;
    }
  }
}

/**
 * An extension's option NAME at token I (its arguments follow): given to the clause iptables
 * would give it to. The index after its arguments, or -1 when the line ends first.
 */
function extensionOption(st: ArgState, tokens: readonly Token[], i: number, name: string, neg: boolean): number {
  const end = tokens.length;
  let owner: ModuleClause | TargetClause | undefined;
  if (st.context && knows(st.context.spec, name)) owner = st.context;
  for (let k = st.modules.length - 1; !owner && k >= 0; k--) if (knows((st.modules[k] as ModuleClause).spec, name)) owner = st.modules[k];
  if (!owner && st.target && knows(st.target.spec, name)) owner = st.target;
  if (!owner) {
    const implicit = implicitModuleFor(st.protocol?.value);
    const spec = implicit ? own(MODULES, implicit) : undefined;
    if (implicit && spec && knows(spec, name)) {
      const clause: ModuleClause = { kind: '@module', name: implicit, spec, opts: [] };
      st.modules.push(clause);
      st.items.push(clause);
      owner = clause;
    }
  }
  if (owner) {
    const n = (owner.spec as { options: Record<string, number> }).options[name] ?? 0;
    const args = argsAt(tokens, i, n);
    if (!args) {
      st.errors.push(needsArgs(name, n));
      return -1;
    }
    owner.opts.push({ name, args, negate: neg });
    return i + n;
  }
  // Nobody knows it: an unknown target's or extension's, or a stray. Its arguments are
  // everything up to the next option or `!`.
  const args: string[] = [];
  while (i < end && !isOption(tokens[i]) && !isBang(tokens[i])) args.push((tokens[i++] as Token).text);
  const unknownOwner = st.context && st.context.spec === undefined ? st.context : undefined;
  if (unknownOwner) {
    unknownOwner.opts.push({ name, args, negate: neg });
  } else {
    st.items.push({ kind: 'unsupported', text: [neg ? '!' : '', name, ...args].filter(Boolean).join(' '), reason: `option ${name} is not understood here` });
  }
  return i;
}

/** The rule's items in line order, each `-m` clause built into its matches. */
function matchesOf(items: readonly Item[], ctx: RuleContext, protocol: { value: string; negate: boolean } | undefined): Match[] {
  let moduleCtx: ModuleContext | undefined;
  const matches: Match[] = [];
  for (const item of items) {
    if (item.kind !== '@module') {
      matches.push(item);
    } else if (item.spec) {
      // A known extension whose options were all attached elsewhere still matched, trivially.
      if (item.opts.length > 0) {
        moduleCtx ??= { family: ctx.family, protocol: protocol?.value, protocolNegated: protocol?.negate ?? false };
        // Indexed, not for…of: builders return arrays of different element kinds, and the
        // iterator protocol over them made optimised code bail out.
        const built = item.spec.build(item.opts, moduleCtx);
        for (let k = 0; k < built.length; k++) matches.push(built[k] as Match);
      }
    } else {
      matches.push({ kind: 'unsupported', text: optionText(item.name, item.opts), reason: `match extension "${item.name}" is not modelled` });
    }
  }
  // slice(): an array grown by push keeps room for 17 elements, and a 100k-rule ruleset keeps
  // every rule's matches; an exact copy is a third of the size (the model is most of the heap,
  // and the garbage collector copies what survives).
  return matches.slice();
}

/** `-j`/`-g`: a jump to a chain of the table, or a target extension's verdict and effects. */
function targetVerdict(target: TargetClause, ctx: RuleContext, errors: string[]): { verdict: Verdict; effects: Effect[] } {
  if (target.goto || ctx.isChain(target.name)) {
    if (!ctx.isChain(target.name)) {
      errors.push(`goto to undeclared chain ${target.name}`);
      return { verdict: { kind: 'unsupported', text: `-g ${target.name}`, reason: 'goto to a chain that does not exist' }, effects: [] };
    }
    if (target.opts.length > 0)
      return { verdict: { kind: 'unsupported', text: targetText(target.name, target.opts), reason: 'options after a jump to a chain' }, effects: [] };
    const kind = target.goto ? 'goto' : 'jump';
    return { verdict: ctx.shared ? ctx.shared.jump(kind, target.name) : { kind, target: target.name }, effects: [] };
  }
  if (target.spec) return target.spec.build(target.opts, ctx.family);
  return {
    verdict: {
      kind: 'unsupported',
      text: targetText(target.name, target.opts),
      reason: `target "${target.name}" is neither a chain of this table nor a modelled extension`,
    },
    effects: [],
  };
}
