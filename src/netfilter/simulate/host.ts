import type { PacketFamily } from '../model.js';
import {
  inNet,
  ipFromWords,
  isLinkLocal6,
  isLoopback4,
  isLoopback6,
  isMulticast,
  maskWords,
  netOfPrefix,
  parseIp,
  sameWords,
  type Ip,
  type Net,
} from './ip.js';
import type { HostFacts, Ipset } from './types.js';

/**
 * The host as routing sees it: the local table (every interface address, 127.0.0.0/8, ::1,
 * IPv4 broadcast addresses), the main table with longest-prefix match, and the sysctls that
 * change a routing decision. Built once per HostFacts.
 */

export interface LocalAddr {
  iface: string;
  ip: Ip;
  prefixlen: number;
}

export interface Route {
  family: PacketFamily;
  net: Net;
  length: number;
  dev?: string;
  gateway?: string;
  /** unicast (default), blackhole, unreachable, prohibit, local, broadcast, throw … */
  type: string;
  /** Synthesised from an interface address (the kernel's prefix route), not given in HostFacts. */
  connected: boolean;
  text: string;
}

export type AddrType = 'LOCAL' | 'UNICAST' | 'BROADCAST' | 'MULTICAST' | 'UNSPEC' | 'ANYCAST' | 'UNREACHABLE' | 'BLACKHOLE' | 'PROHIBIT' | 'THROW';

/** What an IPv6 route lookup (local table, then main) finds for an address. */
type Route6Kind = 'local' | 'anycast' | 'unicast' | 'unreachable' | 'blackhole' | 'prohibit' | 'throw';

/** The kernel's ipv6_addr_type() classes that addrtype and fib read: UNICAST is everything but these. */
function ipv6Class(ip: Ip): 'multicast' | 'any' | 'mapped' | 'unicast' {
  const [a = 0, b = 0, c = 0, d = 0] = ip.words;
  if (a >>> 24 === 0xff) return 'multicast';
  if (a === 0 && b === 0 && c === 0 && d === 0) return 'any';
  if (a === 0 && b === 0 && c === 0xffff) return 'mapped';
  return 'unicast';
}

export class HostTable {
  readonly addresses: LocalAddr[] = [];
  private readonly byIface = new Map<string, LocalAddr[]>();
  /** Canonical text → interfaces holding it. */
  private readonly localText = new Map<string, string[]>();
  /** IPv4 subnet broadcast addresses (canonical text) → interface. */
  private readonly broadcast = new Map<string, string>();
  private readonly routes: Route[] = [];
  private readonly routeCache = new Map<string, Route | null>();
  readonly ipsets: Readonly<Record<string, Ipset>>;
  private readonly ipsetEntries = new Map<string, IpsetEntry[] | string>();
  /** Whether any IPv6 route was collected (without them, no IPv6 address counts as unrouted). */
  private readonly hasRoutes6: boolean;

