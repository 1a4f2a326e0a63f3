import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync, statSync } from 'node:fs';
import { readdir, readlink, realpath as fsRealpath, stat } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import { readUntrusted, type ReadFailure, type ReadOptions, type SafeRead } from '../safe-fs/read.js';
import type { Collected, Unavailable, UnavailableReason } from '../snapshot/types.js';
import { runBatched, runDirect, type RunOutcome } from './run-batch.js';

/**
 * The only doorway collectors use to the host. Every failure becomes an
 * Unavailable with a reason a user can act on; nothing here throws.
 *
 * The doorway has two transports behind one interface (HostAccess): this machine, read live in
 * Node, or a recording of another host made by the collection script (script/replay.ts). The
 * collectors do not know which: `withHost` runs a collection against a recording, so the same
 * collector code parses both, and a read the recording lacks is an honest `unavailable`.
 */

export type PathKind = 'file' | 'directory' | 'other' | 'missing' | 'denied';

/** A raw read of a /proc file (argv, environment): not a regular file, so not for the safe reader. */
export type RawRead = { ok: true; data: Buffer } | { ok: false; code: string };

/** One entry of a directory as readdir sees it: a symbolic link is not a directory (as Go's os.ReadDir, which Traefik walks with). */
export interface DirEntry {
  name: string;
  dir: boolean;
}

/**
 * Who may reach a path: its real path and the owner, group and mode bits of `/` and of each
 * component down to it, for a check of what another user could read (Traefik's owner). A path
 * that does not exist says so (`missing`); any other failure is not a permission to assume.
 */
export type PathOwners = { ok: true; real: string; chain: { uid: number; gid: number; mode: number }[] } | { ok: false; missing: boolean; detail: string };

export interface HostFacts {
  pid: number;
  uid: number;
  hostname: string;
  kernel: string;
  platform: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface HostAccess {
  facts(): HostFacts;
  run(command: string, args: string[], options: ExecOptions): Promise<Collected<string>>;
  readSafe(path: string, options: ReadOptions): Promise<SafeRead>;
  readRaw(path: string): Promise<RawRead>;
  listDir(path: string): Promise<string[]>;
  /** A listing that says why it failed (listDir reads a failure as empty, which suits a search, not a config). */
  readDir(path: string): Promise<Collected<DirEntry[]>>;
  pathOwners(path: string): Promise<PathOwners>;
  readlink(path: string): Promise<string | undefined>;
  realpath(path: string): Promise<string | undefined>;
  stat(path: string): Promise<PathKind>;
  which(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined>;
  /** GET on the Docker Engine API over its unix socket (docker.ts owns the HTTP). */
  dockerGet?(socketPath: string, path: string): Promise<Collected<unknown>>;
}

const active = new AsyncLocalStorage<HostAccess>();

/** Run a collection against another host's recording instead of this machine. */
export function withHost<T>(host: HostAccess, work: () => Promise<T>): Promise<T> {
  return active.run(host, work);
}

/** The host being read: a recording inside `withHost`, else this machine. */
export function currentHost(): HostAccess {
  return active.getStore() ?? LOCAL;
}

export function hostFacts(): HostFacts {
  return currentHost().facts();
}

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
  return currentHost().run(command, args, options);
}

/** How a finished command reads: one mapping for both transports, so both say the same thing. */
export function commandResult(label: string, outcome: RunOutcome, command: string, timeout: number): Collected<string> {
  if (outcome.notFound) return unavailable('not-installed', `${command} is not installed (not on PATH or in /usr/sbin)`);
  if (outcome.timedOut) return unavailable('timeout', `${label} did not finish within ${timeout} ms`);
  if (outcome.exit === 0) return ok(outcome.stdout);
  const message = firstLine(outcome.stderr) || firstLine(outcome.message);
  if (PERMISSION_HINT.test(outcome.stderr) || PERMISSION_HINT.test(outcome.message ?? '')) {
    return unavailable('permission-denied', `${label}: ${message} (run as root to read it)`);
  }
  return unavailable('error', `${label} exited with ${String(outcome.exit)}: ${message}`);
}

function runLocal(command: string, args: string[], options: ExecOptions = {}): Promise<Collected<string>> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseEnv = { ...process.env, ...options.env, LC_ALL: 'C' };
  const env = options.searchSbin === false ? baseEnv : withSbinPath(baseEnv);
  const label = [command, ...args].join(' ');
  const how = { env, timeoutMs: timeout, maxBuffer: 256 * 1024 * 1024 };
  // A command run as another user keeps its own spawn; the rest start together (run-batch.ts).
  const outcome =
    options.uid !== undefined ? runDirect(command, args, { ...how, uid: options.uid, gid: options.gid ?? options.uid }) : runBatched(command, args, how);
  return outcome.then((o) => commandResult(label, o, command, timeout));
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
    currentHost()
      .readSafe(path, options)
      .then((read) => asCollected(path, read)),
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
  const kind = await currentHost().stat(path);
  return kind !== 'missing' && kind !== 'denied';
}

