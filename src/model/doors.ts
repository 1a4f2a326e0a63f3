import type { Door, DoorKind, DoorProblem, Snapshot, Socket, SourceLocation } from '../snapshot/types.js';
import type { Step } from '../netfilter/simulate/types.js';
import { hostPort, isWildcard, parseAddress } from './addresses.js';
import type { Attempt } from './attempt.js';
import type { DoorHop, GatewayTarget } from './reach-types.js';

export type { DoorHop, GatewayTarget };
import type { Zone } from './zones.js';

/**
 * Doors in the matrix. A door is a user-space program between a client and the gateway: a
 * reverse proxy or forwarder with a listener of its own (its row is that kernel socket, and the
 * hop through it extends the path), or something with no kernel listener at all (Tailscale
 * Serve and Funnel, answered by tailscaled; an outbound tunnel, answered at its far end). Pure.
 */

export const DOOR_PROCESSES: Record<DoorKind, readonly string[]> = {
  nginx: ['nginx'],
  caddy: ['caddy'],
  haproxy: ['haproxy'],
  apache: ['apache2', 'httpd'],
  socat: ['socat'],
  rinetd: ['rinetd'],
  ssh: ['ssh', 'autossh'],
  kubectl: ['kubectl'],
  cloudflared: ['cloudflared'],
  ngrok: ['ngrok'],
  frp: ['frpc'],
  traefik: ['traefik'],
};

const KIND_NAME: Record<DoorKind, string> = {
  nginx: 'nginx',
  caddy: 'Caddy',
  haproxy: 'HAProxy',
  apache: 'Apache',
  socat: 'socat',
  rinetd: 'rinetd',
  ssh: 'ssh',
  kubectl: 'kubectl port-forward',
  cloudflared: 'cloudflared',
  ngrok: 'ngrok',
  frp: 'frpc',
  traefik: 'Traefik',
};

export function doorName(kind: DoorKind | 'tailscale'): string {
  return kind === 'tailscale' ? 'Tailscale' : KIND_NAME[kind];
}

export function describeTarget(upstream: Door['upstream']): string {
  if ('unix' in upstream) return `unix:${upstream.unix}`;
  return `${upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host}:${upstream.port}`;
}

export function describeLocation(l: SourceLocation | undefined): string {
  return l ? `${l.file}:${l.line}` : '';
}

/** Where a door takes connections: "0.0.0.0:443, unix:/run/gw.sock", each with the place it is written when asked. */
export function describeListens(door: Pick<Door, 'listen' | 'listenUnix'>, withPlace = false): string {
  const place = (l: { location?: SourceLocation }) => (withPlace && l.location ? ` (${describeLocation(l.location)})` : '');
  return [
    ...(door.listen ?? []).map((l) => `${hostPort(l.address, l.port)}${place(l)}`),
    ...(door.listenUnix ?? []).map((l) => `unix:${l.path}${place(l)}`),
  ].join(', ');
}

/** "nginx proxy_pass http://127.0.0.1:18789 (/etc/nginx/sites-enabled/openclaw:12)". */
export function describeDoor(d: Pick<Door, 'kind' | 'via' | 'location'>): string {
  // "socat TCP-LISTEN:…", "autossh -R …", "kubectl port-forward …" already say who they are.
  const named = DOOR_PROCESSES[d.kind].includes(d.via.split(' ')[0] ?? '') || d.via.startsWith(doorName(d.kind));
  return `${named ? '' : `${doorName(d.kind)} `}${d.via}${d.location ? ` (${describeLocation(d.location)})` : ''}`;
}

export function hopOf(d: Door): DoorHop {
  const hop: DoorHop = { kind: d.kind, via: d.via, target: describeTarget(d.upstream) };
  if (d.location) hop.location = d.location;
  if (d.auth.length > 0) hop.auth = d.auth.map((a) => `${a.text}${a.location ? ` (${describeLocation(a.location)})` : ''}`);
  return hop;
}

export function sameOrWild(a: string, b: string): boolean {
  if (isWildcard(a) && isWildcard(b)) return true;
  const pa = parseAddress(a);
  const pb = parseAddress(b);
  return pa !== undefined && pb !== undefined && pa.kind() === pb.kind() && pa.toString() === pb.toString();
}

