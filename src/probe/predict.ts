import ipaddr from 'ipaddr.js';
import type { AnalysisContext } from '../model/context.js';
import { unsocketedListeners } from '../model/docker.js';
import { socketAccepts } from '../model/listeners.js';
import { hostFacts, judge, type ReachVerdict } from '../model/reach.js';
import { buildZones } from '../model/zones.js';
import { prepare } from '../netfilter/simulate/index.js';
import type { Packet } from '../netfilter/simulate/types.js';
import type { Socket } from '../snapshot/types.js';

export interface Prediction {
  zone: string;
  verdict: ReachVerdict;
  reason: string;
  path: string[];
}

/** Where a probe came from, as far as the host can tell. */
export type Origin =
  /** The host itself: the kernel picks the destination as the source, and the packet loops through lo. */
  | { kind: 'host' }
  /** A client with a known source address (a namespace reports it); the ingress is the host's route back to it. */
  | { kind: 'client'; source: string }
  /** A client we know nothing of: assume it arrives on the interface that owns the address it aims at. */
  | { kind: 'owner' };

/**
 * The reach model's answer for one address and port from one origin: the same simulator and
 * socket matching as `clawmoat reach`, for a single packet. Null when the model has nothing to say
 * (the target is not one of the host's addresses, or the ruleset could not be read).
 */
export function predictor(ctx: AnalysisContext): (address: string, port: number, origin: Origin) => Prediction | null {
  const snapshot = ctx.snapshot;
  const facts = hostFacts(snapshot);
  const simulator = prepare(ctx.netfilter.ruleset, facts);
  const rulesetKnown = ctx.netfilter.readable;
  const listening = snapshot.sockets.status === 'ok' ? snapshot.sockets.data : [];
  const unsocketed = unsocketedListeners(snapshot, ctx.gateway.ports);
  const sockets = [...listening, ...unsocketed.gateway, ...unsocketed.doors].filter((s) => s.protocol === 'tcp');
  // The zones alone, not ctx.reach(): the whole matrix would cost as much again as every prediction.
  const zones = buildZones(snapshot, ctx.zoneSpecs);
  const owners = new Map(facts.addresses.map((a) => [normalize(a.address), a.iface]));
  const ingressFor = ingressLookup(facts);

  return (address, port, origin) => {
    const daddr = normalize(address);
    const family = ipaddr.isValid(daddr) ? (ipaddr.parse(daddr).kind() === 'ipv4' ? 4 : 6) : undefined;
    const owner = owners.get(daddr);
    if (!family || owner === undefined) return null;
    let iif: string;
    let saddr: string;
    if (origin.kind === 'host') {
      iif = 'lo';
      saddr = daddr;
    } else {
      const via = origin.kind === 'client' ? (ingressFor(origin.source) ?? owner) : owner;
      const zone = zones.find((z) => z.interface === via);
      iif = via;
      saddr = origin.kind === 'client' ? origin.source : (zone?.source[family] ?? (family === 4 ? '203.0.113.77' : '2001:db8:ffff::77'));
    }
    const zoneName = origin.kind === 'host' ? 'loopback (this host)' : (zones.find((z) => z.interface === iif)?.name ?? iif);
    if (!rulesetKnown && origin.kind !== 'host')
      return { zone: zoneName, verdict: 'unknown', reason: 'the firewall ruleset could not be read (run as root)', path: [] };
    const packet: Packet = { family: family === 4 ? 'ip' : 'ip6', iif, saddr, daddr, protocol: 'tcp', sport: 40000, dport: port };
    const socket = pickSocket(sockets, packet, family) ?? { protocol: 'tcp', address: family === 4 ? '0.0.0.0' : '::', port: -1, family };
    const attempt = judge(simulator.simulate(packet), socket, packet, family);
    const reason = socket.port === -1 && attempt.verdict === 'closed' ? 'reaches the host, but nothing listens on this port' : attempt.reason;
    return {
      zone: zoneName,
      verdict: attempt.verdict,
      reason,
      path: attempt.path.map((s) => [s.hook, s.table, s.chain, s.rule ? `#${s.rule}` : '', s.text].filter(Boolean).join(' ')),
    };
  };
}

function normalize(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.process(address).toString() : address;
}

function pickSocket(sockets: Socket[], packet: Packet, family: 4 | 6): Socket | undefined {
  const query = { family, protocol: 'tcp' as const, daddr: packet.daddr, dport: packet.dport, iif: packet.iif };
  return sockets.find((s) => socketAccepts(s, query)) ?? sockets.find((s) => s.port === packet.dport);
}

type Prefix = { iface: string; net: ipaddr.IPv4 | ipaddr.IPv6; length: number };

/**
 * The interface the host would answer a source through: its connected subnets first, then its
 * routes, longest prefix wins. The prefixes are parsed once, and each source looked up once:
 * every result from one vantage point comes from the same source.
 */
function ingressLookup(facts: ReturnType<typeof hostFacts>): (source: string) => string | undefined {
  const prefixes: Prefix[] = [];
  const add = (iface: string | undefined, cidr: string) => {
    if (!iface) return;
    try {
      if (cidr === 'default') {
        prefixes.push({ iface, net: ipaddr.parse('0.0.0.0'), length: 0 }, { iface, net: ipaddr.parse('::'), length: 0 });
        return;
      }
      const [net, length] = ipaddr.parseCIDR(cidr);
      prefixes.push({ iface, net, length });
    } catch {
      // A route we cannot read says nothing about any source.
    }
  };
  for (const a of facts.addresses) add(a.iface, `${a.address}/${a.prefixlen}`);
  for (const r of facts.routes) add(r.dev, r.dst);
  const known = new Map<string, string | undefined>();
  return (source) => {
    if (known.has(source)) return known.get(source);
    let best: Prefix | undefined;
    if (ipaddr.isValid(source)) {
      const ip = ipaddr.process(source);
      for (const p of prefixes) {
        if (p.net.kind() !== ip.kind() || (best && p.length <= best.length)) continue;
        if (ip.match(p.net, p.length)) best = p;
      }
    }
    known.set(source, best?.iface);
    return best?.iface;
  };
}
