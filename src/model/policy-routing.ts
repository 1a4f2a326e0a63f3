import type { PolicyRule, Snapshot } from '../snapshot/types.js';

/**
 * Policy routing (`ip rule`). The simulator looks routes up in the main table alone, while the
 * kernel walks the rules; that matters to rp_filter, whose reverse-path lookup follows them (a
 * second uplink whose default route is in its own table, picked by `from ADDR`; Tailscale's
 * table 52). Until the rules are evaluated, a reverse-path drop on a host with rules besides the
 * default three (local, main, default), or whose rules were not read, is not a fact.
 */

const DEFAULTS: Record<4 | 6, Record<number, string>> = {
  4: { 0: 'local', 32766: 'main', 32767: 'default' },
  6: { 0: 'local', 32766: 'main' },
};

function isDefault(r: PolicyRule): boolean {
  const table = DEFAULTS[r.family][r.priority];
  const plain = (r.src === undefined || r.src === 'all') && r.dst === undefined && r.iif === undefined && r.oif === undefined && r.fwmark === undefined;
  return table !== undefined && r.table === table && plain && !r.not && r.action === undefined && r.other === undefined;
}

function describe(r: PolicyRule): string {
  const from = r.src && r.src !== 'all' ? ` from ${r.src}${r.srclen !== undefined ? `/${r.srclen}` : ''}` : ' from all';
  const to = r.dst ? ` to ${r.dst}${r.dstlen !== undefined ? `/${r.dstlen}` : ''}` : '';
  const sel = [
    r.not ? ' not' : '',
    from,
    to,
    r.iif ? ` iif ${r.iif}` : '',
    r.oif ? ` oif ${r.oif}` : '',
    r.fwmark ? ` fwmark ${r.fwmark}${r.fwmask ? `/${r.fwmask}` : ''}` : '',
  ].join('');
  return `${r.priority}:${sel}${r.other ? ` ${r.other.join(' ')}` : ''} ${r.table ? `lookup ${r.table}` : (r.action ?? '')}`.trim();
}

/** Why the reverse-path lookup for `family` cannot be taken from the main table; undefined when it can. */
export function policyRoutingUnmodelled(snapshot: Snapshot, family: 4 | 6): string | undefined {
  const rules = snapshot.network.rules;
  if (!rules) return 'policy routing rules (ip rule) are not in this snapshot (collected by an older clawmoat)';
  if (rules.status !== 'ok') return `policy routing rules could not be read (${rules.detail})`;
  const extra = rules.data.filter((r) => r.family === family && !isDefault(r));
  if (extra.length === 0) return undefined;
  const shown = extra.slice(0, 3).map(describe).join('; ');
  return `policy routing rules are not modelled (ip rule ${shown}${extra.length > 3 ? `; ${extra.length - 3} more` : ''})`;
}
