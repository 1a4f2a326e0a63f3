import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * Does process PID hold every listening TCP socket on PORT? `tunnel` calls its forwarding up once
 * 127.0.0.1:PORT accepts a connection; a local user who binds that port first (between the pick of
 * a free port and ssh's bind, after the login) would otherwise be taken for the tunnel, and the
 * browser's token would go to them. Read from /proc (this network namespace's sockets, and the
 * fds of the ssh child, which is ours): true or false on Linux, undefined where it cannot be told
 * (another system, /proc unreadable, no listener seen).
 */
export function listenerOwnedBy(pid: number, port: number, proc = '/proc'): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  const inodes = new Set<string>();
  try {
    for (const file of ['tcp', 'tcp6']) for (const inode of listeningInodes(readFileSync(`${proc}/net/${file}`, 'utf8'), port)) inodes.add(inode);
  } catch {
    return undefined;
  }
  if (inodes.size === 0) return undefined;
  const held = new Set<string>();
  try {
    for (const fd of readdirSync(`${proc}/${pid}/fd`)) {
      try {
        const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${proc}/${pid}/fd/${fd}`));
        if (socket) held.add(socket[1]!);
      } catch {
        // closed since the listing
      }
    }
  } catch {
    return undefined;
  }
  return [...inodes].every((inode) => held.has(inode));
}

/** The inodes of the sockets listening on PORT (any address) in a /proc/net/tcp or tcp6 table. */
export function listeningInodes(table: string, port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (fields.length < 10 || fields[3] !== '0A') continue;
    if (fields[1]!.slice(fields[1]!.lastIndexOf(':') + 1) === portHex && fields[9] !== '0') out.push(fields[9]!);
  }
  return out;
}
