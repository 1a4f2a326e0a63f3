import { request } from 'node:http';
import type { Collected, DockerContainer, DockerNetwork, DockerPortBinding, DockerState } from '../snapshot/types.js';
import { SecretVault, redactArgv, redactEnvEntry } from '../snapshot/redact.js';
import { currentHost, hostFacts, ok, readText, unavailable, withTimeout } from './host.js';
import type { ScriptReads } from './script/declare.js';

/**
 * Docker, read through the Engine API on its unix socket, the same data
 * `docker inspect` shows, without needing the docker CLI.
 */

const API_TIMEOUT_MS = 2500;

export function dockerSocketPath(env: NodeJS.ProcessEnv): Collected<string> {
  const host = env.DOCKER_HOST;
  if (!host) return ok('/var/run/docker.sock');
  if (host.startsWith('unix://')) return ok(host.slice('unix://'.length));
  return unavailable('error', `DOCKER_HOST=${host} is not a unix socket; clawmoat reads the local daemon through its unix socket only`);
}

function getJson(socketPath: string, path: string): Promise<Collected<unknown>> {
  const recorded = currentHost().dockerGet;
  if (recorded) return recorded(socketPath, path);
  return new Promise((resolve) => {
    const req = request({ socketPath, path, method: 'GET', headers: { Host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return resolve(unavailable('error', `Docker API ${path} answered ${res.statusCode}: ${body.slice(0, 120).trim()}`));
        try {
          resolve(ok(JSON.parse(body)));
        } catch {
          resolve(unavailable('error', `Docker API ${path} returned invalid JSON`));
        }
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        resolve(unavailable('not-running', `Docker is not running (nothing answers on ${socketPath})`));
      } else if (error.code === 'EACCES') {
        resolve(unavailable('permission-denied', `${socketPath} is not accessible (run as root or join the docker group)`));
      } else {
        resolve(unavailable('error', `Docker API ${path}: ${error.message}`));
      }
    });
    req.setTimeout(API_TIMEOUT_MS, () => {
      req.destroy();
      resolve(unavailable('timeout', `Docker API ${path} did not answer within ${API_TIMEOUT_MS} ms`));
    });
    req.end();
  });
}

interface InspectJson {
  Id?: string;
  Name?: string;
  Config?: { Image?: string; Env?: string[] | null; Cmd?: string[] | null; Entrypoint?: string[] | null; Labels?: Record<string, string> | null };
  State?: { Status?: string };
  HostConfig?: { NetworkMode?: string; PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null; ExtraHosts?: string[] | null };
  NetworkSettings?: {
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    Networks?: Record<
      string,
      { IPAddress?: string; GlobalIPv6Address?: string; Gateway?: string; Aliases?: string[] | null; DNSNames?: string[] | null }
    > | null;
  };
  Mounts?: { Type?: string; Source?: string; Destination?: string }[] | null;
}

