import ipaddr from 'ipaddr.js';
import { parseIptablesSave } from '../../../../src/netfilter/iptables-save/parse.js';
import type { PacketFamily, Ruleset } from '../../../../src/netfilter/model.js';
import { parseNftJson } from '../../../../src/netfilter/nft-json/parse.js';
import { mergeRulesets } from '../../../../src/netfilter/ruleset.js';
import type { HostFacts, Packet, SimResult } from '../../../../src/netfilter/simulate/types.js';

/** Builders shared by the simulator tests: rulesets from text, HostFacts from `ip -j`, listeners from `ss`. */

export function ipt(text: string, family: PacketFamily = 'ip', file?: string): Ruleset {
  const { ruleset, errors } = parseIptablesSave(text, file === undefined ? { family } : { family, file });
  if (errors.length > 0) throw new Error(`iptables-save parse errors: ${JSON.stringify(errors)}`);
  return ruleset;
}

export function nft(json: unknown, file?: string): Ruleset {
  const { ruleset, errors } = parseNftJson(json, file === undefined ? {} : { file });
  if (errors.length > 0) throw new Error(`nft parse errors: ${JSON.stringify(errors)}`);
  return ruleset;
}

export function merge(...parts: Ruleset[]): Ruleset {
  return mergeRulesets(parts);
}

/** The ground-truth host: eth0 WAN, eth1 LAN, tailscale0, docker0 and br-app bridges. */
export function labHost(sysctl: Record<string, string> = {}): HostFacts {
  return {
    addresses: [
      { iface: 'lo', address: '127.0.0.1', prefixlen: 8, family: 4 },
      { iface: 'lo', address: '::1', prefixlen: 128, family: 6 },
      { iface: 'eth0', address: '198.51.100.10', prefixlen: 24, family: 4 },
      { iface: 'eth0', address: '2001:db8:100::10', prefixlen: 64, family: 6 },
      { iface: 'eth1', address: '192.168.1.10', prefixlen: 24, family: 4 },
      { iface: 'tailscale0', address: '100.101.102.103', prefixlen: 10, family: 4 },
      { iface: 'docker0', address: '172.17.0.1', prefixlen: 16, family: 4 },
      { iface: 'br-app', address: '172.20.0.1', prefixlen: 16, family: 4 },
    ],
    routes: [{ family: 4, dst: 'default', gateway: '198.51.100.1', dev: 'eth0' }],
    sysctl: { 'net.ipv4.ip_forward': '1', ...sysctl },
  };
}

export function tcp(iif: string, saddr: string, daddr: string, dport: number): Packet {
  const family: PacketFamily = daddr.includes(':') ? 'ip6' : 'ip';
  return { family, iif, saddr, daddr, protocol: 'tcp', sport: 40000, dport };
}

// ------------------------------------------------------------------------------------------------
// `ip -j addr`, `ip -j route`, `sysctl` output → HostFacts

interface IpAddrJson {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

interface IpRouteJson {
  dst: string;
  dev?: string;
  gateway?: string;
  type?: string;
}

export function hostFromIp(addrJson: string, routeJson: string, sysctlText: string, route6Json?: string): HostFacts {
  const addresses: HostFacts['addresses'] = [];
  for (const iface of JSON.parse(addrJson) as IpAddrJson[]) {
    for (const a of iface.addr_info ?? []) {
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      addresses.push({ iface: iface.ifname, address: a.local, prefixlen: a.prefixlen, family: a.family === 'inet' ? 4 : 6 });
    }
  }
  const routes: HostFacts['routes'] = [];
  const addRoutes = (text: string, family: 4 | 6): void => {
    for (const r of JSON.parse(text) as IpRouteJson[]) {
      const route: HostFacts['routes'][number] = { family, dst: r.dst };
      if (r.dev !== undefined) route.dev = r.dev;
      if (r.gateway !== undefined) route.gateway = r.gateway;
      if (r.type !== undefined) route.type = r.type;
      routes.push(route);
    }
  };
  addRoutes(routeJson, 4);
  if (route6Json !== undefined) addRoutes(route6Json, 6);
  const sysctl: Record<string, string> = {};
  for (const line of sysctlText.split('\n')) {
    const m = /^\s*([\w.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) sysctl[m[1] as string] = m[2] as string;
  }
  return { addresses, routes, sysctl };
}

// ------------------------------------------------------------------------------------------------
// Listening sockets from `ss -ltnp` and the socket lookup after a local delivery.

export interface Listener {
  /** '0.0.0.0', '::' (IPv6 only), '*' (dual stack), or a canonical address. */
  address: string;
  port: number;
}

export function listenersFromSs(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('LISTEN')) continue;
    const local = line.trim().split(/\s+/)[3];
    if (local === undefined) continue;
    const colon = local.lastIndexOf(':');
    let addr = local.slice(0, colon).replace(/%.*$/, '');
    const port = Number(local.slice(colon + 1));
    if (addr.startsWith('[')) addr = addr.slice(1, -1);
    out.push({ address: addr === '*' || addr === '0.0.0.0' || addr === '::' ? addr : ipaddr.parse(addr).toString(), port });
  }
  return out;
}

