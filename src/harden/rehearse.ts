import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../snapshot/types.js';
import { isSameProcessAlive, processIdentity } from './state/process-identity.js';
import type { CommandStep, FileStep } from './types.js';

/**
 * What would the ruleset be after the plan? Ask ufw itself: in a throwaway network namespace,
 * with private copies of /etc/ufw and /etc/default/ufw, load the host's current ruleset, run the
 * planned ufw commands and file edits, and read back iptables-save. The namespace and the copies
 * are removed whatever happens (signals included, see below); the host's own firewall and /etc
 * are never touched.
 */

export interface Rehearsal {
  iptablesSave: string;
  ip6tablesSave: string;
}

const SBIN_PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

function run(
  command: string,
  args: string[],
  timeoutMs = 60_000,
  started?: (child: ChildProcess) => void,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: timeoutMs, env: { PATH: SBIN_PATH, LC_ALL: 'C' }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error ? error.message : '') });
      },
    );
    started?.(child);
  });
}

// ------------------------------------------------------------------------------------------------
// Nothing a rehearsal makes outlives it.
//
// Its namespace and temp directory are named after the run that made them,
// `clawmoat-rehearse-<pid>-<start time>-<random>` (the pid and start time are the process
// identity of state/process-identity.ts), and removed on every way out: the normal one, an
// exception, process.exit, and SIGINT/SIGTERM/SIGHUP (cleaned up, then the signal is raised
// again so the exit status is the conventional one). SIGKILL cannot be caught: the next run
// removes what a run whose process is gone left behind, and never what a live run holds.

const PREFIX = 'clawmoat-rehearse-';
const NETNS_DIR = '/run/netns';
/** `clawmoat-rehearse-<pid>-<start time>-<hex>`; the temp dir has mkdtemp's six characters after it. */
const OWNED = /^clawmoat-rehearse-(\d+)-(\d+)-[0-9a-f]+(?:-[A-Za-z0-9]{6})?$/;
/** Names from before the owner was in the name: removed once older than this (a rehearsal lasts seconds, 2 minutes at most). */
const LEGACY = /^clawmoat-rehearse-(?:[0-9a-f]{8}|[A-Za-z0-9]{6})$/;
const LEGACY_AGE_MS = 10 * 60_000;

interface Scratch {
  netns?: string;
  dir?: string;
  child?: ChildProcess;
}

