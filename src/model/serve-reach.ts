import type { Packet, SimResult, Step } from '../netfilter/simulate/types.js';
import { describeRoute, type ServeRoute } from '../remote/tailscale/serve-config.js';
import type { Socket } from '../snapshot/types.js';
import { socketAccepts } from './listeners.js';
import type { Zone } from './zones.js';

/**
 * Tailscale Serve and Funnel as rows of the matrix. tailscaled answers a tailnet peer's
 * connection to a Serve port itself, in its user-space stack (wgengine/netstack
 * shouldProcessInbound: the node's own address and a port Serve intercepts), so the packet
 * never reaches the kernel and the host firewall does not see it; Funnel carries connections
 * from the whole internet through Tailscale's relays to the same place. Anyone else reaching
 * the tailnet address (a LAN client, by the weak host model) meets the kernel, where nothing
 * listens on that port for Serve.
 */

export interface ServePort {
  port: number;
  /** The host's tailnet address the row is shown at. */
  address: string;
  family: 4 | 6;
  routes: ServeRoute[];
  funnel: boolean;
  /** One of the routes leads to a gateway port. */
  gateway: boolean;
}

/** One row per Serve port (its HTTP mounts and TCP forward together). */
export function servePorts(routes: readonly ServeRoute[], tailnetAddresses: readonly string[], gatewayPorts: readonly number[]): ServePort[] {
  const address = tailnetAddresses.find((a) => !a.includes(':')) ?? tailnetAddresses[0];
  if (address === undefined) return [];
  const byPort = new Map<number, ServeRoute[]>();
  for (const r of routes) byPort.set(r.port, [...(byPort.get(r.port) ?? []), r]);
  return [...byPort].map(([port, rs]) => ({
    port,
    address,
    family: address.includes(':') ? 6 : 4,
    routes: rs,
    funnel: rs.some((r) => r.funnel),
    gateway: rs.some((r) => r.targetPort !== undefined && gatewayPorts.includes(r.targetPort)),
  }));
}

export function describeServePort(s: ServePort): string {
  return s.routes.map(describeRoute).join('; ');
}

export interface ServeAttempt {
  verdict: 'open' | 'filtered' | 'closed' | 'unknown';
  reason: string;
  path: Step[];
  /** Where the client connects, when not one of the zone's addresses for the host (Funnel's public name). */
  destination?: string;
}

/** Served by tailscaled itself, before netfilter: from the tailnet, and from anywhere with Funnel. */
export function servedByTailscaled(s: ServePort, zone: Zone): ServeAttempt | undefined {
  const served = describeServePort(s);
  if (zone.kind === 'tailnet') {
    const reason = `tailscaled answers tailnet peers on :${s.port} itself, before the host firewall, and proxies them (${served}); the tailnet's access rules decide which peers`;
    return { verdict: 'open', reason, path: [{ hook: 'tailscale', table: '', chain: '', text: reason, action: 'accept' }] };
  }
  if (s.funnel && zone.kind !== 'loopback') {
    const reason = `Tailscale Funnel: anyone on the internet reaches :${s.port} through Tailscale's relays, and tailscaled proxies them (${served}); the host firewall never sees it`;
    const name = s.routes.find((r) => r.funnel)?.listen.replace(/:\d+$/, '');
    const attempt: ServeAttempt = { verdict: 'open', reason, path: [{ hook: 'tailscale', table: '', chain: '', text: reason, action: 'accept' }] };
    if (name) attempt.destination = name;
    return attempt;
  }
  return undefined;
}

/**
 * A packet to the Serve address from outside the tailnet: it meets the kernel, not tailscaled,
 * so it never reaches what Serve leads to. A kernel socket on the same port (a web server on
 * 0.0.0.0:443) has its own row; for this one the packet is `closed` when it gets to the host.
 */
export function judgeWithoutServe(result: SimResult, packet: Packet, family: 4 | 6, sockets: readonly Socket[]): ServeAttempt {
  const path = [...result.steps];
  if ((result.disposition === 'local' || result.disposition === 'forward') && result.answer && !result.answer.delivered) {
    const why = `the first packet gets through, but the answer back does not: ${result.answer.why ?? 'lost'}`;
    return { verdict: 'filtered', reason: why, path: [...path, { hook: 'socket', table: '', chain: '', text: why, action: 'drop' }] };
  }
  switch (result.disposition) {
    case 'unknown':
      return { verdict: 'unknown', reason: result.unknownReasons.join('; ') || 'the model cannot decide this path', path };
    case 'dropped':
      return { verdict: 'filtered', reason: result.rejected ? 'rejected on the way in' : 'dropped on the way in', path };
    case 'forward': {
      const text = `forwarded to ${result.daddr}:${result.dport}, not to tailscaled: Serve answers tailnet peers only`;
      return { verdict: 'closed', reason: text, path: [...path, { hook: 'socket', table: '', chain: '', text, action: 'closed' }] };
    }
    case 'local': {
      const taker = sockets.find((s) => socketAccepts(s, { family, protocol: 'tcp', daddr: result.daddr, dport: result.dport, iif: packet.iif }));
      const text = taker
        ? `reaches the host's kernel, where ${taker.address}:${taker.port}${taker.process ? ` (${taker.process})` : ''} takes it (its own row), not tailscaled: Serve answers tailnet peers only`
        : `reaches the host, but no socket of the kernel takes :${result.dport}: tailscaled serves it to tailnet peers only`;
      return { verdict: 'closed', reason: text, path: [...path, { hook: 'socket', table: '', chain: '', text, action: 'closed' }] };
    }
  }
}
