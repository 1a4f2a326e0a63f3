import type { Collected, DockerContainer, DockerState, Door, DoorListen, DoorsState } from '../../snapshot/types.js';
import { programName, socatDoor } from './forwarders.js';
import { flattenFlags } from './traefik-config.js';
import { traefikDoors, traefikStatic } from './traefik.js';

/**
 * Doors that run in a container (issue 14: "the proxy container published on the host, the
 * gateway on its network"), read from what the Docker collector got from the Engine API: the
 * container's command (a socat forwarder, a Traefik configured by flags) and the ports Docker
 * publishes for it. Its listeners are those published host ports; its upstream, a name or
 * address on a Docker network, is resolved to the container there, so a gateway container
 * behind it is recognised. A proxy whose config is a file inside the container is not read.
 */

/** The host listeners Docker publishes for a port of the container ("" is every address, as Docker says). */
function published(c: DockerContainer, port: number): DoorListen[] {
  return c.ports
    .filter((p) => p.protocol === 'tcp' && p.containerPort === port && p.hostPort !== '')
    .map((p) => ({ address: p.hostIp === '' ? '0.0.0.0' : p.hostIp, port: Number(p.hostPort) }));
}

/** The container a name or address reaches from `from`: same network, by container name or address. */
function containerAt(host: string, from: DockerContainer, containers: readonly DockerContainer[]): { c: DockerContainer; address: string } | undefined {
  const shared = new Set(from.networks.map((n) => n.name));
  for (const c of containers) {
    for (const n of c.networks) {
      if (!shared.has(n.name) || !n.ipAddress) continue;
      if (c.name === host || n.ipAddress === host) return { c, address: n.ipAddress };
    }
  }
  return undefined;
}

/** Listeners in the container's own namespace become the host ports Docker publishes for them. */
function onHost(door: Door, c: DockerContainer): Door | undefined {
  const listen = (door.listen ?? []).flatMap((l) => published(c, l.port));
  if (listen.length === 0) return undefined;
  return { ...door, listen, publishedBy: c.name, via: `${door.via} (in container ${c.name})` };
}

export function containerDoors(containers: readonly DockerContainer[]): Door[] {
  const doors: Door[] = [];
  for (const c of containers) {
    if (c.state !== 'running' || !c.ports.some((p) => p.hostPort !== '')) continue;
    const name = programName(c.command);
    if (name === 'socat') {
      const door = socatDoor(c.command);
      if (!door || 'unix' in door.upstream) continue;
      const target = containerAt(door.upstream.host, c, containers);
      const resolved: Door = target ? { ...door, upstream: { host: target.address, port: door.upstream.port }, container: target.c.name } : door;
      const out = onHost(resolved, c);
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

/** Add the doors of running containers, once the Docker collector has answered. */
export async function addContainerDoors(state: DoorsState, docker: Promise<Collected<DockerState>> | undefined): Promise<void> {
  const d = docker ? await docker : undefined;
  if (d?.status !== 'ok') return;
  const doors = containerDoors(d.data.containers);
  if (doors.length > 0) state.read.push(`door containers from the Docker Engine API: ${[...new Set(doors.map((x) => x.publishedBy))].join(', ')}`);
  state.doors.push(...doors);
}
