import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionFromProcessTree } from '../../src/harden/ssh-session.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { pidsMentioning, run, stopPid, startTimeOf, waitFor } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * The lockout check's session, found without SSH_CONNECTION (sudo's env_reset drops it): a real
 * sshd in a namespace, a real ssh login to it, and in the session a process with no
 * SSH_CONNECTION in its environment. Walking that process's parents to sshd's session process
 * and its socket must name the same connection sshd itself put in SSH_CONNECTION.
 */
const req = requires('harden finds its SSH session from the process tree, as root', ['root', 'netns', 'sshd']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  afterAll(() => scope.dispose());

  it('names the session of a process whose environment lost SSH_CONNECTION', async () => {
    const ns = await Netns.create(scope, 'sess');
    const keys = tempDir(scope, 'ssh-key');
    await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-session-test', '-f', join(keys, 'id_ed25519')]);
    const publicKey = readFileSync(join(keys, 'id_ed25519.pub'), 'utf8').trim();
    await Sshd.start(scope, ns, PrivateEtc.create(scope), { port: 2222, passwordAuthentication: false, authorizedKeys: [publicKey] });

    // The session says what sshd calls it, then becomes a process without SSH_CONNECTION (as under sudo).
    const marker = `61.${process.pid}`;
    const remote = `echo "$SSH_CONNECTION"; exec env -u SSH_CONNECTION -u SSH_CLIENT sleep ${marker}`;
    const [command, args] = ns.argv(binary('ssh'), [
      ...['-F', '/dev/null', '-i', join(keys, 'id_ed25519'), '-p', '2222'],
      ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(keys, 'known_hosts')}`],
      'root@127.0.0.1',
      remote,
    ]);
    const client = spawn(command, args, { env: { PATH: labPath() }, stdio: ['ignore', 'pipe', 'pipe'] });
    const clientStart = client.pid === undefined ? undefined : startTimeOf(client.pid);
    scope.defer('ssh client', async () => {
      if (client.pid !== undefined) await stopPid(client.pid, clientStart, 2_000);
    });
    let stderr = '';
    client.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: client.stdout }).once('line', resolve);
      client.once('exit', (code) => reject(new Error(`ssh exited ${String(code)}: ${stderr}`)));
    });
    expect(firstLine).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 2222$/);

    const sleeper = await waitFor(async () => pidsMentioning(marker).find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'), {
      what: 'the session process',
      timeoutMs: 10_000,
    });
    // Ended with the test, by its PID (it is a session process, not a child of ours).
    const sleeperStart = startTimeOf(sleeper);
    scope.defer('session process', () => stopPid(sleeper, sleeperStart, 1_000));
    expect(readFileSync(`/proc/${sleeper}/environ`, 'utf8')).not.toContain('SSH_CONNECTION=');

    expect(sessionFromProcessTree(sleeper)).toBe(firstLine);
    // This test process is no SSH session's descendant here... unless the runner itself came in by SSH: then it is that one.
    expect(sessionFromProcessTree(process.pid)).not.toBe(firstLine);
  });
});
