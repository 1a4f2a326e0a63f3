import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport, DoctorResult } from '../../src/doctor/types.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { Clawmoat } from './lab/clawmoat.js';
import { BUSYBOX_IMAGE, Dockerd } from './lab/dockerd.js';
import { wan, type Wan } from './lab/netns.js';
import { OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet, tcpConnect } from './lab/probe.js';
import { run, type RunResult } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';
import { Ufw } from './lab/ufw.js';

/**
 * `clawmoat doctor` on a host that has each of the guide's common issues for real. H (the
 * lab's gw namespace, private /etc/ufw, /etc/default/ufw and sshd_config) runs:
 *   the real OpenClaw gateway on 28789, started with --bind loopback
 *   sshd on 2222 (not 22)
 *   UFW installed, inactive, then `default deny incoming` with no SSH rule, then enabled
 *   a dockerd with two networks: openclaw-net holds a container named openclaw-gateway
 *     (busybox httpd on 18789, not published), tools-net holds agent-worker
 * and is linked to an internet client (198.51.100.2). Each case first shows the problem
 * for real (a connection that fails), checks that doctor names the cause and the fix, then
 * applies that fix and shows the connection working and doctor saying ok.
 */

const GATEWAY_PORT = 28789;
const SSH_PORT = 2222;
const CONTAINER_PORT = 18789;

const COMPOSE = [
  '# The gateway, the compose way (written by the doctor system test).',
  'services:',
  '  openclaw-gateway:',
  `    image: ${BUSYBOX_IMAGE} # busybox stands in for the gateway image`,
  `    command: ["busybox", "httpd", "-f", "-p", "${CONTAINER_PORT}"]`,
  '    networks:',
  '      - openclaw-net',
  'networks:',
  '  openclaw-net:',
  '    external: true',
  '',
].join('\n');

