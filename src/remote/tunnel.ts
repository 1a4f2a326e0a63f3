import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { explainSshFailure, isPermanentSshFailure } from './ssh-args.js';
import { listenerOwnedBy } from './listener-owner.js';

/**
 * The tunnel supervisor: one `ssh -N -L` child at a time. A drop is the child's exit (the
 * keep-alives make ssh exit within 45 s of a silent connection, at once on a reset); it is
 * started again after an exponential backoff, capped at 30 s, for as long as the failure is
 * one that time can fix. It is "up" once the local port accepts a connection: ssh binds it
 * only after the login, so that is the forwarding in place.
 */

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A connection that stayed up this long was healthy: the next drop starts the schedule over. */
  stableMs: number;
}

export const BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 30_000, stableMs: 30_000 };

/** The wait before attempt n+1 after n failures in a row: 1 s, 2 s, 4 s, 8 s, 16 s, 30 s, 30 s, … */
export function backoffDelayMs(failures: number, options: BackoffOptions = BACKOFF): number {
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, Math.min(failures, 30)));
}

/** Does anything accept connections on 127.0.0.1:port? */
export function acceptsConnections(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface TunnelSeams {
  /** Starts ssh with these arguments (tests start a stand-in). */
  spawnSsh: (args: string[]) => ChildProcess;
  acceptsConnections: (port: number) => Promise<boolean>;
  /** Does the ssh child hold the listener on the port (listener-owner.ts)? undefined: cannot be told here. */
  ownsListener: (pid: number, port: number) => boolean | undefined;
  pollMs: number;
}

export const REAL_SEAMS: TunnelSeams = {
  spawnSsh: (args) => spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] }),
  acceptsConnections: (port) => acceptsConnections(port),
  ownsListener: (pid, port) => listenerOwnedBy(pid, port),
  pollMs: 200,
};

const STDERR_LINES = 20;

/** One ssh child: its exit, the last lines it wrote on stderr, and whether its forwarding came up. */
export class TunnelProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lines: string[] = [];
  private partial = '';
  private done = false;

  private constructor(
    readonly child: ChildProcess,
    onLine: (line: string) => void,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts.map((l) => l.replace(/\r$/, '')).filter(Boolean)) {
        this.lines.push(line);
        if (this.lines.length > STDERR_LINES) this.lines.shift();
        onLine(line);
      }
    });
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.lines.push((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ssh is not installed on this machine' : error.message);
        this.done = true;
        resolve({ code: -1, signal: null });
      });
      child.once('exit', (code, signal) => {
        // Let the last stderr chunk arrive: 'exit' can come before the pipe is drained.
        setTimeout(() => {
          if (this.partial) this.lines.push(this.partial);
          this.partial = '';
          this.done = true;
          resolve({ code, signal });
        }, 50);
      });
    });
  }

  static start(args: string[], seams: TunnelSeams, onLine: (line: string) => void = () => undefined): TunnelProcess {
    return new TunnelProcess(seams.spawnSsh(args), onLine);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  stderr(): string {
    return this.lines.join('\n');
  }

  /**
   * 'up' once the local port accepts connections on ssh's own listener, 'taken' when another
   * process holds it (never call that the tunnel), 'exited' if ssh ended first, 'timeout' after deadlineMs.
   */
  async waitUp(localPort: number, seams: TunnelSeams, deadlineMs = Infinity): Promise<'up' | 'taken' | 'exited' | 'timeout'> {
    const deadline = Date.now() + deadlineMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      if (exited || this.done) return 'exited';
      if (await seams.acceptsConnections(localPort)) {
        if (this.done) return 'exited';
        return this.pid !== undefined && seams.ownsListener(this.pid, localPort) === false ? 'taken' : 'up';
      }
      if (Date.now() >= deadline) return 'timeout';
      await Promise.race([sleep(seams.pollMs), this.exited]);
    }
  }

  /** SIGTERM, then SIGKILL after graceMs: this child only. */
  async kill(graceMs = 3_000): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Why a tunnel is refused when another local process holds its port. */
