import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { UserError } from '../../errors.js';
import { parseSshUrl, type SshDestination } from './ssh-url.js';
import type { Dial } from '../dial.js';
import { fingerprint } from '../fingerprint.js';
import { mapConcurrent } from '../pool.js';
import type { Target } from '../targets.js';
import type { ConnectOutcome } from '../types.js';
import { NOT_PROBED, type ProbeSettings, type Sighting } from './local.js';
import { runSsh } from '../../remote/run-ssh.js';
import { hostPort } from '../../model/addresses.js';

/**
 * Probes from a machine the user controls, over their own OpenSSH (their config, agent and
 * keys), with nothing installed there: connection checks use bash's /dev/tcp under `timeout`
 * (or nc), and the fingerprint runs here over `ssh -W` streams. BatchMode keeps ssh from ever
 * prompting: a password request ends the vantage with one line instead of a hang.
 */

/**
 * Reuse one authenticated connection for every check and stream. The user's config chooses
 * keys, agent, proxies and jump hosts; what it may say that would break the probe or act
 * beyond it is overridden: a forced TTY, a RemoteCommand (ssh refuses one with a command),
 * forwardings (ports bound here or there), a LocalCommand.
 */
function sshArgs(d: SshDestination, controlDir: string, connectTimeoutS: number): string[] {
  return [
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    'RemoteCommand=none',
    '-o',
    'ClearAllForwardings=yes',
    '-o',
    'PermitLocalCommand=no',
    '-o',
    `ConnectTimeout=${connectTimeoutS}`,
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${join(controlDir, 'cm')}`,
    '-o',
    'ControlPersist=30',
    ...(d.port ? ['-p', String(d.port)] : []),
    '--',
    d.user ? `${d.user}@${d.host}` : d.host,
  ];
}

/**
 * Runs remotely with bash: one line per target, `i state ms [detail]`. The script and then the
 * targets arrive on stdin, so the whole script is one { … } block: bash reads all of it before
 * running any, and `read` then gets the target lines and nothing of the script. English
 * messages (LC_ALL=C) whatever locale ssh passed on: "refused" is matched by its text.
 * Times in ms from bash 5's EPOCHREALTIME (no fork), else date. (${'$'} is a literal $ here.)
 */
export const REMOTE_CHECK = String.raw`{
export LC_ALL=C
T="$1"; P="$2"
now() {
  local t=${'$'}{EPOCHREALTIME//[!0-9]/}
  if [ -n "$t" ]; then echo $(( t / 1000 )); return; fi
  t=$(date +%s%3N 2>/dev/null)
  case "$t" in ''|*[!0-9]*) echo $(( $(date +%s) * 1000 ));; *) echo "$t";; esac
}
since() { local e=$(( $(now) - $1 )); [ "$e" -lt 0 ] && e=0; echo "$e"; }
check() {
  local i=$1 h=$2 p=$3 s err rc e
  s=$(now)
  if command -v timeout >/dev/null 2>&1; then
    err=$(timeout "$T" bash -c "exec 3<>/dev/tcp/$h/$p" 2>&1); rc=$?
    e=$(since "$s")
    if [ $rc -eq 0 ]; then echo "$i open $e"
    elif [ $rc -eq 124 ]; then echo "$i timeout $e"
    else case "$err" in *refused*) echo "$i refused $e";; *) echo "$i error $e $(echo "$err" | tail -n1 | sed 's/^.*: //')";; esac; fi
  elif command -v nc >/dev/null 2>&1; then
    if nc -z -w "$T" "$h" "$p" >/dev/null 2>&1; then echo "$i open $(since "$s")"
    else e=$(since "$s"); if [ "$e" -ge $(( T * 1000 - 100 )) ]; then echo "$i timeout $e"; else echo "$i refused $e"; fi; fi
  else echo "$i error 0 neither timeout nor nc on this machine"; fi
}
n=0
while read -r i h p; do
  case "$i" in ''|*[!0-9]*) continue;; esac
  check "$i" "$h" "$p" &
  n=$((n + 1)); if [ $n -ge "$P" ]; then wait; n=0; fi
