import { chownSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { Clawmoat, describeFindings, findings } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { spawnDaemon, stopPid, waitFor } from './lab/proc.js';
import { binary, labPath } from '../support/binaries.js';
import type { Snapshot } from '../../src/snapshot/types.js';

/**
 * A decoy: any local user can start a process titled `openclaw-gateway` whose environment names a
 * clean config and whose command line says `--auth token`. Started before the real gateway (a lower
 * PID), it used to decide what was audited: `gateway.dangerous_flags` passed while the listening
 * gateway ran with dangerouslyDisableDeviceAuth, and `gateway.auth.none` while it ran with
 * `--auth none`. The config, flags and environment must be those of the process holding the listener.
 */
const NOBODY = 65534;

const req = requires('a decoy gateway process does not choose the config audited (needs root, netns, openclaw)', ['root', 'netns', 'openclaw']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let gateway: OpenclawGateway;
  let clawmoat: Clawmoat;
  let decoyConfig: string;
  let decoyPid: number;

  beforeAll(async () => {
    lab = await wan(scope);
    const etc = PrivateEtc.create(scope);
    const decoyHome = tempDir(scope, 'decoy-home');
    chmodSync(decoyHome, 0o755);
    decoyConfig = join(decoyHome, 'decoy.json');
    writeFileSync(decoyConfig, '{ gateway: { bind: "loopback", auth: { mode: "token" } } }\n', { mode: 0o644 });
    chownSync(decoyConfig, NOBODY, NOBODY);
    // The decoy first, so that its PID is the lower one: as the hostile user, not listening.
    const decoy = spawnDaemon(
      ...lab.gw.argv(binary('setpriv'), [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        'bash',
        '-c',
        `exec -a openclaw-gateway ${process.execPath} -e 'setTimeout(() => {}, 600000)' -- gateway --auth token --bind loopback`,
      ]),
      { env: { PATH: labPath(), HOME: decoyHome, OPENCLAW_CONFIG_PATH: decoyConfig }, logFile: join(tempDir(scope, 'decoy-log'), 'decoy.log') },
    );
    const resource: Resource = { kind: 'process', pid: decoy.pid, startTime: decoy.startTime, label: 'decoy gateway' };
    hold(resource);
    scope.defer('decoy gateway', async () => {
      await stopPid(decoy.pid, decoy.startTime, 2_000);
      release(resource);
    });
    await waitFor(async () => (readFileSync(`/proc/${decoy.pid}/cmdline`, 'utf8').startsWith('openclaw-gateway') ? true : undefined), {
      what: 'the decoy title',
      timeoutMs: 5_000,
    });
    gateway = await OpenclawGateway.start(scope, lab.gw, {
      bindFlag: 'loopback',
      auth: 'none',
      config: (home) =>
        [
          '{',
          '  gateway: { bind: "loopback", controlUi: { dangerouslyDisableDeviceAuth: true } },',
          `  logging: { file: "${join(home, 'openclaw.log')}" },`,
          '}',
          '',
        ].join('\n'),
    });
    expect(decoy.pid).toBeLessThan(gateway.pid);
    decoyPid = decoy.pid;
    clawmoat = new Clawmoat(scope, lab.gw, etc);
  }, 20 * 60_000);
  afterAll(() => scope.dispose());

  it("reads the listening gateway's config, not the decoy's, and reports its dangerous flag", async () => {
    const file = join(tempDir(scope, 'decoy-snapshot'), 'snap.json');
    const collect = await clawmoat.run(['collect', '-o', file]);
    expect(collect.code, collect.stderr).toBe(0);
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    expect(snapshot.openclaw.processes.length).toBeGreaterThanOrEqual(2);
    expect(snapshot.openclaw.config).toMatchObject({ status: 'ok', data: { path: gateway.configPath } });
    expect(snapshot.openclaw.configFor?.listening).toBe(true);
    // The decoy does not listen: it is no contender, so nothing disagrees.
    expect(snapshot.openclaw.configDisagrees).toBeUndefined();

    const report = await clawmoat.audit(['--snapshot', file]);
    const [finding] = findings(report, 'gateway.dangerous_flags');
    expect(finding, describeFindings(report)).toBeDefined();
    expect(finding!.message).toMatch(/dangerouslyDisableDeviceAuth is true/);
    expect(JSON.stringify(report)).not.toContain(decoyConfig);
  });

  it("never takes the decoy's `--auth token` for the listening gateway's: auth.none cannot pass", async () => {
    // The real gateway rewrites its process title over its argv, so its own `--auth none` is not
    // visible in /proc; what must not happen is the decoy's command line standing in for it.
    const report = await clawmoat.audit();
    expect(report.gateway.auth?.source ?? '').not.toContain(`pid ${decoyPid}`);
    const check = report.checks.find((c) => c.id === 'gateway.auth.none');
    expect(check?.result, JSON.stringify(check)).toBe('unknown');
  });
});
