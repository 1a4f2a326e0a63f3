import type { Chain, ChainType, Family, Hook, Key, NamedSet, ParseError, ParseResult, SourceInfo, Table, Value, Verdict } from '../model.js';
import { holdPendingRules, newHeldChain } from '../pending-rules.js';
import { ChainJson, NftErrors } from './chain-rules.js';
import type { FamilyMatchesByRule } from './hidden-family.js';
import { decodeElement } from './expressions.js';
import { brief, isObject, num, single, str, strList, type JsonObject } from './json.js';
import { classifyIptablesManaged } from './managed.js';
import { SetMakers } from './set-makers.js';
import { decodeVerdict } from './statements.js';

/**
 * `nft -j list ruleset` (libnftables-json(5)) into the neutral model. Accepts the parsed JSON
 * or its text. Objects are read in any order; set and map references are resolved once all are
 * read. Never throws: each bad object is reported (by its index in the `nftables` array, since
 * JSON has no useful line numbers) and skipped or kept as `unsupported`. Rules are decoded when
 * first read (chain-rules.ts); reading `errors` decodes every rule that is left.
 */

export interface NftJsonOptions {
  file?: string;
  /**
   * `family name` of every table an iptables-save parse supplied. mergeRulesets drops an nft
   * table that iptables-nft manages when iptables-save gave the same table, so such a table's
   * rules are not even held for decoding: the result holds that table with its chains but
   * without rules (their xt expressions are counted for the classification, and reading
   * `errors` still decodes them for what they report). Pass this only when the result is merged
   * with those iptables-save parses.
   */
  tablesFromIptables?: ReadonlySet<string>;
  /**
   * The family matches of each rule's bytecode (nft-netlink.ts), put back into the rules whose
   * listing may have dropped them (hidden-family.ts).
   */
  familyMatches?: FamilyMatchesByRule;
}

const FAMILIES: readonly Family[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];
const HOOKS: readonly Hook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress'];
const CHAIN_TYPES: readonly ChainType[] = ['filter', 'nat', 'route'];
/** Objects that carry no packet-path logic of their own (helpers are referenced by `ct helper set`). */
const IGNORED_OBJECTS = new Set([
  'metainfo',
  'ct helper',
  'ct timeout',
  'ct expectation',
  'flowtable',
  'counter',
  'quota',
  'limit',
  'secmark',
  'synproxy',
  'element',
]);

interface State {
  opts: NftJsonOptions;
  info: SourceInfo;
  tables: Table[];
  byTable: Map<string, Table>;
  byChain: Map<string, Chain>;
  xtCount: Map<Table, number>;
  /** The scan's errors (nftErrors.scan). */
  errors: ParseError[];
  nftErrors: NftErrors;
  /** Each chain's rules, held as JSON until read. */
  held: Map<Chain, ChainJson>;
  /** Per table, the statements that may add to a run-time set (see SetMakers, scanStatements). */
  setWriters: Map<Table, unknown[]>;
  makers?: SetMakers;
  /** The tables NftJsonOptions.tablesFromIptables names, as they are created. */
  twins: Set<Table>;
  /** readRule's last lookup (ruleChain). */
  lastRuleChain?: { family: Family; tableName: string; chainName: string; table: Table; chain: Chain };
}

function tableKey(family: string, name: string): string {
  return `${family}\u0000${name}`;
}

