import type { Collected, DockerContainer, DockerNetwork, DockerState, Door, DoorListen, DoorProblem, DoorsState } from '../../snapshot/types.js';
import { containerProxyOf, readContainerProxy } from './container-proxies.js';
import { programName, socatDoor } from './forwarders.js';
import { flattenFlags } from './traefik-config.js';
import { traefikDoors, traefikStatic } from './traefik.js';

/**
 * Doors that run in a container (issue 14: "the proxy container published on the host, the
 * gateway on its network"), read from what the Docker collector got from the Engine API: the
 * container's command (a socat forwarder, a Traefik configured by flags) and the ports Docker
 * publishes for it. Its listeners are those published host ports; its upstream, a name or
 * address on a Docker network, is resolved to the container there, so a gateway container
 * behind it is recognised. An nginx, Caddy or HAProxy whose config is a file is read through
 * the container's mounts (container-proxies.ts); what cannot be read is a problem, so the
 * published port is unknown.
 */

/** The host listeners Docker publishes for a port of the container (every port when none is given) ("" is every address, as Docker says). */
function published(c: DockerContainer, port?: number): DoorListen[] {
  return c.ports
    .filter((p) => p.protocol === 'tcp' && (port === undefined || p.containerPort === port) && p.hostPort !== '')
    .map((p) => ({ address: p.hostIp === '' ? '0.0.0.0' : p.hostIp, port: Number(p.hostPort) }));
}

/** The container a name or address reaches from `from`: same network, by container name, network alias (a compose service) or address. */
function containerAt(host: string, from: DockerContainer, containers: readonly DockerContainer[]): { c: DockerContainer; address: string } | undefined {
  const shared = new Set(from.networks.map((n) => n.name));
  for (const c of containers) {
    for (const n of c.networks) {
      if (!shared.has(n.name) || !n.ipAddress) continue;
      if (c.name === host || n.ipAddress === host || n.aliases?.includes(host)) return { c, address: n.ipAddress };
    }
  }
  return undefined;
}

/** What resolving a name in a container needs of the Docker state. */
interface DockerView {
  containers: readonly DockerContainer[];
  networks: readonly DockerNetwork[];
  daemonConfig?: DockerState['daemonConfig'];
}

const LOOPBACK = /^(localhost|ip6-localhost|ip6-loopback|127(\.\d+){3}|::1|0\.0\.0\.0|::)$/;

/** The address `host-gateway` stands for: the daemon's host-gateway-ip, else this host's address on the default bridge. */
function hostGateway(state: DockerView): string | undefined {
  const configured = state.daemonConfig?.status === 'ok' ? state.daemonConfig.data['host-gateway-ip'] : undefined;
  if (typeof configured === 'string' && configured !== '') return configured;
  return state.networks.find((n) => n.name === 'bridge')?.gateways?.find((g) => !g.includes(':'));
}

/** Where a name of extra_hosts leads ("host.docker.internal:host-gateway"): an address of this host, or as written. */
function extraHost(c: DockerContainer, name: string, state: DockerView): string | undefined {
  for (const entry of c.extraHosts ?? []) {
    // Docker keeps "name:address" (older) or "name=address" (25+); an IPv6 address has colons of its own.
    const m = /^([^:=]+)[:=](.+)$/.exec(entry);
    if (!m || m[1] !== name) continue;
    const address = m[2]!.replace(/^\[|\]$/g, '');
    return address === 'host-gateway' ? (hostGateway(state) ?? c.networks.find((n) => n.gateway)?.gateway) : address;
  }
  return undefined;
}

/** The container whose network namespace C uses (network_mode: service:/container:), else C. */
function netnsOwner(c: DockerContainer, containers: readonly DockerContainer[]): DockerContainer {
  const m = /^container:(.+)$/.exec(c.networkMode);
  if (!m) return c;
  return containers.find((o) => o.id === m[1] || o.name === m[1]) ?? c;
}

/**
 * A door's upstream as the container resolves it: a name of extra_hosts (host.docker.internal
 * with host-gateway) is this host's address there, loopback is the container itself (not this
 * host), and a container name or address on its networks is that container.
 */
function inContainer(door: Door, c: DockerContainer, docker: DockerView): Door {
  const up = door.upstream;
  if ('unix' in up) return door;
  const host = up.host.replace(/^\[|\]$/g, '');
  const extra = extraHost(c, host, docker);
  if (extra !== undefined) return { ...door, upstream: { host: extra, port: up.port } };
  if (LOOPBACK.test(host)) {
    const self = netnsOwner(c, docker.containers);
    return { ...door, upstream: { host: self.networks.find((n) => n.ipAddress)?.ipAddress ?? host, port: up.port }, container: self.name };
  }
  const target = containerAt(host, c, docker.containers);
  return target ? { ...door, upstream: { host: target.address, port: up.port }, container: target.c.name } : door;
}

