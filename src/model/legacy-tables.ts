import type { NetfilterState } from '../snapshot/types.js';

/**
 * Legacy x_tables loaded beside nf_tables still hook every packet. The collector reads them
 * (iptables-legacy-save) only when /proc/net/ip{,6}_tables_names lists tables, so a dump that is
 * present but not `ok` means tables exist whose rules were not read: not a fact about the host
 * (as a missing iptables would be) but a missing input, which can decide any cell of its family.
 */
export interface UnreadLegacy {
  family: 4 | 6;
  /** The command that was not read. */
  source: string;
  detail: string;
  advice: string;
}

export function unreadLegacyTables(nf: NetfilterState): UnreadLegacy[] {
  const out: UnreadLegacy[] = [];
  for (const [family, source, proc, dump] of [
    [4, 'iptables-legacy-save', '/proc/net/ip_tables_names', nf.iptablesLegacySave],
    [6, 'ip6tables-legacy-save', '/proc/net/ip6_tables_names', nf.ip6tablesLegacySave],
  ] as const) {
    if (!dump || dump.status === 'ok') continue;
    const missing = dump.reason === 'not-installed';
    out.push({
      family,
      source,
      detail: missing
        ? `legacy iptables tables are loaded (${proc} lists them) but ${source} is not installed, so their rules were not read`
        : `legacy iptables tables are loaded (${proc} lists them) but could not be read: ${dump.detail}`,
      advice: missing
        ? `install ${source} (Debian/Ubuntu: iptables; RHEL/Fedora: iptables-legacy), or run ${source} in the container that loads these tables, then audit again`
        : `fix what stops ${source} from running (run as root), then audit again`,
    });
  }
  return out;
}
