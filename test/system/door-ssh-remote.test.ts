import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReachCell } from '../../src/model/reach.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, tempDir, Scope, type Resource } from './lab/cleanup.js';
import { checkResult, Clawmoat, findings } from './lab/clawmoat.js';
import { link, Netns } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet, tcpConnect } from './lab/probe.js';
import { run, spawnDaemon, stopPid, waitFor, type Daemon } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * An `ssh -R` door for real: the gateway host runs a real ssh client that forwards port 18443 of
 * a "VPS" (a namespace with a real sshd, GatewayPorts yes) back to the OpenClaw gateway on the
 * host's loopback. Nothing listens on the gateway host for it, and no firewall of that host sees
 * it; a client on the internet side of the VPS reaches OpenClaw all the same. clawmoat, run on the
 * gateway host, cannot read the VPS's sshd_config: its row for the tunnel must say `unknown` with
 * that reason (never closed or filtered), and exposure.internet must not pass.
 *
 *   H eth0 203.0.113.1 (default route) ── eth0 203.0.113.2  VPS  eth1 198.51.100.1 ── inet 198.51.100.2
 */

const GATEWAY_PORT = 28789;
const REMOTE_PORT = 18443;
const VPS = '203.0.113.2';
const VPS_PUBLIC = '198.51.100.1';