/** Map one `docker inspect` object (the Engine API's container JSON) to the snapshot shape. */
export function containerFromInspect(json: InspectJson, vault?: SecretVault): DockerContainer {
  // Live bindings (NetworkSettings.Ports) are what the daemon set up; HostConfig is what was asked.
  const portMap = json.NetworkSettings?.Ports ?? json.HostConfig?.PortBindings ?? {};
  const ports: DockerPortBinding[] = [];
  for (const [key, bindings] of Object.entries(portMap ?? {})) {
    const [portText, protoText] = key.split('/');
    const containerPort = Number(portText);
    const protocol = protoText === 'udp' ? 'udp' : protoText === 'sctp' ? 'sctp' : 'tcp';
    for (const b of bindings ?? []) ports.push({ containerPort, protocol, hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '' });
  }
  const networks = Object.entries(json.NetworkSettings?.Networks ?? {}).map(([name, n]) => {
    const entry: DockerContainer['networks'][number] = { name };
    if (n.IPAddress) entry.ipAddress = n.IPAddress;
    if (n.GlobalIPv6Address) entry.ipv6Address = n.GlobalIPv6Address;
    if (n.Gateway) entry.gateway = n.Gateway;
    // Names other containers reach it by there: a compose service name is an alias ("openclaw" for "stack-openclaw-1").
    const aliases = [...new Set([...(n.Aliases ?? []), ...(n.DNSNames ?? [])])];
    if (aliases.length > 0) entry.aliases = aliases;
    return entry;
  });
  const container: DockerContainer = {
    id: json.Id ?? '',
    name: (json.Name ?? '').replace(/^\//, ''),
    image: json.Config?.Image ?? '',
    state: json.State?.Status ?? 'unknown',
    networkMode: json.HostConfig?.NetworkMode ?? 'default',
    ports,
    networks,
    mounts: (json.Mounts ?? []).map((m) => ({ type: m.Type ?? '', source: m.Source ?? '', destination: m.Destination ?? '' })),
    labels: json.Config?.Labels ?? {},
    command: redactArgv([...(json.Config?.Entrypoint ?? []), ...(json.Config?.Cmd ?? [])], vault),
    env: (json.Config?.Env ?? []).map((e) => redactEnvEntry(e, vault)),
  };
  const extraHosts = json.HostConfig?.ExtraHosts ?? [];
  if (extraHosts.length > 0) container.extraHosts = [...extraHosts];
  return container;
}

/** One entry of `/containers/json`: enough to name a container whose inspect fails. */
interface ListJson {
  Id?: string;
  Names?: string[];
}

interface NetworkJson {
  Id?: string;
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
  Options?: Record<string, string> | null;
}

export function networkFromInspect(json: NetworkJson): DockerNetwork {
  const options = json.Options ?? {};
  const network: DockerNetwork = {
    id: json.Id ?? '',
    name: json.Name ?? '',
    driver: json.Driver ?? '',
    internal: json.Internal === true,
    subnets: (json.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string'),
    options,
  };
  const gateways = (json.IPAM?.Config ?? []).map((c) => c.Gateway).filter((g): g is string => typeof g === 'string' && g !== '');
  if (gateways.length > 0) network.gateways = gateways;
  const bridge = options['com.docker.network.bridge.name'];
  if (bridge) network.bridgeName = bridge;
  else if (network.driver === 'bridge' && network.id) network.bridgeName = network.name === 'bridge' ? 'docker0' : `br-${network.id.slice(0, 12)}`;
  return network;
}

async function readDaemonConfig(): Promise<Collected<Record<string, unknown>>> {
  const text = await readText('/etc/docker/daemon.json');
  if (text.status !== 'ok') return text;
  try {
    const parsed: unknown = JSON.parse(text.data);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return ok(parsed as Record<string, unknown>);
    return unavailable('error', '/etc/docker/daemon.json is not a JSON object');
  } catch (error) {
    return unavailable('error', `/etc/docker/daemon.json is not valid JSON: ${(error as Error).message}`);
  }
}

async function collect(socketPath: string, vault: SecretVault): Promise<Collected<DockerState>> {
  const version = await getJson(socketPath, '/version');
  if (version.status !== 'ok') return version;
  const [list, networksJson, daemonConfig] = await Promise.all([
    getJson(socketPath, '/containers/json?all=1'),
    getJson(socketPath, '/networks'),
    readDaemonConfig(),
  ]);
  if (list.status !== 'ok') return list;
  const listed = (Array.isArray(list.data) ? (list.data as ListJson[]) : []).filter((c): c is ListJson & { Id: string } => typeof c?.Id === 'string');
  const inspected = await Promise.all(listed.map((c) => getJson(socketPath, `/containers/${c.Id}/json`)));
  // A container whose inspect failed is not "no container": it stays in the state, named, so the
  // analysis makes it an input problem instead of auditing a host without it.
  const containers: DockerContainer[] = [];
  const uninspected: NonNullable<DockerState['uninspected']> = [];
  inspected.forEach((c, i) => {
    const entry = listed[i]!;
    if (c.status === 'ok') containers.push(containerFromInspect(c.data as InspectJson, vault));
    else uninspected.push({ id: entry.Id, name: (entry.Names?.[0] ?? '').replace(/^\//, ''), detail: c.detail });
  });
  const networksRead = networksJson.status === 'ok' && Array.isArray(networksJson.data);
  const networks = networksRead ? (networksJson.data as NetworkJson[]).map(networkFromInspect) : [];
  const v = version.data as { Version?: string; ApiVersion?: string; Os?: string; KernelVersion?: string };
  const versionInfo: DockerState['version'] = { version: v.Version ?? 'unknown', apiVersion: v.ApiVersion ?? 'unknown' };
  if (v.Os) versionInfo.os = v.Os;
  if (v.KernelVersion) versionInfo.kernel = v.KernelVersion;
  const state: DockerState = { endpoint: socketPath, version: versionInfo, daemonConfig, containers, networks };
  if (uninspected.length > 0) state.uninspected = uninspected;
  if (!networksRead) state.networksUnread = networksJson.status === 'ok' ? 'Docker API /networks did not return a list' : networksJson.detail;
  return ok(state);
}

export async function collectDocker(vault: SecretVault, env: NodeJS.ProcessEnv = hostFacts().env): Promise<Collected<DockerState>> {
  const socket = dockerSocketPath(env);
  if (socket.status !== 'ok') return socket;
  return withTimeout(collect(socket.data, vault), API_TIMEOUT_MS * 2, 'Docker');
}

/** What collectDocker reads, for the collection script. */
export const DOCKER_READS: ScriptReads = { env: ['DOCKER_HOST'], files: ['/etc/docker/daemon.json'], rounds: ['docker'] };
