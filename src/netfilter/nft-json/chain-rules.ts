import type { Chain, Match, NamedSet, ParseError, Rule, RuleOrigin, Table, Verdict } from '../model.js';
import { interleave, type LateErrors } from '../late-errors.js';
import type { PendingRules, RuleKeys } from '../pending-rules.js';
import { brief, num, str, type JsonObject } from './json.js';
import { jsonKeys } from './json-keys.js';
import { printRule } from './print.js';
import type { SetMakers } from './set-makers.js';
import { decodeRuleExpr } from './statements.js';
import { impliedByReject, keyOfRule, mayHideFamily, type FamilyMatchesByRule } from './hidden-family.js';

/**
 * The rules of `nft -j` decoded when first read, as iptables-save rules are (see
 * ../iptables-save/chain-rules.ts): a chain's `rules` decode them all, the simulator one at a
 * time, skipping the rules whose keys (read from their JSON, json-keys.ts) the packet lacks.
 * The scan (parse.ts) still reads every object and reports every error it can see without
 * decoding; what decoding a rule reports is put back where the whole parse reported it, so
 * `ParseResult.errors` is the same list in the same order whenever rules are decoded.
 */

export interface PendingNftRule {
  /** Index in the `nftables` array, which messages name. */
  index: number;
  body: JsonObject;
  /** How many errors the scan had reported after this rule: its decoding problems come next. */
  errorsBefore: number;
}

/**
 * The parse's errors. The whole parse reported, in order: the scan's, each rule's decoding
 * problems after the scan's errors for that rule, then the set and map references no rule could
 * resolve, by table, chain and rule.
 */
export class NftErrors {
  readonly scan: ParseError[] = [];
  private readonly decoding: LateErrors[] = [];
  private readonly references: { order: readonly number[]; errors: ParseError[] }[] = [];

  addDecoding(rule: PendingNftRule, errors: ParseError[]): void {
    this.decoding.push({ errorsBefore: rule.errorsBefore, at: rule.index, errors });
  }

  addReferences(order: readonly number[], errors: ParseError[]): void {
    this.references.push({ order, errors });
  }

  merged(): ParseError[] {
    const out = interleave(this.scan, this.decoding);
    const references = this.references.slice().sort((a, b) => compareOrder(a.order, b.order));
    for (const r of references) out.push(...r.errors);
    return out;
  }
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** What decoding a rule needs from the rest of the parse. */
export interface NftRuleContext {
  file: string | undefined;
  errors: NftErrors;
  tables: readonly Table[];
  familyMatches: FamilyMatchesByRule | undefined;
  /** The table's statements that make run-time set elements (absent: none are known). */
  setMakers?: SetMakers;
}

/** One chain's rule objects, and those decoded so far. */
export class ChainJson implements PendingRules {
  private readonly entries: PendingNftRule[] = [];
  private readonly decoded: (Rule | undefined)[] = [];

  constructor(
    private readonly context: NftRuleContext,
    readonly table: Table,
    private readonly chain: Chain,
  ) {}

  get count(): number {
    return this.entries.length;
  }

  add(rule: PendingNftRule): void {
    this.entries.push(rule);
  }

  keys(i: number): RuleKeys | undefined {
    return jsonKeys((this.entries[i] as PendingNftRule).body.expr);
  }

  mayTranslate(i: number, isLocal: (address: string) => boolean): boolean {
    const expr = (this.entries[i] as PendingNftRule).body.expr;
    if (!Array.isArray(expr)) return true;
    for (const s of expr) {
      if (s === null || typeof s !== 'object' || 'redirect' in s) return true;
      if ('dnat' in s) {
        const addr = (s as { dnat?: { addr?: unknown } }).dnat?.addr;
        return typeof addr !== 'string' || isLocal(addr);
      }
    }
    return false;
  }

  rule(i: number): Rule {
    let rule = this.decoded[i];
    if (!rule) this.decoded[i] = rule = this.decodeSafely(this.entries[i] as PendingNftRule, i + 1);
    return rule;
  }

  /** A bug in decoding must not take the audit down: the rule is kept, unknowable, and the error reported. */
  private decodeSafely(entry: PendingNftRule, position: number): Rule {
    try {
      return this.decode(entry, position);
    } catch (error) {
      const reason = `internal error: ${(error as Error).message}`;
      this.context.errors.addDecoding(entry, [{ message: `nftables[${entry.index}] (rule): ${reason}` }]);
      const text = brief(entry.body.expr);
      const origin = ruleOrigin(this.table.family, this.table.name, this.chain.name, position, text, this.context.file, num(entry.body.handle));
      return { matches: [{ kind: 'unsupported', text, reason }], effects: [], verdict: { kind: 'unsupported', text, reason }, origin };
    }
  }

