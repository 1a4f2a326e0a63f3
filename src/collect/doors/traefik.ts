import type { DockerContainer, Door, DoorListen, DoorProblem, SourceLocation } from '../../snapshot/types.js';
import { children, flattenLabels, get, has, isTrue, list, type Setting, type Settings } from './traefik-config.js';

/**
 * Traefik as doors (reference/doors.md §1.5). Its static configuration (one file, else CLI
 * flags, else TRAEFIK_* variables: the first source found is the only one Traefik reads) gives
 * the entry points, which are the listeners, and the providers. Routers of the file provider's
 * dynamic configuration and of Docker labels (`traefik.http.routers.R.*` on a container, as the
 * Engine API reports them) send an entry point's connections to a service's servers. Pure: the
 * reading is in index.ts.
 */

/** Where Traefik looks for its static file when no --configFile names one that exists (paerser's Finder, in order). */
export function traefikStaticCandidates(argv: readonly string[], cwd: string | undefined, env: { home?: string; xdg?: string }): string[] {
  const abs = (p: string) => (p.startsWith('/') || !cwd ? p : `${cwd}/${p}`);
  let given: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const m = /^--?configfile(?:=(.*))?$/i.exec(argv[i]!);
    if (m) given = m[1] ?? argv[++i];
  }
  const bases = [
    '/etc/traefik/traefik',
    ...(env.xdg ? [`${env.xdg}/traefik`] : []),
    ...(env.home ? [`${env.home}/.config/traefik`] : []),
    ...(cwd ? [`${cwd}/traefik`] : []),
  ];
  return [...(given ? [abs(given)] : []), ...bases.flatMap((b) => ['toml', 'yaml', 'yml'].map((ext) => `${b}.${ext}`))];
}

export interface EntryPoint {
  name: string;
  listen: DoorListen;
  /** Incoming X-Forwarded-For kept (trustedIPs or insecure) or replaced by the peer's address. */
  xff: 'overwrite' | 'append';
  xffSetting?: Setting;
  asDefault: boolean;
  middlewares: string[];
  tls: boolean;
}

export interface TraefikStatic {
  /** "/etc/traefik/traefik.yml", "command-line flags" or "TRAEFIK_* environment variables". */
  source: string;
  entryPoints: EntryPoint[];
  file?: { filename?: Setting; directory?: Setting };
  docker?: { exposedByDefault: boolean; network?: string; endpoint?: string };
  /** Providers whose routes clawmoat does not read (kubernetesCRD, consul, …). */
  unread: string[];
}

const locationOf = (s: Setting | undefined): SourceLocation | undefined =>
  s?.file !== undefined && s.line !== undefined ? { file: s.file, line: s.line } : undefined;

/** ":443", "0.0.0.0:80", "[::1]:8443/tcp"; undefined for UDP or what is not an address. */
export function entryPointAddress(text: string): { address: string; port: number } | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)(?:\/(tcp|udp))?$/i.exec(text.trim());
  if (!m || m[4]?.toLowerCase() === 'udp') return undefined;
  const host = m[1] ?? m[2] ?? '';
  // Go listens on ":80" with one dual-stack socket, shown as [::]:80.
  return { address: host === '' ? '::' : host === 'localhost' ? '127.0.0.1' : host, port: Number(m[3]) };
}

const NOT_PROVIDERS = new Set(['providersthrottleduration', 'file', 'docker']);