const req = requires('door ssh -R through a real sshd on a VPS namespace to a real gateway', ['root', 'netns', 'sshd', 'openclaw']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let gw: Netns;
  let vps: Netns;
  let inet: Netns;
  let gwEtc: PrivateEtc;
  let sshd: Sshd;
  let keyDir: string;
  let client: Daemon | undefined;
  let clientResource: Resource | undefined;

  const remoteListener = async () => (await vps.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${REMOTE_PORT}`])).stdout.trim();

  /** The ssh client on the gateway host, as a user would leave it running (autossh's child looks the same). */
  async function startTunnel(): Promise<void> {
    const args = [
      '-F',
      '/dev/null',
      '-i',
      join(keyDir, 'id_ed25519'),
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${join(keyDir, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ExitOnForwardFailure=yes',
      '-N',
      '-R',
      `0.0.0.0:${REMOTE_PORT}:127.0.0.1:${GATEWAY_PORT}`,
      `root@${VPS}`,
    ];
    const daemon = spawnDaemon(...gw.argv(binary('ssh'), args), { env: { PATH: labPath() }, logFile: join(keyDir, 'ssh.log') });
    client = daemon;
    clientResource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'ssh -R' };
    hold(clientResource);
    await waitFor(async () => ((await remoteListener()) ? true : undefined), {
      what: `ssh -R ${REMOTE_PORT} on ${vps.name}`,
      timeoutMs: 15_000,
      abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
    });
  }

  async function stopTunnel(): Promise<void> {
    if (!client || !clientResource) return;
    await stopPid(client.pid, client.startTime, 5_000);
    release(clientResource);
    client = undefined;
    clientResource = undefined;
  }

  async function tunnelCells(clawmoat: Clawmoat): Promise<ReachCell[]> {
    const result = await clawmoat.run(['reach', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const cells = (JSON.parse(result.stdout) as { cells: ReachCell[] }).cells;
    return cells.filter((c) => c.listener.door?.kind === 'ssh' && c.listener.port === REMOTE_PORT);
  }

  beforeAll(async () => {
    await ensureOpenclaw();
    gw = await Netns.create(scope, 'sshr');
    vps = await Netns.create(scope, 'vps');
    inet = await Netns.create(scope, 'rinet');
    await link({ ns: gw, ifname: 'eth0', cidr: '203.0.113.1/24' }, { ns: vps, ifname: 'eth0', cidr: `${VPS}/24` });
    await link({ ns: vps, ifname: 'eth1', cidr: `${VPS_PUBLIC}/24` }, { ns: inet, ifname: 'eth0', cidr: '198.51.100.2/24' });
    await gw.ip('route', 'add', 'default', 'via', VPS);

    keyDir = tempDir(scope, 'ssh-r');
    await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-lab-tunnel', '-f', join(keyDir, 'id_ed25519')]);
    const vpsEtc = PrivateEtc.create(scope);
    sshd = await Sshd.start(scope, vps, vpsEtc, {
      passwordAuthentication: false,
      authorizedKeys: [readFileSync(join(keyDir, 'id_ed25519.pub'), 'utf8').trim()],
      gatewayPorts: 'yes',
    });
    writeFileSync(join(keyDir, 'known_hosts'), `${VPS} ${sshd.hostKey}\n`);
    await OpenclawGateway.start(scope, gw, { port: GATEWAY_PORT, bindFlag: 'loopback' });
    scope.defer('ssh -R', () => stopTunnel());
    await startTunnel();
    // The gateway host's own view: its sshd_config is a private copy, not the VPS's.
    gwEtc = PrivateEtc.create(scope);
  }, 10 * 60_000);

  afterAll(async () => {
    await scope.dispose();
  });

  it("a client on the internet side of the VPS reaches OpenClaw through the tunnel (GatewayPorts yes binds the VPS's every address)", async () => {
    expect(await remoteListener()).toMatch(new RegExp(`0\\.0\\.0\\.0:${REMOTE_PORT}`));
    const res = await httpGet(inet, `http://${VPS_PUBLIC}:${REMOTE_PORT}/`, 5_000);
    expect(res.body ?? res.error, JSON.stringify(res).slice(0, 300)).toContain('OpenClaw Control');
    // And nothing on the gateway host listens for it: the host's own address does not answer.
    expect((await tcpConnect(vps, '203.0.113.1', REMOTE_PORT)).state).toBe('refused');
  });

  it("the model's row for the tunnel: its far end on the VPS, unknown from the internet because the VPS's sshd decides, never closed", async () => {
    const cells = await tunnelCells(new Clawmoat(scope, gw, gwEtc));
    expect(cells.length, 'a row for the ssh -R tunnel').toBeGreaterThan(0);
    const row = cells[0]!.listener;
    expect(row).toMatchObject({ address: VPS, port: REMOTE_PORT, process: 'ssh', gateway: true });
    expect(row.door).toMatchObject({ kind: 'ssh', target: `127.0.0.1:${GATEWAY_PORT}` });
    expect(row.door?.via).toContain(`-R 0.0.0.0:${REMOTE_PORT}:127.0.0.1:${GATEWAY_PORT} root@${VPS}`);
    const internet = cells.find((c) => c.zone.kind === 'internet');
    expect(internet?.verdict, internet?.reason).toBe('unknown');
    expect(internet?.reason).toMatch(/GatewayPorts/);
    expect(internet?.reason).toContain(`tcp://${VPS}:${REMOTE_PORT}`);
    // The path ends at the real gateway socket behind the tunnel.
    expect(internet?.path.map((s) => s.text).join('\n')).toMatch(new RegExp(`the gateway \\(127\\.0\\.0\\.1:${GATEWAY_PORT}, pid \\d+\\)`));
  });

  it('exposure.internet does not pass: the tunnel is in its evidence', async () => {
    const report = await new Clawmoat(scope, gw, gwEtc).audit();
    const result = checkResult(report, 'exposure.internet');
    expect(result?.result).toBe('unknown');
    expect(JSON.stringify(findings(report, 'exposure.internet'))).toContain(`-R 0.0.0.0:${REMOTE_PORT}`);
  });

  it('with GatewayPorts no on the VPS the same tunnel binds its loopback there: the internet is refused, and the model still says unknown (it cannot see that config)', async () => {
    await stopTunnel();
    await sshd.restart({
      passwordAuthentication: false,
      authorizedKeys: [readFileSync(join(keyDir, 'id_ed25519.pub'), 'utf8').trim()],
      gatewayPorts: 'no',
    });
    await startTunnel();
    expect(await remoteListener()).toMatch(new RegExp(`127\\.0\\.0\\.1:${REMOTE_PORT}`));
    expect((await tcpConnect(inet, VPS_PUBLIC, REMOTE_PORT)).state).toBe('refused');
    const internet = (await tunnelCells(new Clawmoat(scope, gw, gwEtc))).find((c) => c.zone.kind === 'internet');
    expect(internet?.verdict).toBe('unknown');
  });
});
