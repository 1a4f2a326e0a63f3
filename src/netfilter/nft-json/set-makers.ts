import type { DynsetMatch, Match, Table } from '../model.js';
import { setWriterMatch } from './statements.js';

/**
 * Which statements of a table make elements of each run-time set, with which element
 * statements. An element keeps the statements of the statement that made it (the kernel runs
 * them on every later add or update), so a rule's `update @s { … }` is answered by another
 * rule's statements for a client that went through that rule first. Decoded per table on the
 * first question: most rulesets have no set writers, and those that do have few.
 */
export class SetMakers {
  private readonly decoded = new Map<Table, Map<string, DynsetMatch[]>>();

  constructor(private readonly writers: ReadonlyMap<Table, readonly unknown[]>) {}

  /** The makers of SET in TABLE whose element statements differ from M's (none: undefined). */
  othersThan(table: Table, m: DynsetMatch): { stmts: Match[]; text: string }[] | undefined {
    const own = signature(m);
    const seen = new Set([own]);
    const out: { stmts: Match[]; text: string }[] = [];
    for (const w of this.makersOf(table).get(m.set) ?? []) {
      const sig = signature(w);
      if (seen.has(sig)) continue;
      seen.add(sig);
      out.push({ stmts: w.stmts, text: w.text });
    }
    return out.length > 0 ? out : undefined;
  }

  private makersOf(table: Table): Map<string, DynsetMatch[]> {
    let bySet = this.decoded.get(table);
    if (bySet) return bySet;
    bySet = new Map();
    for (const raw of this.writers.get(table) ?? []) {
      const w = setWriterMatch(raw);
      if (w?.kind !== 'dynset' || w.op === 'delete') continue;
      let list = bySet.get(w.set);
      if (!list) bySet.set(w.set, (list = []));
      list.push(w);
    }
    this.decoded.set(table, bySet);
    return bySet;
  }
}

/** The element statements as the kernel would run them (counters are not kept: they never decide). */
function signature(m: DynsetMatch): string {
  return m.stmts.map((s) => ('text' in s ? s.text : s.kind)).join('; ');
}
