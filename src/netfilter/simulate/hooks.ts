import type { Family, Hook, PacketFamily } from '../model.js';
import type { CChain, CTable } from './compile.js';
import type { Run } from './run.js';
import { ACCEPT, runChain, type ChainResult } from './verdicts.js';

/**
 * The base chains one hook runs for one packet family, in the kernel's order, and running
 * them: every chain runs (accept ends only its own chain), the first drop/reject is final.
 *
 * nat chains do not run at their own priority: the nat core registers one hook function at
 * NF_IP_PRI_NAT_DST (-100, prerouting/output) or NF_IP_PRI_NAT_SRC (100, input/postrouting)
 * and calls the nat chains from there in their priority order, stopping at the first that
 * sets up a binding (nf_nat_inet_fn). Packets without a conntrack entry skip nat entirely.
 */

/** NF_IP_PRI_CONNTRACK: chains below it (raw) see no conntrack entry yet. */
export const CONNTRACK_PRIORITY = -200;

const NAT_CORE_PRIORITY: Readonly<Partial<Record<Hook, number>>> = {
  prerouting: -100,
  output: -100,
  input: 100,
  postrouting: 100,
};

export interface HookEntry {
  chain: CChain;
  /** Where it runs (the nat core's priority for nat chains). */
  priority: number;
  own: number;
  nat: boolean;
}

export function planHook(tables: readonly CTable[], family: PacketFamily | 'netdev', hook: Hook): HookEntry[] {
  const families: readonly Family[] = family === 'netdev' ? ['netdev', 'inet'] : [family, 'inet'];
  const out: HookEntry[] = [];
  for (const t of tables) {
    if (!families.includes(t.table.family)) continue;
    for (const chain of t.table.chains) {
      const b = chain.base;
      if (!b || b.hook !== hook) continue;
      const nat = b.type === 'nat';
      out.push({ chain: t.of(chain), priority: nat ? (NAT_CORE_PRIORITY[hook] ?? b.priority) : b.priority, own: b.priority, nat });
    }
  }
  // Stable sort: equal priorities keep ruleset order (the kernel's order there is registration order).
  return out.sort((a, b) => a.priority - b.priority || a.own - b.own);
}

function enterConntrack(run: Run): void {
  const p = run.p;
  if (p.ct === 'none') p.ct = p.untrackedByConntrack ? 'untracked' : 'new';
}

/**
 * Runs a hook. `natBound`: the connection already has its NAT binding for this hook's
 * direction (a looped-back packet), so nat chains are skipped.
 */
export function runHook(run: Run, plan: readonly HookEntry[], hook: Hook, natBound = false): ChainResult {
  run.hook = hook;
  run.natDone = natBound;
  const tracksHere = hook === 'prerouting' || hook === 'output';
  for (const e of plan) {
    if (tracksHere && e.priority >= CONNTRACK_PRIORITY) enterConntrack(run);
    if (e.nat) {
      if (run.p.ct !== 'new') continue;
      if (run.natDone) {
        if (e.chain.chain.rules.length > 0) {
          run.step({ hook, table: e.chain.table.label, chain: e.chain.chain.name, text: 'skipped: the connection already has its NAT binding', action: 'skip' });
        }
        continue;
      }
    }
    const r = runChain(run, e.chain);
    if (r !== ACCEPT) return r;
  }
  if (tracksHere) enterConntrack(run);
  return ACCEPT;
}
