import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Sockets as procfs shows them, for the runtime checks that must name a socket's owner: the
 * tunnel (is the listener ssh's?) and harden (which connection is the admin's SSH session?).
 */

/** The inodes of the sockets process PID holds open (its fds that link to `socket:[N]`); undefined when its fds cannot be listed. */
export function socketInodes(pid: number, proc = '/proc'): Set<string> | undefined {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(join(proc, String(pid), 'fd'));
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(proc, String(pid), 'fd', fd)));
      if (m) inodes.add(m[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/** One row of /proc/net/tcp or tcp6: the local and remote `ADDR:PORT` in hex, the state (`0A` listen, `01` established), the inode. */
export interface TcpRow {
  local: string;
  remote: string;
  state: string;
  inode: string;
}

/** The rows of a /proc/net/tcp{,6} table (its header line skipped). */
export function tcpRows(table: string): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 10) rows.push({ local: f[1]!, remote: f[2]!, state: f[3]!, inode: f[9]! });
  }
  return rows;
}
