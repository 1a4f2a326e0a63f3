import { builtinChain, isXtablesTable } from '../builtins.js';
import type { Chain, PacketFamily, ParseError, ParseResult, SourceInfo, Table } from '../model.js';
import { DumpErrors, isPlainName, TableRules, truncate, type ChainText } from './chain-rules.js';
import { tokenize, type Token } from './tokenize.js';
import { newHeldChain } from '../pending-rules.js';

/**
 * iptables-save / ip6tables-save (and iptables-restore input, which is the same format) into
 * the neutral model. Line by line, never throws: a bad line is reported with its number and
 * the rest is still read, so a truncated dump yields the tables seen so far. Rule lines are
 * parsed when their chain's rules are first read (chain-rules.ts); reading `errors` parses
 * every chain that is left.
 */

export interface IptablesSaveOptions {
  family: PacketFamily;
  file?: string;
}

interface OpenTable {
  table: Table;
  /** From the dump's header: decides the security table's priority. */
  backend: SourceInfo['backend'];
  /** The table's chains by name and their rule lines, parsed chain by chain when first read. */
  rules: TableRules;
  /** The chain of the last plain `-A` line: a dump lists a chain's rules together. */
  last: ChainText | undefined;
}

const COUNTERS = /^\[\d+:\d+\]$/;

export function parseIptablesSave(text: string, opts: IptablesSaveOptions): ParseResult {
  const dumpErrors = new DumpErrors();
  const info: SourceInfo = { source: 'iptables', family: opts.family, warnings: [] };
  if (opts.file !== undefined) info.file = opts.file;
  const tables: Table[] = [];
  try {
    parseInto(String(text), opts, info, tables, dumpErrors);
  } catch (error) {
    // A bug here must not take the audit down; report it like bad input.
    dumpErrors.scan.push({ message: `internal error while parsing: ${(error as Error).message}` });
  }
  let errors: ParseError[] | undefined;
  return {
    ruleset: { tables, sources: [info] },
    structureErrors: dumpErrors.scan,
    get errors(): ParseError[] {
      if (!errors) {
        // Every rule line's errors: parse the chains nothing has read yet.
        for (const table of tables) for (const chain of table.chains) void chain.rules;
        errors = dumpErrors.merged();
      }
      return errors;
    },
  };
}

/** The parse of one dump: the table being read, and what every line adds to. */
interface ParseState {
  opts: IptablesSaveOptions;
  info: SourceInfo;
  tables: Table[];
  errors: ParseError[];
  dumpErrors: DumpErrors;
  open: OpenTable | undefined;
  /** The whole dump, which plain rule lines are held as offsets into. */
  text: string;
}

function parseInto(text: string, opts: IptablesSaveOptions, info: SourceInfo, tables: Table[], dumpErrors: DumpErrors): void {
  const errors = dumpErrors.scan;
  const state: ParseState = { opts, info, tables, errors, dumpErrors, open: undefined, text };
  let lastLine = 0;
  let lineNo = 0;
  // Line by line without splitting the dump: a plain `-A CHAIN …` line (nearly all of a dump) is
  // held as its offsets (plainAppend), never cut out. The loop stays small (it is what gets
  // optimised first, on stack); every other line is cut, trimmed and read as before.
  for (let pos = 0; pos < text.length; lineNo++) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const open = state.open;
    // A line that starts with '-' and does not end in what trim() drops is its own trimmed self.
    const first = text.charCodeAt(pos);
    if (open && first === 45 && !maybeSpace(text.charCodeAt(end - 1)) && plainAppend(open, text, pos, end, lineNo + 1, errors)) {
      lastLine = lineNo + 1;
    } else if (open && first === 58 && plainDeclaration(open, text, pos, end, lineNo + 1, errors)) {
      lastLine = lineNo + 1;
    } else {
      // trim() also drops a CRLF dump's \r.
      const line = text.slice(pos, end).trim();
      if (line !== '') {
        lastLine = lineNo + 1;
        if (open && line.charCodeAt(0) === 45) command(open, line, lastLine, errors);
        else otherLine(state, line, lastLine);
      }
    }
    pos = end + 1;
  }
  if (state.open) {
    const endsCleanly = text.endsWith('\n');
    closeTable(
      state,
      lastLine,
      `before the end of the input${endsCleanly ? '' : ' (the last line has no newline: the dump looks cut off and that line may be incomplete)'}`,
    );
  }
}

