import type { Chain, Match, PacketFamily, ParseError, Rule, RuleOrigin } from '../model.js';
import { interleave, type LateErrors } from '../late-errors.js';
import { holdPendingRules, type PendingRules, type RuleKeys } from '../pending-rules.js';
import { parseRuleArgs, type RuleContext } from './rule.js';
import { SharedParts } from './shared.js';
import { textKeys } from './text-keys.js';
import { tokenize, type TokenizeResult } from './tokenize.js';

/**
 * The rule lines of one table, parsed when they are first read: a whole chain when its
 * `rules` are read, one rule when the simulator asks for it (pending-rules.ts).
 *
 * A reachability question touches few of a large dump's rules: on a kube-proxy host two thirds
 * of the rules sit in KUBE-SVC-… and KUBE-SEP-… chains that only a packet to a cluster IP
 * reaches, and of KUBE-SERVICES or ufw-user-input a packet can only match the rules for its
 * own destination port or address. Parsing them all was most of a 10k-rule analysis. The scan
 * of the dump (parse.ts) still reads every line, finds every chain and reports every
 * structural error; a rule line is kept as text, with what its parse needs from the moment it
 * was read (which chains existed then, where its errors go), so a rule and its errors are the
 * same whenever it is parsed. `ParseResult.errors` parses whatever is left before it answers.
 */

export interface PendingRule {
  line: string;
  lineNo: number;
  /** The line's tokens when the scan already split it (counters, -I, quoted chain names). */
  tokens: TokenizeResult | undefined;
  /** Index of the first token after `-A CHAIN` (or `-I CHAIN N`). */
  argsFrom: number;
  /** How many of the table's chains existed when the line was read: `-j NAME` jumps only to those. */
  chainsKnown: number;
  /** How many errors the scan had reported before this line: this line's errors come next. */
  errorsBefore: number;
}

/** The dump's errors: the scan's, in line order, and each parsed rule line's, put back in place. */
export class DumpErrors {
  readonly scan: ParseError[] = [];
  private readonly ofRules: LateErrors[] = [];

  addRuleErrors(rule: PendingRule, errors: ParseError[]): void {
    this.ofRules.push({ errorsBefore: rule.errorsBefore, at: rule.lineNo, errors });
  }

  /** Every error in the order of the lines they were found on. Call once every chain is parsed. */
  merged(): ParseError[] {
    return interleave(this.scan, this.ofRules);
  }
}

/** A line as messages quote it. */
export function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * One table's chains and their pending rule lines; the RuleContext their rules are parsed with.
 * A class, not a closure per table: the rule parser's calls to isChain always have the same
 * target, and optimised code is not thrown away at the second table.
 */
export class TableRules implements RuleContext {
  readonly shared = new SharedParts();
  /** Chain name → the order it was created in (declared, or first used). */
  private readonly created = new Map<string, number>();
  private readonly pending = new Map<Chain, ChainText>();
  /** Chains visible to the line being parsed. */
  private known = 0;

  constructor(
    readonly family: PacketFamily,
    private readonly tableName: string,
    private readonly file: string | undefined,
    private readonly errors: DumpErrors,
  ) {}

  isChain(name: string): boolean {
    const order = this.created.get(name);
    return order !== undefined && order < this.known;
  }

  get chainCount(): number {
    return this.created.size;
  }

  addChain(chain: Chain): void {
    this.created.set(chain.name, this.created.size);
  }

  /** How many rules CHAIN has so far (where `-A` puts the next one). */
  ruleCount(chain: Chain): number {
    return this.pending.get(chain)?.count ?? 0;
  }

  /** Keeps a rule line of CHAIN at POSITION, to be parsed when first read. */
  add(chain: Chain, rule: PendingRule, position: number): void {
    let text = this.pending.get(chain);
    if (!text) {
      text = new ChainText(this, chain);
      this.pending.set(chain, text);
      holdPendingRules(chain, text);
    }
    text.insert(rule, position);
  }

