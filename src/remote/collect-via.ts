import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFromScriptOutput } from '../collect/index.js';
import { generateScript } from '../collect/script/generate.js';
import { isScriptOutput } from '../collect/script/frame.js';
import { UserError } from '../errors.js';
import { MAX_SNAPSHOT_BYTES } from '../snapshot/io.js';
import type { Snapshot } from '../snapshot/types.js';
import { runSsh } from './run-ssh.js';
import { collectArgs, explainSshFailure, type SshFeatures, type SshOptions } from './ssh-args.js';

/**
 * `clawmoat collect --via ssh://host`: the collection script on the host's `sh`, over the user's
 * own OpenSSH (config, agent, keys, known_hosts; never a prompt, never a new host key), its output
 * parsed here by the same collectors. Nothing is installed or left on the host.
 */

/** The remote command: the script on stdin; with sudo, never a password prompt (-n). */
export function remoteCommand(sudo: boolean): string[] {
  return sudo ? ['sudo', '-n', 'sh', '-s'] : ['sh', '-s'];
}

export async function collectVia(o: SshOptions, features: SshFeatures, options: { sudo: boolean; timeoutMs?: number }): Promise<Snapshot> {
  const where = o.destination.text;
  const controlDir = mkdtempSync(join(tmpdir(), 'clawmoat-collect-'));
  const args = collectArgs(o, join(controlDir, 'cm'), features);
  try {
    const run = await runSsh([...args, ...remoteCommand(options.sudo)], generateScript(), options.timeoutMs ?? 180_000, MAX_SNAPSHOT_BYTES);
    if (run.overLimit !== undefined)
      throw new UserError(
        `${where}: not collected: the collection script printed over ${run.overLimit} bytes (no snapshot is that large); ssh was stopped there`,
      );
    if (!isScriptOutput(run.stdoutBytes)) {
      if (options.sudo && /a password is required|a terminal is required|no tty present|askpass/i.test(run.stderr)) {
        throw new UserError(`${where}: sudo asks for a password there (clawmoat runs sudo -n, never prompting): allow it without one, or log in as root`);
      }
      if (run.code === 127 || (run.code === 0 && run.stdoutBytes.length === 0)) {
        throw new UserError(`${where}: the remote shell did not run the collection script (is there a POSIX sh?)${lastLine(run.stderr)}`);
      }
      throw new UserError(`${where}: not collected: ${explainSshFailure(run.code, run.stderr, where)}`);
    }
    return await collectFromScriptOutput(run.stdoutBytes, where);
  } finally {
    await runSsh(['-O', 'exit', ...args], '', 5_000).catch(() => undefined);
    rmSync(controlDir, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').pop()?.trim();
  return line ? `: ${line}` : '';
}
