import { readFileSync } from 'node:fs';
import { socketInodes, tcpRows } from '../collect/proc-sockets.js';

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
  const held = socketInodes(pid, proc);
  return held && [...inodes].every((inode) => held.has(inode));
}

/** The inodes of the sockets listening on PORT (any address) in a /proc/net/tcp or tcp6 table. */
export function listeningInodes(table: string, port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  return tcpRows(table)
    .filter((r) => r.state === '0A' && r.inode !== '0' && r.local.slice(r.local.lastIndexOf(':') + 1) === portHex)
    .map((r) => r.inode);
}