export function portTaken(port: number): string {
  return `127.0.0.1:${port} is held by another local process, not this tunnel's ssh: not sending the gateway's traffic (or your token) there; run again for another port, and find who listens with \`ss -ltnp 'sport = :${port}'\``;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type TunnelEvent =
  | { kind: 'connecting'; attempt: number; pid: number | undefined }
  | { kind: 'up'; pid: number | undefined; again: boolean }
  | { kind: 'down'; reason: string; upMs: number | undefined }
  | { kind: 'retry'; delayMs: number; failures: number }
  /** ssh could open the connection, but the other side refused a forwarded connection. */
  | { kind: 'channel-refused'; detail: string }
  | { kind: 'stopped' };

export type TunnelOutcome = { kind: 'stopped' } | { kind: 'failed'; reason: string };

export interface SupervisorOptions {
  sshArgs: string[];
  localPort: number;
  /** The destination as the user wrote it, for messages. */
  where: string;
  onEvent: (event: TunnelEvent) => void;
  backoff?: BackoffOptions;
  seams?: TunnelSeams;
}

/** Lines ssh writes when a forwarded connection cannot be opened on the other side. */
const CHANNEL_REFUSED = /open failed: (administratively prohibited|connect failed)[^\n]*/i;

export class TunnelSupervisor {
  private stopping = false;
  private current: TunnelProcess | undefined;
  private wake: (() => void) | undefined;
  private readonly seams: TunnelSeams;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: SupervisorOptions) {
    this.seams = options.seams ?? REAL_SEAMS;
    this.backoff = options.backoff ?? BACKOFF;
  }

  /** Runs until stop() or a failure no retry can fix. */
  async run(): Promise<TunnelOutcome> {
    let failures = 0;
    let attempt = 0;
    let everUp = false;
    while (!this.stopping) {
      attempt++;
      // One line per kind of channel refusal per connection: a browser opens dozens.
      const reported = new Set<string>();
      const proc = TunnelProcess.start(this.options.sshArgs, this.seams, (line) => {
        const m = CHANNEL_REFUSED.exec(line);
        if (m && !reported.has(m[1]!.toLowerCase())) {
          reported.add(m[1]!.toLowerCase());
          this.options.onEvent({ kind: 'channel-refused', detail: m[0] });
        }
      });
      this.current = proc;
      this.options.onEvent({ kind: 'connecting', attempt, pid: proc.pid });
      const state = await proc.waitUp(this.options.localPort, this.seams);
      if (state === 'taken') {
        await proc.kill();
        this.current = undefined;
        return { kind: 'failed', reason: portTaken(this.options.localPort) };
      }
      let upAt: number | undefined;
      if (state === 'up' && !this.stopping) {
        upAt = Date.now();
        this.options.onEvent({ kind: 'up', pid: proc.pid, again: everUp });
        everUp = true;
      }
      const { code, signal } = await proc.exited;
      this.current = undefined;
      if (this.stopping) break;
      const stderr = proc.stderr();
      const reason = signal ? `ssh was killed (${signal})` : explainSshFailure(code, stderr, this.options.where);
      if (isPermanentSshFailure(stderr)) return { kind: 'failed', reason };
      const upMs = upAt !== undefined ? Date.now() - upAt : undefined;
      this.options.onEvent({ kind: 'down', reason, upMs });
      if (upMs !== undefined && upMs >= this.backoff.stableMs) failures = 0;
      const delayMs = backoffDelayMs(failures, this.backoff);
      failures++;
      this.options.onEvent({ kind: 'retry', delayMs, failures });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    this.options.onEvent({ kind: 'stopped' });
    return { kind: 'stopped' };
  }

  /** Stop: no more attempts, and the current ssh child (only it) is ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.current?.kill();
  }
}

/**
 * Stop the supervisor on SIGINT or SIGTERM. On a terminal, Ctrl-C reaches the ssh child too
 * (same process group); either way it is ended here and no reconnect follows. Returns the
 * function that removes the handlers.
 */
export function stopOnSignals(supervisor: TunnelSupervisor): () => void {
  const handler = () => void supervisor.stop();
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** The event as one log line (no timestamp; the caller adds one). */
export function describeEvent(event: TunnelEvent, localPort: number, where: string): string {
  switch (event.kind) {
    case 'connecting':
      return event.attempt === 1
        ? `connecting to ${where} (ssh pid ${event.pid ?? '?'})`
        : `reconnecting to ${where}, attempt ${event.attempt} (ssh pid ${event.pid ?? '?'})`;
    case 'up':
      return `tunnel ${event.again ? 'up again' : 'up'}: 127.0.0.1:${localPort} here → the gateway on ${where}`;
    case 'down':
      return `tunnel down${event.upMs !== undefined ? ` after ${formatDuration(event.upMs)}` : ''}: ${event.reason}`;
    case 'retry':
      return `next attempt in ${formatDuration(event.delayMs)}`;
    case 'channel-refused':
      return /administratively prohibited/i.test(event.detail)
        ? `sshd on ${where} refused to forward a connection (${event.detail}): AllowTcpForwarding or PermitOpen there forbids it`
        : `the gateway on ${where} did not accept a forwarded connection (${event.detail}): is it running?`;
    case 'stopped':
      return 'tunnel closed';
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
