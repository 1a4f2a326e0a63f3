import type { ReachCellSummary, ZoneKindName } from './types.js';

/** Every zone kind, in the order reports list them (worst first). */
export const ZONE_KINDS: readonly ZoneKindName[] = ['internet', 'lan', 'tailnet', 'docker', 'custom', 'loopback'];

/** The gateway's exposure: per zone kind, how many cells of gateway rows (the gateway, or a door to it) are open. */
export function gatewayExposure(cells: readonly ReachCellSummary[]): Record<ZoneKindName, number> {
  const out = Object.fromEntries(ZONE_KINDS.map((k) => [k, 0])) as Record<ZoneKindName, number>;
  for (const c of cells) if (c.gateway && c.verdict === 'open') out[c.zoneKind] += 1;
  return out;
}

/** "internet, lan" — the kinds a gateway is open to, loopback left out (that is where it belongs). */
export function exposureLine(exposure: Record<ZoneKindName, number>): string {
  const kinds = ZONE_KINDS.filter((k) => k !== 'loopback' && exposure[k] > 0);
  return kinds.length === 0 ? 'loopback only' : kinds.join(', ');
}
