import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';

/** Running commands and daemons for the lab, with errors that say what failed and how. */

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** Resolve with the exit code instead of throwing when the command fails. */
  allowFail?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string[],
    readonly result: RunResult,
  ) {
    super(`\`${command.join(' ')}\` exited with ${result.code}: ${(result.stderr || result.stdout).trim().slice(-2000)}`);
  }
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (signal === 'SIGKILL' ? `\n(killed after ${timeoutMs} ms)` : ''),
      };
      if (result.code !== 0 && !options.allowFail) reject(new CommandError([command, ...args], result));
      else resolve(result);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Called each round: a reason to give up at once (e.g. the daemon died). */
  abort?: () => string | undefined;
}

/** Poll until `probe` returns a value; the error names what never became ready and the last failure. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const aborted = options.abort?.();
    if (aborted) throw new Error(`${options.what}: ${aborted}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${options.what}: not ready after ${options.timeoutMs} ms${last ? ` (last error: ${last})` : ''}`);
    await sleep(options.intervalMs ?? 100);
  }
}

/** /proc/PID/stat field 22: with the PID, it identifies one process even after PIDs wrap. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses; the fields after it start at the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number, startTime?: string): boolean {
  const now = startTimeOf(pid);
  if (now === undefined) return false;
  if (startTime !== undefined && now !== startTime) return false;
  // A zombie has exited; only its parent's wait is missing.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process and everything below it, parents first. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * Processes whose command line contains `marker`, a path only this lab created (a
 * dockerd's exec root): containerd shims are re-parented to init, so the process tree
 * of the daemon no longer reaches them once it has died.
 */
export function pidsMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) found.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, for one process we started (identified by PID and start time). */
export async function stopPid(pid: number, startTime: string | undefined, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid, startTime)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid, startTime) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid, startTime)) return;
  for (const p of processTree(pid).reverse()) signal(p, 'SIGKILL');
  while (isAlive(pid, startTime)) await sleep(20);
}

export function killAllSync(pids: number[]): void {
  for (const pid of pids) signal(pid, 'SIGKILL');
}

export interface Daemon {
  readonly pid: number;
  readonly startTime: string | undefined;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Why it is no longer running, or undefined while it runs. */
  exited(): string | undefined;
  logTail(lines?: number): string;
}

/** Start a long-running process with its output in `logFile`; it is not detached, so Ctrl-C reaches it too. */
export function spawnDaemon(command: string, args: string[], options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string }): Daemon {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let exit: string | undefined;
  child.on('exit', (code, sig) => {
    exit = `exited with ${sig ?? code}`;
  });
  child.on('error', (error) => {
    exit = `could not start: ${error.message}`;
  });
  if (child.pid === undefined) throw new Error(`cannot start ${command}`);
  const pid = child.pid;
  return {
    pid,
    startTime: startTimeOf(pid),
    child,
    logFile: options.logFile,
    exited: () => exit,
    logTail: (lines = 30) => {
      try {
        return readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
}