/** `0.0.0.0` takes any IPv4 address, `[::]` (as ss prints a V6ONLY socket) any IPv6 one, `*` both. */
export function hasListener(listeners: readonly Listener[], family: PacketFamily, address: string, port: number): boolean {
  const canonical = ipaddr.parse(address).toString();
  return listeners.some(
    (l) => l.port === port && (l.address === '*' || (family === 'ip' ? l.address === '0.0.0.0' : l.address === '::') || l.address === canonical),
  );
}

/** What a client would observe, from a simulation: the categories of the ground truth. */
export type Observed = 'open' | 'RST' | 'timeout' | 'icmp' | 'no-route';

/** Reject types a client sees as ECONNREFUSED: TCP reset and ICMP port unreachable. */
function refuses(rejectWith: string | undefined): boolean {
  return rejectWith === undefined || rejectWith === 'default' || /tcp[- ]reset|port-unreach|default/i.test(rejectWith);
}

/**
 * The observations a simulated result allows. `reached(addr, port)` says whether something
 * answers at the final destination (a local socket, or the container's listener).
 */
export function allowedObservations(r: SimResult, reached: (r: SimResult) => boolean): Observed[] | 'unknown' {
  switch (r.disposition) {
    case 'unknown':
      return 'unknown';
    case 'local':
    case 'forward':
      return [reached(r) ? 'open' : 'RST'];
    case 'dropped':
      if (r.rejected) return [refuses(r.rejectWith) ? 'RST' : 'icmp'];
      // The kernel's ICMP for a missing route is rate-limited per source (ip_error shares the
      // inet_peer token bucket with earlier rejections), so the client may only time out.
      if (r.reason === 'no-route') return ['timeout', 'icmp', 'no-route'];
      // A client that cannot resolve the host's address times out, then reports EHOSTUNREACH.
      if (r.reason === 'neighbour-discovery') return ['timeout', 'icmp'];
      return ['timeout'];
  }
}

// ------------------------------------------------------------------------------------------------
// Hand-written nft rulesets, as `nft -j list ruleset` would print them.

export interface NftChainSpec {
  name: string;
  /** Base chains: `type hook priority policy`. */
  base?: { type?: 'filter' | 'nat'; hook: string; prio: number; policy?: 'accept' | 'drop' };
  rules: unknown[][];
}

export interface NftTableSpec {
  family: 'ip' | 'ip6' | 'inet';
  name: string;
  chains: NftChainSpec[];
  /** Named sets/maps as libnftables-json objects (without family/table). */
  sets?: ({ kind: 'set' | 'map' } & Record<string, unknown>)[];
}

export function nftDoc(...tables: NftTableSpec[]): unknown {
  const out: unknown[] = [{ metainfo: { version: '1.0.6', json_schema_version: 1 } }];
  for (const t of tables) {
    out.push({ table: { family: t.family, name: t.name } });
    for (const s of t.sets ?? []) {
      const { kind, ...body } = s;
      out.push({ [kind]: { family: t.family, table: t.name, ...body } });
    }
    for (const c of t.chains) {
      out.push({
        chain: {
          family: t.family,
          table: t.name,
          name: c.name,
          ...(c.base ? { type: c.base.type ?? 'filter', hook: c.base.hook, prio: c.base.prio, policy: c.base.policy ?? 'accept' } : {}),
        },
      });
    }
    for (const c of t.chains) for (const expr of c.rules) out.push({ rule: { family: t.family, table: t.name, chain: c.name, expr } });
  }
  return { nftables: out };
}

/** Small builders for nft JSON statements. */
export const x = {
  match: (left: unknown, right: unknown, op = '=='): unknown => ({ match: { op, left, right } }),
  payload: (protocol: string, field: string): unknown => ({ payload: { protocol, field } }),
  meta: (key: string): unknown => ({ meta: { key } }),
  tcpDport: (port: unknown, op = '=='): unknown => x.match(x.payload('tcp', 'dport'), port, op),
  iifname: (name: unknown, op = '=='): unknown => x.match(x.meta('iifname'), name, op),
  ipSaddr: (addr: unknown, op = '=='): unknown => x.match(x.payload('ip', 'saddr'), addr, op),
  ctState: (...states: string[]): unknown => x.match({ ct: { key: 'state' } }, states.length === 1 ? states[0] : states, 'in'),
  set: (...items: unknown[]): unknown => ({ set: items }),
  accept: { accept: null } as unknown,
  drop: { drop: null } as unknown,
  reject: (type?: string, expr?: string): unknown => ({ reject: type === undefined ? null : { type, expr } }),
  jump: (target: string): unknown => ({ jump: { target } }),
  goto: (target: string): unknown => ({ goto: { target } }),
  ret: { return: null } as unknown,
  counter: { counter: { packets: 0, bytes: 0 } } as unknown,
  dnat: (addr: string, port?: number, family?: string): unknown => ({ dnat: { ...(family ? { family } : {}), addr, ...(port !== undefined ? { port } : {}) } }),
  vmap: (key: unknown, data: unknown): unknown => ({ vmap: { key, data } }),
};
