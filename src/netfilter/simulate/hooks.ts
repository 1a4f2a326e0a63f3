import type { Family, Hook, PacketFamily } from '../model.js';
import { ruleCount } from '../pending-rules.js';
import type { CChain, CTable } from './compile.js';
import type { Run } from './run.js';
import { ACCEPT, runChain, STOP, type ChainResult } from './verdicts.js';

/**
 * The base chains one hook runs for one packet family, in the kernel's order, and running
 * them: every chain runs (accept ends only its own chain), the first drop/reject is final.
 *
 * nat chains do not run at their own priority: the nat core registers one hook function at
 * NF_IP_PRI_NAT_DST (-100, prerouting/output) or NF_IP_PRI_NAT_SRC (100, input/postrouting)
 * and calls the nat chains from there in their priority order, stopping at the first that
 * sets up a binding (nf_nat_inet_fn). Packets without a conntrack entry skip nat entirely.
 *
 * Equal priorities: the kernel inserts a new hook before the ones of equal priority already
 * there (nf_hook_entries_grow), so among equal priorities the chain registered *last* runs
 * first. A base chain registers when it is created; nft lists tables and chains in creation
 * order, so a table's rank is its place in that listing (iptables-nft tables included, placed
 * by mergeRulesets). iptables-legacy tables register when first used, which no snapshot shows:
 * where their order against an equal-priority chain is unknown, every order is tried.
 */

/** NF_IP_PRI_CONNTRACK: chains below it (raw) see no conntrack entry yet. */
export const CONNTRACK_PRIORITY = -200;

const NAT_CORE_PRIORITY: Readonly<Partial<Record<Hook, number>>> = {
  prerouting: -100,
  output: -100,
  input: 100,
  postrouting: 100,
};

/** Beyond this many possible orders of one hook the walk gives up (unknown) rather than guess. */
const MAX_ORDERS = 24;

export interface HookEntry {
  chain: CChain;
  /** Where it runs (the nat core's priority for nat chains). */
  priority: number;
  own: number;
  nat: boolean;
  /** Registration order (table, chain), later = larger; undefined when the snapshot cannot tell. */
  rank: readonly number[] | undefined;
}

export interface HookPlan {
  /** Every order the kernel may run the chains in: one unless a registration order is unknown. */
  orders: HookEntry[][];
  /** Why there is more than one order (for the decision's reason). */
  why?: string;
  /** More orders than MAX_ORDERS: the hook cannot be decided. */
  tooMany?: string;
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Every order of `items` the kernel may use: ascending key, and among equal keys the later
 * registered first; an item of unknown rank can sit anywhere among its equals.
 */
function orderings<T>(items: readonly T[], key: (t: T) => number, rank: (t: T) => readonly number[] | undefined, ambiguous: T[][]): T[][] {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  let out: T[][] = [[]];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && key(sorted[j] as T) === key(sorted[i] as T)) j++;
    const group = sorted.slice(i, j);
    i = j;
    const known = group.filter((t) => rank(t) !== undefined).sort((a, b) => compareRank(rank(b) as readonly number[], rank(a) as readonly number[]));
    const unknown = group.filter((t) => rank(t) === undefined);
    let arrangements: T[][] = [known];
    for (const u of unknown)
      arrangements = arrangements.flatMap((arr) => Array.from({ length: arr.length + 1 }, (_, k) => [...arr.slice(0, k), u, ...arr.slice(k)]));
    if (arrangements.length > 1) ambiguous.push(group);
    out = out.flatMap((prefix) => arrangements.map((a) => [...prefix, ...a]));
    if (out.length > MAX_ORDERS * 4) break;
  }
  return out;
}

/** Registration ranks of every table: see the top of this file and Table.registered. */
export function tableRanks(tables: readonly CTable[]): Map<CTable, number | undefined> {
  const out = new Map<CTable, number | undefined>();
  // Without a merge (a single nft parse), the listing order itself is the creation order.
  let nftIndex = 0;
  for (const t of tables) {
    const registered = t.table.registered ?? (t.table.source === 'nft' ? nftIndex : undefined);
    if (t.table.source === 'nft') nftIndex++;
    out.set(t, registered);
  }
  return out;
}

