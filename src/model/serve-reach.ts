import type { Simulator } from '../netfilter/simulate/index.js';
import type { Packet, SimResult } from '../netfilter/simulate/types.js';
import { describeRoute, type ServeRoute } from './tailscale/serve-config.js';
import type { Door, DoorProblem, Socket } from '../snapshot/types.js';
import { isWildcard, parseAddress } from './addresses.js';
import { upstreamName } from './door-chains.js';
import { DOOR_PROCESSES, doorSockets, sameOrWildOnce } from './doors.js';
import { answerFor, cellOf, judgePath, RANK, type Attempt } from './attempt.js';
import { socketAccepts } from './listeners.js';
import type { GatewayTarget, ReachCell, ReachListener } from './reach-types.js';
import type { Zone } from './zones.js';
import type { UserSpaceRow } from './doors.js';

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
  /** One of the routes leads to the gateway (or may: see `unknown`). */
  gateway: boolean;
  /** Why none is known to lead there while one may (a door behind it that could not be read). */
  unknown?: string;
}

/** Where a Serve route leads: the gateway, maybe the gateway (`unknown` says why), or not. */
export interface ServeTarget {
  gateway: boolean;
  unknown?: string;
  text: string;
}

export interface ServeTargetInput {
  /** Every listening socket of the host, Docker's unsocketed publishes included. */
  sockets: readonly Socket[];
  /** The gateway's sockets, its Docker publishes included. */
  gatewaySockets: readonly Socket[];
  gatewayPorts: readonly number[];
  doors: readonly Door[];
  problems: readonly DoorProblem[];
  /** Where each door leads (AnalysisContext.doorTargets). */
  behind: (door: Door) => GatewayTarget;
  hostname?: string;
}

const TARGET = /^(?:[a-z][a-z0-9+-]*:\/\/)?(\[[^\]]+\]|[^/:]+):(\d{1,5})(?:\/.*)?$/i;

/**
 * Where each Serve route leads, decided as door-chains decides a door's upstream: tailscaled
 * connects to its target over loopback like any local client, so the socket the kernel delivers
 * that to decides. The gateway's own socket (or a Docker port it is published on) is the gateway;
 * another door's listener (socat or nginx on 127.0.0.1:8080 in front of it) leads wherever that
 * door does; a socket of a door program that could not be read, or a host name clawmoat cannot
 * resolve, may lead there (unknown). A target on another host's address is not the gateway.
 */
export function serveTargets(input: ServeTargetInput): (route: ServeRoute) => ServeTarget {
  const same = sameOrWildOnce();
  const doorsOn = (socket: Socket) => input.doors.filter((d) => (d.listen?.length ?? 0) > 0 && doorSockets(d, input.sockets, same).includes(socket));
  const unreadOn = (socket: Socket) =>
    input.problems.find((p) => !p.tunnel && (socket.pid === p.pid || (socket.process !== undefined && DOOR_PROCESSES[p.kind].includes(socket.process))));
  return (route) => {
    const to = `Serve sends it to ${route.target}`;
    const text = route.target.trim();
    const match = /^\d{1,5}$/.test(text) ? ['', 'localhost', text] : TARGET.exec(text);
    if (!match) return { gateway: false, text: `${to}, not an address of this host` };
    const host = match[1]!.replace(/^\[|\]$/g, '');
    const port = Number(match[2]);
    let daddr = host;
    if (parseAddress(host) === undefined) {
      const kind = upstreamName(host, input.hostname);
      if (kind !== 'loopback') {
        const why = `${host} is a name clawmoat cannot resolve to an address (it read no /etc/hosts or DNS), so it may be this host`;
        return { gateway: true, unknown: why, text: `${to}; whether that is the gateway is unknown: ${why}` };
      }
      daddr = '127.0.0.1';
    } else if (route.targetPort === undefined) {
      return { gateway: false, text: `${to}, another host` };
    } else if (isWildcard(host)) {
      daddr = host.includes(':') ? '::1' : '127.0.0.1';
    }
    const packet = { family: (daddr.includes(':') ? 6 : 4) as 4 | 6, protocol: 'tcp' as const, daddr, dport: port, iif: 'lo' };
    const gateway = input.gatewaySockets.find((s) => socketAccepts(s, packet));
    if (gateway) return { gateway: true, text: `${to}, where the gateway (${gateway.address}:${gateway.port}) takes it` };
    if (input.gatewayPorts.includes(port)) return { gateway: true, text: `${to}, the gateway's port` };
    // The socket the kernel picks: the exact address before a wildcard.
    const taker = input.sockets.filter((s) => socketAccepts(s, packet)).sort((a, b) => Number(isWildcard(a.address)) - Number(isWildcard(b.address)))[0];
    if (!taker) return { gateway: false, text: `${to}, where nothing listens` };
    const through = doorsOn(taker).map((d) => input.behind(d));
    const found = through.find((t) => t.gateway && !t.unknown) ?? through.find((t) => t.gateway);
    if (found) return { gateway: true, ...(found.unknown ? { unknown: found.unknown } : {}), text: `${to}, a door in front of the gateway: ${found.text}` };
    const unread = through.length === 0 ? unreadOn(taker) : undefined;
    if (unread) {
      const why = `${taker.process ?? 'a door'} takes it there, and its config could not be read: ${unread.detail}`;
      return { gateway: true, unknown: why, text: `${to}; whether that is the gateway is unknown: ${why}` };
    }
    return { gateway: false, text: `${to}, not the gateway` };
  };
}

