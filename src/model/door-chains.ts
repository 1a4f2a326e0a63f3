import type { Door, DoorKind, DoorProblem, Snapshot, Socket } from '../snapshot/types.js';
import { classifyAddress, hostAddresses, hostPort, isWildcard, parseAddress } from './addresses.js';
import { describeDoor, describeTarget, doorName, doorSockets, DOOR_PROCESSES, hopOf, sameOrWildOnce, snapshotDoors } from './doors.js';
import { socketAccepts } from './listeners.js';
import type { DoorHop, GatewayTarget } from './reach-types.js';

/**
 * Where each door leads, doors in front of doors included: nginx on 0.0.0.0:443 proxying to
 * 127.0.0.1:8080, where socat forwards to the gateway on 127.0.0.1:18789, makes the gateway as
 * reachable as nginx is. A door's upstream on this host is a connection over loopback like any
 * other: the socket the kernel would deliver it to (socketAccepts, from `lo`) decides; when that
 * socket is another door's listener, the door leads wherever that one does. A door behind whose
 * program could not be read makes the way unknown, never closed. A loop of doors ends (it never
 * reaches the gateway), and so does a chain longer than MAX_DOORS_IN_A_ROW (unknown). Pure.
 */

/** Doors followed in a row before the answer is unknown: real setups have two or three. */
export const MAX_DOORS_IN_A_ROW = 8;

/**
 * Names every distribution's /etc/hosts (Debian's ip6-*, RHEL's *4/*6 and .localdomain forms) gives
 * to loopback, compared as the resolver does: case-insensitive, a trailing dot ignored.
 */
const LOOPBACK_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'localhost4',
  'localhost4.localdomain4',
  'localhost6',
  'localhost6.localdomain6',
  'ip6-localhost',
  'ip6-loopback',
]);

/** A host name as the resolver compares it. */
function normalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * What a door's upstream name is, without /etc/hosts or DNS (clawmoat reads neither): loopback;
 * this host by a name whose address is not known (its own host name, which Debian maps to
 * 127.0.1.1 and others to a public address, or a *.localdomain name); or a name that resolves
 * outside what clawmoat read. Never "another host": that is only said of an address.
 */
export function upstreamName(name: string, hostname: string | undefined): 'loopback' | 'this-host' | 'unresolved' {
  const n = normalName(name);
  if (LOOPBACK_NAMES.has(n) || n.endsWith('.localhost')) return 'loopback';
  const own = hostname ? normalName(hostname) : '';
  if (n.endsWith('.localdomain') || (own !== '' && (n === own || n === own.split('.')[0]))) return 'this-host';
  return 'unresolved';
}

/** The doors clawmoat reads that can listen on a unix socket (socat UNIX-LISTEN, nginx, HAProxy, Caddy). */
const UNIX_LISTENERS: ReadonlySet<DoorKind> = new Set(['socat', 'nginx', 'haproxy', 'caddy']);

function one(steps: string[], rest: Omit<GatewayTarget, 'steps' | 'text'>): GatewayTarget {
  return { ...rest, steps, text: steps.join('; ') };
}

/** Of the sockets that accept a packet, the one the kernel picks: the exact address before a wildcard, the packet's family first. */
function taker(candidates: readonly Socket[], family: 4 | 6): Socket | undefined {
  const score = (s: Socket) => (isWildcard(s.address) ? 0 : 2) + (s.family === family ? 1 : 0);
  return [...candidates].sort((a, b) => score(b) - score(a))[0];
}

/** "(127.0.0.1:18789, pid 8)". */
function where(s: Socket): string {
  return `(${hostPort(s.address, s.port)}${s.pid !== undefined ? `, pid ${s.pid}` : ''})`;
}

function describeSocket(s: Socket): string {
  return `${s.process ?? 'a process'} ${where(s)}`;
}

function problemText(p: DoorProblem): string {
  return `${p.detail}${p.line !== undefined && !p.detail.includes(`${p.source}:${p.line}`) ? ` (${p.source}:${p.line})` : ''}`;
}

/**
 * A unix socket path as the kernel would resolve it, as far as the text shows: "//", "/./" and
 * "dir/.." collapsed, and /var/run as /run (a symlink on every current distribution). Other
 * symlinks are not known: two absolute paths that differ but share a file name are `unknown`.
 * A relative path (to its program's working directory) and an abstract name ("@gw") stay as written.
 */