  constructor(readonly facts: HostFacts) {
    this.ipsets = facts.ipsets ?? {};
    this.hasRoutes6 = facts.routes.some((r) => r.family === 6);
    for (const a of facts.addresses) {
      const ip = parseIp(a.address);
      if (!ip) continue;
      const la: LocalAddr = { iface: a.iface, ip, prefixlen: a.prefixlen };
      this.addresses.push(la);
      let list = this.byIface.get(a.iface);
      if (!list) this.byIface.set(a.iface, (list = []));
      list.push(la);
      const holders = this.localText.get(ip.text) ?? [];
      holders.push(a.iface);
      this.localText.set(ip.text, holders);
      if (ip.family === 'ip' && a.prefixlen < 31) {
        const mask = maskWords(a.prefixlen, 1)[0] ?? 0;
        const bcast = parseIp(wordsToV4(((ip.words[0] ?? 0) | ~mask) >>> 0));
        if (bcast) this.broadcast.set(bcast.text, a.iface);
      }
    }
    for (const r of facts.routes) {
      const family: PacketFamily = r.family === 6 ? 'ip6' : 'ip';
      const dst = r.dst === 'default' ? (family === 'ip' ? '0.0.0.0/0' : '::/0') : r.dst;
      const slash = dst.indexOf('/');
      const addr = slash < 0 ? dst : dst.slice(0, slash);
      const length = slash < 0 ? (family === 'ip' ? 32 : 128) : Number(dst.slice(slash + 1));
      const net = netOfPrefix(addr, length);
      if (!net || net.family !== family) continue;
      const route: Route = {
        family,
        net,
        length,
        type: r.type ?? 'unicast',
        connected: false,
        text: `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`,
      };
      if (r.dev !== undefined) route.dev = r.dev;
      if (r.gateway !== undefined) route.gateway = r.gateway;
      this.routes.push(route);
    }
    // The kernel adds a prefix route for every address; `ip route` dumps show them, but an
    // IPv6 route dump is often not collected, so they are derived when absent.
    for (const a of this.addresses) {
      const max = a.ip.family === 'ip' ? 32 : 128;
      if (a.iface === 'lo' || a.prefixlen >= max) continue;
      const net = netOfPrefix(a.ip.text, a.prefixlen);
      if (!net) continue;
      const exists = this.routes.some(
        (r) => r.family === a.ip.family && r.length === a.prefixlen && r.dev === a.iface && r.net.net && net.net && sameWords(r.net.net, net.net),
      );
      const network = net.net ? ipFromWords(a.ip.family, net.net).text : a.ip.text;
      if (!exists)
        this.routes.push({
          family: a.ip.family,
          net,
          length: a.prefixlen,
          dev: a.iface,
          type: 'unicast',
          connected: true,
          text: `${network}/${a.prefixlen} dev ${a.iface}`,
        });
    }
    // Longest prefix first; for equal prefixes the given order (the kernel's metric order) wins.
    this.routes.sort((x, y) => y.length - x.length);
  }

  /** Interfaces holding `ip`, or undefined when it is not a local address (127/8 and ::1 count as lo). */
  localOwners(ip: Ip): string[] | undefined {
    const owners = this.localText.get(ip.text);
    if (owners) return owners;
    if (ip.family === 'ip' ? isLoopback4(ip.words) : isLoopback6(ip.words)) return ['lo'];
    return undefined;
  }

  isLocal(ip: Ip): boolean {
    return this.localOwners(ip) !== undefined;
  }

  addressesOf(iface: string): LocalAddr[] {
    return this.byIface.get(iface) ?? [];
  }

  /** What REDIRECT uses: the first address of the interface in that family (IPv6: a global one first). */
  primaryAddress(iface: string, family: PacketFamily): Ip | undefined {
    if (iface === 'lo') return parseIp(family === 'ip' ? '127.0.0.1' : '::1');
    const list = this.addressesOf(iface).filter((a) => a.ip.family === family);
    const preferred = family === 'ip6' ? list.find((a) => !isLinkLocal6(a.ip.words)) : undefined;
    return (preferred ?? list[0])?.ip;
  }

  /**
   * The kernel's one address type, as IPv4 addrtype and nft `fib daddr type` read it; `iface`
   * limits LOCAL to that interface. (iptables' IPv6 addrtype tests types differently: xtMatch6.)
   */
  addrType(ip: Ip, iface?: string): AddrType {
    if (ip.family === 'ip6') return this.fibType6(ip, iface);
    if (ip.family === 'ip') {
      const w = ip.words[0] ?? 0;
      if (w === 0 || w === 0xffffffff) return 'BROADCAST';
      if (isMulticast('ip', ip.words)) return 'MULTICAST';
    }
    const owners = this.localOwners(ip);
    if (owners && (iface === undefined || owners.includes(iface) || (iface === 'lo' && owners.includes('lo')))) return 'LOCAL';
    if (ip.family === 'ip') {
      const b = this.broadcast.get(ip.text);
      if (b !== undefined && (iface === undefined || b === iface)) return 'BROADCAST';
    }
    return 'UNICAST';
  }

  /**
   * nft `fib daddr type` for IPv6 (nft_fib6_eval_type): an address of `iface` is local; then a
   * route lookup, whose failure or reject route decides the type; a subnet-router anycast
   * address is anycast; without `iface` a local route is local; else multicast or unicast.
   */
  private fibType6(ip: Ip, iface?: string): AddrType {
    const cls = ipv6Class(ip);
    if (cls === 'multicast') return 'MULTICAST';
    const onIface = iface !== undefined && (this.localOwners(ip)?.includes(iface) ?? false);
    const kind = this.route6Kind(ip);
    switch (kind) {
      case 'unreachable':
        return 'UNREACHABLE';
      case 'blackhole':
        return 'BLACKHOLE';
      case 'prohibit':
        return 'PROHIBIT';
      case 'throw':
        return 'THROW';
      case 'anycast':
        return 'ANYCAST';
      default:
        break;
    }
    if (onIface || (iface === undefined && kind === 'local')) return 'LOCAL';
    return cls === 'unicast' ? 'UNICAST' : 'UNSPEC';
  }

