import { parsePrefix } from '../addr.js';
import { own } from '../builtins.js';
import type { Effect, Match, PacketFamily, Verdict } from '../model.js';
import { implicitModuleFor, MODULES, optionText, type ModuleOption, type ModuleSpec } from './matches.js';
import { TARGETS, targetText, type TargetSpec } from './targets.js';
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
  type: 'module';
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

type Item = { type: 'match'; match: Match } | ModuleClause;

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

function isOption(t: Token | undefined): boolean {
  return t !== undefined && !t.quoted && t.text.length > 1 && t.text.startsWith('-') && !/^-\d/.test(t.text);
}

function isBang(t: Token | undefined): boolean {
  return t !== undefined && !t.quoted && t.text === '!';
}

export function parseRuleArgs(tokens: readonly Token[], ctx: RuleContext): ParsedRuleArgs {
  const items: Item[] = [];
  const modules: ModuleClause[] = [];
  const errors: string[] = [];
  let target: TargetClause | undefined;
  let context: ModuleClause | TargetClause | undefined;
  let protocol: { value: string; negate: boolean } | undefined;
  let negate = false;
  let i = 0;

  const take = (n: number, option: string): string[] | undefined => {
    if (i + n > tokens.length) {
      errors.push(`option ${option} needs ${n} argument${n === 1 ? '' : 's'} (line cut off?)`);
      i = tokens.length;
      return undefined;
    }
    const args = tokens.slice(i, i + n).map((t) => t.text);
    i += n;
    return args;
  };
  // Arguments of an option nobody knows: everything up to the next option or `!`.
  const takeLoose = (): string[] => {
    const args: string[] = [];
    while (i < tokens.length && !isOption(tokens[i]) && !isBang(tokens[i])) args.push((tokens[i++] as Token).text);
    return args;
  };
  const pushMatch = (m: Match): void => {
    items.push({ type: 'match', match: m });
  };

  while (i < tokens.length) {
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
      const args = take(1, name);
      if (!args) break;
      const arg = args[0] as string;
      switch (name) {
        case '-s':
        case '--source':
        case '--src':
        case '-d':
        case '--destination':
        case '--dst': {
          const dir = name.startsWith('-s') || name === '--source' || name === '--src' ? 'src' : 'dst';
          const p = parsePrefix(arg);
          const text = `${neg ? '! ' : ''}${dir === 'src' ? '-s' : '-d'} ${arg}`;
          if (!p.ok) pushMatch({ kind: 'unsupported', text, reason: p.message });
          else if (p.value.family !== ctx.family) pushMatch({ kind: 'unsupported', text, reason: `address family does not match the ${ctx.family} table` });
          else pushMatch({ kind: 'addr', dir, family: p.value.family, addrs: [p.value.spec], negate: neg });
          break;
        }
        case '-i':
        case '--in-interface':
        case '-o':
        case '--out-interface': {
          const wildcard = arg.endsWith('+');
          pushMatch({
            kind: 'iface',
            dir: name === '-i' || name === '--in-interface' ? 'in' : 'out',
            patterns: [{ name: wildcard ? arg.slice(0, -1) : arg, wildcard }],
            negate: neg,
          });
          break;
        }
        case '-p':
        case '--protocol': {
          const value = normaliseProtocol(arg);
          protocol = { value, negate: neg };
          if (value === 'all' || value === '0') {
            if (neg) pushMatch({ kind: 'unsupported', text: `! -p ${arg}`, reason: 'matches no packet' });
          } else {
            pushMatch({ kind: 'protocol', protocols: [value], negate: neg });
          }
          break;
        }
        case '-m':
        case '--match': {
          if (neg) errors.push(`"!" before -m ${arg}`);
          const clause: ModuleClause = { type: 'module', name: arg, spec: own(MODULES, arg), opts: [] };
          modules.push(clause);
          items.push(clause);
          context = clause;
          break;
        }
        default: {
          // -j / -g
          if (target) errors.push(`second target ${arg}`);
          if (neg) errors.push(`"!" before ${name}`);
          const isGoto = name === '-g' || name === '--goto';
          const spec = isGoto || ctx.isChain(arg) ? undefined : own(TARGETS, arg);
          target = { name: arg, goto: isGoto, spec, opts: [] };
          context = target;
        }
      }
      continue;
    }
    if (!tok.quoted && (name === '-f' || name === '--fragment')) {
      pushMatch({ kind: 'fragment', negate: neg });
      continue;
    }
    if (!tok.quoted && (name === '-c' || name === '--set-counters')) {
      if (!take(2, name)) break;
      continue;
    }
    if (!isOption(tok)) {
      const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
      errors.push(`unexpected argument ${JSON.stringify(shown)}`);
      pushMatch({ kind: 'unsupported', text: name, reason: 'argument without an option' });
      continue;
    }

    // An extension option: find whose it is.
    const knows = (spec: { options: Record<string, number> } | undefined): boolean => spec !== undefined && Object.hasOwn(spec.options, name);
    let owner: ModuleClause | TargetClause | undefined;
    if (context && knows(context.spec)) owner = context;
    if (!owner) owner = [...modules].reverse().find((m) => knows(m.spec));
    if (!owner && target && knows(target.spec)) owner = target;
    if (!owner) {
      const implicit = implicitModuleFor(protocol?.value);
      const spec = implicit ? own(MODULES, implicit) : undefined;
      if (implicit && spec && knows(spec)) {
        const clause: ModuleClause = { type: 'module', name: implicit, spec, opts: [] };
        modules.push(clause);
        items.push(clause);
        owner = clause;
      }
    }
    if (owner) {
      const n = (owner.spec as { options: Record<string, number> }).options[name] ?? 0;
      const args = take(n, name);
      if (!args) break;
      owner.opts.push({ name, args, negate: neg });
      continue;
    }
    // Nobody knows it: an unknown target's or extension's, or a stray.
    const args = takeLoose();
    const unknownOwner = context && context.spec === undefined ? context : undefined;
    if (unknownOwner) {
      unknownOwner.opts.push({ name, args, negate: neg });
    } else {
      pushMatch({ kind: 'unsupported', text: [neg ? '!' : '', name, ...args].filter(Boolean).join(' '), reason: `option ${name} is not understood here` });
    }
  }
  if (negate) errors.push('"!" at the end of the rule');

  const moduleCtx = {
    family: ctx.family,
    protocol: protocol?.value,
    protocolNegated: protocol?.negate ?? false,
  };
  const matches: Match[] = [];
  for (const item of items) {
    if (item.type === 'match') {
      matches.push(item.match);
    } else if (item.spec) {
      // A known extension whose options were all attached elsewhere still matched, trivially.
      if (item.opts.length > 0) matches.push(...item.spec.build(item.opts, moduleCtx));
    } else {
      matches.push({ kind: 'unsupported', text: optionText(item.name, item.opts), reason: `match extension "${item.name}" is not modelled` });
    }
  }

  let verdict: Verdict = { kind: 'continue' };
  const effects: Effect[] = [];
  if (target) {
    if (target.goto || ctx.isChain(target.name)) {
      if (!ctx.isChain(target.name)) {
        errors.push(`goto to undeclared chain ${target.name}`);
        verdict = { kind: 'unsupported', text: `-g ${target.name}`, reason: 'goto to a chain that does not exist' };
      } else if (target.opts.length > 0) {
        verdict = { kind: 'unsupported', text: targetText(target.name, target.opts), reason: 'options after a jump to a chain' };
      } else {
        verdict = target.goto ? { kind: 'goto', target: target.name } : { kind: 'jump', target: target.name };
      }
    } else if (target.spec) {
      const built = target.spec.build(target.opts, ctx.family);
      verdict = built.verdict;
      effects.push(...built.effects);
    } else {
      verdict = { kind: 'unsupported', text: targetText(target.name, target.opts), reason: `target "${target.name}" is neither a chain of this table nor a modelled extension` };
    }
  }

  const comments = matches.filter((m): m is Extract<Match, { kind: 'comment' }> => m.kind === 'comment').map((m) => m.text);
  const result: ParsedRuleArgs = { matches, effects, verdict, errors };
  if (comments.length > 0) result.comment = comments.join('; ');
  return result;
}