export function statKind(path: string): Promise<PathKind> {
  return currentHost().stat(path);
}

export function listDir(path: string): Promise<string[]> {
  return currentHost().listDir(path);
}

export function readDir(path: string): Promise<Collected<DirEntry[]>> {
  return currentHost().readDir(path);
}

export function pathOwners(path: string): Promise<PathOwners> {
  return currentHost().pathOwners(path);
}

/** How a directory that could not be listed reads, from its errno: one wording for both transports. */
export function dirFailure(path: string, code: string): Unavailable {
  if (code === 'ENOENT') return unavailable('not-found', `${path} does not exist`);
  if (code === 'EACCES' || code === 'EPERM') return unavailable('permission-denied', `${path} cannot be listed (permission denied; run as root to read it)`);
  if (code === 'ENOTDIR') return unavailable('error', `${path} is not a directory`);
  return unavailable('error', `${path} could not be listed (${code})`);
}

export function tryReadlink(path: string): Promise<string | undefined> {
  return currentHost().readlink(path);
}

export function tryRealpath(path: string): Promise<string | undefined> {
  return currentHost().realpath(path);
}

/** A file of /proc read as it is (argv and environment are NUL-separated, their size is not known). */
export function readRaw(path: string): Promise<RawRead> {
  return currentHost().readRaw(path);
}

/** The hostile-input-safe read itself, for a caller that needs the bytes or the failure kind. */
export function readSafe(path: string, options: ReadOptions = {}): Promise<SafeRead> {
  return currentHost().readSafe(path, options);
}

/** Resolve a program name against PATH plus the sbin directories. */
export function which(program: string, env: NodeJS.ProcessEnv = hostFacts().env): Promise<string | undefined> {
  return currentHost().which(program, env);
}

async function statLocal(path: string): Promise<PathKind> {
  try {
    const info = await stat(path);
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'missing';
  }
}

async function pathOwnersLocal(path: string): Promise<PathOwners> {
  let real: string;
  try {
    real = await fsRealpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    // Nothing there to read (no such file, a file on the way, a loop of links): as the script's `[ -e ]` says.
    return { ok: false, missing: ['ENOENT', 'ENOTDIR', 'ELOOP'].includes(code), detail: `${path} could not be resolved (${code})` };
  }
  const parts = real.split('/').filter(Boolean);
  const chain: { uid: number; gid: number; mode: number }[] = [];
  for (let i = 0; i <= parts.length; i++) {
    const at = `/${parts.slice(0, i).join('/')}`;
    try {
      const st = await stat(at);
      chain.push({ uid: st.uid, gid: st.gid, mode: st.mode });
    } catch (error) {
      return { ok: false, missing: false, detail: `${at} could not be examined (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  return { ok: true, real, chain };
}

/** This machine, read live. */
const LOCAL: HostAccess = {
  facts: () => ({
    pid: process.pid,
    uid: process.getuid?.() ?? -1,
    hostname: hostname(),
    kernel: release(),
    platform: process.platform,
    cwd: process.cwd(),
    env: process.env,
  }),
  run: runLocal,
  readSafe: (path, options) => readUntrusted(path, options),
  // Synchronous: a /proc file is made by the kernel on read (no disk to wait for), and the process
  // table reads one per process: a promise read costs some five times the CPU of a plain one.
  readRaw: async (path) => {
    try {
      return { ok: true, data: readFileSync(path) };
    } catch (error) {
      return { ok: false, code: (error as NodeJS.ErrnoException).code ?? 'error' };
    }
  },
  listDir: (path) => readdir(path).catch(() => []),
  readDir: async (path) => {
    try {
      return ok((await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, dir: e.isDirectory() })));
    } catch (error) {
      return dirFailure(path, (error as NodeJS.ErrnoException).code ?? 'error');
    }
  },
  pathOwners: pathOwnersLocal,
  readlink: (path) => readlink(path).catch(() => undefined),
  realpath: (path) => fsRealpath(path).catch(() => undefined),
  stat: statLocal,
  // Synchronous stats: a few microseconds each, where a queue of other reads in libuv's threads
  // held sshd's lookup (and so `sshd -T`) back by tens of milliseconds.
  which: async (program, env) => {
    const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...SBIN_DIRS];
    for (const dir of dirs) {
      const candidate = `${dir}/${program}`;
      try {
        statSync(candidate);
        return candidate;
      } catch {
        // Not there, or not ours to see: the next directory.
      }
    }
    return undefined;
  },
};

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