const live = new Set<Scratch>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Synchronous, so it can run in a signal handler and on 'exit'; never throws. */
function removeScratch(scratch: Scratch): void {
  live.delete(scratch);
  try {
    // The rehearsal script, and with it its private mount namespace and mounts.
    if (scratch.child && scratch.child.exitCode === null && scratch.child.signalCode === null) scratch.child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
  if (scratch.netns) deleteNetns(scratch.netns);
  try {
    if (scratch.dir) rmSync(scratch.dir, { recursive: true, force: true });
  } catch {
    // Left for the next run's sweep (its owner, this process, will be gone by then).
  }
}

function deleteNetns(name: string): void {
  try {
    // A process still inside (a SIGKILLed run's script) would keep the namespace alive unnamed.
    const pids = execFileSync('ip', ['netns', 'pids', name], {
      env: { PATH: SBIN_PATH },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    // No such namespace any more, or ip cannot list it: still try to delete the name.
  }
  try {
    execFileSync('ip', ['netns', 'delete', name], { env: { PATH: SBIN_PATH }, stdio: 'ignore', timeout: 10_000 });
  } catch {
    // Already deleted.
  }
}

function onSignal(signal: NodeJS.Signals): void {
  for (const scratch of [...live]) removeScratch(scratch);
  uninstallHandlers();
  // Raised again with no handler of ours: the default action ends the process with the usual
  // status (130 for SIGINT in a shell). Another listener, if the program has one, decides instead.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function onExit(): void {
  for (const scratch of [...live]) removeScratch(scratch);
}

let installed = false;
function installHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', onExit);
}

function uninstallHandlers(): void {
  if (!installed) return;
  installed = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('exit', onExit);
}

function track(scratch: Scratch): Scratch {
  live.add(scratch);
  installHandlers();
  return scratch;
}

function release(scratch: Scratch): void {
  removeScratch(scratch);
  if (live.size === 0) uninstallHandlers();
}

/** The name part that says which run made it: this process, for the life of the boot. */
function ownerTag(): string {
  const me = processIdentity(process.pid);
  return `${process.pid}-${me?.startTime ?? '0'}-${randomBytes(4).toString('hex')}`;
}

/** Whose is this leftover: 'mine' (this process), 'live' (another running process), 'dead', or 'foreign' (not ours to judge). */
function ownerOf(name: string, path: string): 'mine' | 'live' | 'dead' | 'foreign' {
  const m = OWNED.exec(name);
  if (m) {
    const pid = Number(m[1]);
    if (pid === process.pid && processIdentity(pid)?.startTime === m[2]) return 'mine';
    return isSameProcessAlive({ pid, startTime: m[2]! }) ? 'live' : 'dead';
  }
  if (LEGACY.test(name)) {
    try {
      return Date.now() - lstatSync(path).mtimeMs > LEGACY_AGE_MS ? 'dead' : 'live';
    } catch {
      return 'foreign';
    }
  }
  return 'foreign';
}

/**
 * A temp dir is removed only when it is exactly what a rehearsal makes: a real directory (not a
 * link) owned by this user with no access for anyone else. /tmp is writable by all: a lookalike
 * planted by another user is left alone, and a 0700 directory of ours cannot be changed under us.
 */
function isOurTempDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

export interface LeftoverSweep {
  namespaces: string[];
  dirs: string[];
  /** One line for stderr when something was removed, else undefined. */
  message?: string;
}

/**
 * Remove the namespaces and temp dirs earlier rehearsals left behind because their run was killed
 * (SIGKILL, a power cut, a build before this one): only those whose creating process is gone.
 */
export function sweepRehearsalLeftovers(dirs: { netns?: string; tmp?: string } = {}): LeftoverSweep {
  const netnsDir = dirs.netns ?? NETNS_DIR;
  const tmp = dirs.tmp ?? tmpdir();
  const list = (dir: string) => {
    try {
      return readdirSync(dir).filter((n) => n.startsWith(PREFIX));
    } catch {
      return [];
    }
  };
  const namespaces: string[] = [];
  for (const name of list(netnsDir)) {
    if (ownerOf(name, join(netnsDir, name)) !== 'dead') continue;
    if (dirs.netns === undefined) deleteNetns(name);
    else rmSync(join(netnsDir, name), { force: true });
    namespaces.push(name);
  }
  const removed: string[] = [];
  for (const name of list(tmp)) {
    const path = join(tmp, name);
    if (ownerOf(name, path) !== 'dead' || !isOurTempDir(path)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  const parts: string[] = [];
  if (namespaces.length > 0) parts.push(`${namespaces.length} leftover rehearsal ${namespaces.length === 1 ? 'namespace' : 'namespaces'}`);
  if (removed.length > 0) parts.push(`${removed.length} leftover rehearsal temp ${removed.length === 1 ? 'directory' : 'directories'}`);
  const result: LeftoverSweep = { namespaces, dirs: removed };
  if (parts.length > 0) result.message = `removed ${parts.join(' and ')} of earlier interrupted runs (${namespaces.join(', ') || removed.join(', ')})`;
  return result;
}

const SCRIPT = String.raw`
set -e
dir=$1
mount -t tmpfs -o mode=0755 clawmoat-rehearse /run
[ -d /etc/ufw ] && mount --bind "$dir/etc-ufw" /etc/ufw
[ -f /etc/default/ufw ] && mount --bind "$dir/default-ufw" /etc/default/ufw
iptables-restore < "$dir/v4.save"
ip6tables-restore < "$dir/v6.save"
while IFS= read -r line; do
  [ -z "$line" ] && continue
  # One ufw command per line, its arguments NUL-free and space-separated (ufw takes no spaces in them).
  ufw $line > "$dir/last.out" 2>&1 || { echo "ufw $line: $(tail -n1 "$dir/last.out")" >&2; exit 3; }
done < "$dir/commands"
iptables-save > "$dir/v4.after"
ip6tables-save > "$dir/v6.after"
`;

export async function rehearse(snapshot: Snapshot, commands: CommandStep[], files: FileStep[]): Promise<Rehearsal | { error: string }> {
  if (process.getuid?.() !== 0) return { error: 'rehearsing the plan needs root (it runs ufw in a scratch network namespace)' };
  const nf = snapshot.netfilter;
  if (nf.iptablesSave.status !== 'ok') return { error: `the current ruleset is unknown (${nf.iptablesSave.detail})` };
  const tag = ownerTag();
  const scratch = track({});
  try {
    const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${tag}-`));
    scratch.dir = dir;
    const name = `${PREFIX}${tag}`;
    if (existsSync('/etc/ufw')) cpSync('/etc/ufw', join(dir, 'etc-ufw'), { recursive: true });
    if (existsSync('/etc/default/ufw')) copyFileSync('/etc/default/ufw', join(dir, 'default-ufw'));
    for (const f of files) {
      if (f.content === undefined) continue;
      if (f.path.startsWith('/etc/ufw/')) writeFileSync(join(dir, 'etc-ufw', f.path.slice('/etc/ufw/'.length)), f.content);
      else if (f.path === '/etc/default/ufw') writeFileSync(join(dir, 'default-ufw'), f.content);
    }
    writeFileSync(join(dir, 'v4.save'), nf.iptablesSave.data);
    writeFileSync(join(dir, 'v6.save'), nf.ip6tablesSave.status === 'ok' ? nf.ip6tablesSave.data : '');
    const ufwCommands = commands.filter((c) => !c.manual && c.argv[0] === 'ufw').map((c) => c.argv.slice(1).join(' '));
    writeFileSync(join(dir, 'commands'), `${ufwCommands.join('\n')}\n`);
    // Named before it exists: a signal while `ip netns add` runs still deletes it.
    scratch.netns = name;
    const add = await run('ip', ['netns', 'add', name], 60_000, (child) => (scratch.child = child));
    if (add.code !== 0) return { error: `could not create a scratch namespace: ${add.stderr.trim()}` };
    const result = await run(
      'ip',
      ['netns', 'exec', name, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', dir],
      120_000,
      (child) => (scratch.child = child),
    );
    if (result.code !== 0) return { error: `rehearsing the plan failed: ${result.stderr.trim().split('\n').pop() ?? `exit ${result.code}`}` };
    return { iptablesSave: readFileSync(join(dir, 'v4.after'), 'utf8'), ip6tablesSave: readFileSync(join(dir, 'v6.after'), 'utf8') };
  } finally {
    release(scratch);
  }
}