function unixPath(path: string): string {
  if (!path.startsWith('/')) return path;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  const resolved = `/${parts.join('/')}`;
  return resolved.startsWith('/var/run/') ? resolved.slice(4) : resolved;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** An upstream address of doors: on this host or not, and the packet a door's connection to it is. */
interface Upstream {
  local: boolean;
  family: 4 | 6;
  daddr: string;
  ports: Map<number, Delivery>;
}

/** Where the kernel delivers a loopback connection to an upstream: the gateway's socket, else the socket it picks (asked only when needed). */
interface Delivery {
  gateway: Socket | undefined;
  inner(): Socket | undefined;
}

/** What one door does by itself. */
type Next = { kind: 'next'; step: string; doors: Door[] };
type Direct = { kind: 'end'; target: GatewayTarget } | Next;

/** A door on the way, with the door before it; depth counts the doors so far, the first one included. */
interface Node {
  door: Door;
  parent?: Node;
  depth: number;
}

export interface DoorTargetInput {
  doors: readonly Door[];
  problems: readonly DoorProblem[];
  /** Every listening socket of the host: the gateway's and the doors' among them. */
  sockets: readonly Socket[];
  gatewayPorts: readonly number[];
  gatewaySockets: readonly Socket[];
  hostAddresses: readonly string[];
  /** The host's own name (snapshot.host.hostname): an upstream by that name is this host. */
  hostname?: string;
}

/** Where each door leads (memoised: ask as often as needed). */
export function doorTargets(input: DoorTargetInput): (door: Door) => GatewayTarget {
  const same = sameOrWildOnce();
  const listenersOf = new Map<Socket, Door[]>();
  for (const door of input.doors) {
    if (!door.listen || door.listen.length === 0) continue;
    for (const s of doorSockets(door, input.sockets, same)) {
      const list = listenersOf.get(s);
      if (list) list.push(door);
      else listenersOf.set(s, [door]);
    }
  }
  // Doors listening on a unix socket, by its path: only a door in front that sends there reaches them.
  const unixListeners = new Map<string, Door[]>();
  for (const door of input.doors)
    for (const { path } of door.listenUnix ?? []) {
      const key = unixPath(path);
      const list = unixListeners.get(key);
      if (list) list.push(door);
      else unixListeners.set(key, [door]);
    }
  const unread = new Map<Socket, DoorProblem>();
  for (const p of input.problems) {
    if (p.tunnel) continue;
    const names = DOOR_PROCESSES[p.kind];
    for (const s of input.sockets)
      if (s.protocol === 'tcp' && (s.pid === p.pid || (s.process !== undefined && names.includes(s.process))) && !unread.has(s)) unread.set(s, p);
  }

  // What the kernel does with a door's connection depends on its upstream alone, not on the door:
  // hundreds of server blocks share a few upstream addresses, so each address is judged once (per
  // call of doorTargets), and each address and port asked of the sockets once.
  const hosts = new Map<string, Upstream>();
  const upstreamOf = (host: string): Upstream => {
    let known = hosts.get(host);
    if (!known) {
      const local = classifyAddress(host) === 'loopback' || isWildcard(host) || input.hostAddresses.some((a) => same(a, host));
      const family: 4 | 6 = host.includes(':') ? 6 : 4;
      known = { local, family, daddr: isWildcard(host) ? (family === 6 ? '::1' : '127.0.0.1') : host, ports: new Map() };
      hosts.set(host, known);
    }
    return known;
  };
  const delivered = (upstream: Upstream, port: number): Delivery => {
    let delivery = upstream.ports.get(port);
    if (!delivery) {
      const packet = { family: upstream.family, protocol: 'tcp' as const, daddr: upstream.daddr, dport: port, iif: 'lo' };
      let asked = false;
      let inner: Socket | undefined;
      delivery = {
        gateway: input.gatewaySockets.find((s) => socketAccepts(s, packet)),
        inner: () => {
          if (!asked) {
            asked = true;
            inner = taker(
              input.sockets.filter((s) => socketAccepts(s, packet)),
              upstream.family,
            );
          }
          return inner;
        },
      };
      upstream.ports.set(port, delivery);
    }
    return delivery;
  };

  /** What a door does by itself: ends (at the gateway, or not), or hands the connection to another door's listener. */
  function direct(door: Door): Direct {
    const up = door.upstream;
    const name = doorName(door.kind);
    const end = (steps: string[], rest: Omit<GatewayTarget, 'steps' | 'text'>): Direct => ({ kind: 'end', target: one(steps, rest) });
    if ('unix' in up) {
      // The gateway listens on TCP only: a unix socket leads to it only through another door.
      const path = unixPath(up.unix);
      const behind = unixListeners.get(path) ?? [];
      if (behind.length === 0) {
        const unsure = (why: string) =>
          end([`${name} sends it to the unix socket ${up.unix}`, `whether it leads to the gateway is unknown: ${why}`], { gateway: true, unknown: why });
        // The same file name elsewhere may be the same file: a relative path depends on its program's working directory, an absolute one on symlinks.
        const maybe = [...unixListeners].find(([p]) => baseName(p) === baseName(path));
        if (maybe) {
          const how = maybe[0].startsWith('/') && path.startsWith('/') ? 'on symlinks clawmoat does not read' : 'on a working directory clawmoat does not know';
          return unsure(`${describeDoor(maybe[1][0]!)} listens on the unix socket ${maybe[0]}, and whether that is the file ${up.unix} depends ${how}`);
        }
        // A door whose config could not be read may listen there: its unix sockets are not known either.
        const unreadDoor = input.problems.find((p) => !p.tunnel && UNIX_LISTENERS.has(p.kind));
        if (unreadDoor) return unsure(`no door read listens on the unix socket ${up.unix}, and one that could not be read may: ${problemText(unreadDoor)}`);
        return end([`${name} sends it to the unix socket ${up.unix}, where no door of this host listens`], { gateway: false });
      }
      return {
        kind: 'next',
        step: `${describeDoor(door)} forwards it to the unix socket ${up.unix}, where ${describeDoor(behind[0]!)} listens`,
        doors: behind,
      };
    }
    const gatewayPort = input.gatewayPorts.includes(up.port);
    if (door.kind === 'kubectl' && up.host.startsWith('pod ')) {
      if (!gatewayPort) return end([`${name} sends it to ${describeTarget(up)}, not a gateway port`], { gateway: false });
      return end([`kubectl port-forward sends it to port ${up.port} inside ${up.host.slice(4)}, the gateway's port; the pod sees a loopback client`], {
        gateway: true,
      });
    }
    if (door.container) {
      // A Traefik Docker-label route: the address is the container's, on a Docker network of this host.
      if (!gatewayPort) return end([`${name} sends it to ${describeTarget(up)}, not a gateway port`], { gateway: false });
      return end([`${describeDoor(door)} forwards it to ${describeTarget(up)}, the gateway's port in container ${door.container}`], { gateway: true });
    }
    let host = up.host;
    if (parseAddress(host) === undefined) {
      const kind = upstreamName(host, input.hostname);
      if (kind === 'unresolved') {
        const why = `${up.host} is a name that resolves outside what clawmoat read (no /etc/hosts or DNS), so it may be this host`;
        return end([`${name} sends it to ${describeTarget(up)}`, `whether it leads to the gateway is unknown: ${why}`], { gateway: true, unknown: why });
      }
      if (kind === 'this-host') {
        // Which of this host's addresses the name is (127.0.1.1, a public one) was not read: only a port every address takes is decided.
        const onPort = input.sockets.filter((s) => s.protocol === 'tcp' && s.port === up.port);
        if (!gatewayPort && onPort.length === 0)
          return end([`${name} sends it to ${describeTarget(up)}, this host, where nothing listens on that port`], { gateway: false });
        // Sockets on every address take it whichever address the name is; otherwise the name's address decides.
        if (onPort.length === 0 || !onPort.every((s) => isWildcard(s.address))) {
          const why = `${up.host} names this host, but which of its addresses was not read (/etc/hosts), and ${onPort[0] ? `${describeSocket(onPort[0])} on that port` : "the gateway's port"} may take it`;
          return end([`${name} sends it to ${describeTarget(up)}`, `whether it leads to the gateway is unknown: ${why}`], { gateway: true, unknown: why });
        }
      }
      host = '127.0.0.1';
    }
    const upstream = upstreamOf(host);
    if (!upstream.local) return end([`${name} sends it to ${describeTarget(up)}, another host`], { gateway: false });
    const delivery = delivered(upstream, up.port);
    const socket = delivery.gateway;
    if (socket) {
      const from = door.layer === 'tcp' || door.forwardedFor === 'none' ? 'a loopback address: it looks local' : 'the door';
      return end([`${describeDoor(door)} forwards it to ${describeTarget(up)}, where the gateway ${where(socket)} takes it from ${from}`], {
        gateway: true,
        socket,
      });
    }
    if (gatewayPort) {
      return end(
        [`${describeDoor(door)} forwards it to ${describeTarget(up)}, the gateway's port (no gateway socket takes it now: it answers once the gateway runs)`],
        {
          gateway: true,
        },
      );
    }
    // Another door's listener? The kernel delivers the door's connection there like any loopback client's.
    const inner = delivery.inner();
    const doors = inner ? (listenersOf.get(inner) ?? []) : [];
    const problem = inner ? unread.get(inner) : undefined;
    if (!inner || (doors.length === 0 && !problem)) return end([`${name} sends it to ${describeTarget(up)}, not a gateway port`], { gateway: false });
    const step = `${describeDoor(door)} forwards it to ${describeTarget(up)}, where ${describeSocket(inner)} takes it`;
    if (problem) {
      const why = problemText(problem);
      const hop: DoorHop = { kind: problem.kind, via: doors[0]?.via ?? 'config not fully read', target: 'unknown', unknown: why };
      return end([step, `whether ${doorName(problem.kind)} leads to the gateway is unknown: ${why}`], { gateway: true, chain: [hop], unknown: why });
    }
    return { kind: 'next', step, doors };
  }

  const directs = new Map<Door, Direct>();
  const directOf = (door: Door): Direct => {
    let d = directs.get(door);
    if (!d) directs.set(door, (d = direct(door)));
    return d;
  };

  /** The way from the first door of NODE's line to NODE, then what ends it there. */
  function way(node: Node, end: GatewayTarget): GatewayTarget {
    const line: Node[] = [];
    for (let n: Node | undefined = node; n; n = n.parent) line.unshift(n);
    const steps = line.slice(0, -1).map((n) => (directOf(n.door) as Next).step);
    const chain = [...line.slice(1).map((n) => hopOf(n.door)), ...(end.chain ?? [])];
    return one([...steps, ...end.steps], {
      gateway: end.gateway,
      ...(chain.length > 0 ? { chain } : {}),
      ...(end.socket ? { socket: end.socket } : {}),
      ...(end.unknown ? { unknown: end.unknown } : {}),
    });
  }

  /**
   * Breadth first through the doors behind: each door is visited once, so loops end and many
   * server blocks on one port do not multiply; the nearest way to the gateway wins, then the
   * nearest that may lead there (an unread door, a chain too long).
   */
  function resolve(start: Door): GatewayTarget {
    const first = directOf(start);
    if (first.kind === 'end') return first.target;
    const visited = new Set<Door>([start]);
    let level: Node[] = [{ door: start, depth: 1 }];
    let maybe: GatewayTarget | undefined;
    let loop = false;
    while (level.length > 0) {
      const next: Node[] = [];
      for (const node of level) {
        const d = directOf(node.door);
        if (d.kind === 'end') {
          if (d.target.gateway && !d.target.unknown) return way(node, d.target);
          if (d.target.gateway) maybe ??= way(node, d.target);
          continue;
        }
        if (node.depth >= MAX_DOORS_IN_A_ROW) {
          const why = `more than ${MAX_DOORS_IN_A_ROW} doors in a row: not followed further`;
          maybe ??= way(node, one([d.step, why], { gateway: true, unknown: why }));
          continue;
        }
        for (const door of d.doors) {
          if (visited.has(door)) loop = true;
          else {
            visited.add(door);
            next.push({ door, parent: node, depth: node.depth + 1 });
          }
        }
      }
      level = next;
    }
    if (maybe) return maybe;
    const why = loop
      ? 'the doors behind it lead only back to doors already on the way: a loop of doors, which never reaches the gateway'
      : 'no door behind it leads to the gateway';
    return one([first.step, why], { gateway: false });
  }

  const memo = new Map<Door, GatewayTarget>();
  return (door) => {
    let target = memo.get(door);
    if (!target) memo.set(door, (target = resolve(door)));
    return target;
  };
}

/** doorTargets for a snapshot: its doors, problems, sockets (and EXTRA ones, Docker's published ports) and addresses. */
export function snapshotDoorTargets(
  snapshot: Snapshot,
  gateway: { ports: readonly number[]; sockets: readonly Socket[] },
  extraSockets: readonly Socket[] = [],
): (door: Door) => GatewayTarget {
  const { doors, problems } = snapshotDoors(snapshot);
  const sockets = [...(snapshot.sockets.status === 'ok' ? snapshot.sockets.data : []), ...extraSockets];
  return doorTargets({
    doors,
    problems,
    sockets,
    gatewayPorts: gateway.ports,
    gatewaySockets: gateway.sockets,
    hostAddresses: hostAddresses(snapshot),
    hostname: snapshot.host.hostname,
  });
}
