import type { HostTable, Route } from './host.js';
import { isLinkLocal6, isLoopback4, isLoopback6, isMulticast } from './ip.js';
import type { Pkt } from './packet.js';
import type { DropReason } from './types.js';

/**
 * The routing decision on the (translated) destination, for a packet that arrived on an
 * interface or that the host itself sends. Linux is a weak host: any local address is
 * delivered locally whatever interface the packet came in on.
 */

export type RouteDecision =
  | { kind: 'local'; text: string }
  | { kind: 'forward'; oif: string; text: string }
  | { kind: 'drop'; reason: DropReason; text: string; rejectWith?: string }
  /** Broadcast/multicast destinations: not delivered to a TCP socket, not modelled for UDP. */
  | { kind: 'special'; text: string };

function owned(owners: string[], iif: string): string {
  if (owners.includes(iif)) return `address of ${iif}`;
  return `address of ${owners.join(', ')}; weak host: accepted on ${iif}`;
}

export function routeInput(host: HostTable, p: Pkt): RouteDecision {
  const d = p.daddr;
  const iif = p.iif;
  if (p.family === 'ip') {
    if (isLoopback4(p.saddr.words) && iif !== 'lo' && !host.ipv4ConfOr(iif, 'route_localnet')) {
      return { kind: 'drop', reason: 'martian', text: `martian source: ${p.saddr.text} on ${iif} without route_localnet` };
    }
    if (isMulticast('ip', d.words) || host.isBroadcast4(d)) return { kind: 'special', text: `route: ${d.text} is a broadcast/multicast destination` };
    if (isLoopback4(d.words) && iif !== 'lo' && !host.ipv4ConfOr(iif, 'route_localnet')) {
      return { kind: 'drop', reason: 'martian', text: `martian: ${d.text} on ${iif} without route_localnet` };
    }
    const mode = iif === 'lo' ? 0 : host.rpFilter(iif);
    if (mode !== 0 && !host.reversePathOk(p.saddr, iif, mode === 2, false)) {
      const why = mode === 2 ? `no route back to ${p.saddr.text}` : `the route back to ${p.saddr.text} does not leave via ${iif}`;
      return { kind: 'drop', reason: 'rp-filter', text: `rp_filter=${mode} on ${iif}: ${why}` };
    }
  } else if (isLoopback6(d.words) && iif !== 'lo') {
    // Only after a DNAT to ::1 (the raw address is a martian before any hook): the input route
    // lookup for a loopback address must match the input device strictly (rt6_need_strict),
    // the ::1 route is on lo, so there is no route; the kernel answers ICMPv6 no-route.
    return {
      kind: 'drop',
      reason: 'no-route',
      text: `route: ${d.text} is only reachable on lo, not from ${iif}: no route`,
      rejectWith: 'icmp6 no-route (route)',
    };
  } else if (isMulticast('ip6', d.words)) {
    // Neighbour discovery goes to the solicited-node group, which every interface joins for its addresses.
    if (p.proto === 58) return { kind: 'local', text: `route: multicast ${d.text} delivered locally on ${iif}` };
    return { kind: 'special', text: `route: ${d.text} is a multicast destination` };
  }

  const owners = host.localOwners(d);
  if (owners && !(p.family === 'ip6' && isLinkLocal6(d.words) && !owners.includes(iif))) {
    return { kind: 'local', text: `route: local delivery to ${d.text} (${owned(owners, iif)})` };
  }
  if (!host.forwarding(p.family, iif)) {
    const sysctl = p.family === 'ip' ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding';
    return { kind: 'drop', reason: 'forwarding-off', text: `route: ${d.text} is not a local address and ${sysctl} is 0: dropped` };
  }
  if (p.family === 'ip6' && isLinkLocal6(d.words)) {
    return { kind: 'drop', reason: 'no-route', text: `route: link-local ${d.text} is not an address of ${iif} and is never forwarded` };
  }
  return forwardRoute(host, p, host.lookup(d), 'forward');
}

function forwardRoute(host: HostTable, p: Pkt, route: Route | undefined, verb: string): RouteDecision {
  const d = p.daddr;
  if (!route) return { kind: 'drop', reason: 'no-route', text: `route: no route to ${d.text} (the kernel answers ICMP net unreachable, rate-limited)` };
  switch (route.type) {
    case 'unicast':
      break;
    case 'local':
      return { kind: 'local', text: `route: local delivery to ${d.text} (local route ${route.text})` };
    case 'blackhole':
      return { kind: 'drop', reason: 'route-type', text: `route: blackhole route ${route.text}` };
    case 'unreachable':
      return { kind: 'drop', reason: 'route-type', text: `route: unreachable route ${route.text}`, rejectWith: 'icmp host-unreachable (route)' };
    case 'prohibit':
      return { kind: 'drop', reason: 'route-type', text: `route: prohibit route ${route.text}`, rejectWith: 'icmp admin-prohibited (route)' };
    default:
      return { kind: 'drop', reason: 'no-route', text: `route: ${route.type} route ${route.text} is not modelled as a path` };
  }
  const oif = host.deviceOf(route);
  if (oif === undefined) return { kind: 'drop', reason: 'no-route', text: `route: ${route.text} names no device` };
  return { kind: 'forward', oif, text: `route: ${verb} via ${oif} (route ${route.text})` };
}

/** Locally generated: local destinations loop back through lo; others leave by their route. */
export function routeOutput(host: HostTable, p: Pkt): RouteDecision {
  const d = p.daddr;
  if (host.isLocal(d)) return { kind: 'local', text: `route: ${d.text} is local: looped back through lo` };
  if (isMulticast(p.family, d.words) || host.isBroadcast4(d)) return { kind: 'special', text: `route: ${d.text} is a broadcast/multicast destination` };
  const decision = forwardRoute(host, p, host.lookup(d), 'out');
  if (decision.kind !== 'forward') return decision;
  // A loopback source may not leave the host (e.g. 127.0.0.1 → a published port that OUTPUT DNATs
  // to a container): the kernel refuses the route unless route_localnet is set on the way out.
  if (p.family === 'ip' && isLoopback4(p.saddr.words) && !host.ipv4ConfOr(decision.oif, 'route_localnet')) {
    return {
      kind: 'drop',
      reason: 'martian',
      text: `${decision.text}, but the source ${p.saddr.text} may not leave via ${decision.oif} without route_localnet: dropped`,
    };
  }
  if (p.family === 'ip6' && isLoopback6(p.saddr.words)) {
    return { kind: 'drop', reason: 'martian', text: `${decision.text}, but the source ${p.saddr.text} never leaves the host: dropped` };
  }
  return decision;
}
