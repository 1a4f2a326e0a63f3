import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDoors } from '../../src/collect/doors/index.js';
import { collectSshd } from '../../src/collect/sshd.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { waitFor } from './lab/proc.js';

/**
 * Finding 1 of the s10 review, for real: a process of a bare uid titles itself as a forwarder (or
 * as sshd) whose config is a root-only file, and clawmoat, as root, must neither read it nor
 * quote it. Each process is an idle node under `exec -a TITLE`, started as uid 65534 with
 * setpriv: it opens no socket, and the collectors are given only these processes, so nothing
 * of this machine's own proxies or sshd config is judged. The marker file sits in a root 0700
 * directory this test creates and removes.
 */

const HOSTILE = 65534;
const MARKER = 'sk-live-4242MARKERVALUE';

let scope: Scope;
let dir: string;
let secret: string;
let own: string;
const children: ChildProcess[] = [];

/** Start `TITLE ARGS…` as uid 65534 (or root); the carrier directory holds idle scripts named like the subcommands (`run`, `tunnel`). */
async function fake(title: string, args: string[], uid = HOSTILE): Promise<number> {
  const as = uid === 0 ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  const command = [...as, 'bash', '-c', 'exec -a "$0" "$@"', title, process.execPath, ...args];
  const child = spawn(command[0]!, command.slice(1), { cwd: join(dir, 'carrier'), stdio: 'ignore' });
  children.push(child);
  const pid = child.pid!;
  await waitFor(async () => (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(title) ? true : undefined), {
    timeoutMs: 10_000,
    what: `${title} to start`,
  });
  return pid;
}

const req = requires('root reads of files named by a hostile process (doors and sshd -f)', ['root', 'hostile-user', 'sshd']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  beforeAll(() => {
    scope = new Scope();
    dir = tempDir(scope, 'root-reads');
    chmodSync(dir, 0o755);
    const carrier = join(dir, 'carrier');
    mkdirSync(carrier, { mode: 0o755 });
    for (const name of ['run', 'tunnel']) writeFileSync(join(carrier, name), 'setTimeout(() => {}, 120000);\n', { mode: 0o644 });
    mkdirSync(join(dir, 'root-only'), { mode: 0o700 });
    secret = join(dir, 'root-only', 'key.txt');
    writeFileSync(secret, `${MARKER} 127.0.0.1 1 2\nPasswordAuthentication ${MARKER}\n`, { mode: 0o600 });
    // The user's own file, which they may name: read, as the owner could.
    own = join(dir, 'own.conf');
    writeFileSync(own, '0.0.0.0 18790 127.0.0.1 18789\n', { mode: 0o644 });
    chownSync(own, HOSTILE, HOSTILE);
    scope.defer('fake processes', async () => {
      for (const c of children) c.kill('SIGKILL');
    });
  });
  afterAll(async () => scope?.dispose());

  it('reads no root-only file a forwarder of another uid names, and quotes none of it', async () => {
    const table = new Map<number, string[]>();
    const add = async (argv: string[]) => table.set(await fake(argv[0]!, argv.slice(1)), argv);
    await add(['rinetd', 'run', '-c', secret]);
    await add(['haproxy', 'run', '-f', secret]);
    await add(['frpc', 'run', '-c', secret]);
    await add(['cloudflared', 'tunnel', '--config', secret]);
    await add(['ngrok', 'run', '--config', secret]);
    await add(['caddy', 'run', '--config', secret, '--adapter', 'json']);
    await add(['apache2', 'run', '-f', secret]);
    await add([`nginx: master process /usr/sbin/nginx -c ${secret}`, 'run']);
    const doors = await collectDoors(table);
    expect(doors.status).toBe('ok');
    const state = doors.status === 'ok' ? doors.data : undefined;
    expect(JSON.stringify(state)).not.toContain(MARKER);
    for (const kind of ['rinetd', 'haproxy', 'frp', 'cloudflared', 'ngrok', 'caddy', 'apache', 'nginx']) {
      const problem = state?.problems.find((p) => p.kind === kind);
      expect(problem, `${kind}: ${JSON.stringify(state?.problems)}`).toBeDefined();
      expect(problem!.detail).toContain(`${secret} is not readable by the owner of`);
      expect(problem!.detail).toContain(`(uid ${HOSTILE})`);
    }
  }, 60_000);

  it("still reads the file the process's owner could read", async () => {
    const argv = ['rinetd', 'run', '-c', own];
    const pid = await fake(argv[0]!, argv.slice(1));
    const doors = await collectDoors(new Map([[pid, argv]]));
    const state = doors.status === 'ok' ? doors.data : undefined;
    expect(state?.problems).toEqual([]);
    expect(state?.doors).toMatchObject([{ kind: 'rinetd', pid, upstream: { host: '127.0.0.1', port: 18789 } }]);
  }, 30_000);

  it("takes sshd's -f only from root's sshd binary: a title of another uid, or root running another program, is ignored and said", async () => {
    const table = new Map<number, string[]>();
    const user = ['/usr/sbin/sshd', 'run', '-f', own];
    table.set(await fake(user[0]!, user.slice(1)), user);
    const rootOther = ['sshd', 'run', '-f', secret];
    table.set(await fake(rootOther[0]!, rootOther.slice(1), 0), rootOther);
    const sshd = await collectSshd(table);
    expect(sshd.status).toBe('ok');
    const state = sshd.status === 'ok' ? sshd.data : undefined;
    expect(state?.configFile).toBeUndefined();
    expect(JSON.stringify(state)).not.toContain(MARKER);
    expect(state?.ignoredConfigs).toHaveLength(2);
    expect(state?.ignoredConfigs?.[0]).toMatch(new RegExp(`names -f ${own}, but it does not run as root \\(uid ${HOSTILE}\\)`));
    expect(state?.ignoredConfigs?.[1]).toMatch(new RegExp(`names -f ${secret}, but runs ${process.execPath}, not /`));
  }, 30_000);
});
