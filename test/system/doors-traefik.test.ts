import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, tempDir, Scope, type Resource } from './lab/cleanup.js';
import { Clawmoat } from './lab/clawmoat.js';
import { Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { spawnDaemon, stopPid, waitFor, type Daemon } from './lab/proc.js';

/**
 * Traefik is not a Debian package and does not run here, so its routing is tested from its
 * documented formats (test/unit/collect/traefik.test.ts). What can run for real is everything
 * around it: a process whose title is `traefik` (sleep, renamed with `exec -a`, in a namespace of
 * this test), its working directory, its files on disk, read by the real clawmoat through /proc
 * and the safe reader. It finds the static file where Traefik would (./traefik.yml in the working
 * directory), the file provider's directory of YAML and TOML with file:line, names a file that
 * does not parse by its line, and, when the process is another user's, does not read as root a
 * file that user could not read.
 */

const req = requires('doors: Traefik read from real files through /proc (a process titled traefik)', ['root', 'netns']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let ns: Netns;
  let clawmoat: Clawmoat;

  // Each its own command line: clawmoat takes processes with the same argv for one forking program.
  function startTitled(dir: string, label: string, seconds: number, uid?: number): Daemon {
    const command = `exec -a traefik sleep ${seconds}`;
    const [cmd, args] =
      uid === undefined
        ? ns.argv(binary('bash'), ['-c', command])
        : ns.argv(binary('setpriv'), [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'bash', '-c', command]);
    const daemon = spawnDaemon(cmd, args, { env: { PATH: labPath() }, logFile: join(dir, `${label}.log`), cwd: dir });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label };
    hold(resource);
    scope.defer(label, async () => {
      await stopPid(daemon.pid, daemon.startTime, 2_000);
      release(resource);
    });
    return daemon;
  }

  async function titled(pid: number): Promise<void> {
    await waitFor(async () => (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('traefik\0') ? true : undefined), {
      what: 'the traefik title',
      timeoutMs: 5_000,
    });
  }

  async function snapshot(): Promise<Snapshot> {
    const result = await clawmoat.run(['collect']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Snapshot;
  }

  beforeAll(async () => {
    ns = await Netns.create(scope, 'traefik');
    clawmoat = new Clawmoat(scope, ns, PrivateEtc.create(scope));
  }, 60_000);

  afterAll(async () => {
    await scope.dispose();
  });

  it('the static file in the working directory, the file provider directory (YAML and TOML) with file:line, a broken file by its line', async () => {
    const dir = tempDir(scope, 'traefik-root');
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(
      join(dir, 'traefik.yml'),
      ['entryPoints:', '  websecure:', '    address: ":443"', 'providers:', '  file:', `    directory: ${dir}/conf.d`, ''].join('\n'),
    );
    writeFileSync(
      join(dir, 'conf.d', 'openclaw.yml'),
      [
        'http:',
        '  routers:',
        '    openclaw:',
        '      rule: "Host(`claw.example.com`)"',
        '      service: openclaw',
        '  services:',
        '    openclaw:',
        '      loadBalancer:',
        '        servers:',
        '          - url: "http://127.0.0.1:18789"',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'conf.d', 'raw.toml'),
      [
        '[tcp.routers.raw]',
        '  rule = "HostSNI(`*`)"',
        '  service = "raw"',
        '',
        '[[tcp.services.raw.loadBalancer.servers]]',
        '  address = "127.0.0.1:18789"',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'conf.d', 'broken.yml'), 'http:\n  routers:\n    x: [\n');
    const proc = startTitled(dir, 'traefik', 300);
    await titled(proc.pid);
    const doors = await snapshot();
    expect(doors.doors?.status).toBe('ok');
    if (doors.doors?.status !== 'ok') return;
    const mine = doors.doors.data.doors.filter((d) => d.pid === proc.pid);
    expect(mine).toEqual([
      expect.objectContaining({
        kind: 'traefik',
        listen: [{ address: '::', port: 443, location: { file: join(dir, 'traefik.yml'), line: 3 } }],
        upstream: { host: '127.0.0.1', port: 18789 },
        via: 'router openclaw → service openclaw → http://127.0.0.1:18789',
        location: { file: join(dir, 'conf.d', 'openclaw.yml'), line: 10 },
        layer: 'http',
        serverNames: ['claw.example.com'],
      }),
      expect.objectContaining({ layer: 'tcp', forwardedFor: 'none', location: { file: join(dir, 'conf.d', 'raw.toml'), line: 6 } }),
    ]);
    const problems = doors.doors.data.problems.filter((p) => p.pid === proc.pid);
    expect(problems).toEqual([expect.objectContaining({ kind: 'traefik', source: join(dir, 'conf.d', 'broken.yml'), line: expect.any(Number) })]);
    expect(doors.doors.data.read.join('\n')).toContain(`traefik static configuration from ${join(dir, 'traefik.yml')} (pid ${proc.pid})`);
  });

  it("root-safety: another user's traefik whose file provider names a root-only file: not read, and named as a problem", async () => {
    const dir = tempDir(scope, 'traefik-hostile');
    chmodSync(dir, 0o755);
    const marker = `clawmoat-root-only-${Date.now()}`;
    const secret = join(dir, 'secret.yml');
    writeFileSync(
      secret,
      `http:\n  routers:\n    r:\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: "http://${marker}:18789"\n`,
      {
        mode: 0o600,
      },
    );
    writeFileSync(join(dir, 'traefik.yml'), `providers:\n  file:\n    filename: ${secret}\n`, { mode: 0o644 });
    const proc = startTitled(dir, 'hostile traefik', 301, 12345);
    await titled(proc.pid);
    for (const args of [['collect'], ['reach', '--json'], ['audit', '--format', 'json']]) {
      const result = await clawmoat.run(args);
      expect(result.stdout + result.stderr).not.toContain(marker);
    }
    const s = await snapshot();
    const problems = s.doors?.status === 'ok' ? s.doors.data.problems.filter((p) => p.pid === proc.pid) : [];
    expect(problems.map((p) => p.detail).join('\n')).toContain(`${secret} is not readable by the owner of traefik (uid 12345)`);
  });
});
