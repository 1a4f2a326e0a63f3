import ipaddr from 'ipaddr.js';
import type { Snapshot } from '../snapshot/types.js';
import { isOwnTailnetAddress, parseAddress } from './addresses.js';
import { UserError } from '../errors.js';

/**
 * Zones are where a client can stand: the loopback, each interface of the host
 * (classed internet, lan, tailnet or docker) and any zone the user names. For each,
 * the source address a client there would use, and the host addresses it can aim at:
 * Linux is a weak-host system, so a client on the same link (LAN, Docker bridge,
 * tailnet) can send to *any* local address through that link, while the internet
 * reaches only the addresses routed to that interface.
 *
 * Every up interface that is no bridge or bond port gets a zone, even one with only link-local
 * addresses: a neighbour there reaches a listener on `::` through the interface's fe80:: address.
 */

export type ZoneKind = 'loopback' | 'internet' | 'lan' | 'tailnet' | 'docker' | 'custom';

export interface Zone {
  name: string;
  kind: ZoneKind;
  interface: string;
  /** The client address per family (absent when the zone has no address of that family). */
  source: { 4?: string; 6?: string };
  /** Host addresses the zone can aim at, per family. */
  targets: { 4: string[]; 6: string[] };
  /** Why the zone got its kind, for the explanation. */
  reason: string;
}

export interface ZoneSpec {
  name: string;
  iface: string;
  source?: string;
}

const INTERNET_CLIENTS = { 4: ['203.0.113.77', '192.0.2.77', '198.51.100.77'], 6: ['2001:db8:ffff::77', '2001:db8:fffe::77'] } as const;

/** Parse `--zone NAME=IFACE[:SRC_ADDR]`. */
export function parseZoneSpec(text: string): ZoneSpec {
  const match = /^([A-Za-z0-9_.-]+)=([A-Za-z0-9_.@+-]+)(?::(.+))?$/.exec(text);
  if (!match) throw new UserError(`--zone ${text}: expected NAME=IFACE[:SRC_ADDR], e.g. --zone office=eth1:192.168.1.50`);
  const spec: ZoneSpec = { name: match[1]!, iface: match[2]! };
  if (match[3] !== undefined) {
    const source = match[3].replace(/^\[|\]$/g, '');
    if (!parseAddress(source)) throw new UserError(`--zone ${text}: "${match[3]}" is not an IP address`);
    spec.source = source;
  }
  return spec;
}

interface LocalAddress {
  iface: string;
  address: string;
  prefixlen: number;
  family: 4 | 6;
}

/** The host's addresses, those of `scope link` apart: a link-local address is reached only from its own link. */
function localAddresses(snapshot: Snapshot, scope: 'link' | 'wider'): LocalAddress[] {
  if (snapshot.network.interfaces.status !== 'ok') return [];
  return snapshot.network.interfaces.data.flatMap((i) =>
    i.addresses
      .filter((a) => (a.scope === 'link') === (scope === 'link'))
      .map((a) => ({ iface: i.name, address: a.address, prefixlen: a.prefixlen, family: a.family })),
  );
}

function inAnySubnet(address: string, locals: LocalAddress[]): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  return locals.some((l) => {
    const net = parseAddress(l.address);
    return net !== undefined && net.kind() === parsed.kind() && parsed.match(net, l.prefixlen);
  });
}

/** A neighbour's address on the interface's subnet: the network address plus a free host number. */
function neighbourOf(local: LocalAddress, locals: LocalAddress[]): string | undefined {
  const parsed = parseAddress(local.address);
  if (!parsed) return undefined;
  const bytes = parsed.toByteArray();
  const hostBits = bytes.length * 8 - local.prefixlen;
  if (hostBits < 2) return undefined;
  const size = hostBits >= 16 ? 65536 : 2 ** hostBits;
  const network = bytes.map((b, i) => {
    const bitsBefore = i * 8;
    const keep = Math.max(0, Math.min(8, local.prefixlen - bitsBefore));
    return b & (0xff << (8 - keep)) & 0xff;
  });
  const taken = new Set(locals.map((l) => parseAddress(l.address)?.toString()));
  for (const offset of [200, 50, 20, 2, 3, 1, size - 2]) {
    if (offset <= 0 || offset >= size - 1) continue;
    const candidate = [...network];
    candidate[candidate.length - 1] = (candidate[candidate.length - 1]! | (offset & 0xff)) & 0xff;
    candidate[candidate.length - 2] = (candidate[candidate.length - 2]! | (offset >> 8)) & 0xff;
    const text = ipaddr.fromByteArray(candidate).toString();
    if (!taken.has(text)) return text;
  }
  return undefined;
}

function internetClient(family: 4 | 6, locals: LocalAddress[]): string {
  return INTERNET_CLIENTS[family].find((a) => !inAnySubnet(a, locals)) ?? INTERNET_CLIENTS[family][0];
}

function isPublic(address: string): boolean {
  const parsed = parseAddress(address);
  return parsed !== undefined && parsed.range() === 'unicast';
}

/**
 * What an interface faces. The default route comes first: whatever its IPv4 address (a 100.64.0.0/10
 * one is carrier-grade NAT on mobile, LTE and Starlink links), the internet routes to it. Then the
 * tailnet (tailscale*, or an address `tailscale status` lists as this node's own), Docker's bridges,
 * and a public address of either family: a global IPv6 makes the interface face the internet, whatever
 * its IPv4 is.
 */
