import net from 'node:net';
import type { Snapshot, Socket } from '../snapshot/types.js';
import { UserError } from '../errors.js';
import { isLoopback } from '../model/addresses.js';
import { doorsListeningOn, sniName, snapshotDoors } from '../model/doors.js';

/** One address and port to connect to. */
export interface Target {
  address: string;
  port: number;
  /** A door of this host's model terminates TLS on this port: fingerprint over TLS, with this SNI name when it has one. */
  tls?: { servername?: string };
}

export interface TargetPlan {
  targets: Target[];
  /** What was left out and why (UDP listeners, link-local addresses…), for the report. */
  notes: string[];
}

/** `--target ADDR[:PORT]`: one address (v4, [v6] or a host name); never a range. */
export function parseTargetSpec(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const [host, portText] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : net.isIPv6(text)
      ? [text, undefined]
      : (text.split(/:(?=\d+$)/) as [string, string | undefined]);
  // Digits, dots and dashes that are not one IP (10.0.0.1-10.0.0.9, 10.0.0.1-9) are a range, not a name.
  if (/[/*]|\s|,/.test(host) || host === '' || (!net.isIP(host) && /^[\d.-]+$/.test(host)))
    throw new UserError(`--target ${text}: name one address or host (ADDR[:PORT]); ranges and lists are not probed`);
  if (!net.isIP(host) && !/^[A-Za-z0-9.-]+$/.test(host)) throw new UserError(`--target ${text}: "${host}" is neither an IP address nor a host name`);
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--target ${text}: ${portText} is not a port number (1-65535)`);
  return { host, port };
}

/**
 * The ports of one --target host at most: far more than a real host listens on (a few dozen), so
 * a snapshot listing thousands cannot turn the probe into a port scan of the host named.
 */
export const MAX_TARGET_PORTS = 256;

/** Plain string order: localeCompare would load ICU's collator, 20 ms and more, on the probe's critical path. */
export function byCodepoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function familyOf(address: string): 4 | 6 | undefined {
  const f = net.isIP(address);
  return f === 4 || f === 6 ? f : undefined;
}

/** Could a listener on this socket answer on an address of this family? */
function servesFamily(socket: Socket, family: 4 | 6): boolean {
  if (socket.family === family) return true;
  return family === 4 && socket.address === '::' && socket.v6only !== true;
}

/**
 * The host's own view: every TCP listener port on every non-loopback address of the host.
 * A port bound to loopback is probed on the other addresses too, where it must be refused.
 */
export function planTargets(snapshot: Snapshot, options: { target?: { host: string; port?: number } } = {}): TargetPlan {
  const notes: string[] = [];
  const sockets = snapshot.sockets.status === 'ok' ? snapshot.sockets.data : [];
  const tcp = sockets.filter((s) => s.protocol === 'tcp');
  const udp = sockets.filter((s) => s.protocol === 'udp').length;
  if (udp > 0) notes.push(`${udp} UDP listener(s) not probed: UDP gives no answer to tell open from filtered`);
  if (snapshot.sockets.status !== 'ok' && options.target?.port === undefined) {
    throw new UserError(`the host's listeners could not be read (${snapshot.sockets.detail}); run as root, or name a port with --target ADDR:PORT`);
  }
  const interfaces = snapshot.network.interfaces.status === 'ok' ? snapshot.network.interfaces.data : [];
  let addresses = interfaces.flatMap((i) => i.addresses.filter((a) => !isLoopback(a.address)).map((a) => a.address));
  const linkLocal = addresses.filter((a) => a.toLowerCase().startsWith('fe80:'));
  if (linkLocal.length > 0) notes.push(`${linkLocal.length} link-local IPv6 address(es) not probed: they need an interface scope`);
  addresses = addresses.filter((a) => !linkLocal.includes(a));

  if (options.target) {
    const { host, port } = options.target;
    let ports = port !== undefined ? [port] : [...new Set(tcp.map((s) => s.port))].sort((a, b) => a - b);
    if (ports.length > MAX_TARGET_PORTS) {
      notes.push(
        `${ports.length - MAX_TARGET_PORTS} of ${ports.length} listener ports not probed (at most ${MAX_TARGET_PORTS}): name one with --target ADDR:PORT`,
      );
      ports = ports.slice(0, MAX_TARGET_PORTS);
    }
    const family = familyOf(host);
    const wanted = family
      ? ports.filter((p) => tcp.some((s) => s.port === p && servesFamily(s, family)) || port !== undefined || tcp.every((s) => s.port !== p))
      : ports;
    return {
      targets: withTls(
        snapshot,
        wanted.map((p) => ({ address: host, port: p })),
      ),
      notes,
    };
  }

  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const socket of tcp) {
    for (const address of addresses) {
      const family = familyOf(address);
      if (!family) continue;
      const loopbackOnly = isLoopback(socket.address);
      if (!loopbackOnly && !servesFamily(socket, family)) continue;
      if (loopbackOnly && socket.family !== family) continue;
      const key = `${address}|${socket.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ address, port: socket.port });
    }
  }
  targets.sort((a, b) => a.port - b.port || byCodepoint(a.address, b.address));
  if (addresses.length === 0) notes.push('the host has no non-loopback address to probe');
  return { targets: withTls(snapshot, targets), notes };
}

/**
 * A port where a door of the model terminates TLS is fingerprinted over TLS, with the door's
 * server name as SNI (of several server blocks, one that names a host and proxies to a host
 * port, not a unix socket, first). Other ports are tried in plain HTTP first (fingerprint.ts).
 */
function withTls(snapshot: Snapshot, targets: Target[]): Target[] {
  const { doors } = snapshotDoors(snapshot);
  if (!doors.some((d) => d.tls)) return targets;
  return targets.map((t) => {
    const tlsDoors = doorsListeningOn(doors, t.port, t.address).filter((d) => d.tls);
    if (tlsDoors.length === 0) return t;
    const named = tlsDoors.filter((d) => sniName(d) !== undefined);
    const best = named.find((d) => !('unix' in d.upstream)) ?? named[0];
    const servername = best ? sniName(best) : undefined;
    return { ...t, tls: servername ? { servername } : {} };
  });
}
