import type { HostTable } from './host.js';
import { isLinkLocal6, parseIp, sameWords, solicitedNode, type Ip } from './ip.js';
import type { Pkt } from './packet.js';

/**
 * IPv6 neighbour discovery as packets the ruleset sees (IPv4's ARP never meets ip/inet
 * tables). Before a host sends anything to a neighbour it must know its link-layer address:
 *
 *  - a client on the link solicits the host (NS to the solicited-node group, through the
 *    host's prerouting/input), the host advertises back (NA, through output/postrouting), and
 *    keeps the client's address from the solicitation, so its answers to that client need nothing more;
 *  - to send to any other neighbour (the gateway of an off-link client, a container a DNAT
 *    forwards to) the host solicits it (NS out) and must receive its advertisement (NA in,
 *    unicast to the solicitation's source, through prerouting/input). A ruleset that drops
 *    that NA silently cuts every path through that neighbour.
 *
 * All of it is ICMPv6 with hop limit 255, left untracked by conntrack.
 */

/** An ND message built on `base` (which supplies the family and the run-time defaults). */
export function ndPacket(base: Pkt, m: { type: 135 | 136; saddr: Ip; daddr: Ip; iif: string; oif: string }): Pkt {
  return {
    ...base,
    iif: m.iif,
    oif: m.oif,
    saddr: m.saddr,
    daddr: m.daddr,
    origDaddr: m.daddr,
    proto: 58,
    sport: 0,
    dport: 0,
    origDport: 0,
    dyn: undefined,
    icmpType: m.type,
    icmpCode: 0,
    hopLimit: 255,
    pkttype: m.daddr.words[0] !== undefined && m.daddr.words[0] >>> 24 === 0xff ? 'multicast' : 'host',
    tcpFlags: 0,
    mark: 0,
    markKnown: true,
    ctmark: 0,
    ctmarkKnown: true,
    ct: 'none',
    untrackedByConntrack: true,
    dnat: false,
    snatTo: undefined,
    reply: undefined,
    confirmed: false,
  };
}

/** The solicited-node group the NS for `target` goes to. */
export function solicitationGroup(target: Ip): Ip {
  return solicitedNode(target.words);
}

/**
 * The source of the host's own NS on `oif` (ndisc_solicit): the triggering packet's source if
 * that address is on `oif`, else a link-local address of `oif`. undefined: `oif` has no IPv6
 * address in the snapshot (then nothing can be said).
 */
export function solicitationSource(host: HostTable, oif: string, trigger: Ip): Ip | undefined {
  if (host.localOwners(trigger)?.includes(oif)) return trigger;
  const own = host.addressesOf(oif).filter((a) => a.ip.family === 'ip6');
  return (own.find((a) => isLinkLocal6(a.ip.words)) ?? own[0])?.ip;
}

/** The neighbour a packet to `dst` is handed to: the route's gateway, or `dst` itself on the link. */
export function nextHop(host: HostTable, dst: Ip): Ip | undefined {
  const route = host.lookup(dst);
  if (!route || route.type !== 'unicast') return undefined;
  if (route.gateway === undefined) return dst;
  const gw = parseIp(route.gateway);
  return gw && gw.family === dst.family ? gw : undefined;
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && sameWords(a.words, b.words);
}
