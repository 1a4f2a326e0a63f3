import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReachCell } from '../../src/model/reach.js';
import type { ProbeReport } from '../../src/probe/types.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, tempDir, Scope, type Resource } from './lab/cleanup.js';
import { Clawmoat, checkResult, describeFindings, findings } from './lab/clawmoat.js';
import { link, Netns } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet } from './lab/probe.js';
import { spawnDaemon, stopPid, waitFor } from './lab/proc.js';

/**
 * Doors for real: a real OpenClaw gateway on loopback in a host namespace, and in front of it the
 * real programs users put there — socat, nginx (http and stream), Caddy, HAProxy, Apache — some on
 * every address, some on loopback only, one behind a firewall rule. Clients in an internet and a
 * LAN namespace (and the host itself) then connect through every door; clawmoat's verdict for each
 * door cell must agree with what the real connection did: open means OpenClaw's Control UI
 * answered through the door, closed a refusal, filtered a timeout.
 *
 *   inet 198.51.100.2 ── eth0 198.51.100.1 (default route)  H  eth1 192.168.1.10 ── lan 192.168.1.50
 */

const GATEWAY_PORT = 28789;

interface DoorSpec {
  name: string;
  port: number;
  /** Where it listens. */
  address: string;
  /** The program and how it runs. */
  start: (dir: string) => { command: string; args: string[]; env?: NodeJS.ProcessEnv };
}

const DOORS: DoorSpec[] = [
  {
    name: 'socat-public',
    port: 443,
    address: '0.0.0.0',
    start: () => ({ command: binary('socat'), args: [`TCP-LISTEN:443,fork,reuseaddr`, `TCP:127.0.0.1:${GATEWAY_PORT}`] }),
  },
  {
    name: 'socat-loopback',
    port: 8444,
    address: '127.0.0.1',
    start: () => ({ command: binary('socat'), args: [`TCP-LISTEN:8444,fork,reuseaddr,bind=127.0.0.1`, `TCP:127.0.0.1:${GATEWAY_PORT}`] }),
  },
  {
    name: 'nginx',
    port: 8080,
    address: '0.0.0.0',
    start: (dir) => {
      mkdirSync(join(dir, 'sites'), { recursive: true });
      writeFileSync(
        join(dir, 'nginx.conf'),
        [
          // Debian's nginx-light has no stream module of its own: libnginx-mod-stream ships it.
          'load_module /usr/lib/nginx/modules/ngx_stream_module.so;',
          'worker_processes 1;',
          'events { worker_connections 64; }',
          'http {',
          `  access_log ${dir}/access.log;`,
          `  include ${dir}/sites/*.conf;`,
          '}',
          'stream {',
          `  server { listen 9443; proxy_pass 127.0.0.1:${GATEWAY_PORT}; }`,
          '}',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'sites', 'openclaw.conf'),
        [
          'server {',
          '  listen 8080;',
          '  server_name _;',
          '  location / {',
          `    proxy_pass http://127.0.0.1:${GATEWAY_PORT};`,
          '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
          '  }',
          '}',
          'server {',
          '  listen 127.0.0.1:8081;',
          `  location / { proxy_pass http://127.0.0.1:${GATEWAY_PORT}; }`,
          '}',
          '',
        ].join('\n'),
      );
      return {
        command: binary('nginx'),
        args: ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', `daemon off; pid ${dir}/nginx.pid;`],
      };
    },
  },
  {
    name: 'caddy',
    port: 8445,
    address: '::',
    start: (dir) => {
      writeFileSync(
        join(dir, 'Caddyfile'),
        ['{', '\tadmin off', '\tauto_https off', '}', ':8445 {', `\treverse_proxy 127.0.0.1:${GATEWAY_PORT}`, '}', ''].join('\n'),
      );
      return {
        command: binary('caddy'),
        args: ['run', '--config', `${dir}/Caddyfile`, '--adapter', 'caddyfile'],
        env: { HOME: dir, XDG_DATA_HOME: `${dir}/data`, XDG_CONFIG_HOME: `${dir}/config` },
      };
    },
  },
  {
    name: 'haproxy',
    port: 8447,
    address: '0.0.0.0',
    start: (dir) => {
      writeFileSync(
        join(dir, 'haproxy.cfg'),
        [
          'global',
          '    maxconn 64',
          'defaults',
          '    mode http',
          '    timeout connect 5s',
          '    timeout client 30s',
          '    timeout server 30s',
          'frontend web',
          '    bind :8447',
          '    option forwardfor',
          '    default_backend gw',
          'backend gw',
          `    server s1 127.0.0.1:${GATEWAY_PORT}`,
          '',
        ].join('\n'),
      );
      return { command: binary('haproxy'), args: ['-db', '-f', `${dir}/haproxy.cfg`] };
    },
  },
  {
    name: 'apache',
    port: 8448,
    address: '::',
    start: (dir) => {
      const mods = '/usr/lib/apache2/modules';
      writeFileSync(
        join(dir, 'httpd.conf'),
        [
          `ServerRoot ${dir}`,
          `PidFile ${dir}/httpd.pid`,
          `ErrorLog ${dir}/error.log`,
          `DefaultRuntimeDir ${dir}`,
          `Mutex file:${dir} default`,
          'ServerName localhost',
          'User nobody',
          'Group nogroup',
          `LoadModule mpm_event_module ${mods}/mod_mpm_event.so`,
          `LoadModule authz_core_module ${mods}/mod_authz_core.so`,
          `LoadModule proxy_module ${mods}/mod_proxy.so`,
          `LoadModule proxy_http_module ${mods}/mod_proxy_http.so`,
          'Listen 8448',
          '<VirtualHost *:8448>',
          `  ProxyPass / http://127.0.0.1:${GATEWAY_PORT}/`,
          '</VirtualHost>',
          '',
        ].join('\n'),
      );
      return { command: binary('apache2'), args: ['-d', dir, '-f', `${dir}/httpd.conf`, '-DFOREGROUND'] };
    },
  },
];

