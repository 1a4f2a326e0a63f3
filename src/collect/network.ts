import type { Collected, InterfaceAddress, NetInterface, NetworkState, PolicyRule, Route } from '../snapshot/types.js';
import { listDir, ok, readText, run, unavailable } from './host.js';
import type { ScriptReads } from './script/declare.js';

/** Interfaces, addresses, routes and the sysctls that decide routing. */

interface IpAddrJson {
  ifname?: string;
  flags?: string[];
  link_type?: string;
  linkinfo?: { info_kind?: string };
  master?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

export function parseIpAddrJson(json: unknown): NetInterface[] {
  if (!Array.isArray(json)) throw new Error('ip -j addr did not return a JSON array');
  return (json as IpAddrJson[])
    .filter((i) => typeof i.ifname === 'string')
    .map((i) => {
      const addresses: InterfaceAddress[] = (i.addr_info ?? [])
        .filter((a) => typeof a.local === 'string' && (a.family === 'inet' || a.family === 'inet6'))
        .map((a) => ({
          family: a.family === 'inet' ? 4 : 6,
          address: a.local!,
          prefixlen: a.prefixlen ?? (a.family === 'inet' ? 32 : 128),
          scope: a.scope ?? 'global',
        }));
      const iface: NetInterface = { name: i.ifname!, up: (i.flags ?? []).includes('UP'), linkType: i.link_type ?? 'unknown', addresses };
      if (i.linkinfo?.info_kind) iface.kind = i.linkinfo.info_kind;
      if (typeof i.master === 'string') iface.master = i.master;
      return iface;
    });
}

interface IpRouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
  table?: string;
  type?: string;
  prefsrc?: string;
}

export function parseIpRouteJson(json: unknown, family: 4 | 6): Route[] {
  if (!Array.isArray(json)) throw new Error('ip -j route did not return a JSON array');
  return (json as IpRouteJson[])
    .filter((r) => typeof r.dst === 'string')
    .map((r) => {
      const route: Route = { family, dst: r.dst! };
      if (r.gateway) route.gateway = r.gateway;
      if (r.dev) route.dev = r.dev;
      if (r.table) route.table = r.table;
      if (r.type) route.type = r.type;
      if (r.prefsrc) route.prefsrc = r.prefsrc;
      return route;
    });
}

const RULE_KEYS = new Set(['priority', 'src', 'srclen', 'dst', 'dstlen', 'iif', 'oif', 'fwmark', 'fwmask', 'not', 'table', 'action']);

/** `ip -j rule`: the keys the model reads, and the names of every other key (what it cannot evaluate). */
export function parseIpRuleJson(json: unknown, family: 4 | 6): PolicyRule[] {
  if (!Array.isArray(json)) throw new Error('ip -j rule did not return a JSON array');
  return (json as Record<string, unknown>[])
    .filter((r) => typeof r.priority === 'number')
    .map((r) => {
      const rule: PolicyRule = { family, priority: r.priority as number };
      for (const key of ['src', 'dst', 'iif', 'oif', 'fwmark', 'fwmask', 'table', 'action'] as const) if (typeof r[key] === 'string') rule[key] = r[key];
      if (typeof r.srclen === 'number') rule.srclen = r.srclen;
      if (typeof r.dstlen === 'number') rule.dstlen = r.dstlen;
      // ip prints `"not": null` for an inverted selector.
      if ('not' in r) rule.not = true;
      const other = Object.keys(r).filter((k) => !RULE_KEYS.has(k) && !(k === 'flags' && Array.isArray(r.flags) && r.flags.length === 0));
      if (other.length > 0) rule.other = other;
      return rule;
    });
}

async function runJson<T>(args: string[], parse: (json: unknown) => T): Promise<Collected<T>> {
  const result = await run('ip', args);
  if (result.status !== 'ok') return result;
  try {
    return ok(parse(JSON.parse(result.data)));
  } catch (error) {
    return unavailable('error', `ip ${args.join(' ')}: ${(error as Error).message}`);
  }
}

const SYSCTL_KEYS = ['net/ipv4/ip_forward', 'net/ipv6/conf/all/forwarding', 'net/ipv4/conf/all/route_localnet', 'net/ipv4/conf/all/rp_filter'];
const SYSCTL_PER_INTERFACE = ['route_localnet', 'rp_filter'];

async function collectSysctl(interfaces: string[]): Promise<Collected<Record<string, string>>> {
  const keys = [...SYSCTL_KEYS];
  for (const name of interfaces) keys.push(...SYSCTL_PER_INTERFACE.map((k) => `net/ipv4/conf/${name}/${k}`));
  const values: Record<string, string> = {};
  await Promise.all(
    keys.map(async (key) => {
      const text = await readText(`/proc/sys/${key}`);
      if (text.status === 'ok') values[key.replaceAll('/', '.')] = text.data.trim();
    }),
  );
  return Object.keys(values).length > 0 ? ok(values) : unavailable('not-found', '/proc/sys/net is not readable');
}

export async function collectNetwork(): Promise<NetworkState> {
  const [interfaces, routes4, routes6, rules4, rules6] = await Promise.all([
    runJson(['-j', '-d', 'addr'], parseIpAddrJson),
    runJson(['-j', 'route', 'show', 'table', 'all'], (j) => parseIpRouteJson(j, 4)),
    runJson(['-6', '-j', 'route', 'show', 'table', 'all'], (j) => parseIpRouteJson(j, 6)),
    runJson(['-j', 'rule', 'show'], (j) => parseIpRuleJson(j, 4)),
    runJson(['-6', '-j', 'rule', 'show'], (j) => parseIpRuleJson(j, 6)),
  ]);
  const names = interfaces.status === 'ok' ? interfaces.data.map((i) => i.name) : await listDir('/sys/class/net');
  const sysctl = await collectSysctl(names);
  let routes: Collected<Route[]>;
  if (routes4.status === 'ok') routes = ok([...routes4.data, ...(routes6.status === 'ok' ? routes6.data : [])]);
  else routes = routes4;
  // Both families or neither: half of the rules would read as "no policy routing" for the other.
  const rules: Collected<PolicyRule[]> = rules4.status !== 'ok' ? rules4 : rules6.status !== 'ok' ? rules6 : ok([...rules4.data, ...rules6.data]);
  return { interfaces, routes, sysctl, rules };
}

/** What collectNetwork reads, for the collection script. */
export const NETWORK_READS: ScriptReads = {
  commands: [
    { argv: ['ip', '-j', '-d', 'addr'] },
    { argv: ['ip', '-j', 'route', 'show', 'table', 'all'] },
    { argv: ['ip', '-6', '-j', 'route', 'show', 'table', 'all'] },
    { argv: ['ip', '-j', 'rule', 'show'] },
    { argv: ['ip', '-6', '-j', 'rule', 'show'] },
  ],
  dirs: ['/sys/class/net'],
  kernelValues: [...SYSCTL_KEYS.map((k) => `/proc/sys/${k}`), ...SYSCTL_PER_INTERFACE.map((k) => `/proc/sys/net/ipv4/conf/{iface}/${k}`)],
};
