import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReachCell } from '../../src/model/reach.js';
import type { ProbeReport } from '../../src/probe/types.js';
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
 * Doors in front of doors, for real: the real OpenClaw gateway on loopback, a real socat on
 * 127.0.0.1:8090 forwarding to it, and real nginx and socat in front of that socat:
 *
 *   nginx 0.0.0.0:8080  → socat 127.0.0.1:8090 → gateway 127.0.0.1:28789      (a chain of 2)
 *   socat 0.0.0.0:443   → nginx 127.0.0.1:8091 → socat 127.0.0.1:8090 → gateway (a chain of 3)
 *   nginx 0.0.0.0:8092  → 192.168.1.10:8090, where nothing takes it             (no path: the socat is on 127.0.0.1)
 *   nginx 0.0.0.0:8093  → unix:DIR/gw.sock, where socat UNIX-LISTEN → gateway   (a chain through a unix socket)
 *
 * with 443 dropped on the LAN interface. Clients in an internet and a LAN namespace (and the host)
 * connect through every chained door; the model's verdict must agree with the real connection,
 * and `probe` must see OpenClaw through the chains and name the outer door.
 *
 *   inet 198.51.100.2 ── eth0 198.51.100.1 (default route)  H  eth1 192.168.1.10 ── lan 192.168.1.50
 */

const GATEWAY_PORT = 28789;

