/** The netfilter model and its parsers; see model.ts for the types. */
export type * from './model.js';
export { parseIptablesSave, type IptablesSaveOptions } from './iptables-save/parse.js';
export { parseNftJson, type NftJsonOptions } from './nft-json/parse.js';
export { parseNetlinkFamilies } from './nft-netlink.js';
export { rulesThatMayHideFamily } from './nft-json/hidden-family.js';
export { emptyRuleset, mergeRulesets, tablesFor, tableOf, findChain, baseChainsOn, type HookChain } from './ruleset.js';
export { inputChains, reachableChains, deniesOnPath, firstDenyOnPath, hasDenyOnPath, filtersInbound, type InputChain, type PathDenies } from './summary.js';
export { XTABLES_BUILTINS, builtinChain } from './builtins.js';
