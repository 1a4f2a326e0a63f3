import ipaddr from 'ipaddr.js';
import type { AddrSpec, PacketFamily } from './model.js';

/** Parsing of the address forms both dumps print. Returns a message instead of throwing. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;

function parseStrict(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  // ipaddr.isValid accepts "10" or "0x0a000001"; neither dump prints those, so only dotted
  // quads count (a cut-off "10.0" is not an address). The regexes also keep ipaddr from
  // validating by throwing, which costs more than the rest of a large dump's parse.
  if (DOTTED_QUAD.test(text)) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : undefined;
  if (text.includes(':') && IPV6_CHARS.test(text) && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

export function familyOf(addr: ipaddr.IPv4 | ipaddr.IPv6): PacketFamily {
  return addr.kind() === 'ipv4' ? 'ip' : 'ip6';
}

export function parseAddress(text: string): Parsed<{ address: string; family: PacketFamily }> {
  const addr = parseStrict(text);
  if (!addr) return { ok: false, message: `not an IP address: ${JSON.stringify(text)}` };
  return { ok: true, value: { address: addr.toString(), family: familyOf(addr) } };
}

/**
 * `A`, `A/len`, or `A/dotted.mask` (iptables-save prints a dotted mask only when it is not
 * contiguous, which a prefix cannot express: that is reported, not approximated).
 */
// Dumps repeat the same few addresses thousands of times (one per published port); ipaddr's
// parsing dominated large parses, so results are memoised (bounded, copied out).
const prefixCache = new Map<string, Parsed<{ spec: AddrSpec; family: PacketFamily }>>();
const PREFIX_CACHE_MAX = 4096;

export function parsePrefix(text: string): Parsed<{ spec: AddrSpec; family: PacketFamily }> {
  let r = prefixCache.get(text);
  if (!r) {
    r = parsePrefixUncached(text);
    if (prefixCache.size >= PREFIX_CACHE_MAX) prefixCache.clear();
    prefixCache.set(text, r);
  }
  return r.ok ? { ok: true, value: { spec: { ...r.value.spec }, family: r.value.family } } : r;
}

function parsePrefixUncached(text: string): Parsed<{ spec: AddrSpec; family: PacketFamily }> {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const addr = parseStrict(host);
  if (!addr) return { ok: false, message: `not an IP address: ${JSON.stringify(host)}` };
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const maskText = text.slice(slash + 1);
    if (/^\d{1,3}$/.test(maskText)) {
      length = Number(maskText);
      if (length > max) return { ok: false, message: `prefix length ${length} out of range in ${JSON.stringify(text)}` };
    } else {
      const mask = parseStrict(maskText);
      const fromMask = mask && mask.kind() === addr.kind() ? mask.prefixLengthFromSubnetMask() : null;
      if (fromMask === null) return { ok: false, message: `unsupported netmask in ${JSON.stringify(text)}` };
      length = fromMask;
    }
  }
  return { ok: true, value: { spec: { kind: 'prefix', address: addr.toString(), length }, family: familyOf(addr) } };
}

/** `A-B` (iprange, nft ranges). */
export function parseAddrRange(from: string, to: string): Parsed<{ spec: AddrSpec; family: PacketFamily }> {
  const a = parseStrict(from);
  const b = parseStrict(to);
  if (!a || !b || a.kind() !== b.kind()) return { ok: false, message: `not an address range: ${from}-${to}` };
  return { ok: true, value: { spec: { kind: 'range', from: a.toString(), to: b.toString() }, family: familyOf(a) } };
}
