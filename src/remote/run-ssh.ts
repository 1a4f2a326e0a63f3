import { spawn } from 'node:child_process';

export interface SshRun {
  /** -1 when ssh could not start. */
  code: number | null;
  /** stdout as text (decoded when asked: a large output is not held twice). */
  readonly stdout: string;
  /** stdout as bytes, for output framed by byte lengths. */
  stdoutBytes: Buffer;
  stderr: string;
  /** Set when stdout passed the run's cap: ssh was killed there and stdoutBytes is cut short. */
  overLimit?: number;
}

/** What a remote command may print before it is cut off; callers reading more (a snapshot) say so. */
export const DEFAULT_MAX_STDOUT_BYTES = 16 * 1024 * 1024;
/** Diagnostics are read for their last lines: beyond this only the tail is kept. */
const MAX_STDERR_CHARS = 64 * 1024;

/**
 * Run the user's own ssh with `input` on its stdin; never rejects. A run that outlives
 * `timeoutMs` is killed and says so in stderr, so a host that hangs mid-login gives one line.
 * The far side chooses how much it prints (a hostile host, or a process there with a huge
 * environment the script reads): past `maxStdoutBytes` ssh is killed and `overLimit` set, so
 * memory stays bounded and no string longer than V8 allows is ever made.
 */
export function runSsh(args: string[], input: string, timeoutMs: number, maxStdoutBytes = DEFAULT_MAX_STDOUT_BYTES): Promise<SshRun> {
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let held = 0;
    let overLimit: number | undefined;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      if (overLimit !== undefined) return;
      if (held + c.length > maxStdoutBytes) {
        overLimit = maxStdoutBytes;
        chunks.push(c.subarray(0, maxStdoutBytes - held));
        held = maxStdoutBytes;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(c);
      held += c.length;
    });
    const done = (code: number | null, stderr: string) => {
      const stdoutBytes = Buffer.concat(chunks);
      chunks.length = 0;
      resolve({
        code,
        stdoutBytes,
        stderr,
        ...(overLimit === undefined ? {} : { overLimit }),
        get stdout() {
          return stdoutBytes.toString('utf8');
        },
      });
    };
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (stderr.length > 2 * MAX_STDERR_CHARS) stderr = stderr.slice(-MAX_STDERR_CHARS);
    });
    const timer = setTimeout(() => {
      stderr += `\nssh did not finish within ${Math.round(timeoutMs / 1000)} s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      done(-1, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ssh is not installed on this machine' : error.message);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done(code, stderr);
    });
    // ssh may exit before reading all of its input (a refused login): that is not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
