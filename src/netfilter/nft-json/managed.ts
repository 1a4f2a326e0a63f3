import { builtinChain, isXtablesTable } from '../builtins.js';
import type { Table } from '../model.js';

/**
 * Is this nft table one that iptables-nft wrote? nft's JSON carries no owner flag (nft 1.0.6
 * prints "table ip filter is managed by iptables-nft" on stderr only), so:
 *
 *  1. family `ip` or `ip6` and name raw/mangle/nat/filter/security — the xtables table names; and
 *  2. either some rule uses an `xt` expression (only iptables-nft emits those), or the table has
 *     base chains and every one is an iptables built-in of that table (INPUT, FORWARD, … in upper
 *     case) on its standard hook and priority — what iptables-nft creates.
 *
 * A hand-written `table ip filter { chain input { … } }` (lower-case names, as in nft examples)
 * stays native. Known misreads: a native table that copies iptables' upper-case names and
 * priorities exactly and uses no xt is reported as managed; an iptables-nft table with only user
 * chains and no xt is reported native (without base chains it filters nothing either way).
 */
export function classifyIptablesManaged(table: Table, xtExpressions: number): { managed: boolean; reason?: string } {
  if ((table.family !== 'ip' && table.family !== 'ip6') || !isXtablesTable(table.name)) return { managed: false };
  if (xtExpressions > 0) {
    return { managed: true, reason: `${xtExpressions} rule expression(s) are iptables-nft xt extensions` };
  }
  const bases = table.chains.filter((c) => c.base);
  if (bases.length === 0) return { managed: false };
  const allBuiltin = bases.every((c) => {
    const b = builtinChain(table.name, c.name, 'nf_tables');
    return b !== undefined && c.base !== undefined && b.hook === c.base.hook && b.priority === c.base.priority;
  });
  if (!allBuiltin) return { managed: false };
  return {
    managed: true,
    reason: `base chains ${bases.map((c) => c.name).join(', ')} are the iptables built-ins of table ${table.name} at standard priorities`,
  };
}