function closeTable(state: ParseState, lineNo: number, why: string): void {
  const open = state.open;
  if (!open) return;
  if (!open.table.committed) {
    state.errors.push({
      line: lineNo,
      message: `table ${open.table.name} (line ${open.table.line ?? '?'}) has no COMMIT ${why}; its rules are kept but iptables-restore would not have loaded them`,
    });
  }
  state.open = undefined;
}

/** Everything but a rule line inside a table: comments, `*table`, COMMIT, `:CHAIN`, stray lines. */
function otherLine(state: ParseState, line: string, lineNo: number): void {
  const { opts, errors } = state;
  if (line.startsWith('#')) {
    readComment(line, state.info);
    return;
  }
  if (line.startsWith('*')) {
    closeTable(state, lineNo, 'before the next table');
    const name = line.slice(1).trim();
    if (name === '' || /\s/.test(name)) {
      errors.push({ line: lineNo, message: `bad table line ${JSON.stringify(line)}` });
      return;
    }
    if (!isXtablesTable(name)) errors.push({ line: lineNo, message: `unknown table ${name}: its chains are read as user chains (no hook)` });
    const table: Table = { family: opts.family, name, source: 'iptables', line: lineNo, committed: false, managedByIptables: false, chains: [], sets: [] };
    if (opts.file !== undefined) table.file = opts.file;
    state.tables.push(table);
    state.open = {
      table,
      backend: state.info.backend,
      rules: new TableRules(opts.family, name, opts.file, state.dumpErrors, state.text),
      last: undefined,
    };
    return;
  }
  const open = state.open;
  if (line === 'COMMIT') {
    if (!open) {
      errors.push({ line: lineNo, message: 'COMMIT outside a table' });
      return;
    }
    open.table.committed = true;
    closeTable(state, lineNo, '');
    return;
  }
  if (!open) {
    errors.push({ line: lineNo, message: `line outside a table (no *table before it): ${truncate(line)}` });
    return;
  }
  if (line.startsWith(':')) {
    declareChain(open, line, lineNo, errors);
    return;
  }
  command(open, line, lineNo, errors);
}

