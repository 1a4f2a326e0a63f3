import type { Collected, NetfilterState } from '../snapshot/types.js';
import { ok, run, unavailable } from './host.js';

/** Raw netfilter dumps; the parsers in src/netfilter/ read them during analysis. */

export function backendFromVersion(text: string): NetfilterState['backend'] {
  if (/\(nf_tables\)/.test(text)) return 'nft';
  if (/\(legacy\)/.test(text)) return 'legacy';
  return 'unknown';
}

async function nftRuleset(): Promise<Collected<unknown>> {
  const result = await run('nft', ['-j', 'list', 'ruleset']);
  if (result.status !== 'ok') return result;
  try {
    return ok(JSON.parse(result.data));
  } catch (error) {
    return unavailable('error', `nft -j list ruleset printed invalid JSON: ${(error as Error).message}`);
  }
}

export async function collectNetfilter(): Promise<NetfilterState> {
  const [version, iptablesSave, ip6tablesSave, nft, ipsetSave] = await Promise.all([
    run('iptables', ['-V']),
    run('iptables-save', []),
    run('ip6tables-save', []),
    nftRuleset(),
    run('ipset', ['save']),
  ]);
  const backend = version.status === 'ok' ? backendFromVersion(version.data) : 'unknown';
  const state: NetfilterState = { backend, iptablesSave, ip6tablesSave, nftRuleset: nft, ipsetSave };
  if (version.status === 'ok') state.iptablesVersion = version.data.trim();
  // iptables-nft warns when legacy tables also exist; those rules still run, so read them too.
  if (iptablesSave.status === 'ok' && /iptables-legacy tables present/.test(iptablesSave.data)) {
    state.iptablesLegacySave = await run('iptables-legacy-save', []);
  }
  return state;
}