function zoneKind(
  snapshot: Snapshot,
  iface: string,
  own: LocalAddress[],
  defaultRoutes: { dev?: string }[],
  dockerBridges: Map<string, string>,
): { kind: ZoneKind; reason: string } {
  if (defaultRoutes.some((r) => r.dev === iface)) return { kind: 'internet', reason: 'it holds the default route' };
  if (/^tailscale/.test(iface)) return { kind: 'tailnet', reason: 'a Tailscale interface' };
  if (own.some((l) => isOwnTailnetAddress(l.address, snapshot, iface)))
    return { kind: 'tailnet', reason: 'an address `tailscale status` lists as this node’s' };
  const bridge = dockerBridges.get(iface);
  if (bridge !== undefined) return { kind: 'docker', reason: `the bridge of Docker network ${bridge}` };
  if (own.some((l) => isPublic(l.address))) return { kind: 'internet', reason: 'it has a public address' };
  return { kind: 'lan', reason: own.length > 0 ? 'a private subnet' : 'a link with only link-local addresses' };
}

export function buildZones(snapshot: Snapshot, extra: ZoneSpec[] = []): Zone[] {
  const locals = localAddresses(snapshot, 'wider');
  const linkLocals = localAddresses(snapshot, 'link');
  const all = { 4: locals.filter((l) => l.family === 4).map((l) => l.address), 6: locals.filter((l) => l.family === 6).map((l) => l.address) };
  // Same-link clients can also aim at 127.0.0.1 / ::1: routing drops those as martians unless a DNAT moves them first.
  const sameLink = { 4: [...new Set([...all[4], '127.0.0.1'])], 6: [...new Set([...all[6], '::1'])] };
  const routes = snapshot.network.routes.status === 'ok' ? snapshot.network.routes.data : [];
  const defaultRoutes = routes.filter((r) => r.dst === 'default' && (r.table === undefined || r.table === 'main'));
  const dockerBridges = new Map<string, string>();
  if (snapshot.docker.status === 'ok') for (const n of snapshot.docker.data.networks) if (n.bridgeName) dockerBridges.set(n.bridgeName, n.name);

  const zones: Zone[] = [
    {
      name: 'loopback',
      kind: 'loopback',
      interface: 'lo',
      source: { 4: '127.0.0.1', 6: '::1' },
      targets: { 4: [...all[4].filter((a) => a !== '127.0.0.1'), '127.0.0.1'], 6: [...all[6].filter((a) => a !== '::1'), '::1'] },
      reason: 'the host itself',
    },
  ];
  const interfaces = snapshot.network.interfaces.status === 'ok' ? snapshot.network.interfaces.data : [];
  for (const iface of interfaces) {
    // A bridge or bond port takes in nothing of its own: what arrives on it is the master's.
    if (iface.name === 'lo' || !iface.up || iface.master !== undefined) continue;
    const own = locals.filter((l) => l.iface === iface.name);
    const ownLinkLocal = linkLocals.filter((l) => l.iface === iface.name);
    if (own.length === 0 && ownLinkLocal.length === 0) continue;
    const { kind, reason } = zoneKind(snapshot, iface.name, own, defaultRoutes, dockerBridges);
    const source: Zone['source'] = {};
    for (const family of [4, 6] as const) {
      if (kind === 'internet') {
        if (own.some((l) => l.family === family)) source[family] = internetClient(family, locals);
        continue;
      }
      // A neighbour in the subnet of a routable address; on an interface with none, on its link-local one.
      const base = own.length > 0 ? own.find((l) => l.family === family) : ownLinkLocal.find((l) => l.family === family);
      const neighbour = base && neighbourOf(base, [...locals, ...ownLinkLocal]);
      if (neighbour) source[family] = neighbour;
    }
    // The internet reaches only the addresses routed to this interface; a neighbour on the link also
    // reaches this interface's own link-local addresses.
    const targets =
      kind === 'internet'
        ? { 4: own.filter((l) => l.family === 4).map((l) => l.address), 6: own.filter((l) => l.family === 6).map((l) => l.address) }
        : ownLinkLocal.length === 0 || own.length > 0
          ? sameLink
          : {
              4: [...sameLink[4], ...ownLinkLocal.filter((l) => l.family === 4).map((l) => l.address)],
              6: [...sameLink[6], ...ownLinkLocal.filter((l) => l.family === 6).map((l) => l.address)],
            };
    const name = kind === 'docker' ? `docker:${dockerBridges.get(iface.name)}` : `${kind}:${iface.name}`;
    zones.push({ name, kind, interface: iface.name, source, targets, reason });
  }
  for (const spec of extra) {
    const ifaceKnown = interfaces.some((i) => i.name === spec.iface);
    if (!ifaceKnown)
      throw new UserError(
        `--zone ${spec.name}=${spec.iface}: this host has no interface ${spec.iface} (it has ${interfaces.map((i) => i.name).join(', ') || 'none that could be read'})`,
      );
    const own = locals.filter((l) => l.iface === spec.iface);
    const source: Zone['source'] = {};
    if (spec.source) source[spec.source.includes(':') ? 6 : 4] = spec.source;
    else {
      const v4 = own.find((l) => l.family === 4);
      const s4 = v4 && neighbourOf(v4, locals);
      if (s4) source[4] = s4;
    }
    zones.push({ name: spec.name, kind: 'custom', interface: spec.iface, source, targets: sameLink, reason: 'named with --zone' });
  }
  return zones;
}
