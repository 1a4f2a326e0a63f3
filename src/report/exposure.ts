import type { ReachCellSummary, ZoneKindName } from './types.js';

/** Every zone kind, in the order reports list them (worst first). */
export const ZONE_KINDS: readonly ZoneKindName[] = ['internet', 'lan', 'tailnet', 'docker', 'custom', 'loopback'];

/** The gateway's exposure: per zone kind, how many cells of gateway rows (the gateway, or a door to it) are open. */
export function gatewayExposure(cells: readonly ReachCellSummary[]): Record<ZoneKindName, number> {
  const out = Object.fromEntries(ZONE_KINDS.map((k) => [k, 0])) as Record<ZoneKindName, number>;
  for (const c of cells) if (c.gateway && c.verdict === 'open') out[c.zoneKind] += 1;
  return out;
}

/**
 * Per zone kind, how many cells of gateway rows could not be decided (an unreadable ruleset, an
 * unknown door): never "not reachable", so every fleet view counts them beside the exposure.
 */
export function gatewayUndecided(cells: readonly ReachCellSummary[]): Record<ZoneKindName, number> {
  const out = Object.fromEntries(ZONE_KINDS.map((k) => [k, 0])) as Record<ZoneKindName, number>;
  for (const c of cells) if (c.gateway && c.verdict === 'unknown') out[c.zoneKind] += 1;
  return out;
}

/** The zone kinds beyond loopback with a count above 0, in report order. */
export function kindsWith(counts: Record<ZoneKindName, number>): ZoneKindName[] {
  return ZONE_KINDS.filter((k) => k !== 'loopback' && counts[k] > 0);
}

/**
 * "internet, lan; could not decide: docker" — the kinds a gateway is open to, then those it could
 * not be decided for, loopback left out (that is where it belongs). "loopback only" only when every
 * other cell was decided closed or filtered.
 */
export function exposureLine(exposure: Record<ZoneKindName, number>, undecided: Record<ZoneKindName, number>): string {
  const open = kindsWith(exposure);
  const unsure = kindsWith(undecided);
  const parts = [...(open.length > 0 ? [open.join(', ')] : []), ...(unsure.length > 0 ? [`could not decide: ${unsure.join(', ')}`] : [])];
  return parts.length === 0 ? 'loopback only' : parts.join('; ');
}
