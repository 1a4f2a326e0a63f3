import { parseAddress } from '../addresses.js';

/**
 * Reads `tailscale serve status --json`, which prints tailscaled's ipn.ServeConfig as is
 * (tailscale/tailscale ipn/serve.go):
 *
 *   TCP         { "<port>": { HTTPS?, HTTP?, TCPForward?: "127.0.0.1:18789", TerminateTLS? } }
 *   Web         { "<sni>:<port>": { Handlers: { "<mount>": { Proxy?: "http://127.0.0.1:18789", Path?, Text? } } } }
 *   Services    { "svc:<name>": { TCP, Web, Tun? } }          Tailscale Services (tailnet only)
 *   AllowFunnel { "<sni>:<port>": true }                      Funnel: the whole internet
 *   Foreground  { "<session id>": ServeConfig }               `tailscale serve` without --bg, and
 *                                                             OpenClaw's own claim (released on exit)
 *
 * A route lives in any of those places, so each is walked; a check that looked only at
 * the top level would miss the Funnel OpenClaw itself opened.
 */

export interface ServeRoute {
  /** What clients connect to: "gw.tail1.ts.net:443" for HTTP(S) handlers, ":2222" for a TCP forward. */
  listen: string;
  port: number;
  kind: 'web' | 'tcp';
  /** For HTTP handlers: whether tailscaled terminates TLS on the port (TCP[port].HTTPS) or serves plain HTTP. */
  scheme?: 'https' | 'http';
  /** The mount point of an HTTP handler ("/", "/ui"). */
  mount?: string;
  /** Where it forwards: a Proxy URL or a TCPForward address. */
  target: string;
  /** The local port the target names, when the target is this host. */
  targetPort?: number;
  /** Published to the internet through Funnel, not only to the tailnet. */
  funnel: boolean;
  /** "background" (`--bg`), "foreground" (a running `tailscale serve` or OpenClaw), or the service name. */
  scope: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const entries = (v: unknown): [string, unknown][] => (isObject(v) ? Object.entries(v) : []);

function portOf(hostPort: string): number | undefined {
  const port = Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/**
 * The local port a Serve target names: "18789", "localhost:18789", "127.0.0.1:18789",
 * "http://127.0.0.1:18789/", "https+insecure://localhost:8443", "tcp://localhost:22". The CLI
 * accepts only localhost/127.0.0.1 for proxies (ExpandProxyTargetValue); a TCPForward may
 * name any address, so one of this host's own addresses counts too.
 */
export function localTargetPort(target: string, hostAddresses: readonly string[] = []): number | undefined {
  const text = target.trim();
  if (/^\d{1,5}$/.test(text)) return Number(text);
  const match = /^(?:[a-z][a-z0-9+-]*:\/\/)?(\[[^\]]+\]|[^/:]+):(\d{1,5})(?:\/.*)?$/i.exec(text);
  if (!match) return undefined;
  const host = match[1]!.toLowerCase();
  const port = Number(match[2]);
  if (host === 'localhost') return port;
  const address = parseAddress(host);
  if (!address) return undefined;
  if (address.range() === 'loopback' || address.range() === 'unspecified') return port;
  const own = hostAddresses.map((a) => parseAddress(a)?.toString());
  return own.includes(address.toString()) ? port : undefined;
}

function funnelOn(allow: Json[], hostPort: string): boolean {
  return allow.some((a) => a[hostPort] === true);
}

/** Funnel is keyed by "sni:port"; a raw TCP forward on that port is what Funnel then carries. */
function funnelOnPort(allow: Json[], port: number): boolean {
  return allow.some((a) => Object.entries(a).some(([hp, on]) => on === true && portOf(hp) === port));
}

function routesOf(config: Json, scope: string, allow: Json[], hostAddresses: readonly string[]): ServeRoute[] {
  const out: ServeRoute[] = [];
  const push = (route: Omit<ServeRoute, 'targetPort'>) => {
    const targetPort = localTargetPort(route.target, hostAddresses);
    out.push(targetPort === undefined ? route : { ...route, targetPort });
  };
  for (const [hostPort, web] of entries(config.Web)) {
    const port = portOf(hostPort);
    if (port === undefined || !isObject(web)) continue;
    const tcp = isObject(config.TCP) ? config.TCP[String(port)] : undefined;
    const scheme = isObject(tcp) && tcp.HTTP === true ? 'http' : 'https';
    for (const [mount, handler] of entries(web.Handlers)) {
      if (!isObject(handler) || typeof handler.Proxy !== 'string') continue;
      push({ listen: hostPort, port, kind: 'web', scheme, mount, target: handler.Proxy, funnel: funnelOn(allow, hostPort), scope });
    }
  }
  for (const [portText, handler] of entries(config.TCP)) {
    const port = Number(portText);
    if (!isObject(handler) || typeof handler.TCPForward !== 'string' || handler.TCPForward === '') continue;
    push({ listen: `:${port}`, port, kind: 'tcp', target: handler.TCPForward, funnel: funnelOnPort(allow, port), scope });
  }
  return out;
}

/** Every route of a ServeConfig: background, each foreground session, each service. */
export function serveRoutes(serve: unknown, hostAddresses: readonly string[] = []): ServeRoute[] {
  if (!isObject(serve)) return [];
  const top = isObject(serve.AllowFunnel) ? [serve.AllowFunnel] : [];
  const routes = routesOf(serve, 'background', top, hostAddresses);
  for (const [, fg] of entries(serve.Foreground)) {
    if (!isObject(fg)) continue;
    // A foreground session's Funnel switch may sit in its own config or in the background one.
    routes.push(...routesOf(fg, 'foreground', [...top, ...(isObject(fg.AllowFunnel) ? [fg.AllowFunnel] : [])], hostAddresses));
  }
  // Services are reached at their own tailnet address and are never funnelled.
  for (const [name, svc] of entries(serve.Services)) if (isObject(svc)) routes.push(...routesOf(svc, name, [], hostAddresses));
  return routes;
}

/** Routes whose target is one of the gateway's ports on this host. */
export function routesTo(routes: readonly ServeRoute[], ports: readonly number[]): ServeRoute[] {
  return routes.filter((r) => r.targetPort !== undefined && ports.includes(r.targetPort));
}

export function describeRoute(r: ServeRoute): string {
  const from = r.kind === 'web' ? `${r.scheme ?? 'https'}://${r.listen}${r.mount && r.mount !== '/' ? r.mount : ''}` : `tcp ${r.listen}`;
  return `${r.funnel ? 'funnel' : 'serve'} ${from} → ${r.target}${r.scope === 'background' ? '' : ` (${r.scope})`}`;
}
