import type { ChainType, Hook } from './model.js';

/**
 * The xtables tables and their built-in chains, at the priorities the kernel (and iptables-nft)
 * registers them with. iptables-save prints none of this: it is implied by the table name.
 * Source: nft(8) "Standard priority names"; mangle OUTPUT is a `route` chain (re-routes after a
 * mark change), nat chains are `nat`, the rest `filter`.
 */
export interface BuiltinChain {
  hook: Hook;
  priority: number;
  type: ChainType;
}

export const XTABLES_BUILTINS: Readonly<Record<string, Readonly<Record<string, BuiltinChain>>>> = {
  raw: {
    PREROUTING: { hook: 'prerouting', priority: -300, type: 'filter' },
    OUTPUT: { hook: 'output', priority: -300, type: 'filter' },
  },
  mangle: {
    PREROUTING: { hook: 'prerouting', priority: -150, type: 'filter' },
    INPUT: { hook: 'input', priority: -150, type: 'filter' },
    FORWARD: { hook: 'forward', priority: -150, type: 'filter' },
    OUTPUT: { hook: 'output', priority: -150, type: 'route' },
    POSTROUTING: { hook: 'postrouting', priority: -150, type: 'filter' },
  },
  nat: {
    PREROUTING: { hook: 'prerouting', priority: -100, type: 'nat' },
    INPUT: { hook: 'input', priority: 100, type: 'nat' },
    OUTPUT: { hook: 'output', priority: -100, type: 'nat' },
    POSTROUTING: { hook: 'postrouting', priority: 100, type: 'nat' },
  },
  filter: {
    INPUT: { hook: 'input', priority: 0, type: 'filter' },
    FORWARD: { hook: 'forward', priority: 0, type: 'filter' },
    OUTPUT: { hook: 'output', priority: 0, type: 'filter' },
  },
  security: {
    INPUT: { hook: 'input', priority: 50, type: 'filter' },
    FORWARD: { hook: 'forward', priority: 50, type: 'filter' },
    OUTPUT: { hook: 'output', priority: 50, type: 'filter' },
  },
};

/** Record lookup that ignores inherited keys: a chain named `constructor` must not find Object's. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * iptables-nft registers the security table at 150, not the kernel's NF_IP_PRI_SECURITY (50)
 * that iptables-legacy uses (iptables nft.c builtin_table; seen in the corpus' nft dumps of
 * iptables-nft hosts). Either way it runs after filter; the number matters against native nft
 * chains placed between 50 and 150.
 */
export const NFT_SECURITY_PRIORITY = 150;

/** The longest built-in chain's name (POSTROUTING): a longer name is no built-in, without a look-up. */
const LONGEST_BUILTIN = Math.max(...Object.values(XTABLES_BUILTINS).flatMap((chains) => Object.keys(chains).map((name) => name.length)));

export function builtinChain(table: string, chain: string, backend?: 'nf_tables' | 'legacy' | 'unknown'): BuiltinChain | undefined {
  // Most chains of a large dump (KUBE-SEP-…, ufw-user-…) are longer; looking their fresh names up costs a hash each.
  if (chain.length > LONGEST_BUILTIN) return undefined;
  const chains = own(XTABLES_BUILTINS, table);
  const b = chains ? own(chains, chain) : undefined;
  if (b && table === 'security' && backend === 'nf_tables') return { ...b, priority: NFT_SECURITY_PRIORITY };
  return b;
}

export function isXtablesTable(name: string): boolean {
  return Object.hasOwn(XTABLES_BUILTINS, name);
}