/**
 * Listeners in the container's own namespace become the host ports Docker publishes for them.
 * One on the container's loopback is not among them: Docker connects to the container's address.
 */
function onHost(door: Door, c: DockerContainer): Door | undefined {
  const listen = (door.listen ?? []).filter((l) => !/^(127\.|::1$|localhost$)/.test(l.address)).flatMap((l) => published(c, l.port));
  if (listen.length === 0) return undefined;
  // Its unix sockets are paths in the container's filesystem, not the host's: no host door sends there by that name.
  const { listenUnix: _inContainer, ...rest } = door;
  return { ...rest, listen, publishedBy: c.name, via: `${door.via} (in container ${c.name})` };
}

export function containerDoors(containers: readonly DockerContainer[]): Door[] {
  const docker: DockerView = { containers, networks: [] };
  const doors: Door[] = [];
  for (const c of containers) {
    if (c.state !== 'running' || !c.ports.some((p) => p.hostPort !== '')) continue;
    const name = programName(c.command);
    if (name === 'socat') {
      const door = socatDoor(c.command);
      if (!door || 'unix' in door.upstream) continue;
      const out = onHost(inContainer(door, c, docker), c);
      if (out) doors.push(out);
    } else if (name === 'traefik' || /(^|\/)traefik[:@]|^traefik$/.test(c.image)) {
      // Flags only: the official image's entrypoint passes them to traefik as they are.
      const { config } = traefikStatic(
        flattenFlags(c.command[0]?.startsWith('-') ? ['traefik', ...c.command] : c.command),
        `the command of container ${c.name}`,
      );
      for (const door of traefikDoors(config, undefined, config.docker ? containers : undefined, undefined).doors) {
        const out = onHost(door, c);
        if (out) doors.push(out);
      }
    }
  }
  return doors;
}

/** The docker-proxy processes holding the host ports published for C: the sockets its problems make unknown. */
function dockerProxyPids(c: DockerContainer, processes: ReadonlyMap<number, readonly string[]>): number[] {
  const addresses = new Set(c.networks.flatMap((n) => [n.ipAddress, n.ipv6Address]).filter(Boolean));
  const ports = new Set(c.ports.filter((p) => p.hostPort !== '').map((p) => p.hostPort));
  const pids: number[] = [];
  for (const [pid, argv] of processes) {
    if (programName(argv) !== 'docker-proxy') continue;
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    if (argv.includes('-container-ip') && addresses.has(flag('-container-ip')) && ports.has(flag('-host-port') ?? '')) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

/**
 * The doors of nginx, Caddy and HAProxy containers with published ports, read from their config
 * files, put on the host. A problem is tied to the docker-proxy processes of the container's
 * published ports (their sockets are the door's rows), so those rows are unknown.
 */
export async function containerProxyDoors(docker: DockerState, processes: ReadonlyMap<number, readonly string[]> = new Map()): Promise<DoorsState> {
  const out: DoorsState = { doors: [], problems: [], read: [] };
  for (const c of docker.containers) {
    if (c.state !== 'running' || !c.ports.some((p) => p.hostPort !== '')) continue;
    const kind = containerProxyOf(c);
    if (!kind) continue;
    const result = await readContainerProxy(c, kind, docker.endpoint);
    for (const door of result.doors) {
      const placed = onHost(inContainer(door, c, docker), c);
      if (placed) out.doors.push(placed);
    }
    const pids = dockerProxyPids(c, processes);
    // Its published ports are the rows its problems make unknown (matched by address and port, so a
    // host nginx's own sockets are not), and its docker-proxy processes when there are some.
    const listen = published(c);
    const tied = (p: DoorProblem, pid: number | undefined): DoorProblem => {
      const { pid: _inContainer, ...rest } = p;
      const placed: DoorProblem = { ...rest, listen, publishedBy: c.name };
      return pid === undefined ? placed : { ...placed, pid };
    };
    out.problems.push(...result.problems.flatMap((p, i) => (i === 0 && pids.length > 1 ? pids.map((pid) => tied(p, pid)) : [tied(p, pids[0])])));
    out.read.push(...result.read);
  }
  return out;
}

/** Add the doors of running containers, once the Docker collector has answered. */
export async function addContainerDoors(
  state: DoorsState,
  docker: Promise<Collected<DockerState>> | undefined,
  processes?: ReadonlyMap<number, readonly string[]>,
): Promise<void> {
  const d = docker ? await docker : undefined;
  if (d?.status !== 'ok') return;
  const doors = containerDoors(d.data.containers);
  if (doors.length > 0) state.read.push(`door containers from the Docker Engine API: ${[...new Set(doors.map((x) => x.publishedBy))].join(', ')}`);
  const proxies = await containerProxyDoors(d.data, processes);
  state.doors.push(...doors, ...proxies.doors);
  state.problems.push(...proxies.problems);
  state.read.push(...proxies.read);
}
