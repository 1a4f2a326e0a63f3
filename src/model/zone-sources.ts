import { addressText, addressValue, predicateWhere, textSpan, type AddressPredicate, type Family, type Span } from '../netfilter/address-predicates.js';

/**
 * A zone's clients are many addresses (the internet is every public one, a LAN its subnets);
 * a ruleset tells them apart only by its address tests (bogon drop lists, GeoIP allow-lists,
 * `-s 10.0.0.0/8 -j ACCEPT`). The zone's address space is cut at the bounds of every predicate,
 * and the pieces that every predicate treats alike form one class: one address per class stands
 * for all of it, the way entrances.ts picks one port per stretch of port ranges. A cell is as
 * open as its most open source.
 */

/** At most this many classes are tried per zone and family; beyond, a cell not found open is unknown. */
export const MAX_SOURCES = 16;

export interface ZoneSpace {
  /** CIDRs (or single addresses) the zone's clients have. */
  include: string[];
  /** CIDRs or addresses among them that are no client (the host's own, other links, reserved ranges). */
  exclude: string[];
}

export interface ZoneSources {
  /** One address per class, the preferred one first when it stands for a class of the space. */
  sources: string[];
  /** The classes found, and when there were more than MAX_SOURCES, the rules that tell the rest apart. */
  classes: number;
  untried?: string[];
}

function spansOf(family: Family, texts: readonly string[]): Span[] {
  return texts.map(textSpan).flatMap((s) => (s && s.family === family ? [s.span] : []));
}

function contains(spans: readonly Span[], v: bigint): boolean {
  return spans.some(([a, b]) => a <= v && v <= b);
}

/** A readable address of [lo, hi]: the 77th (as the model's other sources) when there is room, else the first. */
function pick(lo: bigint, hi: bigint): bigint {
  return hi - lo >= 77n ? lo + 77n : lo;
}

/**
 * The zone's sources in FAMILY: PREFERRED (the address the zone has always shown) stands for its
 * class when one of the space's classes is treated as it is; every other class gets its own.
 */
export function zoneSources(family: Family, space: ZoneSpace, predicates: readonly AddressPredicate[], preferred: string | undefined): ZoneSources {
  const include = spansOf(family, space.include);
  // Only ranges that meet the zone's space can tell its clients apart (a kube-proxy host's thousands
  // of ClusterIPs lie outside every zone but their own): the rest never enter the sweep.
  const meets = (s: Span): boolean => include.some(([a, b]) => s[0] <= b && a <= s[1]);
  const preds = predicates.flatMap((p) => {
    if (p.family !== family) return [];
    const spans = p.spans.filter(meets);
    return spans.length === 0 ? [] : [{ ...p, spans }];
  });
  const exclude = spansOf(family, space.exclude);
  const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
  // Sweep the bounds: +id where a span starts, -id after it ends. Ids: predicates 0.., include -1, exclude -2.
  const events = new Map<bigint, { id: number; delta: number }[]>();
  const add = (at: bigint, id: number, delta: number): void => {
    if (at > max) return;
    let list = events.get(at);
    if (!list) events.set(at, (list = []));
    list.push({ id, delta });
  };
  const mark = (spans: readonly Span[], id: number): void => {
    for (const [a, b] of spans) {
      add(a, id, 1);
      add(b + 1n, id, -1);
    }
  };
  mark(include, -1);
  mark(exclude, -2);
  preds.forEach((p, i) => mark(p.spans, i));
  const points = [...events.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const active = new Map<number, number>();
  // A class is what the ruleset's tests that may let a client in tell apart; within it, the piece
  // the fewest dropping rules cover stands for it (a fail2ban ban makes no class of its own, and a
  // bogon drop list never decides a class another piece of which it does not cover).
  const classes = new Map<string, { value: bigint; closers: number }>();
  const keyOf = (ids: Iterable<number>): { key: string; closers: number } => {
    const open: number[] = [];
    let closers = 0;
    for (const id of ids) {
      if (id < 0) continue;
      if (preds[id]!.closes) closers++;
      else open.push(id);
    }
    return { key: open.sort((a, b) => a - b).join(','), closers };
  };
  for (let k = 0; k < points.length; k++) {
    const at = points[k]!;
    for (const e of events.get(at)!) {
      const n = (active.get(e.id) ?? 0) + e.delta;
      if (n === 0) active.delete(e.id);
      else active.set(e.id, n);
    }
    if (!active.has(-1) || active.has(-2)) continue;
    const { key, closers } = keyOf(active.keys());
    const seen = classes.get(key);
    if (seen && seen.closers <= closers) continue;
    const end = k + 1 < points.length ? points[k + 1]! - 1n : max;
    classes.set(key, { value: pick(at, end), closers });
  }
  const order = [...classes.entries()].map(([key, c]) => [key, c.value] as [string, bigint]);
  const p = preferred === undefined ? undefined : addressValue(preferred);
  if (p && p.family === family) {
    const { key, closers } = keyOf(preds.flatMap((q, i) => (contains(q.spans, p.value) ? [i] : [])));
    const i = order.findIndex(([s]) => s === key);
    if (i >= 0 && closers <= classes.get(key)!.closers) {
      order.splice(i, 1);
      order.unshift([key, -1n]);
    }
  }
  const sources = order.slice(0, MAX_SOURCES).map(([, v]) => (v < 0n ? preferred! : addressText(family, v)));
  const out: ZoneSources = { sources, classes: order.length };
  if (order.length > MAX_SOURCES) {
    const ids = new Set(order.slice(MAX_SOURCES).flatMap(([s]) => (s === '' ? [] : s.split(',').map(Number))));
    out.untried = [...ids].slice(0, 3).map((i) => predicateWhere(preds[i]!));
  }
  return out;
}
