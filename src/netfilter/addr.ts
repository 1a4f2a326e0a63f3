import ipaddr from 'ipaddr.js';
import type { AddrSpec, PacketFamily } from './model.js';

/** Parsing of the address forms both dumps print. Returns a message instead of throwing. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;

/** An address as `toString()` prints it, with its family; undefined = not an address. */
interface Canonical {
  address: string;
  family: PacketFamily;
}

/**
 * Whether TEXT is a dotted quad of decimal parts 0-255 without leading zeros: exactly what
 * `isValidFourPartDecimal` accepts, and then `IPv4.parse(text).toString()` gives TEXT back.
 * Checked by hand because dumps hold an IPv4 address per rule: ipaddr's regexes and objects
 * were a large share of a 100k-rule parse.
 */
function isCanonicalQuad(text: string): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let i = 0;
  while (i < n) {
    const start = i;
    let value = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return false;
    parts++;
    if (i === n) break;
    if (text.charCodeAt(i) !== 46 || parts === 4) return false;
    i++;
    if (i === n) return false;
  }
  return parts === 4;
}

// IPv6 (and odd IPv4) text goes through ipaddr.js; dumps repeat the same few such addresses, so
// the answers are memoised (bounded: a fuzzed dump must not grow it without end).
const slowCache = new Map<string, Canonical | null>();
const SLOW_CACHE_MAX = 8192;

function canonicalSlow(text: string): Canonical | null {
  // ipaddr.isValid accepts "10" or "0x0a000001"; neither dump prints those, so only dotted
  // quads count (a cut-off "10.0" is not an address). The regexes also keep ipaddr from
  // validating by throwing, which costs more than the rest of a large dump's parse.
  if (DOTTED_QUAD.test(text)) {
    // Not canonical (isCanonicalQuad said so): a leading zero or a part above 255.
    return ipaddr.IPv4.isValidFourPartDecimal(text) ? { address: ipaddr.IPv4.parse(text).toString(), family: 'ip' } : null;
  }
  if (text.includes(':') && IPV6_CHARS.test(text) && ipaddr.IPv6.isValid(text)) return { address: ipaddr.IPv6.parse(text).toString(), family: 'ip6' };
  return null;
}

function canonical(text: string): Canonical | undefined {
  if (isCanonicalQuad(text)) return { address: text, family: 'ip' };
  let c = slowCache.get(text);
  if (c === undefined) {
    c = canonicalSlow(text);
    if (slowCache.size >= SLOW_CACHE_MAX) slowCache.clear();
    slowCache.set(text, c);
  }
  return c ?? undefined;
}

function parseStrict(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const c = canonical(text);
  if (!c) return undefined;
  return c.family === 'ip' ? ipaddr.IPv4.parse(c.address) : ipaddr.IPv6.parse(c.address);
}

export function familyOf(addr: ipaddr.IPv4 | ipaddr.IPv6): PacketFamily {
  return addr.kind() === 'ipv4' ? 'ip' : 'ip6';
}

export function parseAddress(text: string): Parsed<{ address: string; family: PacketFamily }> {
  const c = canonical(text);
  if (!c) return { ok: false, message: `not an IP address: ${JSON.stringify(text)}` };
  return { ok: true, value: { address: c.address, family: c.family } };
}

/** `0`…`255` written with 1 to 3 digits (leading zeros allowed, as /^\d{1,3}$/ did). */
function prefixLengthText(text: string): number | undefined {
  const n = text.length;
  if (n < 1 || n > 3) return undefined;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
  }
  return value;
}

/**
 * `A`, `A/len`, or `A/dotted.mask` (iptables-save prints a dotted mask only when it is not
 * contiguous, which a prefix cannot express: that is reported, not approximated).
 */
export function parsePrefix(text: string): Parsed<{ spec: AddrSpec; family: PacketFamily }> {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const addr = canonical(host);
  if (!addr) return { ok: false, message: `not an IP address: ${JSON.stringify(host)}` };
  const max = addr.family === 'ip' ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const maskText = text.slice(slash + 1);
    const n = prefixLengthText(maskText);
    if (n !== undefined) {
      length = n;
      if (length > max) return { ok: false, message: `prefix length ${length} out of range in ${JSON.stringify(text)}` };
    } else {
      const fromMask = maskLength(maskText, addr.family);
      if (fromMask === null) return { ok: false, message: `unsupported netmask in ${JSON.stringify(text)}` };
      length = fromMask;
    }
  }
  return { ok: true, value: { spec: { kind: 'prefix', address: addr.address, length }, family: addr.family } };
}

/** A dotted (or IPv6) netmask's prefix length; null when it is not one of the address's family or not contiguous. */
function maskLength(maskText: string, family: PacketFamily): number | null {
  const mask = parseStrict(maskText);
  return mask && familyOf(mask) === family ? mask.prefixLengthFromSubnetMask() : null;
}

/** `A-B` (iprange, nft ranges). */
export function parseAddrRange(from: string, to: string): Parsed<{ spec: AddrSpec; family: PacketFamily }> {
  const a = canonical(from);
  const b = canonical(to);
  if (!a || !b || a.family !== b.family) return { ok: false, message: `not an address range: ${from}-${to}` };
  return { ok: true, value: { spec: { kind: 'range', from: a.address, to: b.address }, family: a.family } };
}
