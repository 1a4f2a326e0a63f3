import type { DockerContainer, Snapshot, Socket, SourceLocation } from '../snapshot/types.js';
import { snapshotDoors } from './doors.js';
import type { ComposeModel, ComposeService } from './compose/types.js';
import { isPublicHostIp } from './compose/address.js';

/**
 * Gateway workloads in Docker: live containers and compose services, in one
 * shape, so the Docker checks judge both the same way (a compose file is what
 * will run after the next `docker compose up`; a container is what runs now).
 */

export interface Publish {
  hostIp: string;
  /** Host port or range; undefined = an ephemeral port picked by Docker. */
  hostPort?: string;
  containerPort: string;
  protocol: string;
  text: string;
  location?: SourceLocation;
}

export interface GatewayWorkload {
  kind: 'container' | 'compose';
  /** "container openclaw-gateway" or "service openclaw-gateway in /srv/compose.yaml". */
  label: string;
  networkMode: string;
  networks: string[];
  publishes: Publish[];
  mounts: { source: string; target: string; location?: SourceLocation }[];
  location?: SourceLocation;
}

const PRODUCT = /(openclaw|clawdbot|moltbot)/i;

function inRange(spec: string | undefined, port: number): boolean {
  if (!spec) return false;
  const [lo, hi] = spec.split('-').map(Number) as [number, number | undefined];
  return hi === undefined ? lo === port : port >= lo && port <= hi;
}

/** Does this publish expose a gateway port (on the host side or the container side)? */
export function publishesGatewayPort(p: Publish, ports: number[]): boolean {
  return ports.some((port) => inRange(p.hostPort, port) || inRange(p.containerPort, port));
}

export function isPublicPublish(p: Publish): boolean {
  return isPublicHostIp(p.hostIp);
}

function looksLikeGateway(name: string, image: string, command: string[], publishes: Publish[], ports: number[]): boolean {
  if (PRODUCT.test(name) || PRODUCT.test(image)) return true;
  if (command.some((a) => PRODUCT.test(a)) && command.includes('gateway')) return true;
  return publishes.some((p) => ports.some((port) => inRange(p.containerPort, port)));
}

function fromContainer(c: DockerContainer, ports: number[]): GatewayWorkload | undefined {
  const publishes: Publish[] = c.ports
    .filter((p) => p.hostPort !== '')
    .map((p) => ({
      hostIp: p.hostIp,
      hostPort: p.hostPort,
      containerPort: String(p.containerPort),
      protocol: p.protocol,
      text: `${p.hostIp || '*'}:${p.hostPort}->${p.containerPort}/${p.protocol}`,
    }));
  if (!looksLikeGateway(c.name, c.image, c.command, publishes, ports)) return undefined;
  return {
    kind: 'container',
    label: `container ${c.name} (${c.image}, ${c.id.slice(0, 12)})`,
    networkMode: c.networkMode,
    networks: c.networks.map((n) => n.name),
    publishes,
    mounts: c.mounts.map((m) => ({ source: m.source, target: m.destination })),
  };
}

function fromService(model: ComposeModel, s: ComposeService, ports: number[]): GatewayWorkload | undefined {
  const publishes: Publish[] = s.ports.map((p) => {
    const publish: Publish = {
      hostIp: p.hostIp,
      containerPort: p.containerPort,
      protocol: p.protocol,
      text: p.raw,
      location: { file: p.file ?? model.path, line: p.line, column: p.column },
    };
    if (p.hostPort !== undefined) publish.hostPort = p.hostPort;
    return publish;
  });
  if (!looksLikeGateway(s.name, s.image ?? '', s.command, publishes, ports)) return undefined;
  const workload: GatewayWorkload = {
    kind: 'compose',
    label: `service ${s.name} in ${model.path}`,
    networkMode: s.networkMode ?? s.networks[0] ?? 'project default network',
    networks: s.networks,
    publishes,
    mounts: s.volumes
      .filter((v) => v.source !== undefined)
      .map((v) => ({ source: v.source!, target: v.target, location: { file: v.file ?? model.path, line: v.line } })),
    location: { file: s.file ?? model.path, line: s.line },
  };
  return workload;
}

export function gatewayWorkloads(containers: DockerContainer[], composeModels: ComposeModel[], gateway: { ports: number[] }): GatewayWorkload[] {
  const ports = gateway.ports;
  const out: GatewayWorkload[] = [];
  for (const c of containers) {
    const w = fromContainer(c, ports);
    if (w) out.push(w);
  }
  for (const model of composeModels) {
    for (const s of model.services) {
      const w = fromService(model, s, ports);
      if (w) out.push(w);
    }
  }
  return out;
}