/** One row per Serve port (its HTTP mounts and TCP forward together), each route's target decided by TARGET (serveTargets). */
export function servePorts(routes: readonly ServeRoute[], tailnetAddresses: readonly string[], target: (route: ServeRoute) => ServeTarget): ServePort[] {
  const address = tailnetAddresses.find((a) => !a.includes(':')) ?? tailnetAddresses[0];
  if (address === undefined) return [];
  const byPort = new Map<number, ServeRoute[]>();
  for (const r of routes) byPort.set(r.port, [...(byPort.get(r.port) ?? []), r]);
  return [...byPort].map(([port, rs]) => {
    const targets = rs.map(target).filter((t) => t.gateway);
    const decided = targets.some((t) => !t.unknown);
    const row: ServePort = { port, address, family: address.includes(':') ? 6 : 4, routes: rs, funnel: rs.some((r) => r.funnel), gateway: targets.length > 0 };
    if (!decided && targets[0]?.unknown) row.unknown = targets[0].unknown;
    return row;
  });
}

export function describeServePort(s: ServePort): string {
  return s.routes.map(describeRoute).join('; ');
}

/** Served by tailscaled itself, before netfilter: from the tailnet, and from anywhere with Funnel. */
export function servedByTailscaled(s: ServePort, zone: Zone): Attempt | undefined {
  const served = describeServePort(s);
  const source = zone.source[s.family] ?? '';
  const attempt = (reason: string, destination: string): Attempt => ({
    verdict: s.unknown ? 'unknown' : 'open',
    destination,
    source,
    reason,
    path: [{ hook: 'tailscale', table: '', chain: '', text: reason, action: 'accept' }],
  });
  if (zone.kind === 'tailnet') {
    return attempt(
      `tailscaled answers tailnet peers on :${s.port} itself, before the host firewall, and proxies them (${served}); the tailnet's access rules decide which peers${s.unknown ? `; whether it leads to the gateway is unknown: ${s.unknown}` : ''}`,
      s.address,
    );
  }
  if (s.funnel && zone.kind !== 'loopback') {
    // Funnel's clients connect to the node's public name, at Tailscale's relays.
    const name = s.routes.find((r) => r.funnel)?.listen.replace(/:\d+$/, '');
    return attempt(
      `Tailscale Funnel: anyone on the internet reaches :${s.port} through Tailscale's relays, and tailscaled proxies them (${served}); the host firewall never sees it${s.unknown ? `; whether it leads to the gateway is unknown: ${s.unknown}` : ''}`,
      name || s.address,
    );
  }
  return undefined;
}

/**
 * A packet to the Serve port from outside the tailnet: it meets the kernel, not tailscaled,
 * so it never reaches what Serve leads to. A kernel socket on the same port (a web server on
 * 0.0.0.0:443) has its own row; for this one the packet is `closed` when it gets to the host.
 */
