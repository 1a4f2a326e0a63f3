import ipaddr from 'ipaddr.js';
import type { Snapshot } from '../snapshot/types.js';
import { tailscaleStatusAddresses } from './tailscale/status-ips.js';

/** Address classes the checks reason about. */
export type AddressClass = 'wildcard' | 'loopback' | 'tailnet' | 'vpn' | 'private' | 'link-local' | 'public' | 'invalid';

const TAILNET_V4 = ipaddr.parseCIDR('100.64.0.0/10');
const TAILNET_V6 = ipaddr.parseCIDR('fd7a:115c:a1e0::/48');
const VPN_INTERFACE = /^(tailscale\d*|wg\d*|tun\d*|zt\w*|nebula\d*)$/;

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** A dotted quad as the kernel prints it (no leading zeros, no brackets or zone): its own canonical text. */
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** True when TEXT is an IPv4 address written the one way parseAddress(TEXT).toString() writes it back. */
export function isCanonicalV4(text: string): boolean {
  return DOTTED_QUAD.test(text);
}

export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  // Most addresses in a snapshot are plain dotted quads: their octets are read here, without
  // ipaddr.js's search through every IPv4 and IPv6 notation (a kube-proxy host has thousands).
  const quad = DOTTED_QUAD.exec(text);
  if (quad) return new ipaddr.IPv4([Number(quad[1]), Number(quad[2]), Number(quad[3]), Number(quad[4])]);
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/** Every address on the host's interfaces, loopback included; none when the interfaces were not read. */
export function hostAddresses(snapshot: Snapshot): string[] {
  if (snapshot.network.interfaces.status !== 'ok') return [];
  return snapshot.network.interfaces.data.flatMap((i) => i.addresses.map((a) => a.address));
}

/** Which interface holds this address, per the snapshot. */
export function interfaceOf(snapshot: Snapshot, address: string): string | undefined {
  if (snapshot.network.interfaces.status !== 'ok') return undefined;
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  for (const iface of snapshot.network.interfaces.data) {
    for (const a of iface.addresses) {
      const other = parseAddress(a.address);
      if (other && other.kind() === parsed.kind() && other.toString() === parsed.toString()) return iface.name;
    }
  }
  return undefined;
}

/**
 * Is this address the tailnet's? Tailscale takes its addresses from 100.64.0.0/10 and
 * fd7a:115c:a1e0::/48, but 100.64.0.0/10 is also carrier-grade NAT: mobile, LTE, Starlink and
 * many ISPs put it on the WAN side, next to a global IPv6. So the range alone proves nothing: the
 * address must sit on a tailscale* interface, or be one `tailscale status` lists as this node's
 * own (tailscaled --tun may name its interface otherwise). This reads the Tailscale status: for
 * the zones and the Tailscale facts, which rest on it already.
 */
export function isOwnTailnetAddress(address: string, snapshot: Snapshot, iface: string | undefined = interfaceOf(snapshot, address)): boolean {
  if (iface?.startsWith('tailscale')) return true;
  const parsed = parseAddress(address);
  if (!parsed || !(parsed.kind() === 'ipv4' ? parsed.match(TAILNET_V4) : parsed.match(TAILNET_V6))) return false;
  return tailscaleStatusAddresses(snapshot).some((a) => parseAddress(a)?.toString() === parsed.toString());
}

/**
 * The class of an address, by its range and the interface that holds it. `tailnet` and `vpn` come
 * from the interface alone (tailscale*, wg*, tun*, …): a 100.64.0.0/10 address anywhere else is
 * carrier-grade NAT, shared with the provider's other customers, so `private` (not a safe bind).
 */
export function classifyAddress(address: string, snapshot?: Snapshot): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '');
  if (bare === '' || bare === '*' || bare === '0.0.0.0' || bare === '::') return 'wildcard';
  const given = parseAddress(bare);
  if (!given) return 'invalid';
  // ::ffff:127.0.0.1 is 127.0.0.1 to the kernel: judge an IPv4-mapped address as the IPv4 one.
  const parsed = given.kind() === 'ipv6' && (given as ipaddr.IPv6).isIPv4MappedAddress() ? (given as ipaddr.IPv6).toIPv4Address() : given;
  const range = parsed.range();
  if (range === 'loopback') return 'loopback';
  if (range === 'unspecified') return 'wildcard';
  const iface = snapshot ? interfaceOf(snapshot, bare) : undefined;
  if (iface && VPN_INTERFACE.test(iface)) return iface.startsWith('tailscale') ? 'tailnet' : 'vpn';
  if (range === 'private' || range === 'uniqueLocal' || range === 'carrierGradeNat') return 'private';
  if (range === 'linkLocal') return 'link-local';
  return 'public';
}

/** True for addresses a gateway may safely listen on: loopback, or a tailnet/VPN address. */
export function isSafeBindAddress(address: string, snapshot?: Snapshot): boolean {
  const cls = classifyAddress(address, snapshot);
  return cls === 'loopback' || cls === 'tailnet' || cls === 'vpn';
}

/** Every address of the host: 0.0.0.0, ::, and the `*` or empty address a program writes for them. */
export function isWildcard(address: string): boolean {
  return classifyAddress(address) === 'wildcard';
}

/** The one loopback test: 127.0.0.0/8, ::1, and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  return classifyAddress(address) === 'loopback';
}

/** An address as it goes before a port or in a URL: IPv6 in brackets. */
export function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** `127.0.0.1:18789`, `[::1]:18789`. */
export function hostPort(address: string, port: number | string): string {
  return `${bracketed(address)}:${port}`;
}