const req = requires('doors: real proxies and forwarders in front of a real gateway', [
  'root',
  'netns',
  'netfilter',
  'openclaw',
  'socat',
  'nginx',
  'caddy',
  'haproxy',
  'apache',
]);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let gw: Netns;
  let inet: Netns;
  let lan: Netns;
  let clawmoat: Clawmoat;
  let cells: ReachCell[];
  const agreement = { agree: 0, unknown: 0, disagree: [] as string[] };
  /** Doors through which OpenClaw refused the request for its forwarded headers (403 proxy_attribution_required). */
  const refusedForwarded = new Set<string>();
  const servedUi = new Set<string>();

  const dirs = new Map<string, string>();

  async function startDoor(spec: DoorSpec): Promise<void> {
    const dir = tempDir(scope, `door-${spec.name}`);
    dirs.set(spec.name, dir);
    const { command, args, env } = spec.start(dir);
    const daemon = spawnDaemon(...gw.argv(command, args), { env: { PATH: labPath(), ...env }, logFile: join(dir, 'stdout.log'), cwd: dir });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: spec.name };
    hold(resource);
    scope.defer(spec.name, async () => {
      await stopPid(daemon.pid, daemon.startTime, 5_000);
      release(resource);
    });
    await waitFor(async () => ((await gw.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${spec.port}`])).stdout.trim() ? true : undefined), {
      what: `${spec.name} in ${gw.name}`,
      timeoutMs: 15_000,
      abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
    });
  }

  beforeAll(async () => {
    await ensureOpenclaw();
    gw = await Netns.create(scope, 'door');
    inet = await Netns.create(scope, 'dinet');
    lan = await Netns.create(scope, 'dlan');
    await link({ ns: gw, ifname: 'eth0', cidr: '198.51.100.1/24' }, { ns: inet, ifname: 'eth0', cidr: '198.51.100.2/24' });
    await link({ ns: gw, ifname: 'eth1', cidr: '192.168.1.10/24' }, { ns: lan, ifname: 'eth1', cidr: '192.168.1.50/24' });
    await gw.ip('route', 'add', 'default', 'via', '198.51.100.2');
    // The LAN client routes through the host, so it can aim at any of the host's addresses (weak host), as the model assumes.
    await lan.ip('route', 'add', 'default', 'via', '192.168.1.10');
    // One door the LAN cannot reach: nginx's 8080, dropped on eth1 (the namespace's own ruleset).
    await gw.exec(binary('iptables'), ['-A', 'INPUT', '-i', 'eth1', '-p', 'tcp', '--dport', '8080', '-j', 'DROP']);
    const etc = PrivateEtc.create(scope);
    await OpenclawGateway.start(scope, gw, { port: GATEWAY_PORT, bindFlag: 'loopback' });
    for (const door of DOORS) await startDoor(door);
    await waitFor(async () => ((await gw.exec(binary('ss'), ['-Hltn', 'sport', '=', ':9443'])).stdout.trim() ? true : undefined), {
      what: 'nginx stream listener',
      timeoutMs: 10_000,
    });
    clawmoat = new Clawmoat(scope, gw, etc);
    const result = await clawmoat.run(['reach', '--json']);
    expect(result.code, result.stderr).toBe(0);
    cells = (JSON.parse(result.stdout) as { cells: ReachCell[] }).cells;
  }, 20 * 60_000);

  afterAll(async () => {
    if (agreement.agree + agreement.unknown + agreement.disagree.length > 0) {
      console.log(`doors: ${agreement.agree} door cells agree with the real connection, ${agreement.unknown} unknown, ${agreement.disagree.length} disagree`);
    }
    await scope.dispose();
  });

  const doorCells = () => cells.filter((c) => c.listener.door !== undefined && c.listener.gateway);

  it('every door to the gateway is a row: socat, nginx (http and stream), Caddy, HAProxy, Apache', () => {
    const rows = new Map(doorCells().map((c) => [`${c.listener.process}:${c.listener.port}`, c.listener]));
    for (const key of ['socat:443', 'socat:8444', 'nginx:8080', 'nginx:8081', 'nginx:9443', 'caddy:8445', 'haproxy:8447'])
      expect(rows.has(key), `${key} in ${[...rows.keys()].join(', ')}`).toBe(true);
    expect(
      [...rows.keys()].some((k) => /^apache2?:8448$/.test(k)),
      [...rows.keys()].join(', '),
    ).toBe(true);
    expect(rows.get('nginx:8080')?.door).toMatchObject({
      kind: 'nginx',
      via: `proxy_pass http://127.0.0.1:${GATEWAY_PORT}`,
      target: `127.0.0.1:${GATEWAY_PORT}`,
      location: { line: 5 },
    });
    expect(rows.get('nginx:8080')?.door?.location?.file).toMatch(/sites\/openclaw\.conf$/);
    expect(rows.get('haproxy:8447')?.door).toMatchObject({ kind: 'haproxy', target: `127.0.0.1:${GATEWAY_PORT}` });
  });

  it("the model's verdict for every door cell agrees with a real connection through it", async () => {
    const zones: Record<string, Netns> = { internet: inet, lan, loopback: gw };
    const checked = doorCells().filter((c) => zones[c.zone.kind] && c.destination && !(c.zone.kind !== 'loopback' && /^(127\.|::1$)/.test(c.destination)));
    expect(checked.length).toBeGreaterThanOrEqual(20);
    for (const cell of checked) {
      const host = cell.destination.includes(':') ? `[${cell.destination}]` : cell.destination;
      const res = await httpGet(zones[cell.zone.kind]!, `http://${host}:${cell.listener.port}/`, 2_500);
      // OpenClaw answering, with its Control UI or with its own refusal of forwarded headers, is the gateway reached.
      const attribution = res.status === 403 && (res.body ?? '').includes('proxy_attribution');
      if (attribution) refusedForwarded.add(`${cell.listener.process}:${cell.listener.port}`);
      else if (res.body?.includes('OpenClaw Control')) servedUi.add(`${cell.listener.process}:${cell.listener.port}`);
      const real =
        res.body?.includes('OpenClaw Control') || attribution
          ? 'open'
          : res.error === 'ECONNREFUSED'
            ? 'closed'
            : res.error === 'TimeoutError'
              ? 'filtered'
              : `other (${res.status ?? res.error} ${(res.body ?? '').slice(0, 200)})`;
      const what = `${cell.listener.process} ${cell.listener.address}:${cell.listener.port} from ${cell.zone.name} → ${cell.destination}: model ${cell.verdict}, real ${real} (${cell.reason})`;
      if (cell.verdict === 'unknown') agreement.unknown++;
      else if (cell.verdict === real) agreement.agree++;
      else agreement.disagree.push(what);
    }
    expect(agreement.disagree).toEqual([]);
    // The doors that should be open from the internet are, and the loopback-only ones are not.
    const verdict = (process: string, port: number, kind: string) =>
      doorCells().find((c) => c.listener.process?.startsWith(process) && c.listener.port === port && c.zone.kind === kind)?.verdict;
    expect(verdict('socat', 443, 'internet')).toBe('open');
    expect(verdict('socat', 8444, 'internet')).toBe('closed');
    expect(verdict('nginx', 8080, 'lan')).toBe('filtered');
    expect(verdict('nginx', 8081, 'internet')).toBe('closed');
    expect(verdict('caddy', 8445, 'internet')).toBe('open');
  });

  it('the doors that send X-Forwarded-For are exactly those whose requests OpenClaw refuses for attribution (403)', async () => {
    const file = join(tempDir(scope, 'snap'), 'snap.json');
    const collect = await clawmoat.run(['collect', '-o', file]);
    expect(collect.code, collect.stderr).toBe(0);
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    expect(snapshot.doors?.status).toBe('ok');
    const state = snapshot.doors!.status === 'ok' ? snapshot.doors!.data : undefined;
    expect(state?.problems).toEqual([]);
    const sends = new Set<string>();
    const silent = new Set<string>();
    for (const d of state?.doors ?? []) for (const l of d.listen ?? []) (d.forwardedFor === 'none' ? silent : sends).add(`${d.kind}:${l.port}`);
    const kindOf = (key: string) => key.replace(/^apache2/, 'apache');
    expect([...refusedForwarded].map(kindOf).sort()).toEqual(
      [...refusedForwarded]
        .map(kindOf)
        .filter((k) => sends.has(k))
        .sort(),
    );
    expect([...servedUi].map(kindOf).filter((k) => sends.has(k))).toEqual([]);
    expect([...refusedForwarded].map(kindOf).sort()).toEqual(['apache:8448', 'caddy:8445', 'haproxy:8447', 'nginx:8080']);
  });

  it('reach --port 443 --from internet explains the whole way: kernel path, the socat hop, the gateway', async () => {
    const result = await clawmoat.run(['reach', '--port', '443', '--from', 'internet']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/OPEN/);
    expect(result.stdout).toContain(`socat TCP-LISTEN:443,fork,reuseaddr TCP:127.0.0.1:${GATEWAY_PORT}`);
    expect(result.stdout).toMatch(new RegExp(`door: .*the gateway \\(127\\.0\\.0\\.1:${GATEWAY_PORT}`));
  });

  it('audit: exposure.internet fails with the doors as evidence (the gateway itself listens on loopback only)', async () => {
    const report = await clawmoat.audit();
    expect(checkResult(report, 'exposure.internet')?.result, describeFindings(report)).toBe('fail');
    const evidence = findings(report, 'exposure.internet')
      .map((f) => `${f.message}\n${f.evidence.map((e) => e.text).join('\n')}`)
      .join('\n');
    expect(evidence).toContain('socat TCP-LISTEN:443');
    expect(evidence).toMatch(/sites\/openclaw\.conf:5/);
    expect(evidence).not.toMatch(/:8444\b.*reachable/);
  });

  it('doctor internet-exposure names the doors that make the gateway reachable, with file and line, and the fix', async () => {
    const result = await clawmoat.run(['doctor', 'internet-exposure', '--json']);
    // 1: a problem was found.
    expect(result.code, result.stderr).toBe(1);
    const r = (JSON.parse(result.stdout) as { results: { status: string; cause: string; saw: { text: string }[]; fix?: { commands?: string[] } }[] })
      .results[0]!;
    expect(r.status).toBe('problem');
    expect(r.cause).toMatch(/though it listens on loopback only, is reachable from the internet through \d+ doors: .*socat/);
    expect(r.cause).toMatch(/nginx \(.*sites\/openclaw\.conf:5\)/);
    const fix = (r.fix?.commands ?? []).join('\n');
    expect(fix).toContain('TCP-LISTEN:443,fork,bind=127.0.0.1');
    expect(fix).toMatch(/`listen 127\.0\.0\.1:8080;` at .*sites\/openclaw\.conf:2/);
    // The loopback-only doors are not the cause.
    expect(r.cause).not.toMatch(/8444|8081/);
  });

  it('bad input: a config nginx -T rejects and a Caddyfile gone from disk make their doors unknown, naming the file and line', async () => {
    const site = join(dirs.get('nginx')!, 'sites', 'openclaw.conf');
    const caddyfile = join(dirs.get('caddy')!, 'Caddyfile');
    const siteText = readFileSync(site, 'utf8');
    const caddyText = readFileSync(caddyfile, 'utf8');
    // Both keep running with what they loaded; what is on disk is what clawmoat can read.
    writeFileSync(site, `${siteText}}\n`);
    rmSync(caddyfile);
    try {
      const result = await clawmoat.run(['reach', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const matrix = JSON.parse(result.stdout) as { cells: ReachCell[]; limitations: string[] };
      const cell = (process: string, port: number) =>
        matrix.cells.find((c) => c.listener.process === process && c.listener.port === port && c.zone.kind === 'internet');
      const lines = siteText.split('\n').length;
      expect(cell('nginx', 8080)).toMatchObject({ verdict: 'unknown' });
      expect(cell('nginx', 8080)?.reason).toContain(`${site}:${lines}`);
      // A door only on loopback stays closed from the internet: the kernel decides that, not the config.
      expect(cell('nginx', 8081)?.verdict).toBe('closed');
      expect(cell('caddy', 8445)).toMatchObject({ verdict: 'unknown' });
      expect(cell('caddy', 8445)?.reason).toContain(caddyfile);
      expect(matrix.limitations.join('\n')).toContain(`${site}:${lines}`);
      const report = await clawmoat.audit();
      // Still a failure (socat), never a pass; the door checks that would pass are unknown.
      expect(checkResult(report, 'exposure.internet')?.result).toBe('fail');
      expect(checkResult(report, 'door.no_auth')?.result).toBe('unknown');
    } finally {
      writeFileSync(site, siteText);
      writeFileSync(caddyfile, caddyText);
    }
  });

  it("root-safety: another user's process titled like nginx, whose config includes a root-only file, cannot make clawmoat print it", async () => {
    const dir = tempDir(scope, 'hostile');
    const marker = `clawmoat-root-only-${Date.now()}`;
    writeFileSync(join(dir, 'secret'), `${marker};\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'evil.conf'),
      `events {}\nhttp {\n  include ${dir}/secret;\n  server { listen 18080; location / { proxy_pass http://127.0.0.1:${GATEWAY_PORT}; } }\n}\n`,
      { mode: 0o644 },
    );
    chmodSync(dir, 0o755);
    // A bare uid with no account, whose process calls itself an nginx master (argv[0] is the owner's to write).
    const fake = spawnDaemon(
      ...gw.argv(binary('setpriv'), [
        '--reuid=12345',
        '--regid=12345',
        '--clear-groups',
        'bash',
        '-c',
        `exec -a "nginx: master process nginx -c ${dir}/evil.conf" sleep 120`,
      ]),
      { env: { PATH: labPath() }, logFile: join(dir, 'fake.log'), cwd: dir },
    );
    const resource: Resource = { kind: 'process', pid: fake.pid, startTime: fake.startTime, label: 'fake nginx' };
    hold(resource);
    try {
      await waitFor(async () => (readFileSync(`/proc/${fake.pid}/cmdline`, 'utf8').startsWith('nginx: master') ? true : undefined), {
        what: 'the fake nginx title',
        timeoutMs: 5_000,
      });
      for (const args of [['reach', '--json'], ['audit', '--format', 'json'], ['collect']]) {
        const result = await clawmoat.run(args);
        expect(result.stdout + result.stderr).not.toContain(marker);
      }
    } finally {
      await stopPid(fake.pid, fake.startTime, 2_000);
      release(resource);
    }
  });

  it('probe from the internet identifies OpenClaw through the doors, over TLS with SNI through a self-signed nginx, and names each door', async () => {
    // Last: an nginx terminating TLS (server_name, a self-signed certificate made here) joins the
    // doors for this test only, with the WebSocket upgrade a real site sets.
    const dir = tempDir(scope, 'door-nginx-tls');
    execFileSync(
      binary('openssl'),
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=gw.lab.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const site = join(dir, 'nginx.conf');
    writeFileSync(
      site,
      [
        'worker_processes 1;',
        'events { worker_connections 64; }',
        'http {',
        `  access_log ${dir}/access.log;`,
        // A catch-all first: only the right SNI and Host reach the gateway.
        `  server { listen 8443 ssl default_server; server_name _; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; return 404; }`,
        '  server {',
        '    listen 8443 ssl;',
        '    server_name gw.lab.test;',
        `    ssl_certificate ${dir}/cert.pem;`,
        `    ssl_certificate_key ${dir}/key.pem;`,
        '    location / {',
        `      proxy_pass http://127.0.0.1:${GATEWAY_PORT};`,
        '      proxy_http_version 1.1;',
        '      proxy_set_header Upgrade $http_upgrade;',
        '      proxy_set_header Connection "upgrade";',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const daemon = spawnDaemon(
      ...gw.argv(binary('nginx'), ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', site, '-g', `daemon off; pid ${dir}/nginx.pid;`]),
      { env: { PATH: labPath() }, logFile: join(dir, 'stdout.log'), cwd: dir },
    );
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'nginx-tls' };
    hold(resource);
    try {
      await waitFor(async () => ((await gw.exec(binary('ss'), ['-Hltn', 'sport', '=', ':8443'])).stdout.trim() ? true : undefined), {
        what: 'nginx-tls',
        timeoutMs: 15_000,
        abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
      });
      const run = await clawmoat.run(['probe', '--json', '--netns', inet.name, '--timeout', '1500']);
      expect([0, 1], run.stderr).toContain(run.code);
      const report = JSON.parse(run.stdout) as ProbeReport;
      const at = (port: number) => report.results.find((r) => r.address === '198.51.100.1' && r.port === port);
      const summary = report.results
        .filter((r) => r.address === '198.51.100.1')
        .map(
          (r) =>
            `${r.port} ${r.observed} ${r.openclaw.detected ? `OpenClaw ${r.openclaw.version ?? '?'}${r.openclaw.tls ? ' tls' : ''}` : '-'} ${r.door ? `${r.door.name}@${r.door.location?.line ?? ''}` : ''}`,
        );
      console.log(`probe through doors from the internet:\n  ${summary.join('\n  ')}`);

      // TLS, SNI from server_name: the catch-all would have answered 404 without it.
      const tls = at(8443);
      expect(tls?.openclaw, summary.join('\n')).toMatchObject({ detected: true, product: 'openclaw', tls: { servername: 'gw.lab.test' } });
      expect(tls?.openclaw.version).toMatch(/^\d{4}\.\d+\.\d+/);
      expect(tls?.door).toMatchObject({
        kind: 'nginx',
        name: 'nginx',
        via: `proxy_pass http://127.0.0.1:${GATEWAY_PORT}`,
        gateway: true,
        tls: true,
        location: { file: site, line: 12 },
      });
      // The plain doors: a TCP forwarder (the gateway's own answers) and proxies the gateway refuses for attribution.
      for (const [port, kind] of [
        [443, 'socat'],
        [9443, 'nginx'],
        [8080, 'nginx'],
        [8445, 'caddy'],
        [8447, 'haproxy'],
      ] as const) {
        expect(at(port)?.openclaw.detected, `${port}: ${summary.join('\n')}\n${at(port)?.openclaw.evidence.join('\n')}`).toBe(true);
        expect(at(port)?.door?.kind).toBe(kind);
        expect(at(port)?.openclaw.tls).toBeUndefined();
      }
      // A door on loopback is not reached from the internet, and not fingerprinted.
      expect(at(8444)?.openclaw.detected ?? false).toBe(false);

      const text = await clawmoat.run(['probe', '--netns', inet.name, '--timeout', '1500', '--target', '198.51.100.1:8443']);
      expect(text.stdout).toMatch(
        new RegExp(
          `OpenClaw \\d{4}\\.\\d+\\.\\d+\\S* answered on 8443 through nginx \\(${site.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12\\), over TLS \\(SNI gw\\.lab\\.test\\)`,
        ),
      );
    } finally {
      await stopPid(daemon.pid, daemon.startTime, 5_000);
      release(resource);
    }
  });
});
