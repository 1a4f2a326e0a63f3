import type { GatewayModel } from '../gateway.js';
import { hostAddresses, isOwnTailnetAddress } from '../addresses.js';
import { tailscaleStatusAddresses } from './status-ips.js';
import type { Snapshot } from '../../snapshot/types.js';
import { routesTo, serveRoutes, type ServeRoute } from './serve-config.js';

/**
 * What the snapshot says about Tailscale on this host, in the terms the plan and the checks
 * use. Pure. When Tailscale could not be read, `notChecked` is the one line that says what was
 * not checked and why; the tailnet interface (tailscale*) is still used, since the kernel shows
 * it whether or not the CLI answers. A 100.64.0.0/10 address elsewhere is carrier-grade NAT, not
 * the tailnet, unless `tailscale status` lists it as this node's own.
 */

export type TailscaleState = 'running' | 'logged-out' | 'not-installed' | 'not-running' | 'unreadable';

export interface TailscaleFacts {
  state: TailscaleState;
  /** tailscaled's BackendState: Running, Stopped, NeedsLogin, NeedsMachineAuth, Starting, NoState. */
  backendState?: string;
  version?: string;
  /** The node's tailnet addresses: `tailscale status` first, else those on a tailnet interface. */
  addresses: string[];
  /** The MagicDNS name, without the trailing dot. */
  dnsName?: string;
  /** ACL tags of this node. */
  tags: string[];
  /** The interface of the tailnet zone (tailscale0), when there is one. */
  interface?: string;
  /** Every Serve/Funnel route, and those whose target is a gateway port. */
  routes: ServeRoute[];
  gatewayRoutes: ServeRoute[];
  /** One line: what was not checked, and why. */
  notChecked?: string;
  /** Why Tailscale's state could not be read (the collector's words), when it could not. */
  unreadableBecause?: string;
  /**
   * Set when tailscaled may be answering Serve/Funnel routes that were not read (it is running, or
   * its state could not be read, and the Serve config was not): one line saying so. A Funnel would
   * open the gateway to the internet, a Serve route to the tailnet, before the host firewall; so
   * every non-loopback cell of the gateway is undecided, never closed (the reach model's rule).
   */
  serveUnread?: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The first up interface holding tailnet addresses (see isOwnTailnetAddress), and those addresses. */
function interfaceTailnet(snapshot: Snapshot): { iface?: string; addresses: string[] } {
  if (snapshot.network.interfaces.status !== 'ok') return { addresses: [] };
  for (const i of snapshot.network.interfaces.data) {
    if (!i.up) continue;
    const own = i.addresses.filter((a) => a.scope !== 'link' && isOwnTailnetAddress(a.address, snapshot, i.name)).map((a) => a.address);
    if (own.length > 0) return { iface: i.name, addresses: own };
  }
  return { addresses: [] };
}

/**
 * What shows that tailscaled runs here whatever its CLI says: a tailnet interface that is up, an
 * interface named tailscale* (tailscaled's tun, gone when it stops), or a socket of a process named
 * tailscaled. One line naming it, or undefined. Used to refuse "not installed" as a fact (inputs.ts).
 */
export function tailscaledSeen(snapshot: Snapshot): string | undefined {
  const kernel = interfaceTailnet(snapshot);
  if (kernel.iface) return `a tailnet interface is up: ${kernel.iface} ${kernel.addresses.join(', ')}`;
  const tun = snapshot.network.interfaces.status === 'ok' ? snapshot.network.interfaces.data.find((i) => i.name.startsWith('tailscale')) : undefined;
  if (tun) return `interface ${tun.name} exists`;
  const socket = snapshot.sockets.status === 'ok' ? snapshot.sockets.data.find((s) => s.process === 'tailscaled') : undefined;
  if (socket) return `tailscaled (pid ${socket.pid ?? '?'}) listens on ${socket.protocol} ${socket.address}:${socket.port}`;
  return undefined;
}

/** The ports a Serve route may aim at to reach the gateway: its own, and any socket its process holds (OpenClaw's Serve uses an ephemeral one). */
/** What the Tailscale facts are read from: the snapshot and its gateway (an AnalysisContext has both). */
export interface TailscaleInput {
  snapshot: Snapshot;
  gateway: GatewayModel;
}

export function gatewayTargetPorts(ctx: Pick<TailscaleInput, 'gateway'>): number[] {
  const pids = new Set(ctx.gateway.processes.map((p) => p.pid));
  const owned = ctx.gateway.listeners.filter((s) => s.pid !== undefined && pids.has(s.pid)).map((s) => s.port);
  return [...new Set([...ctx.gateway.ports, ...owned])];
}

/** The reason an undecided gateway cell gives when tailscaled may be serving routes that were not read. */
function mayServe(detail: string): string {
  return `Tailscale Serve/Funnel could not be read (${detail}): a Funnel would publish the gateway to the internet, and Serve to the tailnet, before the host firewall`;
}

export function tailscaleFacts(ctx: TailscaleInput): TailscaleFacts {
  const snapshot = ctx.snapshot;
  const ts = snapshot.tailscale;
  const kernel = interfaceTailnet(snapshot);
  const facts: TailscaleFacts = { state: 'running', addresses: kernel.addresses, tags: [], routes: [], gatewayRoutes: [] };
  if (kernel.iface) facts.interface = kernel.iface;
  const seen = kernel.iface ? `; a tailnet interface is up (${kernel.iface} ${kernel.addresses.join(', ')})` : '';

  if (ts.status !== 'ok') {
    facts.state = ts.reason === 'not-installed' ? 'not-installed' : ts.reason === 'not-running' ? 'not-running' : 'unreadable';
    facts.unreadableBecause = ts.detail;
    facts.notChecked = `Tailscale Serve/Funnel not checked: ${ts.detail}${seen}.`;
    if (facts.state === 'unreadable') facts.serveUnread = mayServe(ts.detail);
    return facts;
  }
  if (ts.data.status.status !== 'ok') {
    facts.state = ts.data.status.reason === 'not-running' ? 'not-running' : 'unreadable';
    facts.unreadableBecause = ts.data.status.detail;
    facts.notChecked = `Tailscale Serve/Funnel not checked: ${ts.data.status.detail}${seen}.`;
    if (facts.state === 'unreadable') facts.serveUnread = mayServe(ts.data.status.detail);
    return facts;
  }
  const status = ts.data.status.data;
  const self = obj(status.Self);
  if (typeof status.BackendState === 'string') facts.backendState = status.BackendState;
  if (typeof status.Version === 'string') facts.version = status.Version;
  const ips = tailscaleStatusAddresses(snapshot);
  if (ips.length > 0) facts.addresses = ips;
  if (typeof self.DNSName === 'string' && self.DNSName !== '') facts.dnsName = self.DNSName.replace(/\.$/, '');
  facts.tags = strings(self.Tags);
  if (facts.backendState !== undefined && facts.backendState !== 'Running') facts.state = 'logged-out';

  if (ts.data.serve.status !== 'ok') {
    facts.notChecked = `Tailscale Serve/Funnel not checked: ${ts.data.serve.detail}.`;
    // Serve answers only while tailscaled is up (BackendState Running); stopped, it serves nothing.
    if (facts.state === 'running') facts.serveUnread = mayServe(ts.data.serve.detail);
    return facts;
  }
  facts.routes = serveRoutes(ts.data.serve.data, hostAddresses(snapshot));
  facts.gatewayRoutes = routesTo(facts.routes, gatewayTargetPorts(ctx));
  return facts;
}