export function parseNftJson(json: unknown, opts: NftJsonOptions = {}): ParseResult {
  const info: SourceInfo = { source: 'nft', warnings: [] };
  if (opts.file !== undefined) info.file = opts.file;
  const nftErrors = new NftErrors();
  const state: State = {
    opts,
    info,
    tables: [],
    byTable: new Map(),
    byChain: new Map(),
    xtCount: new Map(),
    errors: nftErrors.scan,
    nftErrors,
    held: new Map(),
    setWriters: new Map(),
    twins: new Set(),
  };
  try {
    let doc = json;
    if (typeof json === 'string') {
      try {
        doc = JSON.parse(json) as unknown;
      } catch (error) {
        state.errors.push({ message: `not JSON: ${(error as Error).message}` });
        return result(state);
      }
    }
    const list = isObject(doc) ? doc.nftables : undefined;
    if (!Array.isArray(list)) {
      state.errors.push({ message: 'expected {"nftables": [...]} at the top level' });
      return result(state);
    }
    const rules: [number, unknown][] = [];
    list.forEach((item, index) => {
      const kv = single(item);
      if (!kv) {
        state.errors.push({ message: `nftables[${index}]: expected an object with one key, got ${brief(item, 80)}` });
        return;
      }
      const [kind, body] = kv;
      try {
        switch (kind) {
          case 'metainfo':
            if (isObject(body) && typeof body.version === 'string') info.generator = `nft ${body.version}`;
            break;
          case 'table':
            readTable(state, body, index);
            break;
          case 'chain':
            readChain(state, body, index);
            break;
          case 'set':
          case 'map':
            readSet(state, body, index, kind);
            break;
          case 'rule':
            // Rules last: their chain may be listed after them in hand-made input.
            rules.push([index, body]);
            break;
          default:
            if (!IGNORED_OBJECTS.has(kind)) state.errors.push({ message: `nftables[${index}]: unknown object "${kind}"` });
        }
      } catch (error) {
        state.errors.push({ message: `nftables[${index}] (${kind}): internal error: ${(error as Error).message}` });
      }
    });
    for (const [index, body] of rules) {
      try {
        readRule(state, body, index);
      } catch (error) {
        state.errors.push({ message: `nftables[${index}] (rule): internal error: ${(error as Error).message}` });
      }
    }
    for (const table of state.tables) {
      const m = classifyIptablesManaged(table, state.xtCount.get(table) ?? 0);
      table.managedByIptables = m.managed;
      if (m.reason !== undefined) table.managedReason = m.reason;
    }
    holdRules(state);
  } catch (error) {
    state.errors.push({ message: `internal error while parsing: ${(error as Error).message}` });
  }
  return result(state);
}

function result(state: State): ParseResult {
  let errors: ParseError[] | undefined;
  return {
    ruleset: { tables: state.tables, sources: [state.info] },
    structureErrors: state.errors,
    get errors(): ParseError[] {
      if (!errors) {
        // What decoding reports: decode the rules nothing has read yet (also those of tables
        // left without rules, see holdRules).
        for (const held of state.held.values()) for (let i = 0; i < held.count; i++) held.rule(i);
        errors = state.nftErrors.merged();
      }
      return errors;
    },
  };
}

function familyOf(body: JsonObject, index: number, state: State): Family | undefined {
  const f = str(body.family);
  if (f !== undefined && (FAMILIES as readonly string[]).includes(f)) return f as Family;
  state.errors.push({ message: `nftables[${index}]: unknown family ${brief(body.family, 40)}` });
  return undefined;
}

function getTable(state: State, family: Family, name: string, index: number, create: boolean): Table | undefined {
  const existing = state.byTable.get(tableKey(family, name));
  if (existing || !create) return existing;
  if (index >= 0) state.errors.push({ message: `nftables[${index}]: table ${family} ${name} used before it was listed` });
  const table: Table = { family, name, source: 'nft', managedByIptables: false, chains: [], sets: [] };
  if (state.opts.file !== undefined) table.file = state.opts.file;
  state.tables.push(table);
  state.byTable.set(tableKey(family, name), table);
  if (state.opts.tablesFromIptables?.has(`${family} ${name}`)) state.twins.add(table);
  return table;
}

function readTable(state: State, body: unknown, index: number): void {
  if (!isObject(body)) return void state.errors.push({ message: `nftables[${index}]: malformed table` });
  const family = familyOf(body, index, state);
  const name = str(body.name);
  if (!family || name === undefined) {
    if (name === undefined) state.errors.push({ message: `nftables[${index}]: table without a name` });
    return;
  }
  const table = getTable(state, family, name, -1, true) as Table;
  const handle = num(body.handle);
  if (handle !== undefined) table.handle = handle;
}