done
wait
}`;

/** The remote check's answer, target index → outcome; lines that are not answers (a chatty .bashrc) are skipped. */
export function parseRemoteCheck(stdout: string): Map<number, ConnectOutcome> {
  const outcomes = new Map<number, ConnectOutcome>();
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) (open|refused|timeout|error) (\d+)(?: (.*))?$/.exec(line.trim());
    if (!m) continue;
    const ms = Number(m[3]);
    outcomes.set(
      Number(m[1]),
      m[2] === 'error' ? { observed: 'error', ms, detail: m[4]?.trim() || 'the connection failed' } : { observed: m[2] as 'open' | 'refused' | 'timeout', ms },
    );
  }
  return outcomes;
}

/**
 * The remote check keeps a fixed wait: bash's /dev/tcp under timeout(1) learns nothing of round
 * trips, and the wait there is --timeout rounded up to whole seconds (no adaptive timeout here).
 */
function withFixedWait(outcome: ConnectOutcome, timeoutS: number): ConnectOutcome {
  if (outcome.observed !== 'timeout') return outcome;
  return {
    ...outcome,
    timeoutMs: timeoutS * 1000,
    attempts: 1,
    detail: `no answer within ${timeoutS} s; fixed wait over ssh (--timeout rounded up to whole seconds; no adaptive timeout there)`,
  };
}

export async function probeOverSsh(
  d: SshDestination,
  targets: Target[],
  settings: ProbeSettings,
  onSighting?: (sighting: Sighting, done: number) => void,
): Promise<Sighting[]> {
  const controlDir = mkdtempSync(join(tmpdir(), 'clawmoat-ssh-'));
  const timeoutS = Math.max(1, Math.ceil(settings.timeoutMs / 1000));
  const base = sshArgs(d, controlDir, Math.max(3, timeoutS + 2));
  try {
    const parallel = Math.min(settings.concurrency, 32);
    const input = targets.map((t, i) => `${i} ${t.address} ${t.port}`).join('\n') + '\n';
    // The remote check runs `parallel` at a time, each for at most timeoutS (whole seconds there).
    const budget = 15_000 + Math.ceil(targets.length / parallel) * (timeoutS + 1) * 1000;
    const run = await runSsh([...base, 'bash', '-s', '--', String(timeoutS), String(parallel)], `${REMOTE_CHECK}\n${input}`, budget);
    const outcomes = parseRemoteCheck(run.stdout);
    // Nothing came back: ssh failed (or the remote shell did), and says why on stderr.
    if (outcomes.size === 0 && (run.code !== 0 || targets.length > 0)) throw new Error(explainSshFailure(run.code, run.stderr));
    let done = 0;
    return await mapConcurrent(targets, Math.min(settings.concurrency, 8), async (target, i) => {
      const outcome = withFixedWait(outcomes.get(i) ?? { observed: 'error' as const, ms: 0, detail: 'no answer from the remote check' }, timeoutS);
      const openclaw =
        outcome.observed === 'open'
          ? await fingerprint(sshDial(base, target), target.address, target.port, {
              timeoutMs: settings.timeoutMs + 2000,
              ...(target.tls ? { tls: target.tls } : {}),
            })
          : { ...NOT_PROBED, evidence: [] };
      const sighting: Sighting = { ...target, outcome, openclaw };
      onSighting?.(sighting, ++done);
      return sighting;
    });
  } finally {
    await runSsh(['-O', 'exit', ...base], '', 5_000).catch(() => undefined);
    rmSync(controlDir, { recursive: true, force: true });
  }
}

/** A byte stream to the target, opened by the remote machine (`ssh -W`). */
function sshDial(base: string[], target: Target): Dial {
  const forward = hostPort(target.address, target.port);
  return () => {
    // -W goes before the options and the `--` that ends them in `base`.
    const child = spawn('ssh', ['-W', forward, ...base], { stdio: ['pipe', 'pipe', 'ignore'] });
    const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
    stream.once('close', () => child.kill());
    child.once('error', (error) => stream.destroy(error));
    // Not 'exit': the target's last bytes may still sit in the pipe when ssh has exited.
    child.once('close', () => stream.destroy());
    return stream;
  };
}

/** One line for a vantage that could not run; the report and the CLI put the vantage's name before it. */
export function explainSshFailure(code: number | null, stderr: string): string {
  const last =
    stderr
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? (code === 0 ? 'the remote check printed nothing' : `exit ${String(code)}`);
  // First: the changed-key warning speaks of passwords too.
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr))
    return "ssh does not know this machine's host key, or it changed (clawmoat never answers ssh's questions): connect once with ssh yourself";
  if (/Permission denied|password|passphrase|keyboard-interactive/i.test(stderr))
    return 'ssh wants a password or a key it was not given (clawmoat never prompts): load the key into ssh-agent or add it to ~/.ssh/config';
  if (/Could not resolve|Name or service not known/i.test(stderr)) return 'the host name does not resolve';
  if (/timed out|Connection refused|No route to host|Network is unreachable/i.test(stderr)) return `ssh failed: ${last.replace(/^ssh: /, '')}`;
  if (code === 127 || /\bbash\b.*not found|not found.*\bbash\b|bash: No such file/i.test(stderr))
    return 'there is no bash there: the probe needs bash on that machine';
  return `ssh failed: ${last.replace(/^ssh: /, '')}`;
}

export { parseSshUrl, type SshDestination };
