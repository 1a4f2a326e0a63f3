import { hostPort } from './addresses.js';
import type { OpenClawProcess, OpenClawUnit, RedactedSecret, Snapshot, Socket, SourceLocation } from '../snapshot/types.js';
import { isRedactedSecret } from '../snapshot/redact.js';
import { parseGatewayFlags } from '../openclaw/flags.js';
import { gatewayHostPorts, gatewayWorkloads } from './docker.js';
import type { GatewayFlags } from '../snapshot/types.js';

/**
 * What the audit believes about the gateway: where it should listen (config,
 * env, flags, with OpenClaw's precedence), where it really listens (sockets),
 * and how it authenticates. Every value keeps its source so findings can cite it.
 */

export const DEFAULT_GATEWAY_PORT = 18789;
export const DEV_GATEWAY_PORT = 19001;
/** The removed TCP bridge; old compose files still publish it. */
export const LEGACY_BRIDGE_PORT = 18790;

export interface Sourced<T> {
  value: T;
  /** Human description: "--bind flag of pid 4242", "gateway.bind in /home/u/.openclaw/openclaw.json", "default". */
  source: string;
  location?: SourceLocation;
}

export interface GatewayModel {
  detected: boolean;
  detectedBy: string[];
  processes: OpenClawProcess[];
  units: OpenClawUnit[];
  /** The bind the config asks for (gateway.bind, default loopback). */
  configBind?: Sourced<string>;
  /** The bind the running process was told to use (flag > env > config). */
  effectiveBind?: Sourced<string>;
  port: Sourced<number>;
  /** Ports that belong to the gateway: its port, browser control (+2), relay (+3), the legacy bridge. */
  ports: number[];
  auth: {
    mode?: Sourced<string>;
    token?: Sourced<RedactedSecret>;
    password?: Sourced<RedactedSecret>;
  };
  tailscaleMode?: Sourced<string>;
  /** The config as resolved (secrets redacted), when it could be read. */
  config?: Record<string, unknown>;
  configPath?: string;
  locations: Record<string, SourceLocation>;
  /** Sockets that belong to the gateway, by owner process or port. */
  listeners: Socket[];
  version?: string;
  /**
   * Running gateway containers, when no gateway runs on the host itself: their config and
   * environment are inside them (not read), only their command is; `auth.mode` then comes
   * from a container's `--auth` flag, when one has it.
   */
  containers?: string[];
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Where the gateway's launch flags were read: its argv, or a service unit's ExecStart. */
interface LaunchFlags {
  flags: GatewayFlags;
  describe(flag: string): string;
  location?: SourceLocation;
}

/**
 * The running gateway renames its process ("openclaw-gateway"), so its argv often shows no
 * flags; a systemd unit's ExecStart still does, with a file and line to cite.
 */
function launchFlags(processes: OpenClawProcess[], units: OpenClawUnit[]): LaunchFlags | undefined {
  const primary = processes[0];
  if (primary && (Object.keys(primary.flags).length > 0 || primary.cmdline.length > 1)) {
    return { flags: primary.flags, describe: (flag) => `--${flag} flag of pid ${primary.pid}` };
  }
  for (const unit of units) {
    const lines = unit.content.split('\n');
    const index = lines.findIndex((l) => /^\s*ExecStart\s*=/.test(l) && /\bgateway\b/.test(l));
    if (index < 0) continue;
    const argv = lines[index]!.replace(/^\s*ExecStart\s*=\s*[-@:+!]*/, '')
      .trim()
      .split(/\s+/);
    const name = unit.path.split('/').pop()!;
    return { flags: parseGatewayFlags(argv), describe: (flag) => `--${flag} in ExecStart of ${name}`, location: { file: unit.path, line: index + 1 } };
  }
  return primary ? { flags: primary.flags, describe: (flag) => `--${flag} flag of pid ${primary.pid}` } : undefined;
}

function fromLaunch<T>(launch: LaunchFlags, flag: string, value: T): Sourced<T> {
  return launch.location ? { value, source: launch.describe(flag), location: launch.location } : { value, source: launch.describe(flag) };
}

function envOf(p: OpenClawProcess): Record<string, unknown> {
  return p.env.status === 'ok' ? p.env.data : {};
}

export function buildGatewayModel(snapshot: Snapshot): GatewayModel {
  const oc = snapshot.openclaw;
  const detectedBy: string[] = [];
  const processes = oc.processes;
  if (processes.length > 0) detectedBy.push(`process (pid ${processes.map((p) => p.pid).join(', ')})`);
  const config = oc.config.status === 'ok' ? oc.config.data : undefined;
  const configPath = oc.config.status === 'ok' ? oc.config.data.path : oc.config.status === 'invalid' ? oc.config.path : undefined;
  if (configPath) detectedBy.push(`config ${configPath}`);
  const locations = config?.locations ?? {};
  const at = (key: string, what: string): Pick<Sourced<unknown>, 'source' | 'location'> => {
    const location = locations[key];
    const source = `${what} in ${location ? `${location.file}:${location.line}` : configPath}`;
    return location ? { source, location } : { source };
  };
  const primary = processes[0];
  const processEnv = primary ? envOf(primary) : {};
  const launch = launchFlags(processes, oc.units);
  const flags = launch?.flags ?? {};

  // Port: --port > OPENCLAW_GATEWAY_PORT > gateway.port > default (19001 with --dev).
  let port: Sourced<number> = { value: flags.dev ? DEV_GATEWAY_PORT : DEFAULT_GATEWAY_PORT, source: 'default' };
  const configPort = Number(get(config?.value, 'gateway.port'));
  if (Number.isInteger(configPort) && configPort > 0) port = { value: configPort, ...at('gateway.port', 'gateway.port') };
  const envPort = Number(processEnv.OPENCLAW_GATEWAY_PORT);
  if (Number.isInteger(envPort) && envPort > 0) port = { value: envPort, source: `OPENCLAW_GATEWAY_PORT of pid ${primary!.pid}` };
  if (launch && flags.port) port = fromLaunch(launch, 'port', flags.port);

  // Bind: the config says one thing; the process may have been told another.
  let configBind: Sourced<string> | undefined;
  if (config) {
    const bind = get(config.value, 'gateway.bind');
    configBind =
      typeof bind === 'string'
        ? { value: bind, ...at('gateway.bind', 'gateway.bind') }
        : { value: 'loopback', source: `default (gateway.bind not set in ${configPath})` };
  }
  let effectiveBind: Sourced<string> | undefined = configBind;
  const envBind = processEnv.OPENCLAW_GATEWAY_BIND;
  if (typeof envBind === 'string' && primary) effectiveBind = { value: envBind, source: `OPENCLAW_GATEWAY_BIND of pid ${primary.pid}` };
  if (launch && flags.bind) effectiveBind = fromLaunch(launch, 'bind', flags.bind);

  const auth: GatewayModel['auth'] = {};
  const configMode = get(config?.value, 'gateway.auth.mode');
  if (typeof configMode === 'string') auth.mode = { value: configMode, ...at('gateway.auth.mode', 'gateway.auth.mode') };
  if (launch && flags.auth) auth.mode = fromLaunch(launch, 'auth', flags.auth);
  const configToken = get(config?.value, 'gateway.auth.token');
  if (isRedactedSecret(configToken)) auth.token = { value: configToken, ...at('gateway.auth.token', 'gateway.auth.token') };
  const envToken = processEnv.OPENCLAW_GATEWAY_TOKEN;
  if (isRedactedSecret(envToken)) auth.token = { value: envToken, source: `OPENCLAW_GATEWAY_TOKEN of pid ${primary!.pid}` };
  if (launch && flags.token) auth.token = fromLaunch(launch, 'token', flags.token);
  const configPassword = get(config?.value, 'gateway.auth.password');
  if (isRedactedSecret(configPassword)) auth.password = { value: configPassword, ...at('gateway.auth.password', 'gateway.auth.password') };
  const envPassword = processEnv.OPENCLAW_GATEWAY_PASSWORD;
  if (isRedactedSecret(envPassword)) auth.password = { value: envPassword, source: `OPENCLAW_GATEWAY_PASSWORD of pid ${primary!.pid}` };
  if (launch && flags.password) auth.password = fromLaunch(launch, 'password', flags.password);

  let tailscaleMode: Sourced<string> | undefined;
  const configTailscale = get(config?.value, 'gateway.tailscale.mode');
  if (typeof configTailscale === 'string') tailscaleMode = { value: configTailscale, ...at('gateway.tailscale.mode', 'gateway.tailscale.mode') };
  if (launch && flags.tailscale) tailscaleMode = fromLaunch(launch, 'tailscale', flags.tailscale);

  const gatewayPids = new Set(processes.map((p) => p.pid));
  const sockets = snapshot.sockets.status === 'ok' ? snapshot.sockets.data : [];
  // The gateway renames its process (argv becomes "openclaw-gateway"), hiding a --port flag.
  // Its own sockets then tell the port: the lowest one it holds (the others are port+2, +3).
  const ownPorts = sockets.filter((s) => s.protocol === 'tcp' && s.pid !== undefined && gatewayPids.has(s.pid)).map((s) => s.port);
  if (ownPorts.length > 0 && !ownPorts.includes(port.value)) {
    const observed = Math.min(...ownPorts);
    const owner = sockets.find((s) => s.port === observed && s.pid !== undefined && gatewayPids.has(s.pid))!;
    port = { value: observed, source: `listening socket of pid ${owner.pid} (${port.source} says ${port.value})` };
  }
  const ports = [...new Set([port.value, port.value + 2, port.value + 3, LEGACY_BRIDGE_PORT])];
  // A gateway container published on another host port (8080:18789): docker-proxy's socket there is the gateway's.
  const containers = snapshot.docker.status === 'ok' ? snapshot.docker.data.containers : [];
  const published = gatewayHostPorts(containers, ports);
  const listeners = sockets.filter(
    (s) =>
      s.protocol === 'tcp' &&
      ((s.pid !== undefined && gatewayPids.has(s.pid)) ||
        s.port === port.value ||
        (s.port === LEGACY_BRIDGE_PORT && s.pid === undefined) ||
        published.has(s.port)),
  );
  if (listeners.some((s) => !published.has(s.port) || s.port === port.value) && processes.length === 0)
    detectedBy.push(`listener on the gateway port ${port.value}`);
  const running = containers.filter((c) => c.state === 'running' && gatewayWorkloads([c], [], { ports }).length > 0);
  if (running.length > 0) detectedBy.push(`container ${running.map((c) => c.name).join(', ')}`);
  if (oc.units.length > 0) detectedBy.push(`service unit ${oc.units.map((u) => u.path).join(', ')}`);
  // A gateway that runs only in containers: no host process, unit or config says how it
  // authenticates, but the container's command does when it carries --auth (the worst one counts).
  const inContainers = processes.length === 0 && !config && !launch && running.length > 0;
  if (inContainers && !auth.mode) {
    const modes = running.flatMap((c) => {
      const mode = parseGatewayFlags(c.command).auth;
      return mode === undefined ? [] : [{ value: mode, source: `--auth flag in the command of container ${c.name}` }];
    });
    const worst = modes.find((m) => m.value === 'none') ?? modes[0];
    if (worst) auth.mode = worst;
  }

  const model: GatewayModel = {
    detected: detectedBy.length > 0,
    detectedBy,
    processes,
    units: oc.units,
    port,
    ports,
    auth,
    locations,
    listeners,
  };
  if (configBind) model.configBind = configBind;
  if (effectiveBind) model.effectiveBind = effectiveBind;
  if (tailscaleMode) model.tailscaleMode = tailscaleMode;
  if (config) model.config = config.value;
  if (configPath) model.configPath = configPath;
  if (oc.version.status === 'ok') model.version = oc.version.data.version;
  if (inContainers) model.containers = running.map((c) => c.name);
  return model;
}

export function describeSocket(s: Socket): string {
  const owner = s.pid !== undefined ? ` (pid ${s.pid}${s.process ? ` ${s.process}` : ''})` : ' (owner not visible; run as root)';
  const dual = s.address === '::' && s.v6only === false ? ', IPv4 too' : '';
  return `${s.protocol} ${hostPort(s.address, s.port)}${owner}${dual}`;
}
