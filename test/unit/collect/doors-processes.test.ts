import { describe, expect, it } from 'vitest';
import { collectFromScriptOutput } from '../../../src/collect/index.js';
import { output } from './recording.js';

/**
 * Which door processes count. A forking forwarder's children repeat its argv and hold no listener
 * of their own: they are left out. Two unrelated processes with one argv are two doors: a decoy
 * started first must not hide the real one (found while adding Traefik).
 */

const SOCAT = ['socat', 'TCP-LISTEN:443,fork,reuseaddr', 'TCP:127.0.0.1:18789'];

function recording(processes: { pid: number; ppid: number; argv: string[] }[]): Buffer {
  const cmdlines = processes.map((p) => p.argv.map((a) => `${p.pid}/cmdline:${a}\0`).join('')).join('');
  return output([
    ['fact', 'ok', 'pid', '999'],
    ['fact', 'ok', 'uid', '0'],
    ['fact', 'ok', 'hostname', 'h'],
    ['fact', 'ok', 'platform', 'linux'],
    ['link', 'ok', '/proc/self/ns/net', 'net:[4026531840]'],
    ['argv', 'ok', '/proc', cmdlines],
    ...processes.flatMap((p): [string, string, string, string][] => [
      ['link', 'ok', `/proc/${p.pid}/ns/net`, 'net:[4026531840]'],
      ['read', 'ok', `/proc/${p.pid}/status`, `Name:\tsocat\nPPid:\t${p.ppid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n`],
      ['link', 'ok', `/proc/${p.pid}/cwd`, '/'],
    ]),
  ]);
}

async function doorPids(processes: { pid: number; ppid: number; argv: string[] }[]): Promise<number[]> {
  const snapshot = await collectFromScriptOutput(recording(processes), 'h.out');
  expect(snapshot.doors?.status).toBe('ok');
  return snapshot.doors?.status === 'ok' ? snapshot.doors.data.doors.map((d) => d.pid ?? -1).sort((a, b) => a - b) : [];
}

describe('door processes', () => {
  it('a forked child with its parent’s argv is the parent’s door, not a second one', async () => {
    expect(
      await doorPids([
        { pid: 300, ppid: 1, argv: SOCAT },
        { pid: 301, ppid: 300, argv: SOCAT },
      ]),
    ).toEqual([300]);
  });

  it('two unrelated processes with one argv are two doors (a decoy cannot hide the other)', async () => {
    expect(
      await doorPids([
        { pid: 300, ppid: 1, argv: SOCAT },
        { pid: 400, ppid: 1, argv: SOCAT },
      ]),
    ).toEqual([300, 400]);
  });
});