  parseLine(chain: Chain, pending: PendingRule, index: number): Rule {
    const { line, lineNo } = pending;
    const origin: RuleOrigin =
      this.file === undefined
        ? { source: 'iptables', family: this.family, table: this.tableName, chain: chain.name, index, line: lineNo, text: line }
        : { source: 'iptables', family: this.family, table: this.tableName, chain: chain.name, index, line: lineNo, text: line, file: this.file };
    try {
      const tok = pending.tokens ?? tokenize(line);
      this.known = pending.chainsKnown;
      const parsed = parseRuleArgs(tok.tokens, this, pending.argsFrom);
      const matches: Match[] = parsed.matches;
      if (!tok.ok || parsed.errors.length > 0) {
        const problems = [...parsed.errors];
        if (!tok.ok) problems.unshift(tok.message);
        // A garbage line can hold thousands of problems; the first few say enough.
        const errors: ParseError[] = problems.slice(0, 5).map((p) => ({ line: lineNo, message: `${p}: ${truncate(line)}` }));
        if (problems.length > 5) errors.push({ line: lineNo, message: `${problems.length - 5} more problems on this line` });
        this.errors.addRuleErrors(pending, errors);
        // The rule existed in the kernel even if its line is damaged: keep it, marked unknowable.
        matches.push({ kind: 'unsupported', text: line, reason: `unparsable rule: ${problems.slice(0, 5).join('; ')}` });
      }
      // Whole literals, the optional key last: a key added afterwards would move the object's
      // properties out of line (one more allocation per rule, kept for good).
      return parsed.comment === undefined
        ? { matches, effects: parsed.effects, verdict: parsed.verdict, origin }
        : { matches, effects: parsed.effects, verdict: parsed.verdict, origin, comment: parsed.comment };
    } catch (error) {
      // A bug here must not take the audit down; report it like bad input, and keep the rule.
      const message = `internal error while parsing: ${(error as Error).message}`;
      this.errors.addRuleErrors(pending, [{ line: lineNo, message }]);
      return { matches: [{ kind: 'unsupported', text: line, reason: message }], effects: [], verdict: { kind: 'continue' }, origin };
    }
  }
}

/** One chain's rule lines, and those of its rules parsed so far. */
class ChainText implements PendingRules {
  private readonly lines: PendingRule[] = [];
  private readonly parsed: (Rule | undefined)[] = [];

  constructor(
    private readonly table: TableRules,
    private readonly chain: Chain,
  ) {}

  get count(): number {
    return this.lines.length;
  }

  insert(rule: PendingRule, position: number): void {
    if (position === this.lines.length) this.lines.push(rule);
    else this.lines.splice(position, 0, rule);
  }

  keys(i: number): RuleKeys | undefined {
    const pending = this.lines[i] as PendingRule;
    // Lines the scan had to split (counters, -I, quoted names) are not in the plain shape.
    return pending.tokens === undefined ? textKeys(pending.line, this.table.family) : undefined;
  }

  rule(i: number): Rule {
    let rule = this.parsed[i];
    if (!rule) this.parsed[i] = rule = this.table.parseLine(this.chain, this.lines[i] as PendingRule, i + 1);
    return rule;
  }

  mayTranslate(i: number, isLocal: (address: string) => boolean): boolean {
    const line = (this.lines[i] as PendingRule).line;
    if (line.includes('REDIRECT')) return true;
    if (!line.includes('DNAT')) return false;
    // `--to-destination A[-B][:P]` or `[A6]:P`: a first address that is not local cannot land here.
    const to = /--to-destination\s+(\S+)/.exec(line)?.[1];
    if (to === undefined || line.indexOf('--to-destination') !== line.lastIndexOf('--to-destination')) return true;
    const addr = to.startsWith('[')
      ? to.slice(1, to.indexOf(']'))
      : to.includes('.')
        ? ((to.split(':')[0] ?? '').split('-')[0] ?? '')
        : (to.split('-')[0] ?? '');
    return addr === '' || !/^[0-9a-fA-F:.]+$/.test(addr) || isLocal(addr);
  }
}