export function planHook(tables: readonly CTable[], family: PacketFamily | 'netdev', hook: Hook, ranks: Map<CTable, number | undefined>): HookPlan {
  const families: readonly Family[] = family === 'netdev' ? ['netdev', 'inet'] : [family, 'inet'];
  const plain: HookEntry[] = [];
  const nat: HookEntry[] = [];
  for (const t of tables) {
    if (!families.includes(t.table.family)) continue;
    const tableRank = ranks.get(t);
    t.table.chains.forEach((chain, index) => {
      const b = chain.base;
      if (!b || b.hook !== hook) return;
      const isNat = b.type === 'nat';
      // An empty chain with an accept policy does nothing wherever it runs: its unknown place
      // among equals (an empty iptables-legacy table left behind) is no ambiguity.
      const inert = ruleCount(chain) === 0 && b.policy !== 'drop';
      const rank = tableRank !== undefined ? [tableRank, index] : inert ? [-1, index] : undefined;
      const e: HookEntry = { chain: t.of(chain), priority: isNat ? (NAT_CORE_PRIORITY[hook] ?? b.priority) : b.priority, own: b.priority, nat: isNat, rank };
      (isNat ? nat : plain).push(e);
    });
  }
  const ambiguous: HookEntry[][] = [];
  // The nat chains run from the nat core, in their own priority order; the core itself is one
  // hook, registered with the first nat chain.
  const natOrders = orderings(
    nat,
    (e) => e.own,
    (e) => e.rank,
    ambiguous,
  );
  type Unit = { entries: HookEntry[] | 'nat'; priority: number; rank: readonly number[] | undefined };
  const units: Unit[] = plain.map((e) => ({ entries: [e], priority: e.priority, rank: e.rank }));
  if (nat.length > 0) {
    const first = nat[0] as HookEntry;
    const ranks = nat.map((e) => e.rank);
    const natRank = ranks.every((r) => r !== undefined) ? (ranks as (readonly number[])[]).reduce((a, b) => (compareRank(a, b) <= 0 ? a : b)) : undefined;
    units.push({ entries: 'nat', priority: first.priority, rank: natRank });
  }
  const unitAmbiguous: Unit[][] = [];
  const unitOrders = orderings(
    units,
    (u) => u.priority,
    (u) => u.rank,
    unitAmbiguous,
  );
  const orders: HookEntry[][] = [];
  for (const uo of unitOrders) for (const no of natOrders) orders.push(uo.flatMap((u) => (u.entries === 'nat' ? no : u.entries)));
  const plan: HookPlan = { orders: orders.slice(0, MAX_ORDERS) };
  const groups = [
    ...ambiguous.map((g) => g.map(label)),
    ...unitAmbiguous.map((g) => g.map((u) => (u.entries === 'nat' ? 'the nat chains' : u.entries.map(label).join('')))),
  ];
  if (groups.length > 0) {
    plan.why = `${hook}: the order of ${groups.map((g) => g.join(' and ')).join('; of ')} (equal priority) depends on when each registered, which the snapshot does not show for iptables-legacy tables`;
  }
  if (orders.length > MAX_ORDERS) plan.tooMany = `${hook}: more than ${MAX_ORDERS} possible orders of equal-priority base chains`;
  return plan;
}

function label(e: HookEntry): string {
  return `${e.chain.table.label} ${e.chain.chain.name} (priority ${e.own})`;
}

/** The same plan, only the chains `keep` selects (netdev ingress: the input device's chains). */
export function filterPlan(plan: HookPlan, keep: (e: HookEntry) => boolean): HookPlan {
  return { ...plan, orders: plan.orders.map((o) => o.filter(keep)) };
}

function enterConntrack(run: Run): void {
  const p = run.p;
  if (p.ct === 'none') p.ct = p.untrackedByConntrack ? 'untracked' : p.reply ? 'established' : 'new';
}

/**
 * At the nat core's place in the hook, conntrack undoes a binding on an answer: where
 * destinations are rewritten (prerouting, output) the SNAT, where sources are (input,
 * postrouting) the DNAT, so the client sees the answer come from where it aimed.
 */
function undoNat(run: Run, hook: Hook): void {
  const r = run.p.reply;
  if (!r || run.p.ct !== 'established') return;
  if ((hook === 'prerouting' || hook === 'output') && r.undoSnat) {
    run.note(`conntrack undoes the source NAT on the answer: destination ${r.undoSnat.daddr.text}`, hook);
    run.p.daddr = r.undoSnat.daddr;
    run.p.dport = r.undoSnat.dport;
    r.undoSnat = undefined;
  } else if ((hook === 'postrouting' || hook === 'input') && r.undoDnat) {
    run.note(`conntrack undoes the DNAT on the answer: source ${r.undoDnat.saddr.text}:${r.undoDnat.sport}`, hook);
    run.p.saddr = r.undoDnat.saddr;
    run.p.sport = r.undoDnat.sport;
    r.undoDnat = undefined;
  }
}

/**
 * Runs a hook. `natBound`: the connection already has its NAT binding for this hook's
 * direction (a looped-back packet), so nat chains are skipped.
 */
export function runHook(run: Run, plan: HookPlan, hook: Hook, natBound = false): ChainResult {
  run.hook = hook;
  run.natDone = natBound;
  if (plan.tooMany !== undefined) {
    run.fatal = plan.tooMany;
    return STOP;
  }
  let entries = plan.orders[0] ?? [];
  if (plan.orders.length > 1) {
    let c = run.orders.get(plan);
    if (c === undefined) {
      c = run.decide(plan.orders.length, plan.why ?? `${hook}: order of equal-priority chains`);
      run.orders.set(plan, c);
    }
    entries = plan.orders[c] ?? entries;
  }
  const tracksHere = hook === 'prerouting' || hook === 'output';
  const core = NAT_CORE_PRIORITY[hook];
  let undone = core === undefined || !run.p.reply;
  for (const e of entries) {
    if (tracksHere && e.priority >= CONNTRACK_PRIORITY) enterConntrack(run);
    if (!undone && e.priority > (core as number)) {
      undoNat(run, hook);
      undone = true;
    }
    if (e.nat) {
      if (run.p.ct !== 'new') continue;
      if (run.natDone) {
        if (ruleCount(e.chain.chain) > 0) {
          run.step({
            hook,
            table: e.chain.table.label,
            chain: e.chain.chain.name,
            text: 'skipped: the connection already has its NAT binding',
            action: 'skip',
          });
        }
        continue;
      }
    }
    const r = runChain(run, e.chain);
    if (r !== ACCEPT) return r;
  }
  if (tracksHere) enterConntrack(run);
  if (!undone) undoNat(run, hook);
  return ACCEPT;
}
