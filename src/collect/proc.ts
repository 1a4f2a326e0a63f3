import type { Collected } from '../snapshot/types.js';
import { listDir, ok, readRaw, readText, tryReadlink, unavailable } from './host.js';
import type { ScriptReads } from './script/declare.js';

/** Reading /proc: processes, their argv, environment and network namespace. */

export async function listPids(): Promise<number[]> {
  return (await listDir('/proc'))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

function splitNul(buffer: Buffer): string[] {
  const parts = buffer.toString('utf8').split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export async function readCmdline(pid: number): Promise<string[] | undefined> {
  const read = await readRaw(`/proc/${pid}/cmdline`);
  if (!read.ok) return undefined;
  const argv = splitNul(read.data);
  return argv.length > 0 ? argv : undefined;
}

/** A process's environment; readable only for our own processes or as root. */
export async function readEnviron(pid: number): Promise<Collected<Record<string, string>>> {
  const read = await readRaw(`/proc/${pid}/environ`);
  if (!read.ok) {
    if (read.code === 'EACCES' || read.code === 'EPERM') {
      return unavailable('permission-denied', `/proc/${pid}/environ is not readable (run as root or as the gateway's user)`);
    }
    return unavailable('error', `/proc/${pid}/environ could not be read (${read.code})`);
  }
  const env: Record<string, string> = {};
  for (const entry of splitNul(read.data)) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return ok(env);
}

export function netnsOf(pid: number | 'self'): Promise<string | undefined> {
  return tryReadlink(`/proc/${pid}/ns/net`);
}

export function cwdOf(pid: number): Promise<string | undefined> {
  return tryReadlink(`/proc/${pid}/cwd`);
}

export function exeOf(pid: number): Promise<string | undefined> {
  return tryReadlink(`/proc/${pid}/exe`);
}

/** What /proc/PID/status says of a process's ids: Uid/Gid are [real, effective, saved, filesystem]. */
export interface ProcessIds {
  ppid?: number;
  uid: number[];
  gid: number[];
  groups: number[];
}

/** The one reader of /proc/PID/status. */
export async function processIds(pid: number): Promise<ProcessIds | undefined> {
  const status = await readText(`/proc/${pid}/status`);
  if (status.status !== 'ok') return undefined;
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:[ \t]*(.*)$`, 'm').exec(status.data)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const ids: ProcessIds = { uid: field('Uid'), gid: field('Gid'), groups: field('Groups') };
  const ppid = field('PPid')[0];
  if (ppid !== undefined) ids.ppid = ppid;
  return ids;
}

/** The user name owning a process, from its real uid and /etc/passwd. */
export async function userOf(pid: number): Promise<{ uid: number; name?: string; home?: string } | undefined> {
  const uid = (await processIds(pid))?.uid[0];
  if (uid === undefined) return undefined;
  const entry = await passwdEntry(uid);
  return entry ? { uid, ...entry } : { uid };
}

async function passwdEntry(uid: number): Promise<{ name: string; home: string } | undefined> {
  const passwd = await readText('/etc/passwd');
  if (passwd.status !== 'ok') return undefined;
  for (const line of passwd.data.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 6 && Number(fields[2]) === uid) return { name: fields[0]!, home: fields[5]! };
  }
  return undefined;
}

export interface ProcessEntry {
  pid: number;
  argv: string[];
}

/**
 * Every process's argv, read once per run and shared by the collectors that
 * need it (sockets, sshd, OpenClaw): scanning /proc is the costliest read.
 */
export async function readProcessTable(): Promise<Map<number, string[]>> {
  const table = new Map<number, string[]>();
  const pids = await listPids();
  const argvs = await Promise.all(pids.map((pid) => readCmdline(pid)));
  // In pid order, whichever read finished first: both transports then walk the table alike.
  pids.forEach((pid, i) => {
    const argv = argvs[i];
    if (argv) table.set(pid, argv);
  });
  return table;
}

/** The process table, for the collection script: every pid's argv. */
export const PROC_READS: ScriptReads = { rounds: ['process-table'] };
