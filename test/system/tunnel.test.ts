import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelReport } from '../../src/remote/tunnel-check.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, tempDir, Scope, type Resource } from './lab/cleanup.js';
import { CLI, Clawmoat, ensureBuilt } from './lab/clawmoat.js';
import { link, Netns, wan, type Wan } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet } from './lab/probe.js';
import { isAlive, processTree, run, spawnDaemon, stopPid, waitFor, type Daemon, type RunResult } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * `clawmoat tunnel` for real. R (the lab's gw namespace) runs a real sshd and the OpenClaw
 * gateway on loopback (port 28789, so the default 18789 would be wrong); C (the lab's
 * internet client) runs clawmoat with root's own ~/.ssh (a key, a config, known_hosts).
 * F, a third namespace behind C, runs an sshd and an HTTP listener in the gateway's place
 * on 0.0.0.0:18789: the tunnel still works there, with a warning.
 *   --check: the port and bind found over ssh, /healthz through the tunnel
 *   --print: the command, and a config block ssh itself accepts
 *   running: a killed sshd session is re-established on the same local port
 *   failures: a host that is down, a changed host key, no sshd, sshd forbidding forwarding,
 *   an option smuggled in as the host: one line each, exit 2.
 */

const req = requires('tunnel to a remote gateway over ssh', ['root', 'netns', 'sshd', 'openclaw']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let far: Netns;
  const farAddress = '203.0.113.1';
  let clawmoat: Clawmoat;
  let clientEtc: PrivateEtc;
  let home: string;
  let sshd: Sshd;
  let gateway: OpenclawGateway;
  let destination: string;

  async function tunnelJson(args: string[]): Promise<{ report: TunnelReport; result: RunResult; ms: number }> {
    const started = Date.now();
    const result = await clawmoat.run(['tunnel', '--json', ...args]);
    const ms = Date.now() - started;
    let report: TunnelReport;
    try {
      report = JSON.parse(result.stdout) as TunnelReport;
    } catch {
      throw new Error(`clawmoat tunnel ${args.join(' ')} (exit ${result.code}) printed no JSON:\n${result.stdout}\n${result.stderr}`);
    }
    return { report, result, ms };
  }

  /** A tunnel that must fail: exit 2, one line on stderr, nothing on stdout. */
  async function failing(args: string[]): Promise<{ line: string; ms: number }> {
    const started = Date.now();
    const result = await clawmoat.run(['tunnel', ...args]);
    const ms = Date.now() - started;
    expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    return { line: lines[0]!, ms };
  }

  /** ssh processes left in C: every one there is this test's. */
  function sshLeftInClient(): number[] {
    const netns = `net:[${statSync(lab.client.path).ino}]`;
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ssh' && readlinkSync(`/proc/${pid}/ns/net`) === netns;
        } catch {
          return false;
        }
      });
  }

  /** The sshd in R that listens on `port`: started by this test (Sshd.start), found by its socket. */
  async function sshdListenerPid(ns: Netns, port: number): Promise<number> {
    const { stdout } = await ns.exec(binary('ss'), ['-Hltnp', 'sport', '=', `:${port}`]);
    const m = /pid=(\d+)/.exec(stdout);
    if (!m) throw new Error(`no sshd listening on ${port} in ${ns.name}: ${stdout}`);
    return Number(m[1]);
  }

  /** An HTTP server in the gateway's place: /healthz answers {"ok":true}. */
  async function startHealthz(ns: Netns, address: string, port: number): Promise<void> {
    const dir = tempDir(scope, 'healthz');
    const script = `require('node:http').createServer((q, s) => { s.writeHead(q.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' }); s.end(q.url === '/healthz' ? '{"ok":true,"status":"live"}' : '{}'); }).listen(${port}, '${address}');`;
    const daemon = spawnDaemon(...ns.argv(process.execPath, ['-e', script]), { env: { PATH: labPath() }, logFile: join(dir, 'healthz.log'), cwd: dir });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'healthz listener' };
    hold(resource);
    scope.defer('healthz listener', async () => {
      await stopPid(daemon.pid, daemon.startTime, 3_000);
      release(resource);
    });
    await waitFor(async () => ((await httpGet(ns, `http://127.0.0.1:${port}/healthz`, 1_000)).status === 200 ? true : undefined), {
      what: `healthz listener in ${ns.name}`,
      timeoutMs: 10_000,
      abort: () => daemon.exited(),
    });
  }

  beforeAll(async () => {
    await ensureOpenclaw();
    lab = await wan(scope);
    far = await Netns.create(scope, 'far');
    await link({ ns: lab.client, ifname: 'eth1', cidr: '203.0.113.2/24' }, { ns: far, ifname: 'eth0', cidr: `${farAddress}/24` });

    // Root's home as clawmoat sees it in C.
    home = tempDir(scope, 'ssh-home');
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-tunnel-test', '-f', join(home, '.ssh', 'id_ed25519')]);
    const publicKey = readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8').trim();

    sshd = await Sshd.start(scope, lab.gw, PrivateEtc.create(scope), { port: 22, passwordAuthentication: false, authorizedKeys: [publicKey] });
    const farSshd = await Sshd.start(scope, far, PrivateEtc.create(scope), { port: 22, passwordAuthentication: false, authorizedKeys: [publicKey] });
    // Logs in, but `sshd -T` there reads a config that forbids forwarding.
    const strictEtc = PrivateEtc.create(scope);
    const strict = await Sshd.start(scope, lab.gw, strictEtc, { port: 2222, passwordAuthentication: false, authorizedKeys: [publicKey] });
    appendFileSync(strictEtc.copyOf('/etc/ssh/sshd_config'), 'AllowTcpForwarding no\n');

    writeFileSync(
      join(home, '.ssh', 'config'),
      [
        'Host *',
        '  IdentityFile ~/.ssh/id_ed25519',
        '  IdentitiesOnly yes',
        '  UserKnownHostsFile ~/.ssh/known_hosts',
        // What a user may have for interactive logins, which the tunnel must not inherit: a
        // persisting control master (the tunnel must be its own connection), a LocalCommand.
        '  ControlMaster auto',
        '  ControlPath ~/.ssh/cm-%C',
        '  ControlPersist yes',
        '  PermitLocalCommand yes',
        '  LocalCommand touch ~/local-command-ran',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    writeFileSync(
      join(home, '.ssh', 'known_hosts'),
      [`${lab.gwAddress} ${sshd.hostKey}`, `[${lab.gwAddress}]:2222 ${strict.hostKey}`, `${farAddress} ${farSshd.hostKey}`, ''].join('\n'),
      { mode: 0o600 },
    );
    // The same address with another key: what known_hosts holds after the server was reinstalled (or someone sits in between).
    writeFileSync(join(home, 'changed_known_hosts'), `${lab.gwAddress} ${strict.hostKey}\n`, { mode: 0o600 });

    gateway = await OpenclawGateway.start(scope, lab.gw, { port: 28789, auth: 'token', bindFlag: 'loopback' });
    await startHealthz(far, '0.0.0.0', 18789);

    clientEtc = PrivateEtc.create(scope, { home });
    clawmoat = new Clawmoat(scope, lab.client, clientEtc);
    destination = `root@${lab.gwAddress}`;
    await ensureBuilt();
  }, 20 * 60_000);
  afterAll(() => scope.dispose());

  it('--check: finds the gateway on 127.0.0.1:28789 there, and /healthz answers through the tunnel', async () => {
    const { report, result, ms } = await tunnelJson([destination, '--check']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(report.gateway).toMatchObject({ found: true, port: 28789, exposure: 'loopback', forwardHost: '127.0.0.1' });
    expect(report.gateway.binds).toContain('127.0.0.1');
    expect(report.gateway.portSource).toMatch(/^socket of pid \d+ openclaw-gatewa/);
    expect(report.sshd).toMatchObject({ source: 'sshd -T', forwarding: 'allowed', keyLogin: 'allowed' });
    expect(report).toMatchObject({ localPort: 28789, samePort: true, url: 'http://127.0.0.1:28789/', warnings: [] });
    expect(report.check).toMatchObject({ ok: true, healthz: { status: 200 } });
    // One login to read R, one for the tunnel, one GET: a couple of seconds.
    expect(ms).toBeLessThan(20_000);
    console.log(`tunnel --check: ${ms} ms (healthz ${report.check?.healthz?.ms} ms)`);
  });

  it('--check leaves no ssh behind in C and runs nothing of the user config beyond the login', async () => {
    const result = await clawmoat.run(['tunnel', destination, '--check']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^tunnel 127\.0\.0\.1:28789:127\.0\.0\.1:28789: \/healthz answered 200 in \d+ ms$/m);
    expect(result.stdout.trim().split('\n').pop()).toBe('ok');
    await waitFor(async () => (sshLeftInClient().length === 0 ? true : undefined), { what: 'ssh processes in C to exit', timeoutMs: 5_000 });
    expect(existsSync(join(home, 'local-command-ran'))).toBe(false);
    expect(readdirSync(join(home, '.ssh')).filter((n) => n.startsWith('cm-'))).toEqual([]);
  });

  it('never shows the gateway token', async () => {
    const { result } = await tunnelJson([destination, '--print']);
    expect(result.stdout + result.stderr).not.toContain(gateway.token);
  });

  it('--print: the ssh command, and a ~/.ssh/config block that ssh itself reads as that forwarding', async () => {
    const { report, result } = await tunnelJson([destination, '--print', '-o', 'ConnectTimeout=7']);
    expect(result.code, result.stderr).toBe(0);
    expect(report.print!.argv).toEqual([
      'ssh',
      '-N',
      '-L',
      '127.0.0.1:28789:127.0.0.1:28789',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'ConnectTimeout=7',
      destination,
    ]);
    const text = await clawmoat.run(['tunnel', destination, '--print']);
    expect(text.code, text.stderr).toBe(0);
    // The whole output is comments and one Host block: it can be appended to ~/.ssh/config.
    const file = join(tempDir(scope, 'print'), 'config');
    writeFileSync(file, text.stdout);
    const alias = `openclaw-${lab.gwAddress}`;
    const g = await run(binary('ssh'), ['-G', '-F', file, alias]);
    expect(g.stdout).toMatch(new RegExp(`^hostname ${lab.gwAddress.replace(/\./g, '\\.')}$`, 'm'));
    expect(g.stdout).toMatch(/^user root$/m);
    expect(g.stdout).toMatch(/^localforward \[127\.0\.0\.1\]:28789 \[127\.0\.0\.1\]:28789$/m);
    expect(g.stdout).toMatch(/^exitonforwardfailure yes$/m);
    expect(g.stdout).toMatch(/^serveraliveinterval 15$/m);
  });

  it('runs until stopped, and re-establishes a dropped connection on the same local port', async () => {
    const dir = tempDir(scope, 'tunnel-run');
    const env: NodeJS.ProcessEnv = { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', NO_COLOR: '1' };
    const daemon: Daemon = clientEtc.spawn(lab.client, process.execPath, [CLI, 'tunnel', destination], { env, logFile: join(dir, 'tunnel.log') });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'clawmoat tunnel' };
    hold(resource);
    scope.defer('clawmoat tunnel', async () => {
      await stopPid(daemon.pid, daemon.startTime, 5_000);
      release(resource);
    });
    const log = () => readFileSync(daemon.logFile, 'utf8');
    const url = 'http://127.0.0.1:28789/';
    await waitFor(async () => (log().includes(`\n${url}\n`) ? true : undefined), {
      what: 'the tunnel to print its URL',
      timeoutMs: 30_000,
      abort: () => (daemon.exited() ? `${daemon.exited()}\n${log()}` : undefined),
    });
    expect((await httpGet(lab.client, `${url}healthz`)).status).toBe(200);

    // Drop it: kill the sshd session processes serving the tunnel (children of the sshd this test started).
    const listener = await sshdListenerPid(lab.gw, 22);
    const sessions = processTree(listener).slice(1);
    expect(sessions.length, `sshd ${listener} serves no session`).toBeGreaterThan(0);
    const firstSsh = Number(/connecting to \S+ \(ssh pid (\d+)\)/.exec(log())![1]);
    const dropped = Date.now();
    for (const pid of [...sessions].reverse()) process.kill(pid, 'SIGKILL');
    await waitFor(async () => (/tunnel down/.test(log()) ? true : undefined), { what: 'the tunnel to notice the drop', timeoutMs: 10_000 });
    expect(isAlive(firstSsh)).toBe(false);
    await waitFor(async () => (/tunnel up again/.test(log()) && (await httpGet(lab.client, `${url}healthz`, 1_000)).status === 200 ? true : undefined), {
      what: '/healthz through the re-established tunnel',
      timeoutMs: 15_000,
      intervalMs: 200,
      abort: () => (daemon.exited() ? `${daemon.exited()}\n${log()}` : undefined),
    });
    const back = Date.now() - dropped;
    console.log(`tunnel re-established ${back} ms after the drop`);
    // The first retry waits 1 s; a login takes well under a second here.
    expect(back).toBeLessThan(10_000);
    expect(log()).toMatch(
      /tunnel down after \d+ m?s: the connection was lost: Connection to 198\.51\.100\.1 closed by remote host\.\n.*next attempt in 1 s\n.*reconnecting to \S+, attempt 2 \(ssh pid \d+\)\n.*tunnel up again/,
    );
    expect(log().match(/\nhttp:\/\//g)).toHaveLength(1);

    // SIGTERM: it ends its ssh child and exits 0.
    const secondSsh = Number([...log().matchAll(/ssh pid (\d+)/g)].pop()![1]);
    await stopPid(daemon.pid, daemon.startTime, 5_000);
    release(resource);
    await waitFor(async () => (daemon.exited() ? true : undefined), { what: 'clawmoat tunnel to exit', timeoutMs: 5_000 });
    expect(daemon.exited()).toBe('exited with 0');
    expect(log()).toMatch(/tunnel closed\n$/);
    expect(isAlive(secondSsh)).toBe(false);
    expect(sshLeftInClient()).toEqual([]);
  });

  it('a gateway on 0.0.0.0 still gets a tunnel, with a warning that points at clawmoat harden', async () => {
    const { report, result } = await tunnelJson([`root@${farAddress}`, '--check']);
    expect(result.code, result.stderr).toBe(0);
    expect(report.gateway).toMatchObject({ found: false, port: 18789, exposure: 'all-interfaces', binds: ['0.0.0.0'], forwardHost: '127.0.0.1' });
    expect(report.gateway.portSource).toBe('default, no gateway process or socket seen there');
    expect(report.check).toMatchObject({ ok: true, healthz: { status: 200 } });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/listens on every interface, not only on loopback.*clawmoat harden/);
    // Text mode: the warning on stderr, the verdict on stdout.
    const text = await clawmoat.run(['tunnel', `root@${farAddress}`, '--check']);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^warning: the gateway on root@203\.0\.113\.1 listens on every interface/);
  });

  it('a host that is down: one line, saying what was not checked and why', async () => {
    const nobody = '198.51.100.9';
    const { line, ms } = await failing([`root@${nobody}`, '-o', 'ConnectTimeout=3']);
    expect(line).toMatch(
      new RegExp(
        `^clawmoat: root@${nobody}: the gateway's port and bind and sshd's settings were not checked: root@${nobody} cannot be reached: connect to host ${nobody} port 22: (No route to host|Connection timed out)$`,
      ),
    );
    expect(ms).toBeLessThan(20_000);
  });

  it('no sshd on that port: one line, connection refused', async () => {
    const { line } = await failing([destination, '-p', '2299', '--check']);
    expect(line).toBe(
      `clawmoat: ${destination}: the gateway's port and bind and sshd's settings were not checked: no ssh server answers on ${destination} (connection refused): is sshd running, and on this port?`,
    );
  });

  it('a changed host key: reported, never accepted, known_hosts untouched', async () => {
    const knownHosts = join(home, 'changed_known_hosts');
    const before = readFileSync(knownHosts, 'utf8');
    const { line } = await failing([destination, '-o', `UserKnownHostsFile=${knownHosts}`]);
    expect(line).toMatch(/not checked: the host key of root@198\.51\.100\.1 CHANGED since known_hosts recorded it .*never accepts a changed key/);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);
  });

  it('a host key known_hosts does not hold: never accepted, even when asked to', async () => {
    const { line } = await failing([destination, '-o', 'UserKnownHostsFile=/dev/null']);
    expect(line).toMatch(/not checked: ssh does not know the host key of root@198\.51\.100\.1 \(clawmoat never accepts a new key\)/);
    const relaxed = await failing([destination, '-o', 'StrictHostKeyChecking=accept-new']);
    expect(relaxed.line).toMatch(/clawmoat never relaxes host key checking/);
  });

  it('sshd forbids forwarding: no tunnel, and the setting named', async () => {
    const { line } = await failing([destination, '-p', '2222']);
    expect(line).toBe(
      `clawmoat: ${destination}: no tunnel: sshd there does not allow forwarding to 127.0.0.1:28789: AllowTcpForwarding no (sshd -T); allow it there (AllowTcpForwarding local, PermitOpen 127.0.0.1:28789)`,
    );
  });

  it('an option smuggled in as the host is refused before ssh runs', async () => {
    const marker = join(tempDir(scope, 'inject'), 'ran');
    const { line } = await failing(['--', `-oProxyCommand=touch ${marker}`]);
    expect(line).toMatch(/is not a host name, ssh alias or address/);
    expect(existsSync(marker)).toBe(false);
  });
});