function parseReport(result: RunResult): DoctorReport {
  if (result.code !== 0 && result.code !== 1) throw new Error(`clawmoat doctor exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  return JSON.parse(result.stdout) as DoctorReport;
}

function describeResult(r: DoctorResult): string {
  return JSON.stringify(r, null, 2);
}

const req = requires('doctor', ['root', 'netns', 'netfilter', 'ufw', 'sshd', 'docker', 'openclaw', 'patch']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let etc: PrivateEtc;
  let ufw: Ufw;
  let gateway: OpenclawGateway;
  let dockerd: Dockerd;
  let clawmoat: Clawmoat;
  let composeFile: string;
  const outputs: string[] = [];

  async function doctor(symptom: string, args: string[] = []): Promise<{ result: DoctorResult; code: number }> {
    const out = await clawmoat.run(['doctor', symptom, '--json', ...args]);
    outputs.push(out.stdout, out.stderr);
    const report = parseReport(out);
    expect(report.results).toHaveLength(1);
    return { result: report.results[0]!, code: out.code };
  }

  /**
   * From agent-worker to the gateway container by name, through Docker's embedded DNS, then an
   * HTTP request to the address found. busybox's nslookup and nc have their own resolver and
   * address parsing; its wget segfaults (a static glibc busybox cannot use NSS). Says how far it got.
   */
  async function workerFetch(): Promise<string> {
    const lookup = await dockerd.docker(['exec', 'agent-worker', 'busybox', 'nslookup', '-type=a', 'openclaw-gateway', '127.0.0.11'], { allowFail: true });
    const address = /^Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(lookup.stdout)?.[1];
    if (!address) return `cannot resolve openclaw-gateway: ${lookup.stdout}${lookup.stderr}`;
    const out = await dockerd.docker(['exec', '-i', 'agent-worker', 'busybox', 'nc', '-w', '2', address, String(CONTAINER_PORT)], {
      allowFail: true,
      input: 'GET / HTTP/1.0\r\n\r\n',
    });
    return `${out.stdout}${out.stderr}`;
  }

  beforeAll(async () => {
    lab = await wan(scope);
    etc = PrivateEtc.create(scope);
    ufw = new Ufw(lab.gw, etc);
    // The slow parts side by side: the gateway takes ~10 s, dockerd and its containers a few.
    const started = await Promise.all([
      OpenclawGateway.start(scope, lab.gw, { port: GATEWAY_PORT, bindFlag: 'loopback' }),
      (async () => {
        const d = await Dockerd.start(scope, lab.gw);
        await d.importBusybox();
        await d.docker(['network', 'create', 'openclaw-net']);
        await d.docker(['network', 'create', 'tools-net']);
        await d.runHttpd('openclaw-gateway', [], { network: 'openclaw-net', port: CONTAINER_PORT });
        await d.docker(['run', '-d', '--name', 'agent-worker', '--network', 'tools-net', BUSYBOX_IMAGE, 'busybox', 'sleep', '3600']);
        return d;
      })(),
      Sshd.start(scope, lab.gw, etc, { passwordAuthentication: false, port: SSH_PORT }),
    ]);
    [gateway, dockerd] = started;
    composeFile = join(tempDir(scope, 'doctor-compose'), 'compose.yaml');
    writeFileSync(composeFile, COMPOSE);
    clawmoat = new Clawmoat(scope, lab.gw, etc, { dockerHost: dockerd.host });
    // UFW starts as the machine's own copy has it: make sure it is off and has no SSH rule.
    await ufw.disable();
    expect(await ufw.status()).toMatch(/Status: inactive/);
  });
  afterAll(() => scope.dispose());

  it("remote-access: a gateway bound to loopback; the answer is the tunnel to this host, with sshd's real port", async () => {
    // The real cause: another machine cannot connect, the host itself can.
    expect((await tcpConnect(lab.client, lab.gwAddress, GATEWAY_PORT)).state).not.toBe('open');
    expect((await httpGet(lab.gw, `http://127.0.0.1:${GATEWAY_PORT}/healthz`, 5_000)).status).toBe(200);
    const { result, code } = await doctor('remote-access');
    expect(result.status, describeResult(result)).toBe('problem');
    expect(code).toBe(1);
    expect(result.cause).toContain(`bound to loopback (127.0.0.1:${GATEWAY_PORT}`);
    expect(result.saw.map((e) => e.text).join('\n')).toMatch(new RegExp(`tcp 127\\.0\\.0\\.1:${GATEWAY_PORT} \\(pid \\d+ openclaw`));
    expect(result.fix?.commands?.[0]).toMatch(new RegExp(`^clawmoat tunnel -p ${SSH_PORT} \\S+@${lab.gwAddress.replace(/\./g, '\\.')} `));
    expect(result.fix?.commands?.[1]).toContain(`ssh -N -L ${GATEWAY_PORT}:127.0.0.1:${GATEWAY_PORT} -p ${SSH_PORT}`);
    expect(result.saw.map((e) => e.text)).toContain('Tailscale is not installed on this host (the SSH tunnel needs nothing new)');
    expect([...(result.fix?.commands ?? []), result.fix?.text].join('\n')).not.toMatch(/--bind lan|bind 0\.0\.0\.0/);
  });

  it('container-network: two containers on different networks; docker network connect, applied, fixes it', async () => {
    expect(await workerFetch()).toMatch(/^cannot resolve openclaw-gateway/);
    const before = await doctor('container-network');
    expect(before.result.status, describeResult(before.result)).toBe('problem');
    expect(before.result.cause).toBe(
      'the two containers are on different Docker networks: the gateway openclaw-gateway is on openclaw-net, agent-worker is on tools-net',
    );
    expect(before.result.fix?.commands).toEqual(['docker network connect openclaw-net agent-worker']);

    // The fix, as given: the worker reaches the gateway by name (busybox httpd answers 404).
    await dockerd.docker(before.result.fix!.commands![0]!.split(' ').slice(1));
    expect(await workerFetch()).toMatch(/^HTTP\/1\.[01] 404 /);
    const after = await doctor('container');
    expect(after.result.status, describeResult(after.result)).toBe('ok');
    expect(after.code).toBe(0);
  });

  it('docker-publish: the port is not published; the compose diff publishes it on 127.0.0.1 only, and works', async () => {
    expect((await httpGet(lab.gw, `http://127.0.0.1:${CONTAINER_PORT}/`)).error).toBeDefined();
    const before = await doctor('docker-publish', ['--compose', composeFile]);
    expect(before.result.status, describeResult(before.result)).toBe('problem');
    expect(before.result.cause).toContain(`the port is not published: openclaw-gateway's gateway port ${CONTAINER_PORT}`);
    const diff = before.result.fix?.diff ?? '';
    expect(diff).toContain(`+    ports:\n+      - "127.0.0.1:${CONTAINER_PORT}:${CONTAINER_PORT}"`);

    // Apply the diff with patch(1), as a user would, and recreate the container the way
    // `docker compose up` would from the patched file (the lab has no compose plugin).
    await run('patch', ['-p1', '-d', '/', '--forward'], { input: diff });
    expect(readFileSync(composeFile, 'utf8')).toContain(`- "127.0.0.1:${CONTAINER_PORT}:${CONTAINER_PORT}"`);
    expect(readFileSync(composeFile, 'utf8')).toContain('# busybox stands in for the gateway image');
    await dockerd.docker(['rm', '-f', 'openclaw-gateway']);
    await dockerd.runHttpd('openclaw-gateway', [`127.0.0.1:${CONTAINER_PORT}:${CONTAINER_PORT}`], { network: 'openclaw-net', port: CONTAINER_PORT });
    expect((await httpGet(lab.gw, `http://127.0.0.1:${CONTAINER_PORT}/`)).status).toBe(404);
    expect((await tcpConnect(lab.client, lab.gwAddress, CONTAINER_PORT)).state).not.toBe('open');

    const after = await doctor('publish', ['--compose', composeFile]);
    expect(after.result.status, describeResult(after.result)).toBe('ok');
    expect(after.result.cause).toContain(`http://127.0.0.1:${CONTAINER_PORT}/`);
  });

  it('Docker not reachable: one line saying what was not checked, exit 0, no stack trace', async () => {
    const blind = new Clawmoat(scope, lab.gw, etc);
    const out = await blind.run(['doctor', 'container-network']);
    outputs.push(out.stdout, out.stderr);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^\? A container can't reach the gateway \(container-network\)\n {2}not checked: Docker was not checked: .+$/m);
    expect(`${out.stdout}${out.stderr}`).not.toMatch(/\n\s+at /);
    const bad = await blind.run(['doctor', 'nonsense']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown symptom "nonsense"');
    expect(bad.stderr).toContain('ufw-lockout');
  });

  it('ufw-lockout: predicted before `ufw enable`, detected after, and the rule it gives lets SSH back in', async () => {
    await ufw.defaultDenyIncoming();
    expect((await tcpConnect(lab.client, lab.gwAddress, SSH_PORT)).state).toBe('open');
    const predicted = await doctor('ufw-lockout');
    expect(predicted.result.status, describeResult(predicted.result)).toBe('problem');
    expect(predicted.result.cause).toBe(
      `UFW is not enabled yet, but with default deny incoming and no rule for SSH on port ${SSH_PORT}, \`ufw enable\` would lock you out`,
    );
    expect(predicted.result.fix?.commands?.[0]).toBe(`sudo ufw allow ${SSH_PORT}/tcp`);

    await ufw.enable();
    expect((await tcpConnect(lab.client, lab.gwAddress, SSH_PORT)).state).toBe('timeout');
    const detected = await doctor('ufw');
    expect(detected.result.status, describeResult(detected.result)).toBe('problem');
    expect(detected.result.cause).toBe(`UFW is enabled with default deny incoming and no rule for SSH on port ${SSH_PORT}: new SSH connections are dropped`);
    expect(detected.result.saw.map((e) => e.text).join('\n')).toMatch(new RegExp(`sshd 0\\.0\\.0\\.0:${SSH_PORT} from internet:eth0: filtered`));
    expect(detected.result.fix?.text).toMatch(/console/);
    expect(detected.result.fix?.text).toContain('sudo ufw disable');
    expect(detected.result.fix?.commands).toEqual([`sudo ufw allow ${SSH_PORT}/tcp`, 'sudo clawmoat harden']);

    // The exact rule, run as given (without sudo: the lab is root), opens SSH again.
    await ufw.run(...detected.result.fix!.commands![0]!.split(' ').slice(2));
    expect((await tcpConnect(lab.client, lab.gwAddress, SSH_PORT)).state).toBe('open');
    const fixed = await doctor('lockout');
    expect(fixed.result.status, describeResult(fixed.result)).toBe('ok');
  });

  it('all five at once, as text and from a snapshot file: NO_COLOR honoured, the gateway token never printed', async () => {
    const out = await clawmoat.run(['doctor']);
    outputs.push(out.stdout, out.stderr);
    // Only the loopback bind is left: the other three were fixed above, and nothing makes the gateway reachable from the internet.
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/1 problem found, 4 not the cause here, 0 not checked\.\n$/);
    expect(out.stdout).not.toMatch(/\x1b\[/);
    for (const title of [
      "Can't reach the gateway from another machine",
      'Locked out after enabling UFW',
      "A container can't reach the gateway",
      "The host CLI can't reach a gateway in Docker",
    ]) {
      expect(out.stdout).toContain(title);
    }
    const snapshotFile = join(tempDir(scope, 'doctor-snapshot'), 'host.json');
    await clawmoat.run(['collect', '-o', snapshotFile]);
    const fromFile = await clawmoat.run(['doctor', '--snapshot', snapshotFile, '--json']);
    outputs.push(fromFile.stdout, fromFile.stderr, readFileSync(snapshotFile, 'utf8'));
    expect(parseReport(fromFile).results.map((r) => [r.id, r.status])).toEqual([
      ['remote-access', 'problem'],
      ['ufw-lockout', 'ok'],
      ['container-network', 'ok'],
      ['docker-publish', 'ok'],
      ['internet-exposure', 'ok'],
    ]);
    for (const text of outputs) expect(text).not.toContain(gateway.token);
  });
});
