import { spawn } from 'node:child_process';

export interface SshRun {
  /** -1 when ssh could not start. */
  code: number | null;
  stdout: string;
  /** stdout as bytes, for output framed by byte lengths. */
  stdoutBytes: Buffer;
  stderr: string;
}

/**
 * Run the user's own ssh with `input` on its stdin; never rejects. A run that outlives
 * `timeoutMs` is killed and says so in stderr, so a host that hangs mid-login gives one line.
 */
export function runSsh(args: string[], input: string, timeoutMs: number): Promise<SshRun> {
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const done = (code: number | null, stderr: string) => {
      const stdoutBytes = Buffer.concat(chunks);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr });
    };
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
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