/**
 * sameOrWild for one analysis, each address text parsed once: the same few addresses recur in
 * hundreds of doors (200 nginx server blocks on two listeners), and parsing is most of the cost.
 * The memo is keyed on the exact text and lives as long as the function returned.
 */
export function sameOrWildOnce(): (a: string, b: string) => boolean {
  const seen = new Map<string, { wildcard: boolean; canonical: string | undefined }>();
  const facts = (text: string) => {
    let f = seen.get(text);
    if (!f) {
      const parsed = parseAddress(text);
      seen.set(text, (f = { wildcard: isWildcard(text), canonical: parsed ? `${parsed.kind()} ${parsed.toString()}` : undefined }));
    }
    return f;
  };
  return (a, b) => {
    const fa = facts(a);
    const fb = facts(b);
    return (fa.wildcard && fb.wildcard) || (fa.canonical !== undefined && fa.canonical === fb.canonical);
  };
}

/** The kernel sockets that are this door's listeners: same program, same port, same (or a wildcard) address. */
export function doorSockets(
  door: Pick<Door, 'kind' | 'listen' | 'pid' | 'publishedBy'>,
  sockets: readonly Socket[],
  same: (a: string, b: string) => boolean = sameOrWild,
): Socket[] {
  const names = DOOR_PROCESSES[door.kind];
  return sockets.filter(
    (s) =>
      s.protocol === 'tcp' &&
      (door.listen ?? []).some((l) => l.port === s.port && same(l.address, s.address)) &&
      // A door in a container listens through the port Docker publishes for it: docker-proxy's socket, or DNAT alone.
      (s.pid === door.pid || s.process === undefined || names.includes(s.process) || (door.publishedBy !== undefined && /^docker/.test(s.process))),
  );
}

/**
 * The doors that take connections on this port (on this address, or on a wildcard): the probe
 * names the door it went through. Several server blocks of one proxy can share a port.
 */
export function doorsListeningOn(doors: readonly Door[], port: number, address?: string): Door[] {
  return doors.filter((d) =>
    (d.listen ?? []).some((l) => l.port === port && (address === undefined || isWildcard(l.address) || sameOrWild(l.address, address))),
  );
}