const req = requires('door chains: real nginx and socat in front of each other and of a real gateway', [
  'root',
  'netns',
  'netfilter',
  'openclaw',
  'socat',
  'nginx',
]);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let gw: Netns;
  let inet: Netns;
  let lan: Netns;
  let clawmoat: Clawmoat;
  let cells: ReachCell[];
  let site: string;
  let sockets: string;
  const agreement = { agree: 0, unknown: 0, disagree: [] as string[] };

  /** Start a daemon in the host namespace; ready when it listens on PORT (or has created the unix socket at that path). */
  async function start(label: string, port: number | string, command: string, args: string[], dir: string): Promise<void> {
    const daemon = spawnDaemon(...gw.argv(command, args), { env: { PATH: labPath() }, logFile: join(dir, `${label}.log`), cwd: dir });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label };
    hold(resource);
    scope.defer(label, async () => {
      await stopPid(daemon.pid, daemon.startTime, 5_000);
      release(resource);
    });
    const ready = async () =>
      typeof port === 'string' ? existsSync(port) : (await gw.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${port}`])).stdout.trim() !== '';
    await waitFor(async () => ((await ready()) ? true : undefined), {
      what: `${label} in ${gw.name}`,
      timeoutMs: 15_000,
      abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
    });
  }

  beforeAll(async () => {
    await ensureOpenclaw();
    gw = await Netns.create(scope, 'chain');
    inet = await Netns.create(scope, 'cinet');
    lan = await Netns.create(scope, 'clan');
    await link({ ns: gw, ifname: 'eth0', cidr: '198.51.100.1/24' }, { ns: inet, ifname: 'eth0', cidr: '198.51.100.2/24' });
    await link({ ns: gw, ifname: 'eth1', cidr: '192.168.1.10/24' }, { ns: lan, ifname: 'eth1', cidr: '192.168.1.50/24' });
    await gw.ip('route', 'add', 'default', 'via', '198.51.100.2');
    await lan.ip('route', 'add', 'default', 'via', '192.168.1.10');
    // The chain of 3 is kept from the LAN: its outer socat's port is dropped on eth1 (the namespace's own ruleset).
    await gw.exec(binary('iptables'), ['-A', 'INPUT', '-i', 'eth1', '-p', 'tcp', '--dport', '443', '-j', 'DROP']);
    const etc = PrivateEtc.create(scope);
    await OpenclawGateway.start(scope, gw, { port: GATEWAY_PORT, bindFlag: 'loopback' });

    const dir = tempDir(scope, 'door-chains');
    sockets = tempDir(scope, 'door-chains-sockets');
    mkdirSync(join(dir, 'sites'), { recursive: true });
    site = join(dir, 'sites', 'chain.conf');
    writeFileSync(
      join(dir, 'nginx.conf'),
      ['worker_processes 1;', 'events { worker_connections 64; }', 'http {', `  access_log ${dir}/access.log;`, `  include ${dir}/sites/*.conf;`, '}', ''].join(
        '\n',
      ),
    );
    writeFileSync(
      site,
      [
        'server {',
        '  listen 8080;',
        '  location / { proxy_pass http://127.0.0.1:8090; }',
        '}',
        'server {',
        '  listen 127.0.0.1:8091;',
        '  location / { proxy_pass http://127.0.0.1:8090; }',
        '}',
        'server {',
        '  listen 8092;',
        '  location / { proxy_pass http://192.168.1.10:8090; }',
        '}',
        'server {',
        '  listen 8093;',
        `  location / { proxy_pass http://unix:${sockets}/gw.sock:; }`,
        '}',
        '',
      ].join('\n'),
    );
    // Innermost first, so each door finds the one behind it listening.
    // nginx's workers run as nobody: the socket sits where they may reach it (a 0755 directory, the socket 0666), as a real setup grants its proxy.
    chmodSync(sockets, 0o755);
    await start(
      'socat-unix',
      join(sockets, 'gw.sock'),
      binary('socat'),
      [`UNIX-LISTEN:${sockets}/gw.sock,fork,mode=666`, `TCP:127.0.0.1:${GATEWAY_PORT}`],
      dir,
    );
    await start('socat-inner', 8090, binary('socat'), ['TCP-LISTEN:8090,fork,reuseaddr,bind=127.0.0.1', `TCP:127.0.0.1:${GATEWAY_PORT}`], dir);
    await start(
      'nginx',
      8080,
      binary('nginx'),
      ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', `daemon off; pid ${dir}/nginx.pid;`],
      dir,
    );
    await start('socat-outer', 443, binary('socat'), ['TCP-LISTEN:443,fork,reuseaddr', 'TCP:127.0.0.1:8091'], dir);
    clawmoat = new Clawmoat(scope, gw, etc);
    const result = await clawmoat.run(['reach', '--json']);
    expect(result.code, result.stderr).toBe(0);
    cells = (JSON.parse(result.stdout) as { cells: ReachCell[] }).cells;
  }, 20 * 60_000);

  afterAll(async () => {
    if (agreement.agree + agreement.unknown + agreement.disagree.length > 0) {
      console.log(
        `door chains: ${agreement.agree} chained-door cells agree with the real connection, ${agreement.unknown} unknown, ${agreement.disagree.length} disagree`,
      );
    }
    await scope.dispose();
  });

  const row = (process: string, port: number) => cells.find((c) => c.listener.process === process && c.listener.port === port)?.listener;
  const verdict = (process: string, port: number, kind: string) =>
    cells.find((c) => c.listener.process === process && c.listener.port === port && c.zone.kind === kind)?.verdict;

  it('each outer door is a row to the gateway with the doors behind it; the door aimed where the socat is not is no path', () => {
    expect(row('nginx', 8080)).toMatchObject({ gateway: true, door: { kind: 'nginx', target: '127.0.0.1:8090', location: { file: site, line: 3 } } });
    expect(row('nginx', 8080)?.door?.chain).toMatchObject([{ kind: 'socat', target: `127.0.0.1:${GATEWAY_PORT}` }]);
    expect(row('socat', 443)).toMatchObject({ gateway: true, door: { kind: 'socat', target: '127.0.0.1:8091' } });
    expect(row('socat', 443)?.door?.chain).toMatchObject([
      { kind: 'nginx', target: '127.0.0.1:8090', location: { file: site, line: 7 } },
      { kind: 'socat', target: `127.0.0.1:${GATEWAY_PORT}` },
    ]);
    expect(row('nginx', 8092)?.gateway).toBe(false);
    // Through a unix socket: nginx → unix:DIR/gw.sock, where socat UNIX-LISTEN forwards to the gateway.
    expect(row('nginx', 8093)).toMatchObject({ gateway: true, door: { kind: 'nginx', target: `unix:${sockets}/gw.sock` } });
    expect(row('nginx', 8093)?.door?.chain).toMatchObject([{ kind: 'socat', target: `127.0.0.1:${GATEWAY_PORT}` }]);
  });

  it("the model's verdict for every chained door cell agrees with a real connection through the chain", async () => {
    const zones: Record<string, Netns> = { internet: inet, lan, loopback: gw };
    const chained = cells.filter(
      (c) =>
        (c.listener.door?.chain?.length ?? 0) > 0 &&
        zones[c.zone.kind] &&
        c.destination &&
        !(c.zone.kind !== 'loopback' && /^(127\.|::1$)/.test(c.destination)),
    );
    expect(chained.length).toBeGreaterThanOrEqual(8);
    for (const cell of chained) {
      const host = cell.destination.includes(':') ? `[${cell.destination}]` : cell.destination;
      const res = await httpGet(zones[cell.zone.kind]!, `http://${host}:${cell.listener.port}/`, 2_500);
      const real = res.body?.includes('OpenClaw Control')
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
    expect(agreement.unknown).toBe(0);
    expect(verdict('nginx', 8080, 'internet')).toBe('open');
    expect(verdict('nginx', 8080, 'lan')).toBe('open');
    expect(verdict('socat', 443, 'internet')).toBe('open');
    expect(verdict('socat', 443, 'lan')).toBe('filtered');
    expect(verdict('nginx', 8093, 'internet')).toBe('open');
    // The door aimed at 192.168.1.10:8090 really does not reach the gateway: nginx answers 502 itself.
    const off = await httpGet(inet, 'http://198.51.100.1:8092/', 2_500);
    expect(off.status, JSON.stringify(off)).toBe(502);
  });

  it('reach --port 443 --from internet explains the whole way: kernel path to socat, socat → nginx (file:line) → socat → the gateway', async () => {
    const result = await clawmoat.run(['reach', '--port', '443', '--from', 'internet']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/OPEN/);
    const hops = result.stdout.split('\n').filter((l) => /door: /.test(l));
    expect(hops.length, result.stdout).toBe(3);
    expect(hops[0]).toContain('socat TCP-LISTEN:443,fork,reuseaddr TCP:127.0.0.1:8091 forwards it to 127.0.0.1:8091, where nginx (127.0.0.1:8091');
    expect(hops[1]).toContain(`nginx proxy_pass http://127.0.0.1:8090 (${site}:7) forwards it to 127.0.0.1:8090, where socat (127.0.0.1:8090`);
    expect(hops[2]).toMatch(
      new RegExp(`socat TCP-LISTEN:8090.* forwards it to 127\\.0\\.0\\.1:${GATEWAY_PORT}, where the gateway \\(127\\.0\\.0\\.1:${GATEWAY_PORT}`),
    );
  });

  it('audit: exposure.internet and exposure.lan fail with every hop in the evidence (the gateway listens on loopback only)', async () => {
    const report = await clawmoat.audit();
    expect(checkResult(report, 'exposure.internet')?.result, describeFindings(report)).toBe('fail');
    expect(checkResult(report, 'exposure.lan')?.result, describeFindings(report)).toBe('fail');
    const text = (id: string) =>
      findings(report, id)
        .map((f) => `${f.message}\n${f.evidence.map((e) => e.text).join('\n')}`)
        .join('\n');
    expect(text('exposure.internet')).toContain('through nginx on 127.0.0.1:8091, then socat on 127.0.0.1:8090');
    expect(text('exposure.internet')).toContain(`${site}:3`);
    expect(text('exposure.internet')).toContain(`${site}:7`);
    expect(text('exposure.internet')).toContain('socat TCP-LISTEN:8090,fork,reuseaddr,bind=127.0.0.1');
    expect(text('exposure.lan')).toContain(`${site}:3`);
    // 443 is dropped on the LAN, and 8092 leads nowhere.
    expect(text('exposure.lan')).not.toMatch(/0\.0\.0\.0:443/);
    expect(text('exposure.internet')).not.toMatch(/:8092/);
  });

  it('probe from the internet identifies OpenClaw through each chain and names the outer door', async () => {
    const run = await clawmoat.run(['probe', '--json', '--netns', inet.name, '--timeout', '1500']);
    expect([0, 1], run.stderr).toContain(run.code);
    const report = JSON.parse(run.stdout) as ProbeReport;
    const at = (port: number) => report.results.find((r) => r.address === '198.51.100.1' && r.port === port);
    const summary = report.results
      .filter((r) => r.address === '198.51.100.1')
      .map(
        (r) =>
          `${r.port} ${r.observed} ${r.openclaw.detected ? `OpenClaw ${r.openclaw.version ?? '?'}` : '-'} ${r.door ? `${r.door.name} gateway=${r.door.gateway}` : ''}`,
      );
    console.log(`probe through door chains from the internet:\n  ${summary.join('\n  ')}`);
    for (const [port, kind] of [
      [8080, 'nginx'],
      [443, 'socat'],
    ] as const) {
      expect(at(port)?.openclaw.detected, `${port}: ${summary.join('\n')}`).toBe(true);
      expect(at(port)?.openclaw.version).toMatch(/^\d{4}\.\d+\.\d+/);
      expect(at(port)?.door, summary.join('\n')).toMatchObject({ kind, gateway: true });
      // The model predicted what the probe saw.
      expect(at(port)?.mismatch, summary.join('\n')).toBe(false);
    }
    expect(at(8092)?.openclaw.detected ?? false).toBe(false);
    expect(at(8092)?.door?.gateway ?? false).toBe(false);
  });
});
