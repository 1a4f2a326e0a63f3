import type { NfprotoMatch } from './model.js';
import { ruleKey, type FamilyMatchesByRule } from './nft-json/hidden-family.js';

/**
 * `nft --debug=netlink list ruleset`: each rule's bytecode, as the kernel holds it. Read only for
 * the family matches (`meta load nfproto` / `meta load protocol` compared with a constant) that
 * nft's own listing can drop (nft-json/hidden-family.ts). A rule's block starts with
 * `FAMILY TABLE CHAIN HANDLE [PREVIOUS]` and holds `  [ expression ]` lines; set blocks
 * (`FAMILY TABLE @SET`) and the text listing that follows are ignored.
 */

const HEADER = /^(ip|ip6|inet|arp|bridge|netdev) (\S+) (\S+) (\d+)(?: \d+)?$/;
const LOAD = /^\[ meta load (nfproto|protocol) => reg (\d+) \]$/;
const CMP = /^\[ cmp (eq|neq) reg (\d+) 0x([0-9a-f]{8}) \]$/;

/** NFPROTO_IPV4 / NFPROTO_IPV6, and the ethertypes as the bytecode prints them (network order, little-endian word). */
const NFPROTO: Record<string, 'ip' | 'ip6'> = { '00000002': 'ip', '0000000a': 'ip6' };
const ETHERTYPE: Record<string, 'ip' | 'ip6'> = { '00000008': 'ip', '0000dd86': 'ip6' };

export function parseNetlinkFamilies(text: string): FamilyMatchesByRule {
  const out = new Map<string, NfprotoMatch[]>();
  let key: string | undefined;
  const loaded = new Map<string, 'nfproto' | 'protocol'>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = HEADER.exec(raw);
    if (header) {
      key = ruleKey(header[1]!, header[2]!, header[3]!, Number(header[4]));
      loaded.clear();
      continue;
    }
    if (key === undefined || !line.startsWith('[')) {
      if (line === '') key = undefined;
      continue;
    }
    const load = LOAD.exec(line);
    if (load) {
      loaded.set(load[2]!, load[1] as 'nfproto' | 'protocol');
      continue;
    }
    const cmp = CMP.exec(line);
    if (cmp) {
      const what = loaded.get(cmp[2]!);
      const family = what === 'nfproto' ? NFPROTO[cmp[3]!] : what === 'protocol' ? ETHERTYPE[cmp[3]!] : undefined;
      if (family) {
        const list = out.get(key) ?? [];
        list.push({ kind: 'nfproto', family, negate: cmp[1] === 'neq' });
        out.set(key, list);
      }
      continue;
    }
    // Any other expression overwrites what a register held.
    const reg = /=> reg (\d+)/.exec(line);
    if (reg) loaded.delete(reg[1]!);
  }
  return out;
}
