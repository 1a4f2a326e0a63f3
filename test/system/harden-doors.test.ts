import { chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/harden/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, tempDir, Scope, type Resource } from './lab/cleanup.js';
import { Clawmoat, checkResult, describeFindings, findings } from './lab/clawmoat.js';
import { link, Netns } from './lab/netns.js';
import { OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet } from './lab/probe.js';
import { sleep, spawnDaemon, stopPid, waitFor, type Daemon } from './lab/proc.js';

/**
 * `harden` closes doors for real. In a host namespace H: the real OpenClaw gateway on loopback,
 * and in front of it a real nginx (listen 8080 and [::]:8080) and a real Caddy (:8445, admin API
 * on H's own loopback) proxying to it; a client in an internet namespace reaches the gateway
 * through both. `harden --apply --only door` rewrites the listeners in the files and lines the
 * doors' provenance names, checks them with `nginx -t` / `caddy validate`, reloads, and the
 * internet can no longer connect while loopback still can; `--rollback` puts both files back
 * byte for byte and the doors answer from the internet again; the dead-man timer does the same
 * for Caddy. An nginx whose edited config its own check rejects is never reloaded, and an nginx
 * config a non-root user owns is never written.
 *
 *   inet 198.51.100.2 ── eth0 198.51.100.1 (default route)  H
 */

const GATEWAY_PORT = 28789;
const NGINX_PORT = 8080;
const CADDY_PORT = 8445;
const TRAP_PORT = 8090;
const HOST = '198.51.100.1';
const HOST6 = '2001:db8::1';

const NGINX_SITE = [
  '# The gateway, proxied (hand-written).',
  'server {',
  `    listen ${HOST}:${NGINX_PORT};   # the public address`,
  `    listen [${HOST6}]:${NGINX_PORT};`,
  '    server_name _;',
  '    location / {',
  `        proxy_pass http://127.0.0.1:${GATEWAY_PORT};`,
  '    }',
  '}',
  '',
].join('\n');

const CADDYFILE = [
  '{',
  '\tadmin 127.0.0.1:2019',
  '\tauto_https off',
  '}',
  '',
  '# the gateway',
  `:${CADDY_PORT} {`,
  `\treverse_proxy 127.0.0.1:${GATEWAY_PORT}`,
  '}',
  '',
].join('\n');

function nginxConf(dir: string): string {
  return [
    'worker_processes 1;',
    'events { worker_connections 64; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    `  include ${dir}/sites/*.conf;`,
    '}',
    '',
  ].join('\n');
}

