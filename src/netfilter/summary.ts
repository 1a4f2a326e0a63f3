import type { Chain, PacketFamily, Policy, Rule, Ruleset, Table, Verdict } from './model.js';
import { pendingRulesOf } from './pending-rules.js';
import { baseChainsOn, findChain, tableOf } from './ruleset.js';

/**
 * Structural questions an audit can answer without simulating a packet, e.g. "nothing filters
 * inbound": no input-hook filter chain can reach a drop. They look only at the chain graph
 * (which rules exist and where they lead), not at whether a rule's matches could apply.
 */

export interface InputChain {
  table: Table;
  chain: Chain;
  priority: number;
  policy: Policy;
}

/**
 * Every filter-type base chain on the input hook that sees packets of `family`, in run order:
 * iptables' mangle/filter/security INPUT (all type filter) and nft base chains with
 * `type filter hook input` in ip/ip6/inet tables. netdev ingress chains, which run earlier, are
 * not included: they are not on the input hook.
 */
export function inputChains(ruleset: Ruleset, family: PacketFamily): InputChain[] {
  return baseChainsOn(ruleset, family, 'input', 'filter').map(({ table, chain, priority }) => ({
    table,
    chain,
    priority,
    policy: chain.base?.policy ?? 'accept',
  }));
}

function targetsOf(verdict: Verdict): string[] {
  switch (verdict.kind) {
    case 'jump':
    case 'goto':
      return [verdict.target];
    case 'vmap':
      return verdict.elements.flatMap((e) => targetsOf(e.verdict));
    default:
      return [];
  }
}

/** The chain and every chain it can jump or goto to, transitively (vmap targets included), breadth-first. */
export function reachableChains(ruleset: Ruleset, chain: Chain): Chain[] {
  const table = tableOf(ruleset, chain);
  const seen = new Set<Chain>([chain]);
  const order: Chain[] = [chain];
  const follow = (rule: Rule): void => {
    for (const name of targetsOf(rule.verdict)) {
      const next = table ? findChain(table, name) : undefined;
      if (next && !seen.has(next)) {
        seen.add(next);
        order.push(next);
      }
    }
  };
  for (let i = 0; i < order.length; i++) {
    const c = order[i] as Chain;
    // A chain still held as text: only the rules that may jump are parsed (UFW's and Docker's
    // chains are mostly ACCEPT/DROP/RETURN rules, which a walk of the graph need not read).
    const pending = pendingRulesOf(c);
    if (pending?.mayJump) {
      for (let k = 0; k < pending.count; k++) if (pending.mayJump(k)) follow(pending.rule(k));
    } else for (const rule of c.rules) follow(rule);
  }
  return order;
}

function denies(verdict: Verdict): boolean {
  if (verdict.kind === 'drop' || verdict.kind === 'reject') return true;
  return verdict.kind === 'vmap' && verdict.elements.some((e) => denies(e.verdict));
}

export interface PathDenies {
  /** Rules on the path whose verdict (or a vmap element's) is drop or reject. */
  rules: Rule[];
  /** Base chains on the path whose policy is drop. */
  dropPolicies: Chain[];
  /** Rules whose verdict the model cannot read (queue, unsupported, opaque xt targets): they might deny. */
  unknown: Rule[];
}

export function deniesOnPath(ruleset: Ruleset, chain: Chain): PathDenies {
  const out: PathDenies = { rules: [], dropPolicies: [], unknown: [] };
  for (const c of reachableChains(ruleset, chain)) {
    if (c.base?.policy === 'drop') out.dropPolicies.push(c);
    for (const rule of c.rules) {
      if (denies(rule.verdict)) out.rules.push(rule);
      else if (rule.verdict.kind === 'unsupported' || rule.verdict.kind === 'queue') out.unknown.push(rule);
    }
  }
  return out;
}

/**
 * The first drop/reject rule on the path from `chain`, in deniesOnPath's order (chains
 * breadth-first, rules in order), and whether a drop policy comes before it: the walk stops
 * there, so the chains after it are never read (nor, with rules parsed when read, parsed).
 */
export function firstDenyOnPath(ruleset: Ruleset, chain: Chain): { rule?: Rule; dropPolicy: boolean } {
  const table = tableOf(ruleset, chain);
  const seen = new Set<Chain>([chain]);
  const order: Chain[] = [chain];
  let dropPolicy = false;
  for (let i = 0; i < order.length; i++) {
    const c = order[i] as Chain;
    if (c.base?.policy === 'drop') dropPolicy = true;
    for (const rule of c.rules) {
      if (denies(rule.verdict)) return { rule, dropPolicy };
      for (const name of targetsOf(rule.verdict)) {
        const next = table ? findChain(table, name) : undefined;
        if (next && !seen.has(next)) {
          seen.add(next);
          order.push(next);
        }
      }
    }
  }
  return { dropPolicy };
}

/** Whether any drop/reject rule, or a drop policy, is reachable from `chain`. */
export function hasDenyOnPath(ruleset: Ruleset, chain: Chain): boolean {
  const d = deniesOnPath(ruleset, chain);
  return d.rules.length > 0 || d.dropPolicies.length > 0;
}

/** False when no input chain of this family can drop anything: nothing filters inbound traffic. */
export function filtersInbound(ruleset: Ruleset, family: PacketFamily): boolean {
  return inputChains(ruleset, family).some((c) => hasDenyOnPath(ruleset, c.chain));
}
