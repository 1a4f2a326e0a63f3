import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { UserError } from '../../snapshot/io.js';
import type { Dial } from '../dial.js';
import { fingerprint } from '../fingerprint.js';
import { mapConcurrent } from '../pool.js';
import type { Target } from '../targets.js';
import type { ConnectOutcome } from '../types.js';
import { NOT_PROBED, type ProbeSettings, type Sighting } from './local.js';

/**
 * Probes from a machine the user controls, over their own OpenSSH (their config, agent and
 * keys), with nothing installed there: connection checks use bash's /dev/tcp under `timeout`
 * (or nc), and the fingerprint runs here over `ssh -W` streams. BatchMode keeps ssh from ever
 * prompting: a password request ends the vantage with one line instead of a hang.
 */

export interface SshDestination {
  user?: string;
  host: string;
  port?: number;
  /** As given, for the report: ssh://user@host:port. */
  name: string;
}

export function parseSshUrl(text: string): SshDestination {
  const match = /^ssh:\/\/(?:([^@/:\s]+)@)?(\[[^\]]+\]|[^:/@\s]+)(?::(\d+))?\/?$/.exec(text);
  if (!match) throw new UserError(`--via ${text}: expected ssh://[user@]host[:port]`);
  const destination: SshDestination = { host: match[2]!.replace(/^\[|\]$/g, ''), name: text.replace(/\/$/, '') };
  if (match[1]) destination.user = match[1];
  if (match[3]) {
    const port = Number(match[3]);
    if (port < 1 || port > 65535) throw new UserError(`--via ${text}: ${match[3]} is not a port number`);
    destination.port = port;
  }
  return destination;
}

/** Reuse one authenticated connection for every check and stream. */
function sshArgs(d: SshDestination, controlDir: string, connectTimeoutS: number): string[] {
  return [
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${connectTimeoutS}`,
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${join(controlDir, 'cm')}`,
    '-o', 'ControlPersist=30',
    ...(d.port ? ['-p', String(d.port)] : []),
    d.user ? `${d.user}@${d.host}` : d.host,
  ];
}

/** Runs remotely with bash: one line per target, `i state ms detail`. Targets arrive on stdin. */
const REMOTE_CHECK = String.raw`
T="$1"; P="$2"
now() { date +%s%3N 2>/dev/null || echo 0; }
check() {
  i=$1; h=$2; p=$3; s=$(now)
  if command -v timeout >/dev/null 2>&1; then
    err=$(timeout "$T" bash -c "exec 3<>/dev/tcp/$h/$p" 2>&1); rc=$?
    e=$(( $(now) - s ))
    if [ $rc -eq 0 ]; then echo "$i open $e"
    elif [ $rc -eq 124 ]; then echo "$i timeout $e"
    else case "$err" in *refused*) echo "$i refused $e";; *) echo "$i error $e $(echo "$err" | tail -n1 | sed 's/^.*: //')";; esac; fi
  elif command -v nc >/dev/null 2>&1; then
    if nc -z -w "$T" "$h" "$p" >/dev/null 2>&1; then echo "$i open $(( $(now) - s ))"
    else e=$(( $(now) - s )); if [ "$e" -ge $(( T * 1000 - 100 )) ]; then echo "$i timeout $e"; else echo "$i refused $e"; fi; fi
  else echo "$i error 0 neither timeout nor nc on this machine"; fi
}
n=0
while read -r i h p; do
  check "$i" "$h" "$p" &
  n=$((n + 1)); if [ $n -ge "$P" ]; then wait; n=0; fi
done
wait
`;

export async function probeOverSsh(d: SshDestination, targets: Target[], settings: ProbeSettings, onDone?: (done: number) => void): Promise<Sighting[]> {
  const controlDir = mkdtempSync(join(tmpdir(), 'clawmoat-ssh-'));
  const base = sshArgs(d, controlDir, Math.max(3, Math.ceil(settings.timeoutMs / 1000) + 2));
  try {
    const timeoutS = Math.max(1, Math.ceil(settings.timeoutMs / 1000));
    const input = targets.map((t, i) => `${i} ${t.address} ${t.port}`).join('\n') + '\n';
    const budget = 15_000 + Math.ceil(targets.length / settings.concurrency) * (timeoutS + 1) * 1000;
    const run = await runSsh([...base, 'bash', '-s', '--', String(timeoutS), String(Math.min(settings.concurrency, 32))], `${REMOTE_CHECK}\n`, input, budget);
    if (run.code !== 0 && run.stdout.trim() === '') throw new Error(explainSshFailure(d, run.code, run.stderr));
    const outcomes = new Map<number, ConnectOutcome>();
    for (const line of run.stdout.split('\n')) {
      const m = /^(\d+) (open|refused|timeout|error) (\d+)(?: (.*))?$/.exec(line.trim());
      if (!m) continue;
      const ms = Number(m[3]);
      outcomes.set(Number(m[1]), m[2] === 'error' ? { observed: 'error', ms, detail: m[4] || 'the connection failed' } : { observed: m[2] as 'open' | 'refused' | 'timeout', ms });
    }
    return await mapConcurrent(
      targets,
      Math.min(settings.concurrency, 8),
      async (target, i) => {
        const outcome = outcomes.get(i) ?? { observed: 'error' as const, ms: 0, detail: 'no answer from the remote check' };
        const openclaw = outcome.observed === 'open' ? await fingerprint(sshDial(base, target), target.address, target.port, { timeoutMs: settings.timeoutMs + 2000 }) : { ...NOT_PROBED, evidence: [] };
        return { ...target, outcome, openclaw };
      },
      onDone,
    );
  } finally {
    await runSsh(['-O', 'exit', ...base], '', '', 5_000).catch(() => undefined);
    rmSync(controlDir, { recursive: true, force: true });
  }
}

/** A byte stream to the target, opened by the remote machine (`ssh -W`). */
function sshDial(base: string[], target: Target): Dial {
  return () => {
    const child = spawn('ssh', ['-W', `${target.address.includes(':') ? `[${target.address}]` : target.address}:${target.port}`, ...base], { stdio: ['pipe', 'pipe', 'ignore'] });
    const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
    stream.once('close', () => child.kill());
    child.once('exit', () => stream.destroy());
    return stream;
  };
}

interface SshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runSsh(args: string[], script: string, input: string, timeoutMs: number): Promise<SshRun> {
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      stderr += `\nssh did not finish within ${Math.round(timeoutMs / 1000)} s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ssh is not installed on this machine' : error.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(script + input);
  });
}

function explainSshFailure(d: SshDestination, code: number | null, stderr: string): string {
  const last = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${String(code)}`;
  if (/Permission denied|password|passphrase|keyboard-interactive/i.test(stderr)) return `ssh to ${d.name} wants a password or a key it was not given (clawmoat never prompts): load the key into ssh-agent or add it to ~/.ssh/config`;
  if (/Could not resolve|Name or service not known/i.test(stderr)) return `ssh to ${d.name}: the host name does not resolve`;
  if (/timed out|Connection refused|No route to host|Network is unreachable/i.test(stderr)) return `ssh to ${d.name} failed: ${last.replace(/^ssh: /, '')}`;
  if (/bash: .*not found|No such file/i.test(stderr)) return `${d.name} has no bash: the probe needs bash there`;
  return `ssh to ${d.name} failed: ${last}`;
}