/**
 * The host ports a running gateway container is published on, whatever they are: `8080:18789`
 * puts the gateway on the host's 8080 (docker-proxy's socket there, or dockerd's DNAT alone),
 * so that port is the gateway's as much as 18789 is. A publish counts when its container port is
 * a gateway port and the container is a gateway workload (by name, image, command or that port).
 */
export function gatewayHostPorts(containers: readonly DockerContainer[], ports: readonly number[]): Map<number, DockerContainer> {
  const out = new Map<number, DockerContainer>();
  for (const c of containers) {
    if (c.state !== 'running' || !fromContainer(c, [...ports])) continue;
    for (const p of c.ports) {
      const hostPort = Number(p.hostPort);
      if (p.protocol === 'tcp' && p.hostPort !== '' && Number.isInteger(hostPort) && ports.includes(p.containerPort) && !out.has(hostPort))
        out.set(hostPort, c);
    }
  }
  return out;
}

/**
 * Docker ports published without a host socket (userland proxy off: dockerd's DNAT
 * alone carries them). They still belong in the reach matrix, as listeners of their own:
 * the host ports in PORTS, and for the gateway those of `gatewayHostPorts` (extra).
 */
export function publishedWithoutSocket(
  containers: DockerContainer[],
  sockets: readonly Socket[],
  ports: readonly number[],
  extra: ReadonlyMap<number, DockerContainer> = new Map(),
): Socket[] {
  const out: Socket[] = [];
  for (const c of containers) {
    for (const p of c.ports) {
      const hostPort = Number(p.hostPort);
      if (!(ports.includes(hostPort) || extra.get(hostPort) === c) || p.protocol === 'sctp') continue;
      if (sockets.some((s) => s.port === hostPort && s.protocol === p.protocol)) continue;
      const address = p.hostIp === '' ? '0.0.0.0' : p.hostIp;
      if (out.some((s) => s.port === hostPort && s.address === address)) continue;
      out.push({ protocol: p.protocol, address, port: hostPort, family: address.includes(':') ? 6 : 4, process: `docker (${c.name}, published)` });
    }
  }
  return out;
}

/**
 * The listeners Docker publishes with no socket on the host: the gateway's own ports, and the
 * ports of doors in containers (a proxy container published on 443), each door's from its own
 * container. With the userland proxy off nothing need listen on those host ports, yet dockerd's
 * DNAT carries a client to the container; a door left out of the matrix would let a gateway
 * behind it pass `exposure.internet`.
 */
export function unsocketedListeners(snapshot: Snapshot, gatewayPorts: readonly number[]): { gateway: Socket[]; doors: Socket[] } {
  const containers = snapshot.docker.status === 'ok' ? snapshot.docker.data.containers : [];
  const sockets = snapshot.sockets.status === 'ok' ? snapshot.sockets.data : [];
  const gateway = publishedWithoutSocket(containers, sockets, gatewayPorts, gatewayHostPorts(containers, gatewayPorts));
  const { doors, problems } = snapshotDoors(snapshot);
  const behindDoors: Socket[] = [];
  for (const d of [...doors, ...problems]) {
    if (d.publishedBy === undefined) continue;
    const own = containers.filter((c) => c.name === d.publishedBy);
    const ports = (d.listen ?? []).map((l) => l.port);
    behindDoors.push(...publishedWithoutSocket(own, [...sockets, ...gateway, ...behindDoors], ports));
  }
  return { gateway, doors: behindDoors };
}

/*
 * What is wrong with a gateway workload, decided once: the checks report it and harden fixes
 * exactly it (no planner re-derives a check's condition).
 */

const DOCKER_SOCKET = /(^|\/)docker\.sock$/;

/** Mounts that hand the workload the Docker daemon: the socket as source or as target. */
export function dockerSocketMounts(w: GatewayWorkload): GatewayWorkload['mounts'] {
  return w.mounts.filter((m) => DOCKER_SOCKET.test(m.source) || DOCKER_SOCKET.test(m.target));
}

/** On Docker's default bridge, shared with every other container. */
export function onDefaultBridge(w: GatewayWorkload): boolean {
  return w.networkMode === 'default' || w.networkMode === 'bridge' || w.networks.includes('bridge');
}

/** On the host's own network stack. */
export function onHostNetwork(w: GatewayWorkload): boolean {
  return w.networkMode === 'host';
}