function readChain(state: State, body: unknown, index: number): void {
  if (!isObject(body)) return void state.errors.push({ message: `nftables[${index}]: malformed chain` });
  const family = familyOf(body, index, state);
  const tableName = str(body.table);
  const name = str(body.name);
  if (!family || tableName === undefined || name === undefined) {
    if (family) state.errors.push({ message: `nftables[${index}]: chain without table or name` });
    return;
  }
  const table = getTable(state, family, tableName, index, true) as Table;
  const key = `${tableKey(family, tableName)}\u0000${name}`;
  if (state.byChain.has(key)) return void state.errors.push({ message: `nftables[${index}]: chain ${name} listed twice in ${family} ${tableName}` });
  // Its rules are held until read (holdRules): born with the accessor for them. A table that
  // iptables-save also gave is all but always one iptables-nft manages, which holdRules leaves
  // without rules: its chains are born plain, with none (a kube-proxy host lists thousands, and
  // the accessor costs a runtime call each); holdPendingRules gives one the accessor if the table
  // turns out to be kept.
  const chain = state.twins.has(table) ? ({ name, family, table: tableName, rules: [] } as Chain) : newHeldChain(name, family, tableName);
  const handle = num(body.handle);
  if (handle !== undefined) chain.handle = handle;
  if (body.hook !== undefined) {
    const hook = str(body.hook);
    const type = str(body.type) ?? 'filter';
    const prio = num(body.prio);
    if (hook === undefined || !(HOOKS as readonly string[]).includes(hook) || !(CHAIN_TYPES as readonly string[]).includes(type)) {
      state.errors.push({
        message: `nftables[${index}]: chain ${name}: unknown hook ${brief(body.hook, 40)} or type ${brief(body.type, 40)}; read as a regular chain`,
      });
    } else {
      if (prio === undefined) state.errors.push({ message: `nftables[${index}]: base chain ${name} has no numeric prio; read as 0` });
      const policy = str(body.policy) ?? 'accept';
      if (policy !== 'accept' && policy !== 'drop')
        state.errors.push({ message: `nftables[${index}]: chain ${name}: unknown policy ${policy}; read as accept` });
      chain.base = { type: type as ChainType, hook: hook as Hook, priority: prio ?? 0, policy: policy === 'drop' ? 'drop' : 'accept' };
      if (body.policy === undefined) chain.base.policyImplicit = true;
      const dev = str(body.dev) ?? str(body.device);
      if (dev !== undefined) chain.base.device = dev;
    }
  }
  table.chains.push(chain);
  state.byChain.set(key, chain);
}

/** Element values of a named set or map; verdict-map data decoded as verdicts. */
function readSet(state: State, body: unknown, index: number, kind: 'set' | 'map'): void {
  if (!isObject(body)) return void state.errors.push({ message: `nftables[${index}]: malformed ${kind}` });
  const family = familyOf(body, index, state);
  const tableName = str(body.table);
  const name = str(body.name);
  if (!family || tableName === undefined || name === undefined) {
    if (family) state.errors.push({ message: `nftables[${index}]: ${kind} without table or name` });
    return;
  }
  const table = getTable(state, family, tableName, index, true) as Table;
  const type = strList(body.type);
  const flags = strList(body.flags);
  const mapType = kind === 'map' ? strList(body.map).join(' . ') || 'unknown' : undefined;
  const keyHints: (Key | undefined)[] = type.map((t) => (t === 'ifname' ? 'iifname' : undefined));
  const elements: Value[][] = [];
  const data: (Verdict | Value)[] = [];
  const dataValues: Value[][] = [];
  const raw = Array.isArray(body.elem) ? body.elem : [];
  let bad = 0;
  for (const e of raw) {
    if (kind === 'map') {
      if (!Array.isArray(e) || e.length !== 2) {
        bad++;
        continue;
      }
      const key = decodeElement(e[0], keyHints);
      const whole = mapType === 'verdict' ? undefined : decodeElement(e[1], [undefined, undefined]);
      const value = mapType === 'verdict' ? decodeVerdict(e[1]) : whole?.[0];
      if (!key || !value) {
        bad++;
        continue;
      }
      elements.push(key);
      data.push(value);
      if (whole) dataValues.push(whole);
    } else {
      const key = decodeElement(e, keyHints);
      if (!key) bad++;
      else elements.push(key);
    }
  }
  if (bad > 0) state.errors.push({ message: `nftables[${index}]: ${kind} ${name}: ${bad} element(s) not understood` });
  const set: NamedSet = {
    name,
    type,
    flags,
    elements,
    // A set the kernel fills (dynamic, or timeouts with nothing listed) has no knowable contents.
    dynamic: flags.includes('dynamic') || ((flags.includes('timeout') || body.timeout !== undefined) && raw.length === 0) || bad > 0,
  };
  if (mapType !== undefined) {
    set.map = mapType;
    set.data = data;
    if (mapType !== 'verdict') set.dataValues = dataValues;
  }
  if (typeof body.comment === 'string') set.comment = body.comment;
  table.sets.push(set);
}