  /**
   * iptables' addrtype for IPv6 (xt_addrtype match_type6) is a test of the whole type list, not
   * a lookup of one type: UNICAST, MULTICAST and UNSPEC are conditions on the address itself
   * (UNICAST holds for every address but multicast, :: and v4-mapped ones, local ones included,
   * unlike IPv4 where UNICAST excludes LOCAL); LOCAL, ANYCAST and UNREACHABLE then need a route
   * lookup that finds one of them. undefined: the lookup bound to an interface
   * (--limit-iface-in/out) for ANYCAST or UNREACHABLE, which is not modelled.
   */
  xtMatch6(ip: Ip, mask: ReadonlySet<string>, iface?: string): boolean | undefined {
    const cls = ipv6Class(ip);
    if (mask.has('MULTICAST') && cls !== 'multicast') return false;
    if (mask.has('UNICAST') && cls !== 'unicast') return false;
    if (mask.has('UNSPEC') && cls !== 'any') return false;
    if (!mask.has('LOCAL') && !mask.has('ANYCAST') && !mask.has('UNREACHABLE')) return true;
    if (iface !== undefined) {
      if (mask.has('ANYCAST') || mask.has('UNREACHABLE')) return undefined;
      return this.localOwners(ip)?.includes(iface) ?? false;
    }
    const kind = this.route6Kind(ip);
    if (kind === 'local') return mask.has('LOCAL');
    if (kind === 'anycast') return mask.has('ANYCAST');
    if (kind === 'unicast') return false;
    return mask.has('UNREACHABLE');
  }

  /** The IPv6 route lookup addrtype and fib make (local addresses first, as the local table is). */
  private route6Kind(ip: Ip): Route6Kind {
    if (this.isLocal(ip)) return 'local';
    // No IPv6 route collected at all: nothing says the address is unrouted.
    if (!this.hasRoutes6) return 'unicast';
    const r = this.lookup(ip);
    if (!r) return 'unreachable';
    switch (r.type) {
      case 'local':
      case 'anycast':
      case 'unreachable':
      case 'blackhole':
      case 'prohibit':
      case 'throw':
        return r.type;
      default:
        break;
    }
    // ipv6_anycast_destination(): the network address of an on-link prefix is its subnet-router anycast address.
    if (r.gateway === undefined && r.length < 127 && r.net.net && sameWords(r.net.net, ip.words)) return 'anycast';
    return 'unicast';
  }

  isBroadcast4(ip: Ip): boolean {
    return ip.family === 'ip' && (ip.words[0] === 0xffffffff || this.broadcast.has(ip.text));
  }

  /** Longest-prefix match in the main table. */
  lookup(ip: Ip): Route | undefined {
    const key = ip.text;
    let r = this.routeCache.get(key);
    if (r === undefined) {
      r = this.routes.find((x) => inNet(x.net, ip.family, ip.words)) ?? null;
      this.routeCache.set(key, r);
    }
    return r ?? undefined;
  }

  /** Output device of a route, following a gateway one level when the route names none. */
  deviceOf(route: Route): string | undefined {
    if (route.dev !== undefined) return route.dev;
    const gw = route.gateway === undefined ? undefined : parseIp(route.gateway);
    const via = gw ? this.routes.find((x) => x !== route && inNet(x.net, gw.family, gw.words)) : undefined;
    return via?.dev;
  }

  isBridge(iface: string): boolean {
    return this.facts.bridges?.includes(iface) ?? false;
  }

  sysctl(name: string): string | undefined {
    return Object.hasOwn(this.facts.sysctl, name) ? this.facts.sysctl[name] : undefined;
  }

  /** A per-interface IPv4 flag that the kernel ORs with `all` (route_localnet, …). */
  ipv4ConfOr(iface: string, key: string): boolean {
    return this.sysctl(`net.ipv4.conf.all.${key}`) === '1' || this.sysctl(`net.ipv4.conf.${iface}.${key}`) === '1';
  }

