import { execFile } from 'node:child_process';
import { readdir, readlink, stat } from 'node:fs/promises';
import { readUntrusted, type ReadFailure, type ReadOptions, type SafeRead } from '../safe-fs/read.js';
import type { Collected, Unavailable, UnavailableReason } from '../snapshot/types.js';

/**
 * The only doorway collectors use to the host. Every failure becomes an
 * Unavailable with a reason a user can act on; nothing here throws.
 */

export const DEFAULT_TIMEOUT_MS = 3000;

export function unavailable(reason: UnavailableReason, detail: string): Unavailable {
  return { status: 'unavailable', reason, detail };
}

export function ok<T>(data: T): Collected<T> {
  return { status: 'ok', data };
}

const PERMISSION_HINT = /permission denied|operation not permitted|must be root|you need to be root|are you root|EPERM/i;

export interface ExecOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Extra directories to search: sbin tools (ufw, sshd, iptables) are often off a user's PATH. */
  searchSbin?: boolean;
  /**
   * Run as this user and group: a dump command (nginx -T, caddy adapt) run for another user's
   * program reads only what that user could read, so a config written to `include /etc/shadow`
   * cannot make root print it.
   */
  uid?: number;
  gid?: number;
}

const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

function withSbinPath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const path = env.PATH ?? '';
  const extra = SBIN_DIRS.filter((d) => !path.split(':').includes(d));
  return { ...env, PATH: [path, ...extra].filter(Boolean).join(':') };
}

/** Run a command; stdout on success, or why it could not be read. */
export function run(command: string, args: string[], options: ExecOptions = {}): Promise<Collected<string>> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseEnv = { ...process.env, ...options.env, LC_ALL: 'C' };
  const env = options.searchSbin === false ? baseEnv : withSbinPath(baseEnv);
  const label = [command, ...args].join(' ');
  return new Promise((resolve) => {
    const as = options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {};
    execFile(command, args, { timeout, env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', ...as }, (error, stdout, stderr) => {
      if (!error) return resolve(ok(stdout));
      const err = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string; code?: string | number };
      if (err.code === 'ENOENT') return resolve(unavailable('not-installed', `${command} is not installed (not on PATH or in /usr/sbin)`));
      if (err.killed || err.signal === 'SIGTERM') return resolve(unavailable('timeout', `${label} did not finish within ${timeout} ms`));
      const message = firstLine(stderr) || firstLine(err.message);
      if (PERMISSION_HINT.test(stderr) || PERMISSION_HINT.test(err.message)) {
        return resolve(unavailable('permission-denied', `${label}: ${message} (run as root to read it)`));
      }
      resolve(unavailable('error', `${label} exited with ${String(err.code)}: ${message}`));
    });
  });
}

export function firstLine(text: string | undefined): string {
  return (
    (text ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  );
}

/**
 * Read a file for a snapshot. Many are written by users the agent may act as (configs, units,
 * compose files), so every read goes through the hostile-input-safe reader: regular files
 * only, capped, never blocking on a FIFO, and only what the path's owners could read.
 */
export async function readText(path: string, options: ReadOptions = {}): Promise<Collected<string>> {
  return withTimeout(
    readUntrusted(path, options).then((read) => asCollected(path, read)),
    READ_TIMEOUT_MS,
    `reading ${path}`,
  );
}

/** A file that cannot be read in this long (a hung network mount) is recorded as such; the read itself is left behind. */
const READ_TIMEOUT_MS = 5000;

function asCollected(path: string, read: SafeRead): Collected<string> {
  if (read.ok) return ok(read.data.toString('utf8'));
  return unavailable(READ_REASON[read.reason], read.reason === 'not-found' ? `${path} does not exist` : read.detail);
}

const READ_REASON: Record<ReadFailure, UnavailableReason> = {
  'not-found': 'not-found',
  'permission-denied': 'permission-denied',
  'not-regular': 'error',
  'too-large': 'error',
  unsafe: 'error',
  error: 'error',
};

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

export async function tryReadlink(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch {
    return undefined;
  }
}

/** Resolve a program name against PATH plus the sbin directories. */
export async function which(program: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = `${dir}/${program}`;
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

/** Race a promise against a deadline, turning a hang into an Unavailable. */
export async function withTimeout<T>(work: Promise<Collected<T>>, ms: number, what: string): Promise<Collected<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Collected<T>>((resolve) => {
    timer = setTimeout(() => resolve(unavailable('timeout', `${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