export function traefikStatic(s: Settings, source: string): { config: TraefikStatic; problems: string[] } {
  const problems: string[] = [];
  const names = children(s, 'entrypoints');
  const entryPoints: EntryPoint[] = [];
  for (const name of names) {
    const address = get(s, `entrypoints.${name}.address`);
    const hp = entryPointAddress(address?.value ?? '');
    if (!hp) {
      if (address && !/\/udp$/i.test(address.value)) problems.push(`entry point ${name}: address "${address.value}" is not understood`);
      continue;
    }
    const trusted = get(s, `entrypoints.${name}.forwardedheaders.insecure`) ?? list(s, `entrypoints.${name}.forwardedheaders.trustedips`)[0];
    const append = trusted !== undefined && !/^false$/i.test(trusted.value);
    const listen: DoorListen = { ...hp };
    const loc = locationOf(address);
    if (loc) listen.location = loc;
    const ep: EntryPoint = {
      name: address?.key.split('.')[1] ?? name,
      listen,
      xff: append ? 'append' : 'overwrite',
      asDefault: isTrue(s, `entrypoints.${name}.asdefault`),
      middlewares: list(s, `entrypoints.${name}.http.middlewares`).map((m) => m.value),
      tls: has(s, `entrypoints.${name}.http.tls`),
    };
    if (append) ep.xffSetting = trusted;
    entryPoints.push(ep);
  }
  // With no entry point configured, Traefik listens on :80 as "http".
  if (names.length === 0)
    entryPoints.push({ name: 'http', listen: { address: '::', port: 80 }, xff: 'overwrite', asDefault: false, middlewares: [], tls: false });
  const on = (key: string) => has(s, key) && !/^false$/i.test(get(s, key)?.value ?? '');
  const config: TraefikStatic = {
    source,
    entryPoints,
    unread: children(s, 'providers').filter((p) => !NOT_PROVIDERS.has(p) && on(`providers.${p}`)),
  };
  if (on('providers.file')) {
    const filename = get(s, 'providers.file.filename');
    const directory = get(s, 'providers.file.directory');
    config.file = { ...(filename ? { filename } : {}), ...(directory ? { directory } : {}) };
  }
  if (on('providers.docker')) {
    const network = get(s, 'providers.docker.network')?.value;
    const endpoint = get(s, 'providers.docker.endpoint')?.value;
    config.docker = {
      exposedByDefault: !/^false$/i.test(get(s, 'providers.docker.exposedbydefault')?.value ?? 'true'),
      ...(network ? { network } : {}),
      ...(endpoint ? { endpoint } : {}),
    };
  }
  return { config, problems };
}

