import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { Scope } from './lab/cleanup.js';
import { checkResult, Clawmoat, describeFindings, findings } from './lab/clawmoat.js';
import { Dockerd } from './lab/dockerd.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet, tcpConnect } from './lab/probe.js';

/**
 * A real dockerd (one for the file: it starts in about a second) in the host namespace,
 * and a container standing in for the gateway on 18789, published two ways.
 */

const req = requires('audit of a real dockerd', ['root', 'netns', 'netfilter', 'docker']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let dockerd: Dockerd;
  let clawmoat: Clawmoat;

  beforeAll(async () => {
    lab = await wan(scope);
    dockerd = await Dockerd.start(scope, lab.gw);
    await dockerd.importBusybox();
    await dockerd.docker(['network', 'create', 'openclaw-net']);
    clawmoat = new Clawmoat(scope, lab.gw, PrivateEtc.create(scope), { dockerHost: dockerd.host });
  });
  afterEach(() => dockerd.removeAllContainers());
  afterAll(() => scope.dispose());

  it('-p 18789:18789 (all addresses): docker.publish.public names the container', async () => {
    await dockerd.runHttpd('openclaw-public', ['18789:18789'], { network: 'openclaw-net' });
    expect((await httpGet(lab.client, `http://${lab.gwAddress}:18789/`)).status).toBe(404);
    const report = await clawmoat.audit();
    const found = findings(report, 'docker.publish.public');
    expect(found, describeFindings(report)).not.toHaveLength(0);
    const text = found.map((f) => `${f.message}\n${f.evidence.map((e) => e.text).join('\n')}`).join('\n');
    expect(text).toContain('openclaw-public');
    expect(text).toMatch(/18789/);
  });

  it('-p 127.0.0.1:18789:18789: no docker.publish.public', async () => {
    await dockerd.runHttpd('openclaw-local', ['127.0.0.1:18789:18789'], { network: 'openclaw-net' });
    expect((await tcpConnect(lab.client, lab.gwAddress, 18789)).state).not.toBe('open');
    expect((await httpGet(lab.gw, 'http://127.0.0.1:18789/')).status).toBe(404);
    const report = await clawmoat.audit();
    expect(findings(report, 'docker.publish.public'), describeFindings(report)).toHaveLength(0);
    expect(checkResult(report, 'docker.publish.public')?.result).toBe('pass');
  });
});