function readComment(line: string, info: SourceInfo): void {
  const gen = /^#\s*Generated by (\S+ v[\w.-]+)(?: \(([\w-]+)\))?/.exec(line);
  if (gen) {
    info.generator = gen[2] ? `${gen[1]} (${gen[2]})` : (gen[1] as string);
    // iptables 1.8 prints "(nf_tables)" or "(legacy)"; the legacy binaries also print nothing.
    info.backend = gen[2] === 'nf_tables' ? 'nf_tables' : gen[2] === undefined || gen[2] === 'legacy' ? 'legacy' : 'unknown';
    return;
  }
  if (/^#\s*Warning:/i.test(line)) info.warnings.push(line.replace(/^#\s*/, ''));
}

function newChain(open: OpenTable, name: string, lineNo: number | undefined): ChainText {
  // Its rules are held as text until read (chain-rules.ts): born with the accessor for them.
  const chain = newHeldChain(name, open.table.family, open.table.name, lineNo);
  open.table.chains.push(chain);
  return open.rules.addChain(chain);
}

function declareChain(open: OpenTable, line: string, lineNo: number, errors: ParseError[]): void {
  const m = /^:(\S+)\s+(\S+)(?:\s+(\[\d+:\d+\]))?\s*$/.exec(line);
  if (!m) {
    errors.push({ line: lineNo, message: `bad chain declaration ${JSON.stringify(truncate(line))}` });
    return;
  }
  declare(open, m[1] as string, m[2] as string, lineNo, errors);
}

/** How iptables-save ends a user chain's declaration: no policy, zero counters. */
const PLAIN_DECLARATION_END = ' - [0:0]';

/**
 * `:NAME - [0:0]` at START..END of the dump, NAME without blanks (most lines of a kube-proxy dump
 * but its rules): declared without cutting out the line or running declareChain's expression.
 * false for any other line.
 */
function plainDeclaration(open: OpenTable, text: string, start: number, end: number, lineNo: number, errors: ParseError[]): boolean {
  const nameEnd = end - PLAIN_DECLARATION_END.length;
  if (nameEnd <= start + 1 || !text.startsWith(PLAIN_DECLARATION_END, nameEnd)) return false;
  // Any blank or non-ASCII character in the name: declareChain's \S decides.
  for (let i = start + 1; i < nameEnd; i++) if (maybeSpace(text.charCodeAt(i))) return false;
  declare(open, text.slice(start + 1, nameEnd), '-', lineNo, errors);
  return true;
}

function declare(open: OpenTable, name: string, policy: string, lineNo: number, errors: ParseError[]): void {
  if (open.rules.has(name)) {
    errors.push({ line: lineNo, message: `chain ${name} declared twice` });
    return;
  }
  const builtin = builtinChain(open.table.name, name, open.backend);
  const chain = newChain(open, name, lineNo).chain;
  if (builtin) {
    if (policy !== 'ACCEPT' && policy !== 'DROP')
      errors.push({ line: lineNo, message: `built-in chain ${name} needs policy ACCEPT or DROP, not ${policy}; read as ACCEPT` });
    chain.base = {
      type: builtin.type,
      hook: builtin.hook,
      priority: builtin.priority,
      policy: policy === 'DROP' ? 'drop' : 'accept',
      priorityImplicit: true,
    };
    if (policy !== 'ACCEPT' && policy !== 'DROP') chain.base.policyImplicit = true;
  } else if (policy !== '-') {
    errors.push({ line: lineNo, message: `user chain ${name} cannot have policy ${policy}` });
  }
}

function chainFor(open: OpenTable, name: string, lineNo: number, errors: ParseError[]): ChainText {
  const existing = open.rules.get(name);
  if (existing) return existing;
  const builtin = builtinChain(open.table.name, name, open.backend);
  const text = newChain(open, name, undefined);
  const chain = text.chain;
  if (builtin) {
    // iptables-restore input may use a built-in chain without declaring it; its policy is then
    // whatever the kernel had, ACCEPT on a fresh table.
    chain.base = { type: builtin.type, hook: builtin.hook, priority: builtin.priority, policy: 'accept', priorityImplicit: true, policyImplicit: true };
  } else {
    errors.push({ line: lineNo, message: `chain ${name} used before it was declared` });
  }
  return text;
}

/** CHAIN of `-A CHAIN …` when the name is plain (unquoted); undefined for any other line. */
function appendedChain(line: string): string | undefined {
  const n = line.length;
  if (n < 4 || line.charCodeAt(0) !== 45 || line.charCodeAt(1) !== 65 || !isBlank(line.charCodeAt(2))) return undefined;
  let i = 3;
  while (i < n && isBlank(line.charCodeAt(i))) i++;
  const start = i;
  for (; i < n; i++) {
    const c = line.charCodeAt(i);
    if (isBlank(c)) break;
    // A quote in the name: the tokenizer's rules apply.
    if (c === 34) return undefined;
  }
  return i > start ? line.slice(start, i) : undefined;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * A `-A CHAIN …` line at START..END of the dump (trimmed already) in its plainest form — one space
 * after -A, a name without blanks or quotes, then a space or the end — held for its chain as
 * offsets. false for any other line: command() reads it, which gives a plain line the same hold.
 */
function plainAppend(open: OpenTable, text: string, start: number, end: number, lineNo: number, errors: ParseError[]): boolean {
  if (end - start < 4 || text.charCodeAt(start + 1) !== 65 || text.charCodeAt(start + 2) !== 32) return false;
  const from = start + 3;
  let chain = open.last;
  if (chain === undefined || !named(text, from, end, chain)) {
    // iptables-save lists the chains' rules in the order it declared the chains: a chain's
    // first rule is most often the next chain's. Else the name is cut out and looked up.
    const next = chain === undefined ? undefined : open.rules.after(chain);
    if (next !== undefined && named(text, from, end, next)) chain = next;
    else chain = undefined;
  }
  if (chain === undefined) {
    let to = text.indexOf(' ', from);
    if (to < 0 || to > end) to = end;
    if (to === from) return false;
    const name = text.slice(from, to);
    // A tab or \r ends the name earlier, a quote is the tokenizer's: command() reads those.
    if (!isPlainName(name)) return false;
    chain = chainFor(open, name, lineNo, errors);
  }
  open.last = chain;
  chain.push(start, end, lineNo, open.rules.chainCount, errors.length);
  return true;
}

/** Whether the line's chain name, at FROM of a line that ends at END, is CHAIN's (followed by a space, or the end). */
function named(text: string, from: number, end: number, chain: ChainText): boolean {
  const name = chain.chain.name;
  const at = from + name.length;
  return chain.plainName && at <= end && (at === end || text.charCodeAt(at) === 32) && text.startsWith(name, from);
}

/** Whether trim() may drop character C (every code it drops is a control code, a space or above 0x7f). */
function maybeSpace(c: number): boolean {
  return c <= 32 || c >= 127;
}

function command(open: OpenTable, line: string, lineNo: number, errors: ParseError[]): void {
  // `-A CHAIN …`, kept for its chain without being split.
  const appendTo = appendedChain(line);
  if (appendTo !== undefined) {
    const chain = chainFor(open, appendTo, lineNo, errors);
    chain.insert({ line, lineNo, tokens: undefined, argsFrom: 2, chainsKnown: open.rules.chainCount, errorsBefore: errors.length }, chain.count);
    return;
  }
  const tok = tokenize(line);
  const tokens: Token[] = tok.tokens;
  // `[packets:bytes] -A …` (iptables-save -c): skip the counters, never copy the token list.
  const first = tokens[0];
  const at = first && !first.quoted && first.text.charCodeAt(0) === 91 && COUNTERS.test(first.text) ? 1 : 0;
  const cmd = tokens[at]?.text ?? '';
  switch (cmd) {
    case '-A':
    case '--append':
    case '-I':
    case '--insert': {
      const chainName = tokens[at + 1]?.text;
      if (chainName === undefined || chainName === '') {
        errors.push({ line: lineNo, message: `${cmd} without a chain name` });
        return;
      }
      const chain = chainFor(open, chainName, lineNo, errors);
      const count = chain.count;
      let argsFrom = at + 2;
      let position = count;
      if (cmd === '-I' || cmd === '--insert') {
        position = 0;
        const n = tokens[at + 2];
        if (n && !n.quoted && /^\d+$/.test(n.text)) {
          position = Math.min(Math.max(Number(n.text) - 1, 0), count);
          argsFrom = at + 3;
        }
      }
      chain.insert({ line, lineNo, tokens: tok, argsFrom, chainsKnown: open.rules.chainCount, errorsBefore: errors.length }, position);
      return;
    }
    case '-N':
    case '--new-chain': {
      const name = tokens[at + 1]?.text;
      if (!name) errors.push({ line: lineNo, message: '-N without a chain name' });
      else if (open.rules.has(name)) errors.push({ line: lineNo, message: `chain ${name} declared twice` });
      else newChain(open, name, lineNo);
      return;
    }
    case '-P':
    case '--policy': {
      const name = tokens[at + 1]?.text ?? '';
      const policy = tokens[at + 2]?.text ?? '';
      const chain = open.rules.get(name)?.chain ?? (builtinChain(open.table.name, name) ? chainFor(open, name, lineNo, errors).chain : undefined);
      if (!chain?.base || (policy !== 'ACCEPT' && policy !== 'DROP')) {
        errors.push({ line: lineNo, message: `bad policy command: ${truncate(line)}` });
        return;
      }
      chain.base.policy = policy === 'DROP' ? 'drop' : 'accept';
      delete chain.base.policyImplicit;
      return;
    }
    default:
      errors.push({ line: lineNo, message: `unrecognised line: ${truncate(line)}` });
  }
}