  /** rp_filter: the kernel uses max(all, iface). 0 off, 1 strict, 2 loose. */
  rpFilter(iface: string): number {
    const a = Number(this.sysctl('net.ipv4.conf.all.rp_filter') ?? '0');
    const b = Number(this.sysctl(`net.ipv4.conf.${iface}.rp_filter`) ?? '0');
    return Math.max(Number.isFinite(a) ? a : 0, Number.isFinite(b) ? b : 0);
  }

  forwarding(family: PacketFamily, iif: string): boolean {
    if (family === 'ip') {
      const dev = this.sysctl(`net.ipv4.conf.${iif}.forwarding`);
      return (dev ?? this.sysctl('net.ipv4.ip_forward') ?? this.sysctl('net.ipv4.conf.all.forwarding') ?? '0') === '1';
    }
    return (this.sysctl('net.ipv6.conf.all.forwarding') ?? '0') === '1';
  }

  /**
   * Reverse-path check for a packet from `saddr` arriving on `iif`: strict = the route back to
   * the source leaves through `iif`; loose = some usable route back exists. A local source
   * arriving from outside fails unless `acceptLocal`.
   */
  reversePathOk(saddr: Ip, iif: string, loose: boolean, acceptLocal: boolean): boolean {
    if (iif === 'lo') return true;
    if (this.isLocal(saddr)) return acceptLocal;
    const r = this.lookup(saddr);
    if (!r || (r.type !== 'unicast' && r.type !== 'local')) return false;
    if (loose) return true;
    if (r.family === 'ip6' && isLinkLocal6(saddr.words)) return true;
    return this.deviceOf(r) === iif;
  }

  /** Why membership of ipset `name` cannot be decided (not collected, type not modelled); undefined when it can. */
  ipsetUnknown(name: string): string | undefined {
    const entries = this.ipsetEntriesOf(name);
    return typeof entries === 'string' ? entries : undefined;
  }

  /**
   * ipset membership (see `Ipset`): the most specific entry holding the address decides, a
   * `nomatch` one against. False for a set `ipsetUnknown` names.
   */
  inIpset(name: string, ip: Ip): boolean {
    const entries = this.ipsetEntriesOf(name);
    if (typeof entries === 'string') return false;
    let best: IpsetEntry | undefined;
    for (const e of entries) if (inNet(e.net, ip.family, ip.words) && (!best || e.bits > best.bits)) best = e;
    return best?.member ?? false;
  }

  private ipsetEntriesOf(name: string): IpsetEntry[] | string {
    let entries = this.ipsetEntries.get(name);
    if (!entries) this.ipsetEntries.set(name, (entries = this.compileIpset(name)));
    return entries;
  }

  private compileIpset(name: string): IpsetEntry[] | string {
    if (!this.facts.ipsets) return `ipset ${name}: ipset contents not collected`;
    if (!Object.hasOwn(this.ipsets, name)) return `ipset ${name} is not in the collected ipset save`;
    const set = this.ipsets[name]!;
    if ('unknown' in set) return set.unknown;
    const out: IpsetEntry[] = [];
    const read = (entry: string, member: boolean): void => {
      const slash = entry.indexOf('/');
      const addr = entry.slice(0, slash);
      const mask = entry.slice(slash + 1);
      const p = parseIp(addr);
      if (!p) return;
      const m = /^\d+$/.test(mask) ? maskWords(Number(mask), p.words.length) : parseIp(mask)?.words;
      if (!m || m.length !== p.words.length) return;
      const net: Net = { family: p.family, net: p.words.map((w, i) => (w & (m[i] ?? 0)) >>> 0), mask: m };
      out.push({ net, member, bits: m.reduce((n, w) => n + popcount(w), 0) });
    };
    for (const e of set.members) read(e, true);
    for (const e of set.nomatch ?? []) read(e, false);
    return out;
  }
}

interface IpsetEntry {
  net: Net;
  member: boolean;
  /** Prefix length (mask bits): a longer one is tried first. */
  bits: number;
}

function popcount(w: number): number {
  let n = 0;
  for (let x = w >>> 0; x; x >>>= 1) n += x & 1;
  return n;
}

function wordsToV4(w: number): string {
  return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}