/** A server name a client could send as SNI: not nginx's catch-all "_", a wildcard, a regex or an address. */
export function sniName(door: Pick<Door, 'serverNames'>): string | undefined {
  return (door.serverNames ?? [])
    .map((n) => n.replace(/^https?:\/\//, '').replace(/:\d+$/, ''))
    .find((n) => /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$/.test(n) && !/^\d+(\.\d+)*$/.test(n));
}

/** A step of the path: the hop through the door. */
export function hopStep(text: string, action: 'accept' | 'unknown' = 'accept'): Step {
  return { hook: 'door', table: '', chain: '', text, action };
}

/** The doors of a snapshot, and what could not be read about them. */
export function snapshotDoors(snapshot: Snapshot): { doors: Door[]; problems: DoorProblem[]; readable: boolean; detail?: string } {
  const d = snapshot.doors;
  // Absent (a snapshot from before doors were read) is not "none": see inputs.ts MISSING_DOORS.
  if (!d) return { doors: [], problems: [], readable: false, detail: 'this snapshot has no doors section' };
  if (d.status !== 'ok') return { doors: [], problems: [], readable: d.reason === 'not-installed', detail: d.detail };
  return { doors: d.data.doors, problems: d.data.problems, readable: true };
}

// ------------------------------------------------------------------------------------------------
// Rows with no kernel listener: Serve/Funnel (tailscaled) and outbound tunnels

/**
 * A row answered in user space: `answer` says what happens to a client of a zone before the
 * kernel is involved (tailscaled taking a tailnet peer, a tunnel's far end taking an internet
 * client); otherwise the packet meets the kernel at `kernel` (Serve's tailnet address), or, with
 * no address here at all (a tunnel), `otherwise` says why the zone does not reach it.
 */
export interface UserSpaceRow {
  address: string;
  port: number;
  family: 4 | 6;
  process: string;
  pid?: number;
  gateway: boolean;
  door: DoorHop;
  /** The listener's `serve` text (Tailscale Serve rows, kept for reach-format readers). */
  serve?: string;
  answer(zone: Zone): Attempt | undefined;
  /** With no answer: the packet meets this host's kernel at `address` (Serve), unless `otherwise` decides. */
  otherwise?(zone: Zone): Attempt;
}

/** An outbound tunnel's row: its far end takes clients of its audience; a policy there we cannot see makes it unknown. */
export function tunnelRow(door: Door, behind: GatewayTarget): UserSpaceRow {
  const remote = door.remote!;
  const hop = withChain(hopOf(door), behind);
  const name = doorName(door.kind);
  const urlHost = remote.url.replace(/^\w+:\/\//, '').replace(/[:/].*$/, '') || remote.url;
  const row: UserSpaceRow = {
    address: urlHost,
    port: remote.port,
    family: 4,
    process: DOOR_PROCESSES[door.kind][0]!,
    gateway: behind.gateway,
    door: hop,
    answer(zone) {
      if (zone.kind !== 'internet') return undefined;
      const arrive = `${name} carries connections from its far end, ${remote.url} (${remote.audience === 'internet' ? 'on the internet' : 'on the remote host'}), out through its own outbound connection: no listener here, no firewall of this host sees them`;
      const through = hopSteps(behind);
      if (remote.gate) {
        const reason = `${remote.url}: ${remote.gate}${behind.unknown ? `; ${behind.text}` : ''}`;
        return {
          verdict: 'unknown',
          destination: remote.url,
          source: zone.source[4] ?? zone.source[6] ?? '',
          reason,
          path: [hopStep(arrive, 'unknown'), hopStep(`unknown: ${remote.gate}`, 'unknown'), ...through],
        };
      }
      const reason = `anyone on the internet reaches ${remote.url}, and ${name} brings them here: ${behind.text}`;
      return {
        verdict: behind.unknown ? 'unknown' : 'open',
        destination: remote.url,
        source: zone.source[4] ?? zone.source[6] ?? '',
        reason,
        path: [hopStep(arrive), ...through],
      };
    },
    otherwise(zone) {
      const reason = `no listener on this host for this tunnel: its clients come through its far end, ${remote.url}${remote.audience === 'internet' ? ' (see the internet zone)' : ''}`;
      return { verdict: 'closed', destination: remote.url, source: zone.source[4] ?? zone.source[6] ?? '', reason, path: [hopStep(reason, 'accept')] };
    },
  };
  if (door.pid !== undefined) row.pid = door.pid;
  return row;
}

/** A tunnel that runs but whose routes could not be read: unknown from the internet, with why. */
export function unreadTunnelRow(problem: DoorProblem): UserSpaceRow {
  const why = `${problem.detail}${problem.line !== undefined ? ` (${problem.source}:${problem.line})` : ''}`;
  const row: UserSpaceRow = {
    address: `${DOOR_PROCESSES[problem.kind][0]}${problem.pid !== undefined ? ` pid ${problem.pid}` : ''}`,
    port: 0,
    family: 4,
    process: DOOR_PROCESSES[problem.kind][0]!,
    gateway: true,
    door: { kind: problem.kind, via: 'routes not read', target: 'unknown', unknown: why },
    answer(zone) {
      if (zone.kind !== 'internet') return undefined;
      return { verdict: 'unknown', destination: '', source: zone.source[4] ?? zone.source[6] ?? '', reason: why, path: [hopStep(why, 'unknown')] };
    },
    otherwise(zone) {
      const reason = 'no listener on this host for this tunnel (see the internet zone)';
      return { verdict: 'closed', destination: '', source: zone.source[4] ?? zone.source[6] ?? '', reason, path: [hopStep(reason)] };
    },
  };
  if (problem.pid !== undefined) row.pid = problem.pid;
  return row;
}

// ------------------------------------------------------------------------------------------------
// Rows that are kernel sockets: what the door adds to them

export interface SocketDoor {
  hop: DoorHop;
  /** The door leads to a gateway port. */
  gateway: boolean;
  /** One sentence: the hop through the door (and the doors behind it) to what is behind it. */
  text: string;
  /** One step of the path per hop. */
  steps: string[];
}

/** The hop with the doors behind it, and why they are unknown when they are. */
function withChain(hop: DoorHop, target: GatewayTarget): DoorHop {
  return { ...hop, ...(target.chain && target.chain.length > 0 ? { chain: target.chain } : {}), ...(target.unknown ? { unknown: target.unknown } : {}) };
}

/** The path steps of the way through a door: each hop accepts, the last is unknown when the way is. */
export function hopSteps(target: Pick<GatewayTarget, 'steps' | 'unknown'>): Step[] {
  return target.steps.map((text, i) => hopStep(text, target.unknown && i === target.steps.length - 1 ? 'unknown' : 'accept'));
}

function rank(d: { gateway: boolean; hop: { unknown?: string | undefined } }): number {
  return !d.gateway ? 0 : d.hop.unknown ? 1 : 2;
}

/**
 * For each socket that is a door's listener: the hop, and whether it leads to the gateway. A
 * socket of a program whose config could not be read is a door we cannot see through: unknown.
 * Of several doors on one socket (server blocks of one nginx port), one leading to the gateway wins.
 */
export function socketDoors(
  doors: readonly Door[],
  problems: readonly DoorProblem[],
  sockets: readonly Socket[],
  behind: (d: Door) => GatewayTarget,
): Map<Socket, SocketDoor> {
  const out = new Map<Socket, SocketDoor>();
  const same = sameOrWildOnce();
  for (const door of doors) {
    if (!door.listen || door.listen.length === 0) continue;
    const mine = doorSockets(door, sockets, same);
    // Where a door leads is asked only of a door with a socket here (a door whose listener is not up adds no row).
    if (mine.length === 0) continue;
    // Sockets a door already holds that leads to the gateway for certain keep it: where this one leads need not be asked.
    if (mine.every((socket) => out.get(socket)?.gateway === true && !out.get(socket)!.hop.unknown)) continue;
    const target = behind(door);
    for (const socket of mine) {
      const current = out.get(socket);
      // Of several, one leading to the gateway for certain wins, then one that may.
      if (current && rank(current) >= rank({ gateway: target.gateway, hop: { unknown: target.unknown } })) continue;
      out.set(socket, { hop: withChain(hopOf(door), target), gateway: target.gateway, text: target.text, steps: target.steps });
    }
  }
  for (const p of problems) {
    if (p.tunnel) continue;
    const names = DOOR_PROCESSES[p.kind];
    const why = `${p.detail}${p.line !== undefined && !p.detail.includes(`${p.source}:${p.line}`) ? ` (${p.source}:${p.line})` : ''}`;
    // A container's problem names its published listeners: those sockets, not every socket of a program of that name.
    const theirs = p.listen ? new Set(doorSockets({ kind: p.kind, listen: p.listen, publishedBy: p.publishedBy ?? '' }, sockets, same)) : undefined;
    for (const socket of sockets) {
      if (socket.protocol !== 'tcp') continue;
      const matched = theirs
        ? theirs.has(socket) || (p.pid !== undefined && socket.pid === p.pid)
        : socket.pid === p.pid || (socket.process !== undefined && names.includes(socket.process));
      if (!matched) continue;
      const current = out.get(socket);
      const text = `whether ${doorName(p.kind)} leads to the gateway is unknown: ${why}`;
      out.set(socket, {
        hop: {
          kind: p.kind,
          via: current?.hop.via ?? 'config not fully read',
          target: current?.hop.target ?? 'unknown',
          unknown: why,
          ...(current?.hop.location ? { location: current.hop.location } : {}),
        },
        gateway: true,
        text,
        steps: [text],
      });
    }
  }
  return out;
}

/** The cell of a door's socket, from the kernel's attempt: the hop appended, or unknown when the door is. */
export function throughDoor(attempt: Attempt, door: SocketDoor): Attempt {
  if (attempt.verdict !== 'open') return attempt;
  if (door.hop.unknown) {
    return {
      ...attempt,
      verdict: 'unknown',
      reason: `${attempt.reason}; ${door.text}`,
      path: [...attempt.path, ...hopSteps({ steps: door.steps, unknown: door.hop.unknown })],
    };
  }
  if (!door.gateway) return attempt;
  return { ...attempt, reason: `${attempt.reason}; ${door.text}`, path: [...attempt.path, ...hopSteps({ steps: door.steps })] };
}
