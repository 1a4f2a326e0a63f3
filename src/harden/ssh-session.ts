import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { socketInodes, tcpRows } from '../collect/proc-sockets.js';

/**
 * The SSH session this run came in by, found without SSH_CONNECTION: `sudo` (Debian's default
 * env_reset) drops it, and the lockout check must still protect the path the admin is on. The
 * parent chain leads to sshd's process for the session (`sshd: user@pts/0`, or `sshd-session`
 * since OpenSSH 9.8); its TCP socket, found by inode in that process's own /proc/PID/net/tcp{,6},
 * names both ends. Only this run's ancestors are read: procfs, no path another user controls.
 */

const SSHD_COMM = new Set(['sshd', 'sshd-session']);
const MAX_DEPTH = 64;
const ESTABLISHED = '01';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** comm and parent PID from /proc/PID/stat; the name may hold spaces and parentheses, so it ends at the last ')'. */
function statOf(proc: string, pid: number): { comm: string; ppid: number } | undefined {
  const text = read(join(proc, String(pid), 'stat'));
  if (!text) return undefined;
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const ppid = Number(text.slice(close + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? { comm: text.slice(open + 1, close), ppid } : undefined;
}

/** An address of /proc/net/tcp{,6}: 32-bit words in host (little-endian) order, then the port. */
function endpoint(hex: string): { address: string; port: number } | undefined {
  const [addr, port] = hex.split(':') as [string, string | undefined];
  if (!port || !/^[0-9A-F]+$/i.test(addr) || (addr.length !== 8 && addr.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < addr.length; w += 8) {
    const word = addr.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  // ::ffff:a.b.c.d (an IPv4 client of a dual-stack sshd) as a.b.c.d, as sshd writes SSH_CONNECTION.
  const ip = ipaddr.fromByteArray(bytes);
  const address = ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address().toString() : ip.toString();
  return { address, port: parseInt(port, 16) };
}

/** The established TCP connection that owns one of these socket inodes, as SSH_CONNECTION would say it. */
function connectionOf(proc: string, pid: number, inodes: Set<string>): string | undefined {
  for (const table of ['tcp', 'tcp6']) {
    for (const row of tcpRows(read(join(proc, String(pid), 'net', table)) ?? '')) {
      if (row.state !== ESTABLISHED || !inodes.has(row.inode)) continue;
      const local = endpoint(row.local);
      const remote = endpoint(row.remote);
      if (local && remote) return `${remote.address} ${remote.port} ${local.address} ${local.port}`;
    }
  }
  return undefined;
}

/** "client_ip client_port server_ip server_port" of the SSH session among this process's ancestors, or undefined. */
export function sessionFromProcessTree(pid = process.pid, proc = '/proc'): string | undefined {
  let current = statOf(proc, pid)?.ppid;
  for (let depth = 0; current !== undefined && current > 1 && depth < MAX_DEPTH; depth++) {
    const stat = statOf(proc, current);
    if (!stat) return undefined;
    if (SSHD_COMM.has(stat.comm)) {
      const inodes = socketInodes(current, proc);
      const found = inodes && inodes.size > 0 ? connectionOf(proc, current, inodes) : undefined;
      if (found) return found;
    }
    current = stat.ppid;
  }
  return undefined;
}