  private decode(entry: PendingNftRule, position: number): Rule {
    const { body, index } = entry;
    const { family, name: tableName } = this.table;
    const decoded = decodeRuleExpr(body.expr);
    if (decoded.problems.length > 0) {
      this.context.errors.addDecoding(
        entry,
        decoded.problems.map((p) => ({ message: `nftables[${index}]: ${p}` })),
      );
    }
    const comment = str(body.comment);
    const restored = [...this.hiddenFamily(body), ...impliedByReject(family, body.expr), ...decoded.matches];
    const matches: Match[] = comment === undefined ? restored : [{ kind: 'comment', text: comment }, ...restored];
    const text = printRule(body.expr) + (comment !== undefined ? ` comment ${JSON.stringify(comment)}` : '');
    const origin = ruleOrigin(family, tableName, this.chain.name, position, text, this.context.file, num(body.handle));
    const rule: Rule =
      comment === undefined
        ? { matches, effects: decoded.effects, verdict: decoded.verdict, origin }
        : { matches, effects: decoded.effects, verdict: decoded.verdict, origin, comment };
    this.resolveReferences(rule);
    return rule;
  }

  /** The family matches the listing dropped and the bytecode shows (hidden-family.ts). */
  private hiddenFamily(body: JsonObject): readonly Match[] {
    const known = this.context.familyMatches;
    if (!known || !mayHideFamily(this.table.family, body.expr)) return [];
    const key = keyOfRule(body);
    return (key === undefined ? undefined : known.get(key)) ?? [];
  }

  /** Copies named set and map contents into the rule's matches and verdict. */
  private resolveReferences(rule: Rule): void {
    const errors: ParseError[] = [];
    const sets = setsOf(this.table);
    const where = `${this.table.family} ${this.table.name} ${this.chain.name} rule ${rule.origin.index}`;
    const scope = `${this.table.family} ${this.table.name}`;
    for (const m of rule.matches) {
      if (m.kind === 'dynset') {
        // A meter makes its set; a set statement names one the table declares.
        if (!m.text.startsWith('meter ') && !sets.has(m.set)) errors.push({ message: `${where}: set @${m.set} not found` });
        m.setId = `${scope} ${m.set}`;
        const others = m.op === 'delete' ? undefined : this.context.setMakers?.othersThan(this.table, m);
        if (others) m.otherMakers = others;
        continue;
      }
      if (m.kind !== 'set' || m.name === undefined) continue;
      m.setId = `${scope} ${m.name}`;
      const set = sets.get(m.name);
      if (!set || set.map !== undefined) {
        errors.push({ message: `${where}: set @${m.name} not found` });
        m.dynamic = true;
        m.missing = true;
        continue;
      }
      m.elements = set.elements;
      m.dynamic = set.dynamic;
    }
    const v = rule.verdict;
    if (v.kind === 'dnat' || v.kind === 'snat') {
      for (const m of [v.addrMap, v.portMap]) {
        if (!m || m.map === undefined) continue;
        const map = sets.get(m.map);
        if (!map || map.map === undefined || map.map === 'verdict' || !map.dataValues) {
          errors.push({ message: `${where}: map @${m.map} not found` });
          m.dynamic = true;
          m.missing = true;
          continue;
        }
        m.elements = map.elements;
        m.data = map.dataValues;
        m.dynamic = map.dynamic;
      }
    }
    if (v.kind === 'vmap' && v.map !== undefined) {
      const map = sets.get(v.map);
      if (!map || map.map !== 'verdict' || !map.data) {
        errors.push({ message: `${where}: verdict map @${v.map} not found` });
        v.dynamic = true;
        v.missing = true;
      } else {
        v.dynamic = map.dynamic;
        v.elements = map.elements.map((key, i) => ({ key, verdict: map.data?.[i] as Verdict }));
      }
    }
    if (errors.length > 0) {
      const order = [this.context.tables.indexOf(this.table), this.table.chains.indexOf(this.chain), rule.origin.index];
      this.context.errors.addReferences(order, errors);
    }
  }
}

/** A table's named sets and maps by name (of two with one name, the last, as before). */
const setsByTable = new WeakMap<Table, Map<string, NamedSet>>();

function setsOf(table: Table): Map<string, NamedSet> {
  let sets = setsByTable.get(table);
  if (!sets) setsByTable.set(table, (sets = new Map(table.sets.map((s) => [s.name, s]))));
  return sets;
}

/**
 * A rule's origin as one literal per combination of the optional keys (in the order they were
 * always added: file, then handle): a key added to an object afterwards moves its properties out
 * of line, one more allocation for each of a large ruleset's rules.
 */
function ruleOrigin(
  family: Table['family'],
  table: string,
  chain: string,
  index: number,
  text: string,
  file: string | undefined,
  handle: number | undefined,
): RuleOrigin {
  if (file === undefined)
    return handle === undefined ? { source: 'nft', family, table, chain, index, text } : { source: 'nft', family, table, chain, index, text, handle };
  return handle === undefined ? { source: 'nft', family, table, chain, index, text, file } : { source: 'nft', family, table, chain, index, text, file, handle };
}
