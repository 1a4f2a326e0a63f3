import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionFromProcessTree } from '../../../src/harden/ssh-session.js';

/**
 * The parent walk over a /proc laid out in a temp dir: node ← sudo ← bash ← sshd-session (the
 * session's socket) ← sshd. The real thing runs in test/system/harden-ssh-session-root.test.ts.
 */
const work = mkdtempSync(join(tmpdir(), 'clawmoat-proc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (local: string, remote: string, state: string, inode: number) =>
  `   0: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 20 4 30 10 -1\n`;

function fakeProc(tables: { tcp?: string; tcp6?: string }, sessionComm = 'sshd-session'): string {
  const proc = mkdtempSync(join(work, 'proc-'));
  const processes: [number, string, number][] = [
    [100, 'node', 90],
    [90, 'sudo', 80],
    [80, 'bash', 70],
    [70, sessionComm, 60],
    [60, 'sshd', 1],
  ];
  for (const [pid, comm, ppid] of processes) {
    mkdirSync(join(proc, String(pid), 'fd'), { recursive: true });
    writeFileSync(join(proc, String(pid), 'stat'), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560\n`);
  }
  symlinkSync('/dev/null', join(proc, '70', 'fd', '0'));
  symlinkSync('socket:[4444]', join(proc, '70', 'fd', '3'));
  symlinkSync('socket:[5555]', join(proc, '70', 'fd', '4'));
  mkdirSync(join(proc, '70', 'net'));
  writeFileSync(join(proc, '70', 'net', 'tcp'), HEADER + (tables.tcp ?? ''));
  writeFileSync(join(proc, '70', 'net', 'tcp6'), HEADER + (tables.tcp6 ?? ''));
  return proc;
}

describe('the SSH session from the process tree', () => {
  it("names the established connection of the nearest sshd ancestor's socket, as SSH_CONNECTION would", () => {
    // 192.168.1.10:2222 ← 192.168.1.50:51000; a listening socket (state 0A) of another inode is not it.
    const proc = fakeProc({ tcp: row('00000000:08AE', '00000000:0000', '0A', 4444) + row('0A01A8C0:08AE', '3201A8C0:C738', '01', 5555) });
    expect(sessionFromProcessTree(100, proc)).toBe('192.168.1.50 51000 192.168.1.10 2222');
  });

  it('reads IPv6 and IPv4-mapped ends', () => {
    const mapped = fakeProc({ tcp6: row('0000000000000000FFFF00000A01A8C0:0016', '0000000000000000FFFF00003201A8C0:C738', '01', 5555) });
    expect(sessionFromProcessTree(100, mapped)).toBe('192.168.1.50 51000 192.168.1.10 22');
    // 2001:db8::10 ← 2001:db8::50
    const v6 = fakeProc({ tcp6: row('B80D0120000000000000000010000000:0016', 'B80D0120000000000000000050000000:C738', '01', 5555) });
    expect(sessionFromProcessTree(100, v6)).toBe('2001:db8::50 51000 2001:db8::10 22');
  });

  it('no session: no sshd among the parents, or no established connection of its sockets', () => {
    expect(sessionFromProcessTree(100, fakeProc({ tcp: row('0A01A8C0:08AE', '3201A8C0:C738', '01', 5555) }, 'tmux: server'))).toBeUndefined();
    expect(sessionFromProcessTree(100, fakeProc({ tcp: row('0A01A8C0:08AE', '3201A8C0:C738', '01', 9999) }))).toBeUndefined();
  });
});
