import { untracked, type AnalysisContext } from '../model/analysis-context.js';
import { isSafeBindAddress } from '../model/addresses.js';

/**
 * Whether the gateway is exposed beyond loopback, for the severity of a finding about it (auth off,
 * a break-glass flag, no firewall): one of its sockets is bound beyond loopback (even where a
 * firewall drops it today: one rule away), or the reach matrix has a gateway cell open from a zone
 * other than loopback and the tailnet (a door in front of it, a Docker publish on another host
 * port, Funnel). Serve to the tailnet is the guide's remote access, not an exposure.
 *
 * The matrix is read untracked: it raises a failing finding's severity and never decides a result,
 * so a check that passes does not rest on the firewall or Docker having been read. Where they were
 * not, the matrix's cells are `unknown`, never `open`, and the bind alone decides (as it did before).
 */
export function gatewayExposed(ctx: AnalysisContext): boolean {
  if (ctx.gateway.listeners.some((s) => !isSafeBindAddress(s.address, ctx.snapshot))) return true;
  return untracked(ctx)
    .reach()
    .cells.some((c) => c.listener.gateway && c.verdict === 'open' && c.zone.kind !== 'loopback' && c.zone.kind !== 'tailnet');
}
