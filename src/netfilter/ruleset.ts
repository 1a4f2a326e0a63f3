import type { Chain, ChainType, Family, Hook, PacketFamily, Ruleset, Table } from './model.js';

/** Lookups and assembly over a parsed ruleset, shared by the summary and the simulator. */

export function emptyRuleset(): Ruleset {
  return { tables: [], sources: [] };
}

/**
 * One ruleset from several parses (iptables-save, ip6tables-save, iptables-legacy-save, nft -j).
 * nft tables written by iptables-nft are dropped when an iptables-save parse supplied a table
 * of the same family and name: nft's JSON hides their matches behind opaque `xt` expressions
 * (DESIGN.md: "Rules made by iptables-nft are read from iptables-save").
 */
export function mergeRulesets(parts: readonly Ruleset[]): Ruleset {
  const fromIptables = new Set<string>();
  for (const p of parts) for (const t of p.tables) if (t.source === 'iptables') fromIptables.add(`${t.family} ${t.name}`);
  // nft lists tables in creation order: each nft table's place there, and an iptables-nft
  // table's (not legacy's) that of its nft twin, order equal-priority base chains (Table.registered).
  const registered = new Map<string, number>();
  let n = 0;
  for (const p of parts) {
    for (const t of p.tables) {
      if (t.source !== 'nft') continue;
      if (t.managedByIptables && !registered.has(`${t.family} ${t.name}`)) registered.set(`${t.family} ${t.name}`, n);
      n++;
    }
  }
  n = 0;
  const tables: Table[] = [];
  for (const p of parts) {
    const legacy = p.sources.some((s) => s.backend === 'legacy');
    for (const t of p.tables) {
      if (t.source === 'nft') {
        const rank = n++;
        if (t.managedByIptables && fromIptables.has(`${t.family} ${t.name}`)) continue;
        tables.push(t.registered === undefined ? { ...t, registered: rank } : t);
        continue;
      }
      const twin = legacy ? undefined : registered.get(`${t.family} ${t.name}`);
      tables.push(twin === undefined || t.registered !== undefined ? t : { ...t, registered: twin });
    }
  }
  return { tables, sources: parts.flatMap((p) => p.sources) };
}

/** Tables whose chains see packets of this family (`inet` sees both). */
export function tablesFor(ruleset: Ruleset, family: PacketFamily): Table[] {
  const wanted: readonly Family[] = [family, 'inet'];
  return ruleset.tables.filter((t) => wanted.includes(t.family));
}

/** The table holding this chain object (by identity, else by family/table/name). */
export function tableOf(ruleset: Ruleset, chain: Chain): Table | undefined {
  return (
    ruleset.tables.find((t) => t.chains.includes(chain)) ??
    ruleset.tables.find((t) => t.family === chain.family && t.name === chain.table && t.chains.some((c) => c.name === chain.name))
  );
}

export function findChain(table: Table, name: string): Chain | undefined {
  return table.chains.find((c) => c.name === name);
}

export interface HookChain {
  table: Table;
  chain: Chain;
  priority: number;
}

/**
 * Base chains on one hook for one packet family, in the order the kernel runs them (ascending
 * priority; equal priorities keep ruleset order, which the kernel does not define either).
 */
export function baseChainsOn(ruleset: Ruleset, family: PacketFamily, hook: Hook, type?: ChainType): HookChain[] {
  const out: HookChain[] = [];
  for (const table of tablesFor(ruleset, family)) {
    for (const chain of table.chains) {
      if (!chain.base || chain.base.hook !== hook) continue;
      if (type !== undefined && chain.base.type !== type) continue;
      out.push({ table, chain, priority: chain.base.priority });
    }
  }
  // Array.prototype.sort is stable, so ties keep ruleset order.
  return out.sort((a, b) => a.priority - b.priority);
}
