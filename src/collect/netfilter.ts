import type { Collected, NetfilterState } from '../snapshot/types.js';
import { ok, readText, run, unavailable } from './host.js';
import { anyRuleMayHideFamily } from '../netfilter/nft-json/hidden-family.js';
import type { ScriptReads } from './script/declare.js';

/** Raw netfilter dumps; the parsers in src/netfilter/ read them during analysis. */

export function backendFromVersion(text: string): NetfilterState['backend'] {
  if (/\(nf_tables\)/.test(text)) return 'nft';
  if (/\(legacy\)/.test(text)) return 'legacy';
  return 'unknown';
}

/** A kube-proxy-sized ruleset (100k rules) takes iptables-save 10-15 s to print on a busy host. */
const DUMP_TIMEOUT_MS = 30_000;

async function nftRuleset(): Promise<Collected<unknown>> {
  const result = await run('nft', ['-j', 'list', 'ruleset'], { timeoutMs: DUMP_TIMEOUT_MS });
  if (result.status !== 'ok') return result;
  try {
    return ok(JSON.parse(result.data));
  } catch (error) {
    return unavailable('error', `nft -j list ruleset printed invalid JSON: ${(error as Error).message}`);
  }
}

/** The bytecode, only where the JSON listing may have dropped a family match (hidden-family.ts). */
async function nftNetlink(json: Collected<unknown>): Promise<Collected<string> | undefined> {
  if (json.status !== 'ok' || !anyRuleMayHideFamily(json.data)) return undefined;
  return run('nft', ['--debug=netlink', 'list', 'ruleset'], { timeoutMs: DUMP_TIMEOUT_MS });
}

export async function collectNetfilter(): Promise<NetfilterState> {
  const [version, iptablesSave, ip6tablesSave, nft, ipsetSave] = await Promise.all([
    run('iptables', ['-V']),
    run('iptables-save', [], { timeoutMs: DUMP_TIMEOUT_MS }),
    run('ip6tables-save', [], { timeoutMs: DUMP_TIMEOUT_MS }),
    nftRuleset(),
    run('ipset', ['save'], { timeoutMs: DUMP_TIMEOUT_MS }),
  ]);
  const backend = version.status === 'ok' ? backendFromVersion(version.data) : 'unknown';
  const state: NetfilterState = { backend, iptablesSave, ip6tablesSave, nftRuleset: nft, ipsetSave };
  const netlink = await nftNetlink(nft);
  if (netlink) state.nftNetlink = netlink;
  if (version.status === 'ok') state.iptablesVersion = version.data.trim();
  // Legacy x_tables beside nf_tables still hook every packet, so read them too. The kernel lists
  // them per network namespace; iptables-nft only warns about them on stderr.
  if (backend !== 'legacy') {
    const [v4, v6] = await Promise.all([legacyTablesPresent('ip_tables_names'), legacyTablesPresent('ip6_tables_names')]);
    const [legacy4, legacy6] = await Promise.all([
      v4 ? run('iptables-legacy-save', [], { timeoutMs: DUMP_TIMEOUT_MS }) : undefined,
      v6 ? run('ip6tables-legacy-save', [], { timeoutMs: DUMP_TIMEOUT_MS }) : undefined,
    ]);
    if (legacy4) state.iptablesLegacySave = legacy4;
    if (legacy6) state.ip6tablesLegacySave = legacy6;
  }
  return state;
}

async function legacyTablesPresent(procFile: string): Promise<boolean> {
  const names = await readText(`/proc/net/${procFile}`);
  return names.status === 'ok' && names.data.trim() !== '';
}

/** What collectNetfilter reads, for the collection script. */
export const NETFILTER_READS: ScriptReads = {
  commands: [
    { argv: ['iptables', '-V'] },
    { argv: ['iptables-save'], timeoutMs: DUMP_TIMEOUT_MS },
    { argv: ['ip6tables-save'], timeoutMs: DUMP_TIMEOUT_MS },
    { argv: ['nft', '-j', 'list', 'ruleset'], timeoutMs: DUMP_TIMEOUT_MS },
    // The script cannot look into the JSON first, so it always takes the bytecode (0.3 s per 10k rules); collectNetfilter keeps it only when a rule needs it.
    { argv: ['nft', '--debug=netlink', 'list', 'ruleset'], timeoutMs: DUMP_TIMEOUT_MS },
    { argv: ['ipset', 'save'], timeoutMs: DUMP_TIMEOUT_MS },
    { argv: ['iptables-legacy-save'], timeoutMs: DUMP_TIMEOUT_MS, ifNonEmpty: '/proc/net/ip_tables_names' },
    { argv: ['ip6tables-legacy-save'], timeoutMs: DUMP_TIMEOUT_MS, ifNonEmpty: '/proc/net/ip6_tables_names' },
  ],
  files: ['/proc/net/ip_tables_names', '/proc/net/ip6_tables_names'],
};
