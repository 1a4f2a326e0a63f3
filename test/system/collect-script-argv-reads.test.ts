import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOOR_READS } from '../../src/collect/doors/index.js';
import { PROC_READS } from '../../src/collect/proc.js';
import { parseFrames, type ScriptRecord } from '../../src/collect/script/frame.js';
import { generateScript } from '../../src/collect/script/generate.js';
import { SSHD_READS } from '../../src/collect/sshd.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { killAllSync, pidsMentioning, sleep } from './lab/proc.js';

/**
 * A file named by a process's argv is read by the collection script only as that process's owner
 * could, for real: processes of a hostile uid titled as doors (`rinetd -c FILE`, `haproxy -f`,
 * `frpc -c`, `cloudflared --config`, `apache2 -f`, an nginx master's `-c`, caddy's `--config`) and
 * as sshd (`sshd -f FILE`, by that uid and by a root process that is not the sshd binary), each
 * naming a marker file in a root-only directory the test made. Before the fix the script read it
 * as root and the marker came out in its output (rinetd's, nginx's and haproxy's files as read
 * records, sshd's through `sshd -T -f`). Now nothing of it is read: the owners records say why. A
 * file that uid can read is still read (the check does not refuse everything).
 */

const HOSTILE = 12347;

const req = requires('collect script: files named by a process argv are read only as its owner could (root, busybox, hostile-user)', [
  'root',
  'busybox',
  'hostile-user',
]);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  const nap = `3600${process.pid}`;
  const started: ChildProcess[] = [];
  const marker = `ROOT-ONLY-MARKER-${process.pid}`;
  const openMarker = `READABLE-MARKER-${process.pid}`;
  let work: string;
  let secret: string;
  let readable: string;
  let script: string;

  /** A long-lived process titled TITLE with ARGS after it (node waits; the nap marks it as this test's). */
  const titled = (title: string, args: string[], hostile: boolean): void => {
    const waiter = [process.execPath, '-e', `setTimeout(() => {}, ${nap})`, '--'];
    const shell = `exec -a "$0" "$@"`;
    const argv = [binary('bash'), '-c', shell, title, ...waiter, ...args];
    const full = hostile ? [binary('setpriv'), '--reuid', String(HOSTILE), '--regid', String(HOSTILE), '--clear-groups', '--', ...argv] : argv;
    started.push(spawn(full[0]!, full.slice(1), { env: { PATH: labPath() }, stdio: 'ignore' }));
  };

  beforeAll(async () => {
    work = tempDir(scope, 'collect-argv');
    chmodSync(work, 0o755);
    const rootOnly = join(work, 'root-only');
    mkdirSync(rootOnly, { mode: 0o700 });
    secret = join(rootOnly, 'key.txt');
    writeFileSync(secret, `${marker} 1.2.3.4 80 5.6.7.8 81\n`, { mode: 0o600 });
    readable = join(work, 'open.conf');
    writeFileSync(readable, `# ${openMarker}\n0.0.0.0 8081 127.0.0.1 18789\n`, { mode: 0o644 });
    script = join(work, 'collect.sh');
    writeFileSync(script, generateScript([PROC_READS, SSHD_READS, DOOR_READS]));

    titled('rinetd', ['-c', secret], true);
    titled('haproxy', ['-f', secret], true);
    titled('frpc', ['-c', secret], true);
    titled('cloudflared', ['tunnel', '--config', secret, 'run'], true);
    titled('apache2', ['-f', secret], true);
    titled('caddy', ['run', '--config', secret, '--adapter', 'caddyfile'], true);
    titled(`nginx: master process nginx -c ${secret}`, [], true);
    titled('sshd', ['-f', secret], true);
    // The same as the title OpenSSH's listener writes over its argv.
    titled(`sshd: /usr/sbin/sshd -D -f ${secret} [listener] 0 of 10-100 startups`, [], true);
    // Root's, but not the sshd binary: its -f is not sshd's either.
    titled('/usr/sbin/sshd', ['-f', secret], false);
    // A file the owner can read: still read.
    titled('rinetd', ['-c', readable], true);
    for (let i = 0; i < 100 && pidsMentioning(nap).length < 11; i++) await sleep(50);
    expect(pidsMentioning(nap)).toHaveLength(11);
  }, 30_000);

  afterAll(async () => {
    for (const child of started) if (child.pid && child.exitCode === null) killAllSync([child.pid]);
    killAllSync(pidsMentioning(nap));
    await scope.dispose();
  });

  const shells: Record<string, () => string[]> = {
    dash: () => [binary('dash')],
    'busybox sh': () => [binary('busybox'), 'sh'],
  };

  it.each(Object.keys(shells))('%s: no file a user names in a process title is read as root; what its owner can read is', (name) => {
    const [shell, ...args] = shells[name]!();
    // The bytes as they are (the process table holds other processes' titles, not all UTF-8).
    const result = spawnSync(shell!, [...args, script], { env: { PATH: labPath(), HOME: join(work, 'no-home') }, timeout: 120_000 });
    expect(result.status, result.stderr.toString()).toBe(0);
    const records: ScriptRecord[] = parseFrames(result.stdout, name);
    const mentions = records.filter((r) => r.id.includes(secret) || r.data.includes(secret));
    expect(result.stdout.includes(marker)).toBe(false);
    // Nothing read or run as root with it: only its owners examined, its owner's own dumps
    // (nginx -T as that uid, which cannot open it), and, haproxy's -f being a file or a directory,
    // that it is not a directory.
    const asRoot = records.filter(
      (r) => r.id.includes(secret) && r.op !== 'owners' && `${r.op} ${r.status}` !== 'list missing' && !r.id.startsWith(`as ${HOSTILE}:${HOSTILE} `),
    );
    expect(asRoot.map((r) => `${r.op} ${r.status} ${r.id}`)).toEqual([]);
    expect(mentions.some((r) => r.op === 'owners' && r.id === secret && r.status === 'ok')).toBe(true);
    // sshd -T ran without the user's -f.
    const sshd = records.filter((r) => r.op === 'run' && r.id.startsWith('sshd '));
    if (sshd.length > 0) expect(sshd.map((r) => r.id)).toEqual(['sshd -T']);
    // The file the hostile owner may read is read.
    expect(records.some((r) => r.op === 'read' && r.id === readable && r.status === 'ok' && r.data.toString().includes(openMarker))).toBe(true);
  });

  // Root's own sshd: a root process whose /proc/PID/exe is the sshd on the script's PATH keeps its
  // -f. (A copy of dash stands for sshd here, titled as sshd's argv; the real sshd's listener title
  // "sshd: /usr/sbin/sshd -D -f FILE [listener] ..." is test/system/audit-sshd.test.ts's.)
  it("root's own sshd (its exe the sshd binary on PATH) still gives sshd -T its -f", () => {
    const bin = join(work, 'bin');
    mkdirSync(bin, { mode: 0o755 });
    const fakeSshd = join(bin, 'sshd');
    copyFileSync(binary('dash'), fakeSshd);
    chmodSync(fakeSshd, 0o755);
    const config = join(work, 'root-sshd_config');
    writeFileSync(config, 'PasswordAuthentication no\n', { mode: 0o600 });
    const child = spawn(binary('bash'), ['-c', 'exec -a sshd "$0" "$@"', fakeSshd, '-c', `sleep ${nap}; :`, '-f', config], { stdio: 'ignore' });
    started.push(child);
    try {
      const result = spawnSync(binary('dash'), [script], { env: { PATH: `${bin}:${labPath()}`, HOME: join(work, 'no-home') }, timeout: 120_000 });
      expect(result.status, result.stderr.toString()).toBe(0);
      const records = parseFrames(result.stdout, 'root sshd');
      expect(records.filter((r) => r.op === 'run' && r.id.startsWith('sshd ')).map((r) => r.id)).toEqual([`sshd -T -f ${config}`]);
      expect(records.some((r) => r.op === 'link' && r.id === `/proc/${child.pid}/exe` && r.data.toString() === fakeSshd)).toBe(true);
    } finally {
      if (child.pid) killAllSync([child.pid]);
    }
  });
});