/** The host names of a rule: Host(`a`, `b`) || HostSNI(`c`). */
function ruleHosts(rule: string | undefined): string[] {
  const out: string[] = [];
  for (const m of (rule ?? '').matchAll(/Host(?:SNI)?\(([^)]*)\)/g)) for (const h of m[1]!.matchAll(/[`"']([^`"']+)[`"']/g)) if (h[1] !== '*') out.push(h[1]!);
  return out;
}

/** A server of a service: where it sends, as written, and where that is written. */
export interface Server {
  upstream: Door['upstream'];
  text: string;
  setting?: Setting;
}

export function serverFromUrl(url: string): Door['upstream'] | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : u.protocol === 'http:' || u.protocol === 'h2c:' ? 80 : undefined;
  if (port === undefined || u.hostname === '') return undefined;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
}

/** One provider's dynamic configuration, and how it names its servers. */
export interface Provider {
  name: 'file' | 'docker';
  settings: Settings;
  /** The servers of a service of this provider; a string is why they cannot be read. */
  servers(service: string, layer: 'http' | 'tcp'): Server[] | string;
  container?: string;
  /** Where provider-level evidence points (a Docker container's labels have no file). */
  describe: string;
}

export interface DynamicContext {
  config: TraefikStatic;
  providers: Provider[];
  pid?: number;
}

function middlewareAuth(ctx: DynamicContext, from: Provider, ref: string, depth = 0): Door['auth'] {
  const [name, suffix] = ref.split('@') as [string, string | undefined];
  const provider = suffix ? ctx.providers.find((p) => p.name === suffix) : from;
  if (!provider || depth > 5) return [];
  const s = provider.settings;
  const base = `http.middlewares.${name}`;
  const out: Door['auth'] = [];
  for (const type of ['basicauth', 'digestauth', 'forwardauth', 'ipallowlist', 'ipwhitelist']) {
    if (!has(s, `${base}.${type}`)) continue;
    const first = [...s.entries()].find(([k]) => k.startsWith(`${base}.${type}`.toLowerCase()))?.[1];
    const detail = type.startsWith('ip')
      ? ` ${list(s, `${base}.${type}.sourcerange`)
          .map((x) => x.value)
          .join(', ')}`
      : type === 'forwardauth'
        ? ` ${get(s, `${base}.forwardauth.address`)?.value ?? ''}`
        : '';
    const loc = locationOf(first);
    out.push({ text: `middleware ${name} (${first?.key.split('.')[3] ?? type}${detail})`, ...(loc ? { location: loc } : {}) });
  }
  for (const inner of list(s, `${base}.chain.middlewares`)) out.push(...middlewareAuth(ctx, provider, inner.value, depth + 1));
  return out;
}

/** The doors of one provider's routers: each router × each server of its service. */
export function routerDoors(
  ctx: DynamicContext,
  provider: Provider,
  defaults?: { routers: string[]; service?: string },
): { doors: Door[]; problems: string[] } {
  const doors: Door[] = [];
  const problems: string[] = [];
  const s = provider.settings;
  const defaultEps = ctx.config.entryPoints.some((e) => e.asDefault) ? ctx.config.entryPoints.filter((e) => e.asDefault) : ctx.config.entryPoints;
  for (const layer of ['http', 'tcp'] as const) {
    const routers = children(s, `${layer}.routers`);
    const names = layer === 'http' && routers.length === 0 && defaults ? defaults.routers : routers;
    for (const r of names) {
      const base = `${layer}.routers.${r}`;
      const epNames = list(s, `${base}.entrypoints`).map((e) => e.value.toLowerCase());
      const eps = epNames.length > 0 ? ctx.config.entryPoints.filter((e) => epNames.includes(e.name.toLowerCase())) : defaultEps;
      if (eps.length === 0) continue;
      const serviceSetting = get(s, `${base}.service`);
      const services = children(s, `${layer}.services`);
      const service = serviceSetting?.value ?? (services.length === 1 ? services[0] : layer === 'http' ? defaults?.service : undefined);
      if (!service) {
        if (routers.includes(r)) problems.push(`${provider.describe}: router ${r} names no service and there is not exactly one to take`);
        continue;
      }
      const [serviceName, suffix] = service.split('@') as [string, string | undefined];
      if (suffix === 'internal') continue; // api@internal, dashboard@internal: Traefik's own pages.
      const target = suffix ? ctx.providers.find((p) => p.name === suffix) : provider;
      const servers = target ? target.servers(serviceName, layer) : `service ${service} belongs to a provider clawmoat does not read`;
      if (typeof servers === 'string') {
        problems.push(`${provider.describe}: router ${r}: ${servers}`);
        continue;
      }
      const rule = get(s, `${base}.rule`);
      const hosts = ruleHosts(rule?.value);
      const auth = [...eps.flatMap((e) => e.middlewares), ...(layer === 'http' ? list(s, `${base}.middlewares`).map((m) => m.value) : [])].flatMap((m) =>
        middlewareAuth(ctx, provider, m),
      );
      const append = eps.find((e) => e.xff === 'append');
      for (const server of servers) {
        const door: Door = {
          kind: 'traefik',
          listen: eps.map((e) => e.listen),
          upstream: server.upstream,
          via: `router ${rule?.key.split('.')[2] ?? r} → service ${serviceName} → ${server.text}`,
          layer,
          forwardedFor: layer === 'tcp' ? 'none' : append ? 'append' : 'overwrite',
          auth,
        };
        const loc = locationOf(server.setting) ?? locationOf(rule);
        if (loc) door.location = loc;
        const xffLoc = locationOf(append?.xffSetting);
        if (layer === 'http' && xffLoc) door.forwardedForLocation = xffLoc;
        if (hosts.length > 0) door.serverNames = hosts;
        if (has(s, `${base}.tls`) || eps.some((e) => e.tls)) door.tls = true;
        if (provider.container) door.container = provider.container;
        if (ctx.pid !== undefined) door.pid = ctx.pid;
        doors.push(door);
      }
    }
  }
  return { doors, problems };
}

/** The file provider: servers are `loadBalancer.servers[].url` (HTTP) or `.address` (TCP). */
export function fileProvider(settings: Settings, describe: string): Provider {
  return {
    name: 'file',
    settings,
    describe,
    servers(service, layer) {
      const base = `${layer}.services.${service}`;
      if (!has(settings, base)) return `service ${service} is not defined in ${describe}`;
      if (!has(settings, `${base}.loadbalancer`)) return `service ${service} is not a loadBalancer (weighted, mirroring or failover services are not followed)`;
      const out: Server[] = [];
      for (let i = 0; ; i++) {
        const setting = get(settings, `${base}.loadbalancer.servers.${i}.${layer === 'http' ? 'url' : 'address'}`);
        if (!setting) break;
        const upstream = layer === 'http' ? serverFromUrl(setting.value) : serverFromUrl(`tcp://${setting.value}`);
        if (!upstream)
          return `server "${setting.value}" of service ${service} is not understood${setting.line !== undefined ? ` (${setting.file}:${setting.line})` : ''}`;
        out.push({ upstream, text: setting.value, setting });
      }
      return out;
    },
  };
}

/** The address Traefik's Docker provider dials for a container: its IP on the chosen network, or loopback with the host network. */
function containerAddress(c: DockerContainer, network: string | undefined): string | undefined {
  if (c.networkMode === 'host') return '127.0.0.1';
  const chosen = (network ? c.networks.find((n) => n.name === network) : undefined) ?? c.networks.find((n) => n.ipAddress);
  return chosen?.ipAddress;
}

/** The Docker provider for one container's labels. */
export function dockerProvider(c: DockerContainer, labels: Settings, network: string | undefined): Provider {
  const describe = `the traefik labels of container ${c.name}`;
  return {
    name: 'docker',
    settings: labels,
    container: c.name,
    describe,
    servers(service, layer) {
      const base = `${layer}.services.${service}.loadbalancer.server`;
      const url = get(labels, `${base}.url`);
      if (url && layer === 'http') {
        const upstream = serverFromUrl(url.value);
        return upstream ? [{ upstream, text: `${url.key}=${url.value}` }] : `label ${url.key}=${url.value} is not understood`;
      }
      const address = containerAddress(c, get(labels, 'docker.network')?.value ?? network);
      if (!address) return `container ${c.name} has no address on a network Traefik can dial`;
      const portLabel = get(labels, `${base}.port`);
      // Without a port label Traefik takes the lowest port the container exposes; the snapshot knows only the published ones.
      const published = [...new Set(c.ports.filter((p) => p.protocol === 'tcp').map((p) => p.containerPort))].sort((a, b) => a - b);
      const port = portLabel ? Number(portLabel.value) : published[0];
      if (port === undefined || !Number.isInteger(port))
        return `container ${c.name} has no ${base}.port label and publishes no port: the port Traefik picks is not known`;
      const scheme = get(labels, `${base}.scheme`)?.value ?? 'http';
      const text = portLabel ? `label traefik.${portLabel.key}=${portLabel.value}` : `${scheme}://${address}:${port} (the lowest published port)`;
      return [{ upstream: { host: address, port }, text: `${text} on container ${c.name}` }];
    },
  };
}

/** Containers the Docker provider routes to: running, and enabled by label or by exposedByDefault. */
export function routedContainers(
  containers: readonly DockerContainer[],
  docker: NonNullable<TraefikStatic['docker']>,
): { c: DockerContainer; labels: Settings }[] {
  return containers.flatMap((c) => {
    if (c.state !== 'running') return [];
    const enable = Object.entries(c.labels).find(([k]) => k.toLowerCase() === 'traefik.enable')?.[1];
    if (enable !== undefined ? !/^true$/i.test(enable) : !docker.exposedByDefault) return [];
    return [{ c, labels: flattenLabels(c.labels) }];
  });
}

/** Every door of a running Traefik, and what could not be read, each naming where. */
export function traefikDoors(
  config: TraefikStatic,
  dynamic: Settings | undefined,
  containers: readonly DockerContainer[] | undefined,
  pid: number | undefined,
): { doors: Door[]; problems: Omit<DoorProblem, 'kind'>[] } {
  const problems: Omit<DoorProblem, 'kind'>[] = [];
  const providers: Provider[] = [];
  if (dynamic) providers.push(fileProvider(dynamic, 'the file provider'));
  const docker = config.docker && containers ? routedContainers(containers, config.docker) : [];
  const doors: Door[] = [];
  const ctxFor = (extra: Provider[]): DynamicContext => ({ config, providers: [...providers, ...extra], ...(pid !== undefined ? { pid } : {}) });
  const collect = (r: { doors: Door[]; problems: string[] }, source: string) => {
    doors.push(...r.doors);
    problems.push(...r.problems.map((detail) => ({ source, detail: `traefik${pid !== undefined ? ` (pid ${pid})` : ''}: ${detail}` })));
  };
  if (dynamic) collect(routerDoors(ctxFor([]), providers[0]!), config.file?.filename?.value ?? config.file?.directory?.value ?? config.source);
  for (const { c, labels } of docker) {
    const p = dockerProvider(c, labels, config.docker?.network);
    // A container with no router label still gets one, named after it, on the default entry points.
    collect(routerDoors(ctxFor([p]), p, { routers: [c.name], service: c.name }), `container ${c.name}`);
  }
  return { doors, problems };
}
