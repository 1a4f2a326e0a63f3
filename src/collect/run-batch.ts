import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Commands the collectors start together, started through one `sh`.
 *
 * Node's spawn forks the whole node process and blocks its only thread until the child has
 * exec'd: some 3-15 ms each on a busy machine, and an audit starts nine or ten dumps (ss, ip,
 * nft, iptables-save...) at once. So the commands asked for in one turn of the event loop go to
 * one `sh -c`, which forks them (a small process forks cheaply) while node goes on with its own
 * work. Each command keeps its own stdout and stderr (files of its own in a 0700 directory made
 * for the batch, read when its exit status comes in), its exit status, its timeout, its maxBuffer
 * and its "not installed", and the outcome is the one execFile gives for the same command.
 *
 * Every word reaches `sh` as a positional parameter ("${N}"), never inside the script text, so a
 * path taken from the host (sshd's -f) cannot become shell syntax.
 */

/** What a finished command gave: host.ts's commandResult words it, for this path and execFile's alike. */
export interface RunOutcome {
  stdout: string;
  stderr: string;
  exit: number | string | null;
  notFound?: boolean;
  timedOut?: boolean;
  message?: string;
}

interface Job {
  command: string;
  args: string[];
  timeoutMs: number;
  maxBuffer: number;
  resolve: (outcome: RunOutcome) => void;
}

/** One batch per env: the env is part of how a command runs. */
const queued = new Map<string, { env: NodeJS.ProcessEnv; jobs: Job[] }>();
let flushScheduled = false;

/**
 * Run COMMAND with ARGS in ENV beside whatever else is asked for in this turn of the event loop.
 * stdin is /dev/null (execFile's would be a pipe never written: no collector's command reads it).
 */
export function runBatched(command: string, args: string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number; maxBuffer: number }): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const key = JSON.stringify(options.env);
    const batch = queued.get(key) ?? { env: options.env, jobs: [] };
    batch.jobs.push({ command, args, timeoutMs: options.timeoutMs, maxBuffer: options.maxBuffer, resolve });
    queued.set(key, batch);
    if (!flushScheduled) {
      flushScheduled = true;
      // After this turn's promise callbacks: every collector started in it has asked by then.
      setImmediate(flush);
    }
  });
}

function flush(): void {
  flushScheduled = false;
  const batches = [...queued.values()];
  queued.clear();
  for (const { env, jobs } of batches) {
    if (jobs.length === 1) runAlone(jobs[0]!, env);
    else runTogether(jobs, env);
  }
}

/**
 * The script: per job, a background group that checks the program exists (`command -v`, as
 * execFile's ENOENT), starts it with its stdout and stderr in files of its own in DIR ($1),
 * prints `K p PID STAT` (its /proc/PID/stat after the name, read while it cannot have been reaped:
 * the start time there tells it from a later process given its PID), waits, and prints
 * `K x STATUS` (`K n` when the program is not there) on the shell's stdout. Files, not pipes:
 * dash names no descriptor above 9, and ten commands need twenty. `ulimit -f` (512-byte blocks)
 * stops a command past maxBuffer, as execFile would.
 */
export function batchScript(jobs: readonly { command: string; args: readonly string[]; maxBuffer: number }[]): { script: string; params: string[] } {
  const params: string[] = [];
  const lines: string[] = [];
  const blocks = Math.ceil(Math.max(...jobs.map((j) => j.maxBuffer)) / 512);
  lines.push(`ulimit -f ${blocks} 2>/dev/null`);
  jobs.forEach((job, k) => {
    const words = [job.command, ...job.args].map((word) => {
      // $1 is the directory.
      params.push(word);
      return `"\${${params.length + 1}}"`;
    });
    lines.push(
      `{ if command -v ${words[0]} >/dev/null 2>&1; then ${words.join(' ')} >"$1/${k}.o" 2>"$1/${k}.e" & ` +
        `p=$!; st=; { read -r st < /proc/$p/stat; } 2>/dev/null; echo "${k} p $p \${st##*) }"; wait $p; echo "${k} x $?"; else echo "${k} n"; fi; } &`,
    );
  });
  lines.push('wait');
  return { script: lines.join('\n'), params };
}

/** A job's output file, at most LIMIT bytes of it (over: the command was stopped by its ulimit, or wrote on after). */
function readOutput(path: string, limit: number): { data: string; over: boolean } {
  try {
    const data = readFileSync(path);
    return data.length > limit ? { data: '', over: true } : { data: data.toString('utf8'), over: false };
  } catch {
    return { data: '', over: false };
  }
}

/** Field 22 of /proc/PID/stat, the start time, from the fields after the name (`) `): with the PID, one process. */
export function startTime(afterName: string): string | undefined {
  return afterName.trim().split(' ')[19];
}

/** The start time of the process now holding PID, if any. */
function startTimeNow(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return startTime(stat.slice(stat.lastIndexOf(') ') + 2));
  } catch {
    return undefined;
  }
}

interface JobState {
  pid?: number;
  started?: string;
  status?: { kind: 'exit'; code: number } | { kind: 'missing' };
  timedOut: boolean;
  timer?: NodeJS.Timeout;
  done: boolean;
}

