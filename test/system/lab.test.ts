import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { heldResources, LEDGER_DIR, Scope, sweepStaleLedgers, type Ledger } from './lab/cleanup.js';
import { Dockerd } from './lab/dockerd.js';
import { wan, type Wan } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet, tcpConnect } from './lab/probe.js';
import { isAlive, pidsMentioning, run, startTimeOf } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';
import { Ufw } from './lab/ufw.js';

/**
 * The lab itself, checked from a client namespace before any clawmoat test relies on
 * it: each component really runs, really filters or serves, and leaves nothing behind.
 */

async function namespaces(): Promise<string[]> {
  const { stdout } = await run(binary('ip'), ['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Dispose, then prove it: the namespaces are gone and this process holds nothing. */
async function disposeAndCheck(scope: Scope, made: string[]): Promise<void> {
  await scope.dispose();
  const left = await namespaces();
  expect(made.filter((name) => left.includes(name))).toEqual([]);
  expect(heldResources()).toEqual([]);
}

const netns = requires('lab: namespaces', ['root', 'netns']);
describe.skipIf(netns.skip)(netns.name, netns.options, () => {
  it('links two namespaces with a veth pair that exists nowhere else, and removes them', async () => {
    const scope = new Scope();
    const lab = await wan(scope);
    const hostLinks = (await run(binary('ip'), ['-br', 'link'])).stdout;
    expect(hostLinks).not.toContain(lab.gw.name);
    // Nothing listens yet: the client gets a refusal from the host, not a timeout.
    expect((await tcpConnect(lab.client, lab.gwAddress, 18789)).state).toBe('refused');
    const route = (await lab.gw.ip('route', 'show', 'default')).stdout;
    expect(route).toContain(`via ${lab.clientAddress}`);
    await disposeAndCheck(scope, [lab.gw.name, lab.client.name]);
  });

  it('removes a namespace that a lab process recorded before it was killed', async () => {
    const name = `cm-orphan-${randomBytes(3).toString('hex')}`;
    await run(binary('ip'), ['netns', 'add', name]);
    try {
      // A stand-in for a test worker that dies by SIGKILL with the namespace in its ledger.
      const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
      const owner = { pid: victim.pid!, startTime: startTimeOf(victim.pid!) };
      const ledger: Ledger = { owner, resources: [{ kind: 'netns', name }] };
      mkdirSync(LEDGER_DIR, { recursive: true });
      writeFileSync(join(LEDGER_DIR, `${owner.pid}-${owner.startTime}.json`), JSON.stringify(ledger));
      victim.kill('SIGKILL');
      await new Promise((resolve) => victim.once('exit', resolve));
      sweepStaleLedgers();
      expect(await namespaces()).not.toContain(name);
    } finally {
      await run(binary('ip'), ['netns', 'delete', name], { allowFail: true });
    }
  });
});

const ufw = requires('lab: UFW and sshd', ['root', 'netns', 'netfilter', 'ufw', 'sshd']);
describe.skipIf(ufw.skip)(ufw.name, ufw.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let etc: PrivateEtc;
  let hostUfwConf: string;

  beforeAll(async () => {
    hostUfwConf = readFileSync('/etc/ufw/ufw.conf', 'utf8');
    lab = await wan(scope);
    etc = PrivateEtc.create(scope);
    await Sshd.start(scope, lab.gw, etc, { passwordAuthentication: false });
  });
  afterAll(() => disposeAndCheck(scope, [lab.gw.name, lab.client.name]));

  it('sshd answers with its banner from the client namespace', async () => {
    const answer = await tcpConnect(lab.client, lab.gwAddress, 22);
    expect(answer.data).toMatch(/^SSH-2\.0-OpenSSH/);
  });

  it('sshd -T in the private mounts reads the lab config, not the host one', async () => {
    const { stdout } = await etc.exec(lab.gw, binary('sshd'), ['-T']);
    expect(stdout).toMatch(/^passwordauthentication no$/m);
    expect(stdout).toMatch(/^hostkey .*clawmoat-lab-sshd-/m);
  });

  it('UFW with default deny and no allow drops SSH; `ufw allow 22/tcp` lets it through', async () => {
    const fw = new Ufw(lab.gw, etc);
    await fw.defaultDenyIncoming();
    await fw.enable();
    expect(await fw.status()).toMatch(/Status: active/);
    expect((await tcpConnect(lab.client, lab.gwAddress, 22, 1_500)).state).toBe('timeout');
    await fw.allow('22/tcp');
    expect((await tcpConnect(lab.client, lab.gwAddress, 22)).data).toMatch(/^SSH-2\.0-/);
    // The host's own UFW files are untouched: only the private copy says enabled.
    expect(readFileSync('/etc/ufw/ufw.conf', 'utf8')).toBe(hostUfwConf);
    expect(readFileSync(etc.copyOf('/etc/ufw') + '/ufw.conf', 'utf8')).toMatch(/^ENABLED=yes/m);
  });
});

const docker = requires('lab: dockerd', ['root', 'netns', 'netfilter', 'docker']);
describe.skipIf(docker.skip)(docker.name, docker.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let dockerd: Dockerd;

  beforeAll(async () => {
    lab = await wan(scope);
    const started = Date.now();
    dockerd = await Dockerd.start(scope, lab.gw);
    console.log(`lab: dockerd ready in ${Date.now() - started} ms`);
    await dockerd.importBusybox();
  });
  afterAll(async () => {
    await disposeAndCheck(scope, [lab.gw.name, lab.client.name]);
    // dockerd, containerd, the shims and the containers: nothing started from its directory is left.
    expect(pidsMentioning(dockerd.dir)).toEqual([]);
  });

  it('a port published on 0.0.0.0 is reachable from the internet namespace; one on 127.0.0.1 is not', async () => {
    await dockerd.docker(['network', 'create', 'openclaw-net']);
    await dockerd.runHttpd('public', ['18789:18789'], { network: 'openclaw-net' });
    await dockerd.runHttpd('local', ['127.0.0.1:18790:18789'], { network: 'openclaw-net' });
    const open = await httpGet(lab.client, `http://${lab.gwAddress}:18789/`);
    expect(open.status).toBe(404); // busybox httpd with nothing to serve: it answered.
    expect((await tcpConnect(lab.client, lab.gwAddress, 18790)).state).not.toBe('open');
    expect((await httpGet(lab.gw, 'http://127.0.0.1:18790/')).status).toBe(404);
  });

  it('a published port bypasses UFW: default deny incoming does not stop it', async () => {
    const etc = PrivateEtc.create(scope);
    const fw = new Ufw(lab.gw, etc);
    await fw.defaultDenyIncoming();
    await fw.allow('22/tcp');
    await fw.enable();
    expect((await httpGet(lab.client, `http://${lab.gwAddress}:18789/`)).status).toBe(404);
  });
});

const openclaw = requires('lab: OpenClaw gateway', ['root', 'netns', 'openclaw']);
describe.skipIf(openclaw.skip)(openclaw.name, openclaw.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let gateway: OpenclawGateway;

  beforeAll(async () => {
    const installStart = Date.now();
    await ensureOpenclaw();
    console.log(`lab: OpenClaw install check took ${Date.now() - installStart} ms`);
    lab = await wan(scope);
    gateway = await OpenclawGateway.start(scope, lab.gw, { configBind: 'loopback', bindFlag: 'lan' });
    console.log(`lab: OpenClaw gateway ready in ${gateway.readyMs} ms`);
  }, 20 * 60_000);
  afterAll(async () => {
    const pid = gateway.pid;
    await disposeAndCheck(scope, [lab.gw.name, lab.client.name]);
    expect(isAlive(pid)).toBe(false);
  });

  it('started with --bind lan, it serves /healthz and the Control UI to the internet namespace', async () => {
    const health = await httpGet(lab.client, `http://${lab.gwAddress}:${gateway.port}/healthz`);
    expect(JSON.parse(health.body ?? '{}')).toMatchObject({ ok: true });
    // The first request for the Control UI can take seconds on a busy 2-core machine.
    const ui = await httpGet(lab.client, `http://${lab.gwAddress}:${gateway.port}/`, 30_000);
    expect(ui.body, JSON.stringify(ui).slice(0, 500)).toContain('<title>OpenClaw Control</title>');
  });

  it('listens on 0.0.0.0 while its config file says loopback', async () => {
    const { stdout } = await lab.gw.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${gateway.port}`]);
    expect(stdout).toContain(`0.0.0.0:${gateway.port}`);
    expect(readFileSync(gateway.configPath, 'utf8')).toMatch(/bind: "loopback"/);
  });
});
