/** Port ranges in a proxy's listen address (HAProxy's `bind :8000-8010`, Caddy's `:8000-8010`). */

/** Ports of a range wider than this are not expanded: the listen becomes a problem, not a row per port. */
const MAX_PORT_RANGE = 1024;

/** Why a range yields no port, for the problem that names it. */
export const UNEXPANDED_RANGE = `a port range clawmoat does not expand (reversed, past 65535, or wider than ${MAX_PORT_RANGE} ports)`;

/** Each port of LOW-HIGH (just LOW without HIGH); none for a reversed range, one past 65535, or one wider than MAX_PORT_RANGE. */
export function portRange(low: number, high: number | undefined): number[] {
  if (high === undefined) return [low];
  if (high < low || high > 65535 || high - low + 1 > MAX_PORT_RANGE) return [];
  return Array.from({ length: high - low + 1 }, (_, i) => low + i);
}

/** A listen address naming a port range: when it yields no port, say so rather than drop it. */
export function isPortRange(text: string): boolean {
  return /:\d+-\d+(,|$)/.test(text);
}
