import ipaddr from 'ipaddr.js';
import type { Snapshot } from '../snapshot/types.js';
import { isOwnTailnetAddress, parseAddress } from './addresses.js';
import { UserError } from '../errors.js';
import type { ZoneSpace } from './zone-sources.js';

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
  /** The client address per family (absent when the zone has no address of that family, or none could be found). */
  source: { 4?: string; 6?: string };
  /**
   * Families in which the interface has an address but no client address could be found (a /32
   * with no route via the interface): the zone's clients exist, the model cannot name one.
   */
  unsourced?: (4 | 6)[];
  /** Host addresses the zone can aim at, per family. */
  targets: { 4: string[]; 6: string[] };
  /** Why the zone got its kind, for the explanation. */
  reason: string;
  /**
   * The client addresses tried per family, one per class of addresses the ruleset tells apart
   * (model/zone-sources.ts); `source` is the first. Set by the reach model.
   */
  sources?: { 4: string[]; 6: string[] };
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

/** Tailscale's address ranges: a tailnet peer is in one of them whatever the node's own /32 says. */
const TAILNET_RANGES = { 4: { address: '100.64.0.0', prefixlen: 10 }, 6: { address: 'fd7a:115c:a1e0::', prefixlen: 48 } } as const;

/**
 * A client beyond an interface whose own address has no room for a neighbour (a /32 or /128:
 * Tailscale, cloud private networks): an address the host routes out of that interface (a host
 * route's own address, else a neighbour in a routed prefix); on a tailnet interface with no such
 * route, an address in Tailscale's ranges.
 */
function routedClient(
  iface: string,
  family: 4 | 6,
  kind: ZoneKind,
  routes: { family: 4 | 6; dst: string; dev?: string; type?: string }[],
  taken: LocalAddress[],
): string | undefined {
  const own = new Set(taken.map((l) => parseAddress(l.address)?.toString()));
  const prefixes: LocalAddress[] = [];
  for (const r of routes) {
    if (r.dev !== iface || r.family !== family || r.dst === 'default' || (r.type !== undefined && r.type !== 'unicast')) continue;
    const [address, length] = r.dst.split('/');
    const parsed = address === undefined ? undefined : parseAddress(address);
    if (!parsed || parsed.range() === 'multicast' || parsed.range() === 'linkLocal') continue;
    const prefixlen = length === undefined ? (family === 4 ? 32 : 128) : Number(length);
    prefixes.push({ iface, address: parsed.toString(), prefixlen, family });
  }
  // The widest routed prefix first: a host route is one peer, a subnet many.
  prefixes.sort((a, b) => a.prefixlen - b.prefixlen);
  if (kind === 'tailnet') prefixes.push({ iface, ...TAILNET_RANGES[family], family });
  for (const p of prefixes) {
    const neighbour = neighbourOf(p, taken);
    if (neighbour) return neighbour;
    if (p.prefixlen === (family === 4 ? 32 : 128) && !own.has(p.address)) return p.address;
  }
  return undefined;
}

/**
 * Address ranges that are no internet client: private, shared, loopback, link-local, documentation,
 * benchmarking, multicast and reserved (IANA special-purpose registries). Every bogon list drops them.
 */
const NOT_INTERNET = {
  4: [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.88.99.0/24',
    '192.168.0.0/16',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '224.0.0.0/3',
  ],
  6: ['2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20'],
} as const;

/**
 * Where the clients of ZONE can be, per family: the internet is every public address outside the
 * host's own subnets and the prefixes it routes out of another interface; any other zone is its
 * interface's subnets and what the host routes out of it (Tailscale's ranges on a tailnet), the
 * host's own addresses apart. The loopback, and a zone named with --zone, are their one client address.
 */
/** The kernel's fe80::/64 (and multicast) route of every IPv6 link: a client there must name the link to send. */
const LINK_SCOPED_ROUTE = /^f[ef][0-9a-f]{2}:/i;

export function zoneSpace(snapshot: Snapshot, zone: Zone, family: 4 | 6): ZoneSpace {
  const own = zone.source[family];
  if (zone.kind === 'loopback' || zone.kind === 'custom') return { include: own ? [own] : [], exclude: [] };
  const locals = [...localAddresses(snapshot, 'wider'), ...localAddresses(snapshot, 'link')].filter((l) => l.family === family);
  const routes = (snapshot.network.routes.status === 'ok' ? snapshot.network.routes.data : []).filter(
    (r) => r.family === family && r.dst !== 'default' && (r.type === undefined || r.type === 'unicast'),
  );
  const hosts = locals.map((l) => l.address);
  if (zone.kind === 'internet') {
    const elsewhere = [
      ...locals.map((l) => `${l.address}/${l.prefixlen}`),
      ...routes.filter((r) => r.dev !== zone.interface && (r.table === undefined || r.table === 'main')).map((r) => r.dst),
    ];
    return { include: [family === 4 ? '0.0.0.0/0' : '2000::/3'], exclude: [...NOT_INTERNET[family], ...elsewhere, ...hosts] };
  }
  // A link's link-local prefix only when it has nothing wider, as for the zone's own source.
  const wider = localAddresses(snapshot, 'wider').filter((l) => l.iface === zone.interface);
  const subnets = wider.length > 0 ? wider.filter((l) => l.family === family) : locals.filter((l) => l.iface === zone.interface);
  const include = [
    ...subnets.map((l) => `${l.address}/${l.prefixlen}`),
    ...routes.filter((r) => r.dev === zone.interface && !LINK_SCOPED_ROUTE.test(r.dst)).map((r) => r.dst),
  ];
  if (zone.kind === 'tailnet') include.push(`${TAILNET_RANGES[family].address}/${TAILNET_RANGES[family].prefixlen}`);
  if (own !== undefined) include.push(own);
  return { include, exclude: hosts };
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
    const unsourced: (4 | 6)[] = [];
    for (const family of [4, 6] as const) {
      if (kind === 'internet') {
        if (own.some((l) => l.family === family)) source[family] = internetClient(family, locals);
        continue;
      }
      // A neighbour in the subnet of a routable address; on an interface with none, on its link-local one;
      // with only a /32 (/128), a client the host routes out of the interface.
      const bases = own.length > 0 ? own.filter((l) => l.family === family) : ownLinkLocal.filter((l) => l.family === family);
      const taken = [...locals, ...ownLinkLocal];
      const neighbour =
        bases.map((b) => neighbourOf(b, taken)).find((n) => n !== undefined) ??
        (own.some((l) => l.family === family) ? routedClient(iface.name, family, kind, routes, taken) : undefined);
      if (neighbour) source[family] = neighbour;
      else if (bases.length > 0) unsourced.push(family);
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
    const zone: Zone = { name, kind, interface: iface.name, source, targets, reason };
    if (unsourced.length > 0) zone.unsourced = unsourced;
    zones.push(zone);
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