function runAlone(job: Job, env: NodeJS.ProcessEnv): void {
  void runDirect(job.command, job.args, { env, timeoutMs: job.timeoutMs, maxBuffer: job.maxBuffer }).then(job.resolve);
}

function runTogether(jobs: Job[], env: NodeJS.ProcessEnv): void {
  const { script, params } = batchScript(jobs);
  let dir: string;
  let sh: ChildProcess;
  try {
    dir = mkdtempSync(join(tmpdir(), 'clawmoat-run-'));
  } catch {
    for (const job of jobs) runAlone(job, env);
    return;
  }
  try {
    sh = spawn('/bin/sh', ['-c', script, 'sh', dir, ...params], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    for (const job of jobs) runAlone(job, env);
    return;
  }
  const states: JobState[] = jobs.map(() => ({ timedOut: false, done: false }));
  let failed: string | undefined;
  sh.on('error', (error) => (failed = error.message));

  const stop = (k: number) => {
    const state = states[k]!;
    // Only the very process the job started (its PID and start time): once it is reaped, its PID may be another's.
    if (state.pid !== undefined && state.status === undefined && state.started !== undefined && startTimeNow(state.pid) === state.started) {
      try {
        process.kill(state.pid, 'SIGTERM');
      } catch {
        // Gone meanwhile.
      }
    }
  };
  const finish = (k: number) => {
    const state = states[k]!;
    if (state.done) return;
    state.done = true;
    clearTimeout(state.timer);
    const job = jobs[k]!;
    const out = readOutput(join(dir, `${k}.o`), job.maxBuffer);
    const err = readOutput(join(dir, `${k}.e`), job.maxBuffer);
    // Gone as soon as the last is read: the command using this output may be the last thing the CLI waits for before it exits.
    if (states.every((s) => s.done)) rmSync(dir, { recursive: true, force: true });
    job.resolve(outcomeOf(job, state, out, err, failed));
  };
  jobs.forEach((job, k) => {
    const state = states[k]!;
    state.timer = setTimeout(() => {
      state.timedOut = true;
      stop(k);
    }, job.timeoutMs);
  });

  // The status lines: `K p PID STAT`, `K x STATUS`, `K n`.
  let pending = '';
  const out = sh.stdout!;
  out.setEncoding('utf8');
  out.on('data', (text: string) => {
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const m = /^(\d+) (p|x|n)(?: (\d+))?(?: (.*))?$/.exec(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      const k = Number(m?.[1]);
      const state = m ? states[k] : undefined;
      if (!m || !state) continue;
      if (m[2] === 'p') {
        state.pid = Number(m[3]);
        const started = startTime(m[4] ?? '');
        if (started !== undefined) state.started = started;
        // A deadline that passed before the PID was known.
        if (state.timedOut) stop(k);
        continue;
      }
      state.status = m[2] === 'x' ? { kind: 'exit', code: Number(m[3]) } : { kind: 'missing' };
      finish(k);
    }
  });
  // The shell gone: a job with no status line is answered as such.
  sh.on('close', () => jobs.forEach((_, k) => finish(k)));
}

/** The outcome execFile would have given (its error's code, signal and message), from the status line. */
function outcomeOf(
  job: Job,
  state: JobState,
  out: { data: string; over: boolean },
  err: { data: string; over: boolean },
  failed: string | undefined,
): RunOutcome {
  const label = [job.command, ...job.args].join(' ');
  const [stdout, stderr] = [out.data, err.data];
  const status = state.status;
  if (status?.kind === 'missing') return { stdout, stderr, exit: 'ENOENT', notFound: true, message: `spawn ${job.command} ENOENT` };
  // 128 + SIGXFSZ: stopped by the shell's ulimit at maxBuffer.
  if (out.over || err.over || (status?.kind === 'exit' && status.code === 128 + 25)) {
    return { stdout: '', stderr: '', exit: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER', message: `${label}: output larger than ${job.maxBuffer} bytes` };
  }
  if (status === undefined)
    return { stdout, stderr, exit: 'undefined', message: `${label}: the shell running it ended without its status${failed ? ` (${failed})` : ''}` };
  if (status.code === 0) return { stdout, stderr, exit: 0 };
  // sh reports a command killed by signal N as 128+N; execFile as code null and the signal (SIGTERM reads as a timeout there too).
  const exit = status.code > 128 ? null : status.code;
  const timedOut = state.timedOut || status.code === 128 + 15;
  return { stdout, stderr, exit, timedOut, message: `Command failed: ${label}\n${stderr}` };
}

/**
 * One command run on its own, by execFile: a batch of one (a `sh` in front would cost a fork
 * more), and a command run as another user (host.ts), whose outcome reads the same.
 */
export function runDirect(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; timeoutMs: number; maxBuffer: number; uid?: number; gid?: number },
): Promise<RunOutcome> {
  const as = options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {};
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs, env: options.env, maxBuffer: options.maxBuffer, encoding: 'utf8', ...as },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr, exit: 0 });
        const err = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string; code?: string | number };
        resolve({
          stdout,
          stderr,
          exit: err.code === undefined ? 'undefined' : err.code,
          notFound: err.code === 'ENOENT',
          timedOut: err.killed || err.signal === 'SIGTERM',
          message: err.message,
        });
      },
    );
  });
}
