import type { Chain, Match, PacketFamily, ParseError, Rule, RuleOrigin } from '../model.js';
import { interleave, type LateErrors } from '../late-errors.js';
import { holdHeldRules, type HeldAddressWords, type PendingRules, type RuleKeys } from '../pending-rules.js';
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
  /** Chain name → its rule lines, in the order the chains were created (declared, or first used). */
  private readonly byName = new Map<string, ChainText>();
  /** The same, by creation order. */
  private readonly ordered: ChainText[] = [];
  /** Every held rule line of the table, SLOTS integers each (ChainText). */
  readonly records: number[] = [];
  /** Rule lines the scan had to split or trim (kept whole); a record points here by -(index + 1). */
  readonly whole: PendingRule[] = [];
  /** Chains visible to the line being parsed. */
  private known = 0;

  constructor(
    readonly family: PacketFamily,
    private readonly tableName: string,
    private readonly file: string | undefined,
    private readonly errors: DumpErrors,
    /** The dump: a plain rule line is held as its offsets in it, not as a string of its own. */
    readonly text: string,
  ) {}

  isChain(name: string): boolean {
    const chain = this.byName.get(name);
    return chain !== undefined && chain.order < this.known;
  }

  get chainCount(): number {
    return this.byName.size;
  }

  /** The rule lines of the chain named NAME, when the table has one. */
  get(name: string): ChainText | undefined {
    return this.byName.get(name);
  }

  /** The chain created after CHAIN (iptables-save lists the rules chain by chain, in the order it declared them). */
  after(chain: ChainText): ChainText | undefined {
    return this.ordered[chain.order + 1];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  addChain(chain: Chain): ChainText {
    const text = new ChainText(this, chain, this.byName.size);
    this.byName.set(chain.name, text);
    this.ordered.push(text);
    return text;
  }

  /** Adds a rule line's record (see ChainText); returns its number. */
  record(start: number, end: number, lineNo: number, chainsKnown: number, errorsBefore: number): number {
    const records = this.records;
    const n = records.length / SLOTS;
    records.push(start, end, lineNo, chainsKnown, errorsBefore);
    return n;
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

/** A chain name a `-A NAME` line can hold as is: no tab or \r (they end it earlier), no quote (the tokenizer's). */
export function isPlainName(name: string): boolean {
  return !NOT_PLAIN.test(name);
}

const NOT_PLAIN = /[\t\r"]/;

/** The blanks tokenize() splits on. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Options whose one argument is an address, a prefix or a range (rule.ts coreOption, the iprange match). */
const ADDRESS_OPTIONS = new Set(['-s', '--source', '--src', '-d', '--destination', '--dst', '--src-range', '--dst-range']);
/** The conntrack match's tuple addresses: a comma-separated list (matches.ts). */
const TUPLE_OPTIONS = new Set(['--ctorigsrc', '--ctorigdst', '--ctreplsrc', '--ctrepldst']);

/**
 * A line's arguments as tokenize.ts splits them (runs of non-blanks; a double quote groups up to
 * its closing quote, which ends the argument), with every argument that holds a quote as '': the
 * address words never do, and kube-proxy quotes a comment on each of 100k rules, so only the
 * unquoted ones are cut from the line. Undefined for a quote left open.
 */
function scanTokens(line: string): string[] | undefined {
  const tokens: string[] = [];
  const n = line.length;
  for (let pos = 0; pos < n;) {
    while (pos < n && isBlank(line.charCodeAt(pos))) pos++;
    if (pos >= n) break;
    const start = pos;
    let quoted = false;
    while (pos < n && !isBlank(line.charCodeAt(pos))) {
      if (line.charCodeAt(pos) !== 34) {
        pos++;
        continue;
      }
      quoted = true;
      for (pos++; pos < n && line.charCodeAt(pos) !== 34; pos++) if (line.charCodeAt(pos) === 92) pos++;
      if (pos >= n) return undefined;
      pos++;
      break;
    }
    tokens.push(quoted ? '' : line.slice(start, pos));
  }
  return tokens;
}

/**
 * The address words of a rule's tokens (a quoted one is ''); undefined when only the parse can say
 * (a set match, the old `-s ! X` form).
 */
function addressWordsOf(tokens: readonly string[]): Pick<HeldAddressWords, 'groups' | 'closes'> | undefined {
  const groups: string[][] = [];
  let closes = false;
  let recent = false;
  let negated = false;
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    if (token.charCodeAt(0) !== 45) continue;
    const list = TUPLE_OPTIONS.has(token);
    if (ADDRESS_OPTIONS.has(token) || list) {
      // A negated test drops what lies outside its ranges: no closing rule (address-predicates.ts).
      if (tokens[k - 1] === '!') negated = true;
      const arg = tokens[++k];
      if (arg === undefined || arg === '!' || arg === '') return undefined;
      groups.push(list ? arg.split(',') : [arg]);
    } else if (token === '--match-set') return undefined;
    // Its argument is free text that could read as an option.
    else if (token === '--comment') k++;
    else if (token === '-m' && tokens[k + 1] === 'recent') recent = true;
    else if (token === '-j' || token === '--jump') closes = tokens[k + 1] === 'DROP' || tokens[k + 1] === 'REJECT';
  }
  return { groups, closes: closes && !recent && !negated };
}

/** Whether the token at START..END of LINE is `-j`, `-g`, `--jump` or `--goto`. */
function isJumpOption(line: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 2) return line.startsWith('-j', start) || line.startsWith('-g', start);
  return length === 6 && (line.startsWith('--jump', start) || line.startsWith('--goto', start));
}

/** Per held rule line: where it is in the dump (or -(index + 1) into `whole`), and what PendingRule says. */
const START = 0;
const END = 1;
const LINE_NO = 2;
const CHAINS_KNOWN = 3;
const ERRORS_BEFORE = 4;
const SLOTS = 5;

/**
 * One chain's rule lines, and those of its rules parsed so far. A plain `-A` line (nearly every
 * line of a dump) is held as five small integers in the table's `records`, not as an object and
 * a string each; iptables-save lists a chain's rules together, so a chain is then a run of
 * records (first, n), and a list of them only when its lines are apart or inserted (-I). On a
 * 100k-rule dump of 30,000 chains the scan keeps a few megabytes instead of tens, and the
 * garbage collector has that much less to copy. A line's text is cut from the dump when asked.
 */
export class ChainText implements PendingRules {
  /** The chain's records: the run first .. first + n - 1, or `list` once they are not one run. */
  private first = 0;
  private n = 0;
  private list: number[] | undefined;
  private parsed: (Rule | undefined)[] | undefined;
  /** Registered with holdHeldRules (at its first rule: a chain without rules holds nothing). */
  private holding = false;
  /** Whether a plain `-A` line can name this chain (isPlainName). */
  readonly plainName: boolean;

  constructor(
    private readonly table: TableRules,
    readonly chain: Chain,
    /** When the chain was created among the table's: `-j NAME` of an earlier line is no jump to it. */
    readonly order: number,
  ) {
    this.plainName = isPlainName(chain.name);
  }

  get count(): number {
    return this.list === undefined ? this.n : this.list.length;
  }

  /** Keeps the plain `-A` line at START..END of the dump as the chain's last rule. */
  push(start: number, end: number, lineNo: number, chainsKnown: number, errorsBefore: number): void {
    if (!this.holding) this.hold();
    this.append(this.table.record(start, end, lineNo, chainsKnown, errorsBefore));
  }

  /** Keeps RULE (a line the scan split or trimmed) at POSITION. */
  insert(rule: PendingRule, position: number): void {
    if (!this.holding) this.hold();
    const whole = this.table.whole;
    whole.push(rule);
    const record = this.table.record(-whole.length, 0, rule.lineNo, rule.chainsKnown, rule.errorsBefore);
    // Only the scan inserts, before any rule is parsed.
    if (position === this.count) this.append(record);
    else (this.list ??= this.runList()).splice(position, 0, record);
  }

  private append(record: number): void {
    if (this.list !== undefined) this.list.push(record);
    else if (this.n === 0) {
      this.first = record;
      this.n = 1;
    } else if (this.first + this.n === record) this.n++;
    else (this.list = this.runList()).push(record);
  }

  private runList(): number[] {
    const list: number[] = [];
    for (let i = 0; i < this.n; i++) list.push(this.first + i);
    return list;
  }

  private hold(): void {
    this.holding = true;
    // Every chain of the scan is made by newHeldChain.
    holdHeldRules(this.chain, this);
  }

  /** Where rule I's record starts in the table's `records`. */
  private at(i: number): number {
    return (this.list === undefined ? this.first + i : (this.list[i] as number)) * SLOTS;
  }

  /** Rule I's line as the scan read it (trimmed). */
  private line(i: number): string {
    const records = this.table.records;
    const at = this.at(i);
    const start = records[at + START] as number;
    return start < 0 ? (this.table.whole[-start - 1] as PendingRule).line : this.table.text.slice(start, records[at + END]);
  }

  private pending(i: number): PendingRule {
    const records = this.table.records;
    const at = this.at(i);
    const start = records[at + START] as number;
    if (start < 0) return this.table.whole[-start - 1] as PendingRule;
    return {
      line: this.table.text.slice(start, records[at + END]),
      lineNo: records[at + LINE_NO] as number,
      tokens: undefined,
      argsFrom: 2,
      chainsKnown: records[at + CHAINS_KNOWN] as number,
      errorsBefore: records[at + ERRORS_BEFORE] as number,
    };
  }

  keys(i: number): RuleKeys | undefined {
    const records = this.table.records;
    const at = this.at(i);
    const start = records[at + START] as number;
    if (start >= 0) return textKeys(this.table.text.slice(start, records[at + END]), this.table.family);
    // Lines the scan had to split (counters, -I, quoted names) are not in the plain shape.
    const pending = this.table.whole[-start - 1] as PendingRule;
    return pending.tokens === undefined ? textKeys(pending.line, this.table.family) : undefined;
  }

  rule(i: number): Rule {
    const parsed = (this.parsed ??= []);
    let rule = parsed[i];
    if (!rule) parsed[i] = rule = this.table.parseLine(this.chain, this.pending(i), i + 1);
    return rule;
  }

  addressWords(i: number): HeldAddressWords | undefined {
    const records = this.table.records;
    const at = this.at(i);
    // Lines the scan had to split (counters, -I, quoted names) are parsed: they are few.
    if ((records[at + START] as number) < 0) return undefined;
    const line = this.line(i);
    const tokens = scanTokens(line);
    if (!tokens) return undefined;
    const words = addressWordsOf(tokens);
    return words && { ...words, text: line, index: i + 1, line: records[at + LINE_NO] as number };
  }

  mayJump(i: number): boolean {
    const records = this.table.records;
    // Lines the scan had to split (counters, -I, quoted names) are parsed: they are few.
    if ((records[this.at(i) + START] as number) < 0) return true;
    const line = this.line(i);
    // Without a quote the tokens are the runs of non-blanks (tokenize.ts), and a jump or goto is
    // `-j NAME` (`-g`, `--jump`, `--goto`) with NAME a chain of the table: any chain here, even one
    // created after the line, so the answer errs only towards parsing.
    if (line.includes('"')) return true;
    const n = line.length;
    let afterJump = false;
    for (let pos = 0; pos < n;) {
      while (pos < n && isBlank(line.charCodeAt(pos))) pos++;
      if (pos >= n) break;
      const start = pos;
      while (pos < n && !isBlank(line.charCodeAt(pos))) pos++;
      // The token after each jump option, which may itself be one (`-j -j NAME`).
      if (afterJump && this.table.has(line.slice(start, pos))) return true;
      afterJump = isJumpOption(line, start, pos);
    }
    return false;
  }

  mayTranslate(i: number, isLocal: (address: string) => boolean): boolean {
    const line = this.line(i);
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
