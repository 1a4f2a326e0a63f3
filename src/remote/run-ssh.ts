import { spawn } from 'node:child_process';

export interface SshRun {
  /** -1 when ssh could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the user's own ssh with `input` on its stdin; never rejects. A run that outlives
 * `timeoutMs` is killed and says so in stderr, so a host that hangs mid-login gives one line.
 */
export function runSsh(args: string[], input: string, timeoutMs: number): Promise<SshRun> {
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
    // ssh may exit before reading all of its input (a refused login): that is not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