/**
 * Each chain's rules become readable (decoded when read), but for the tables iptables-save also
 * gave (NftJsonOptions.tablesFromIptables), which mergeRulesets drops: holding a chain's rules
 * has a cost per chain, and a kube-proxy host has thousands of chains there.
 */
function holdRules(state: State): void {
  for (const [chain, held] of state.held) {
    if (held.table.managedByIptables && state.twins.has(held.table)) continue;
    holdPendingRules(chain, held);
  }
}

/**
 * The table and chain a rule goes into (created, with an error, when not listed). nft lists a
 * chain's rules together, so the previous rule's answer is reused when the names repeat: the
 * maps only grow, and the key strings are not built and hashed again per rule.
 */
function ruleChain(state: State, family: Family, tableName: string, chainName: string, index: number): { table: Table; chain: Chain } {
  const last = state.lastRuleChain;
  if (last && last.family === family && last.tableName === tableName && last.chainName === chainName) return last;
  const table = getTable(state, family, tableName, index, true) as Table;
  const key = `${tableKey(family, tableName)}\u0000${chainName}`;
  let chain = state.byChain.get(key);
  if (!chain) {
    state.errors.push({ message: `nftables[${index}]: rule in chain ${chainName} that was not listed` });
    chain = newHeldChain(chainName, family, tableName);
    table.chains.push(chain);
    state.byChain.set(key, chain);
  }
  state.lastRuleChain = { family, tableName, chainName, table, chain };
  return state.lastRuleChain;
}

/**
 * One pass over a rule's statements: counts its `xt` expressions (for classifyIptablesManaged) and
 * keeps those that may add to a run-time set (an `in` test per statement, the rare hit decoded later).
 */
function scanStatements(state: State, table: Table, expr: unknown): void {
  if (!Array.isArray(expr)) return;
  let xt = 0;
  for (const s of expr) {
    if (s === null || typeof s !== 'object') continue;
    // `xt` alone, or a `set`, `map` or `meter` key: one walk over the keys of a JSON object (its own,
    // all enumerable, over a prototype with none), not four megamorphic lookups per statement. An
    // array has `map` (Array.prototype's): it is kept, as the `in` test this replaces kept it.
    let writes = Array.isArray(s);
    if (!writes) {
      let keys = 0;
      let isXt = false;
      for (const k in s) {
        keys++;
        if (k === 'xt') isXt = true;
        else if (k === 'set' || k === 'map' || k === 'meter') writes = true;
      }
      if (isXt && keys === 1) xt++;
    }
    if (!writes) continue;
    let list = state.setWriters.get(table);
    if (!list) state.setWriters.set(table, (list = []));
    list.push(s);
  }
  if (xt > 0) state.xtCount.set(table, (state.xtCount.get(table) ?? 0) + xt);
}

/** One SetMakers per parse, over the writers scanStatements keeps. */
function setMakersOf(state: State): SetMakers {
  return (state.makers ??= new SetMakers(state.setWriters));
}

function readRule(state: State, body: unknown, index: number): void {
  if (!isObject(body)) return void state.errors.push({ message: `nftables[${index}]: malformed rule` });
  const family = familyOf(body, index, state);
  const tableName = str(body.table);
  const chainName = str(body.chain);
  if (!family || tableName === undefined || chainName === undefined) {
    if (family) state.errors.push({ message: `nftables[${index}]: rule without table or chain` });
    return;
  }
  const { table, chain } = ruleChain(state, family, tableName, chainName, index);
  scanStatements(state, table, body.expr);
  let held = state.held.get(chain);
  if (!held) {
    const context = {
      file: state.opts.file,
      errors: state.nftErrors,
      tables: state.tables,
      familyMatches: state.opts.familyMatches,
      setMakers: setMakersOf(state),
    };
    held = new ChainJson(context, table, chain);
    state.held.set(chain, held);
  }
  held.add({ index, body, errorsBefore: state.errors.length });
}
