import ipaddr from 'ipaddr.js';

/**
 * Reads a host address as Docker accepts it in a port mapping: a dotted-quad IPv4 or an
 * IPv6 address, optionally in brackets. Returns it with the brackets removed, or undefined
 * when Docker would reject it (a host name, a zone id, an IPv4 with leading zeros).
 */
export function parseHostIp(written: string): string | undefined {
  let ip = written;
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) return undefined;
    ip = ip.slice(1, -1);
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ip;
  // ipaddr.js also takes "fe80::1%eth0" and IPv4 shorthands ("127.1"); Go's net.ParseIP takes neither.
  if (ip.includes(':') && !ip.includes('%') && ipaddr.IPv6.isValid(ip)) return ip;
  return undefined;
}

/**
 * True when a port published on this host address can be reached from other machines:
 * "" (every address), 0.0.0.0, ::, and any non-loopback address. Only loopback addresses
 * (127.0.0.0/8, ::1, and ::ffff:127.x.x.x) are private to the host. An address that
 * cannot be read counts as public, since nothing shows that it is confined to the host.
 */
export function isPublicHostIp(hostIp: string): boolean {
  if (hostIp === '') return true;
  const ip = hostIp.startsWith('[') && hostIp.endsWith(']') ? hostIp.slice(1, -1) : hostIp;
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip).range() !== 'loopback';
  if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return true;
  const v6 = ipaddr.IPv6.parse(ip);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() !== 'loopback';
  return v6.range() !== 'loopback';
}
