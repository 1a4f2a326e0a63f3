import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { Clawmoat, describeFindings, findings } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';

/**
 * A real OpenClaw gateway whose config says `loopback`, started with `--bind lan`: it
 * listens on 0.0.0.0, and OpenClaw's own `security audit` (which reads only the config)
 * reports loopback. clawmoat must see the socket, the drift, and never the token.
 */

const req = requires('audit on a real OpenClaw gateway', ['root', 'netns', 'openclaw']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let gateway: OpenclawGateway;
  let clawmoat: Clawmoat;
  let socket: RegExp;

  beforeAll(async () => {
    await ensureOpenclaw();
    lab = await wan(scope);
    const etc = PrivateEtc.create(scope);
    gateway = await OpenclawGateway.start(scope, lab.gw, { configBind: 'loopback', bindFlag: 'lan' });
    clawmoat = new Clawmoat(scope, lab.gw, etc);
    socket = new RegExp(`0\\.0\\.0\\.0:${gateway.port}\\b`);
  }, 20 * 60_000);
  afterAll(() => scope.dispose());

  it('reports gateway.bind.public, with the listening socket as evidence', async () => {
    const report = await clawmoat.audit();
    const [finding] = findings(report, 'gateway.bind.public');
    expect(finding, describeFindings(report)).toBeDefined();
    expect(finding!.status).toBe('fail');
    expect(finding!.evidence.map((e) => e.text).join('\n')).toMatch(socket);
    expect(finding!.remediation.summary).not.toBe('');
  });

  it('reports gateway.bind.drift: the config says loopback, the process listens on 0.0.0.0', async () => {
    const report = await clawmoat.audit();
    const [finding] = findings(report, 'gateway.bind.drift');
    expect(finding, describeFindings(report)).toBeDefined();
    const evidence = finding!.evidence.map((e) => e.text).join('\n');
    expect(evidence).toMatch(socket);
    expect(`${finding!.message}\n${evidence}`).toMatch(/loopback/);
  });

  it('finds the same from a snapshot: collect -o, then audit --snapshot', async () => {
    const file = join(tempDir(scope, 'snapshot'), 'snap.json');
    const collect = await clawmoat.run(['collect', '-o', file]);
    expect(collect.code, collect.stderr).toBe(0);
    const report = await clawmoat.audit(['--snapshot', file]);
    expect(findings(report, 'gateway.bind.public'), describeFindings(report)).not.toHaveLength(0);
    expect(findings(report, 'gateway.bind.drift'), describeFindings(report)).not.toHaveLength(0);
  });

  it.each(['text', 'json', 'sarif', 'junit', 'markdown'])('never prints the gateway token in --format %s', async (format) => {
    const result = await clawmoat.run(['audit', '--format', format]);
    // 1: there are findings. Anything else and the output proves nothing.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout.length).toBeGreaterThan(0);
    expect(result.stdout).not.toContain(gateway.token);
    expect(result.stderr).not.toContain(gateway.token);
  });

  it('never writes the gateway token into a snapshot', async () => {
    const file = join(tempDir(scope, 'snapshot'), 'snap.json');
    const result = await clawmoat.run(['collect', '-o', file]);
    expect(result.code, result.stderr).toBe(0);
    const snapshot = readFileSync(file, 'utf8');
    // The snapshot did read the gateway (its port is there), and still has no token.
    expect(snapshot).toContain(String(gateway.port));
    expect(snapshot).not.toContain(gateway.token);
    expect(result.stdout + result.stderr).not.toContain(gateway.token);
  });
});
