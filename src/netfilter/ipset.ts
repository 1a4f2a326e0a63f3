import { parseIp } from './simulate/ip.js';
import type { Ipset } from './simulate/types.js';

/**
 * `ipset save` read into the membership test the kernel applies for each set (see `Ipset`).
 * Modelled exactly: hash:net (entries are prefixes; `nomatch` entries exclude their prefix
 * from any shorter one), hash:ip and bitmap:ip (entries are addresses, or with `netmask N` the
 * /N network of every address the set was given, and with hash:ip's `bitmask M` the address
 * ANDed with M). Every other type (hash:ip,port, hash:net,iface, list:set, bitmap:port ...) and
 * any create or add option not known to leave membership alone makes the set `unknown`.
 */

/** Create options that only size, time, count or annotate entries. */
const CREATE_NEUTRAL: Record<string, number> = {
  family: 1,
  hashsize: 1,
  maxelem: 1,
  bucketsize: 1,
  initval: 1,
  timeout: 1,
  range: 1,
  counters: 0,
  comment: 0,
  skbinfo: 0,
  forceadd: 0,
};

/** Add options that do not change whether an address is in the set (a live timeout still counts). */
const ADD_NEUTRAL: Record<string, number> = {
  timeout: 1,
  packets: 1,
  bytes: 1,
  comment: 1,
  skbmark: 1,
  skbprio: 1,
  skbqueue: 1,
};

const TYPES = new Set(['hash:net', 'hash:ip', 'bitmap:ip']);

interface Building {
  type: string;
  family: 4 | 6;
  /** Prefix length (netmask) or mask address (bitmask) the entries are stored under; undefined = the entry's own. */
  mask?: string;
  members: string[];
  nomatch: string[];
  unknown?: string;
}

/** Words split on blanks, a double-quoted comment kept as one word. */
function words(line: string): string[] {
  return line.match(/"[^"]*"|\S+/g) ?? [];
}

function create(name: string, type: string, opts: string[]): Building {
  const b: Building = { type, family: 4, members: [], nomatch: [] };
  if (!TYPES.has(type)) b.unknown = `ipset ${name} is a ${type} set, which is not modelled`;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    const value = opts[i + 1];
    if (o === 'family' && value === 'inet6') b.family = 6;
    if (o === 'netmask' && type !== 'hash:net' && value !== undefined) {
      b.mask = value;
      i++;
    } else if (o === 'bitmask' && type === 'hash:ip' && value !== undefined && parseIp(value)) {
      b.mask = value;
      i++;
    } else if (Object.hasOwn(CREATE_NEUTRAL, o)) i += CREATE_NEUTRAL[o]!;
    else b.unknown ??= `ipset ${name} has the create option ${o}, which is not modelled`;
  }
  return b;
}

function add(name: string, b: Building, entry: string, opts: string[]): void {
  let nomatch = false;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    if (o === 'nomatch' && b.type === 'hash:net') nomatch = true;
    else if (Object.hasOwn(ADD_NEUTRAL, o)) i += ADD_NEUTRAL[o]!;
    else b.unknown ??= `ipset ${name} has an entry with the option ${o}, which is not modelled`;
  }
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const ip = parseIp(address);
  const own = slash < 0 ? undefined : entry.slice(slash + 1);
  const length = own ?? b.mask ?? (b.family === 6 ? '128' : '32');
  const max = b.family === 6 ? 128 : 32;
  const prefixOk = /^\d+$/.test(length) && Number(length) <= max;
  // hash:net entries carry their own length; hash:ip/bitmap:ip ones are stored under the set's mask.
  const wellFormed = ip && ip.family === (b.family === 6 ? 'ip6' : 'ip') && (own === undefined || b.type === 'hash:net');
  if (!wellFormed || (!prefixOk && !parseIp(length))) {
    b.unknown ??= `ipset ${name} has the entry ${entry}, which is not read`;
    return;
  }
  (nomatch ? b.nomatch : b.members).push(`${address}/${length}`);
}

export function parseIpsetSave(text: string): Record<string, Ipset> {
  const sets = new Map<string, Building>();
  for (const line of text.split('\n')) {
    const [verb, name, arg, ...rest] = words(line.trim());
    if (!name || !arg) continue;
    if (verb === 'create') sets.set(name, create(name, arg, rest));
    else if (verb === 'add') {
      const b = sets.get(name);
      if (b) add(name, b, arg, rest);
    }
  }
  const out: Record<string, Ipset> = {};
  for (const [name, b] of sets) {
    if (b.unknown !== undefined) out[name] = { unknown: b.unknown };
    else out[name] = b.nomatch.length > 0 ? { members: b.members, nomatch: b.nomatch } : { members: b.members };
  }
  return out;
}