const req = requires('harden closes doors: real nginx and Caddy in front of a real gateway', ['root', 'netns', 'openclaw', 'nginx', 'caddy']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let gw: Netns;
  let inet: Netns;
  let clawmoat: Clawmoat;
  const daemons = new Map<string, Daemon>();
  let nginxDir: string;
  let caddyDir: string;

  async function listening(port: number): Promise<boolean> {
    return (await gw.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${port}`])).stdout.trim() !== '';
  }

  async function start(name: string, dir: string, command: string, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const daemon = spawnDaemon(...gw.argv(command, args), { env: { PATH: labPath(), ...env }, logFile: join(dir, 'stdout.log'), cwd: dir });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: name };
    hold(resource);
    daemons.set(name, daemon);
    scope.defer(name, async () => {
      await stopPid(daemon.pid, daemon.startTime, 5_000);
      release(resource);
    });
    await waitFor(async () => ((await listening(port)) ? true : undefined), {
      what: `${name} in ${gw.name}`,
      timeoutMs: 15_000,
      abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
    });
  }

  function startNginx(name: string, site: string, port: number): Promise<string> {
    const dir = tempDir(scope, name);
    mkdirSync(join(dir, 'sites'));
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir));
    writeFileSync(join(dir, 'sites', 'openclaw.conf'), site);
    const args = ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', `daemon off; pid ${dir}/nginx.pid;`];
    return start(name, dir, binary('nginx'), args, port).then(() => dir);
  }

  /** What a client gets at a URL: "open" when OpenClaw answered (its UI, or its refusal of forwarded headers). */
  async function reach(from: Netns, url: string): Promise<string> {
    const res = await httpGet(from, url, 2_500);
    if (res.body?.includes('OpenClaw Control') || (res.status === 403 && (res.body ?? '').includes('proxy_attribution'))) return 'open';
    return res.error === 'ECONNREFUSED' ? 'closed' : res.error === 'TimeoutError' ? 'filtered' : `other (${res.status ?? res.error})`;
  }

  /** The pids of an nginx master's workers: a reload replaces them, nothing else does. */
  function workers(master: number): string {
    const children = readdirSync(`/proc/${master}/task`).flatMap((t) => readFileSync(`/proc/${master}/task/${t}/children`, 'utf8').trim().split(/\s+/));
    return children.filter(Boolean).sort().join(' ');
  }

  async function harden(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return clawmoat.run(['harden', ...args]);
  }

  async function plan(args: string[] = []): Promise<Plan> {
    const result = await harden(['--json', '--only', 'door', ...args]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Plan;
  }

  beforeAll(async () => {
    gw = await Netns.create(scope, 'hdoor');
    inet = await Netns.create(scope, 'hdinet');
    await link({ ns: gw, ifname: 'eth0', cidr: '198.51.100.1/24' }, { ns: inet, ifname: 'eth0', cidr: '198.51.100.2/24' });
    await gw.ip('route', 'add', 'default', 'via', '198.51.100.2');
    await gw.ip('-6', 'addr', 'add', `${HOST6}/64`, 'dev', 'eth0', 'nodad');
    const etc = PrivateEtc.create(scope);
    await OpenclawGateway.start(scope, gw, { port: GATEWAY_PORT, bindFlag: 'loopback' });
    nginxDir = await startNginx('nginx', NGINX_SITE, NGINX_PORT);
    caddyDir = tempDir(scope, 'caddy');
    writeFileSync(join(caddyDir, 'Caddyfile'), CADDYFILE);
    await start('caddy', caddyDir, binary('caddy'), ['run', '--config', `${caddyDir}/Caddyfile`, '--adapter', 'caddyfile'], CADDY_PORT, {
      HOME: caddyDir,
      XDG_DATA_HOME: `${caddyDir}/data`,
      XDG_CONFIG_HOME: `${caddyDir}/config`,
    });
    clawmoat = new Clawmoat(scope, gw, etc);
    // Both doors are open from the internet before anything is changed.
    expect(await reach(inet, `http://${HOST}:${NGINX_PORT}/`)).toBe('open');
    expect(await reach(inet, `http://${HOST}:${CADDY_PORT}/`)).toBe('open');
  }, 10 * 60_000);

  afterAll(async () => {
    await scope.dispose();
  });

  it('the plan names each door step with its config file and line: the edit, the program’s own check, the reload', async () => {
    const p = await plan();
    const site = join(nginxDir, 'sites', 'openclaw.conf');
    const caddyfile = join(caddyDir, 'Caddyfile');
    const ids = p.steps.map((s) => s.id);
    expect([...ids].sort()).toEqual([
      'door.caddy.check',
      'door.caddy.listen',
      'door.caddy.reload',
      'door.nginx.check',
      'door.nginx.listen',
      'door.nginx.reload',
    ]);
    // Per door: the edit, then the check, then the reload.
    for (const kind of ['nginx', 'caddy'])
      expect(ids.filter((id) => id.startsWith(`door.${kind}.`))).toEqual([`door.${kind}.listen`, `door.${kind}.check`, `door.${kind}.reload`]);
    const byId = new Map(p.steps.map((s) => [s.id, s]));
    expect(byId.get('door.nginx.listen')).toMatchObject({
      kind: 'file',
      path: site,
      finding: 'exposure.internet',
      at: [
        { file: site, line: 3 },
        { file: site, line: 4 },
      ],
    });
    expect(byId.get('door.nginx.check')).toMatchObject({
      argv: [
        'nginx',
        '-t',
        '-p',
        `${nginxDir}/`,
        '-e',
        `${nginxDir}/error.log`,
        '-c',
        `${nginxDir}/nginx.conf`,
        '-g',
        `daemon off; pid ${nginxDir}/nginx.pid;`,
      ],
    });
    expect(byId.get('door.nginx.reload')).toMatchObject({
      argv: [
        'nginx',
        '-s',
        'reload',
        '-p',
        `${nginxDir}/`,
        '-e',
        `${nginxDir}/error.log`,
        '-c',
        `${nginxDir}/nginx.conf`,
        '-g',
        `daemon off; pid ${nginxDir}/nginx.pid;`,
      ],
    });
    expect(byId.get('door.caddy.listen')).toMatchObject({ kind: 'file', path: caddyfile, at: [{ file: caddyfile, line: 8 }] });
    expect(byId.get('door.caddy.check')).toMatchObject({ argv: ['caddy', 'validate', '--config', caddyfile, '--adapter', 'caddyfile'] });
    // The diff is the two listen lines, comments and layout kept.
    const diff = (byId.get('door.nginx.listen') as { diff: string }).diff;
    expect(diff).toContain(`-    listen ${HOST}:${NGINX_PORT};   # the public address`);
    expect(diff).toContain(`+    listen 127.0.0.1:${NGINX_PORT};   # the public address`);
    expect(diff).toContain(`+    listen [::1]:${NGINX_PORT};`);
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toHaveLength(4);
    expect((byId.get('door.caddy.listen') as { diff: string }).diff).toContain('+\tbind 127.0.0.1');
    // The dry run as a person reads it says where, too.
    const text = await harden(['--only', 'door']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`at: ${site}:3, ${site}:4`);
    expect(text.stdout).toContain('$ nginx -t -p');
  }, 120_000);

  it('--apply binds both doors to loopback (checked, then reloaded): the internet cannot connect, loopback can, exposure.internet passes; --rollback restores both files byte for byte', async () => {
    const site = join(nginxDir, 'sites', 'openclaw.conf');
    const caddyfile = join(caddyDir, 'Caddyfile');
    const state = tempDir(scope, 'state-apply');
    const applied = await harden(['--apply', '--yes', '--only', 'door', '--confirm-timeout', '0', '--state-dir', state]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain('door.nginx.check');
    expect(readFileSync(site, 'utf8')).toBe(NGINX_SITE.replace(`listen ${HOST}:`, 'listen 127.0.0.1:').replace(`[${HOST6}]:`, '[::1]:'));
    expect(readFileSync(caddyfile, 'utf8')).toBe(CADDYFILE.replace(`:${CADDY_PORT} {\n`, `:${CADDY_PORT} {\n\tbind 127.0.0.1\n`));
    await waitFor(async () => ((await reach(inet, `http://${HOST}:${NGINX_PORT}/`)) === 'closed' ? true : undefined), {
      what: 'nginx closed',
      timeoutMs: 10_000,
    });
    await waitFor(async () => ((await reach(inet, `http://${HOST}:${CADDY_PORT}/`)) === 'closed' ? true : undefined), {
      what: 'caddy closed',
      timeoutMs: 10_000,
    });
    expect(await reach(gw, `http://127.0.0.1:${NGINX_PORT}/`)).toBe('open');
    expect(await reach(gw, `http://127.0.0.1:${CADDY_PORT}/`)).toBe('open');
    const report = await clawmoat.audit();
    expect(checkResult(report, 'exposure.internet')?.result, describeFindings(report)).toBe('pass');
    expect(findings(report, 'exposure.internet')).toEqual([]);

    const rolled = await harden(['--rollback', '--state-dir', state]);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stderr).toContain('restored 2 file(s)');
    expect(readFileSync(site, 'utf8')).toBe(NGINX_SITE);
    expect(readFileSync(caddyfile, 'utf8')).toBe(CADDYFILE);
    // Rollback reloads once the files are back: the doors answer from the internet again.
    await waitFor(async () => ((await reach(inet, `http://${HOST}:${NGINX_PORT}/`)) === 'open' ? true : undefined), {
      what: 'nginx open again',
      timeoutMs: 10_000,
    });
    await waitFor(async () => ((await reach(inet, `http://${HOST}:${CADDY_PORT}/`)) === 'open' ? true : undefined), {
      what: 'caddy open again',
      timeoutMs: 10_000,
    });
  }, 180_000);

  it('unconfirmed, the dead-man timer restores the Caddyfile and reloads Caddy', async () => {
    const caddyfile = join(caddyDir, 'Caddyfile');
    const state = tempDir(scope, 'state-deadman');
    const applied = await harden(['--apply', '--yes', '--only', 'door.caddy', '--confirm-timeout', '6', '--state-dir', state]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(readFileSync(caddyfile, 'utf8')).toContain('\tbind 127.0.0.1\n');
    expect(await reach(inet, `http://${HOST}:${CADDY_PORT}/`)).toBe('closed');
    await waitFor(async () => (readFileSync(caddyfile, 'utf8') === CADDYFILE ? true : undefined), {
      what: 'the Caddyfile restored by the timer',
      timeoutMs: 30_000,
    });
    await waitFor(async () => ((await reach(inet, `http://${HOST}:${CADDY_PORT}/`)) === 'open' ? true : undefined), {
      what: 'caddy open again',
      timeoutMs: 15_000,
    });
  }, 120_000);

  describe('an nginx whose edited config its own check rejects', () => {
    // Another site already holds 127.0.0.1:8090 as default_server: moving the gateway's
    // `listen 198.51.100.1:8090 default_server` there makes a duplicate that only nginx -t sees.
    const site = [
      'server {',
      `    listen ${HOST}:${TRAP_PORT} default_server;`,
      `    location / { proxy_pass http://127.0.0.1:${GATEWAY_PORT}; }`,
      '}',
      '',
    ].join('\n');
    const other = ['server {', `    listen 127.0.0.1:${TRAP_PORT} default_server;`, '    return 204;', '}', ''].join('\n');
    let dir: string;

    beforeAll(async () => {
      // The first nginx is stopped: the plan then holds only this one.
      const first = daemons.get('nginx')!;
      await stopPid(first.pid, first.startTime, 5_000);
      dir = tempDir(scope, 'nginx-trap');
      mkdirSync(join(dir, 'sites'));
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir));
      writeFileSync(join(dir, 'sites', 'openclaw.conf'), site);
      writeFileSync(join(dir, 'sites', 'other.conf'), other);
      const args = ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', `daemon off; pid ${dir}/nginx.pid;`];
      await start('nginx-trap', dir, binary('nginx'), args, TRAP_PORT);
      expect(await reach(inet, `http://${HOST}:${TRAP_PORT}/`)).toBe('open');
    }, 60_000);

    it('aborts at nginx -t: the file is restored, nginx is never reloaded, the door still answers', async () => {
      const master = daemons.get('nginx-trap')!.pid;
      const before = workers(master);
      expect(before).not.toBe('');
      const state = tempDir(scope, 'state-trap');
      const applied = await harden(['--apply', '--yes', '--only', 'door.nginx', '--confirm-timeout', '0', '--state-dir', state]);
      expect(applied.code, applied.stdout + applied.stderr).toBe(1);
      expect(applied.stderr).toMatch(/apply failed: nginx -t .*duplicate default server/);
      expect(applied.stderr).toContain('everything it had changed was rolled back');
      expect(applied.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(readFileSync(join(dir, 'sites', 'openclaw.conf'), 'utf8')).toBe(site);
      await sleep(500);
      expect(workers(master)).toBe(before);
      expect(await reach(inet, `http://${HOST}:${TRAP_PORT}/`)).toBe('open');
    }, 120_000);

    it('a door config the gateway user owns is refused: no step, the manual fix printed', async () => {
      const path = join(dir, 'sites', 'openclaw.conf');
      chownSync(path, 12345, 12345);
      const result = await harden(['--json']);
      expect(result.code, result.stderr).toBe(0);
      const p = JSON.parse(result.stdout) as Plan;
      expect(p.steps.filter((s) => s.id.startsWith('door.nginx'))).toEqual([]);
      const note = p.notes.find((n) => n.includes(path));
      expect(note, p.notes.join('\n')).toMatch(/owned by uid 12345, not root/);
      expect(note).toMatch(/By hand: write `listen 127\.0\.0\.1:8090;` at .*sites\/openclaw\.conf:2/);
      expect(readFileSync(path, 'utf8')).toBe(site);
    }, 120_000);
  });
});