export function judgeWithoutServe(result: SimResult, packet: Packet, family: 4 | 6, sockets: readonly Socket[]): Attempt {
  const decided = judgePath(result, packet);
  if (decided) return decided;
  let text: string;
  if (result.disposition === 'forward') {
    text = `forwarded to ${result.daddr}:${result.dport}, not to tailscaled: Serve answers tailnet peers only`;
  } else {
    const taker = sockets.find((s) => socketAccepts(s, { family, protocol: 'tcp', daddr: result.daddr, dport: result.dport, iif: packet.iif }));
    text = taker
      ? `reaches the host's kernel, where ${taker.address}:${taker.port}${taker.process ? ` (${taker.process})` : ''} takes it (its own row), not tailscaled: Serve answers tailnet peers only`
      : `reaches the host, but no socket of the kernel takes :${result.dport}: tailscaled serves it to tailnet peers only`;
  }
  return {
    destination: packet.daddr,
    source: packet.saddr,
    verdict: 'closed',
    reason: text,
    path: [...result.steps, { hook: 'socket', table: '', chain: '', text, action: 'closed' }],
  };
}

/** A Serve port as a door with no kernel listener: tailscaled answers its tailnet peers (and Funnel's). */
export function serveRow(s: ServePort): UserSpaceRow {
  const target = s.routes.find((r) => r.targetPort !== undefined)?.target ?? s.routes[0]?.target ?? '';
  return {
    address: s.address,
    port: s.port,
    family: s.family,
    process: 'tailscaled',
    gateway: s.gateway,
    serve: describeServePort(s),
    door: { kind: 'tailscale', via: describeServePort(s), target },
    answer: (zone) => servedByTailscaled(s, zone),
  };
}

/**
 * The rows of doors with no kernel listener (Serve ports, outbound tunnels) and their cells, one
 * per zone: what the door answers itself first; else what `otherwise` says; else the packet
 * meets the kernel at the row's address, where no socket of the door is.
 */
export function userSpaceRows(
  rows: readonly UserSpaceRow[],
  zones: readonly Zone[],
  host: { simulator: Simulator; sockets: readonly Socket[]; rulesetKnown: boolean },
): { listeners: ReachListener[]; cells: ReachCell[] } {
  const listeners: ReachListener[] = [];
  const cells: ReachCell[] = [];
  for (const s of rows) {
    const listener: ReachListener = { address: s.address, port: s.port, protocol: 'tcp', process: s.process, gateway: s.gateway, door: s.door };
    if (s.pid !== undefined) listener.pid = s.pid;
    if (s.serve !== undefined) listener.serve = s.serve;
    listeners.push(listener);
    for (const zone of zones) {
      const saddr = zone.source[s.family];
      let best = s.answer(zone);
      if (!best && s.otherwise) {
        best = s.otherwise(zone);
      } else if (!best && !host.rulesetKnown && zone.kind !== 'loopback') {
        best = {
          verdict: 'unknown',
          destination: zone.targets[s.family][0] ?? '',
          source: saddr ?? '',
          reason: 'the firewall ruleset could not be read',
          path: [],
        };
      } else if (!best && saddr) {
        // The row's address first: of equal answers, the cell names the one the row is about.
        const targets = [...zone.targets[s.family]].sort((x, y) => Number(y === s.address) - Number(x === s.address));
        for (const daddr of targets) {
          const packet: Packet = { family: s.family === 4 ? 'ip' : 'ip6', iif: zone.interface, saddr, daddr, protocol: 'tcp', sport: 40000, dport: s.port };
          const attempt = judgeWithoutServe(
            host.simulator.simulate(packet, answerFor(host.sockets, s.family, 'tcp', packet.iif)),
            packet,
            s.family,
            host.sockets,
          );
          if (!best || RANK[attempt.verdict] > RANK[best.verdict]) best = attempt;
        }
      }
      cells.push(cellOf(listener, zone, best, s.family, saddr ?? ''));
    }
  }
  return { listeners, cells };
}
