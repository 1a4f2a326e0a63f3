import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectOpenClaw } from '../../src/collect/openclaw.js';
import { SecretVault } from '../../src/snapshot/redact.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { waitFor } from './lab/proc.js';

/**
 * Finding 4 of the s10 review, for real: a gateway process of a bare uid (65534, setpriv) whose
 * environment names root-only files (OPENCLAW_CONFIG_PATH, OPENCLAW_STATE_DIR's .env, HOME's user
 * units). clawmoat, as root, must read each only as that uid could, and record whether that uid
 * could write the config it audits (harden edits only such a one). The gateway is an idle node
 * under `exec -a openclaw-gateway`: it opens no socket, and the collector is given only it.
 */

const HOSTILE = 65534;
const MARKER = 'root-only-7777-MARKER';

let scope: Scope;
let dir: string;
const children: ChildProcess[] = [];

async function gateway(env: Record<string, string>): Promise<number> {
  const child = spawn(
    'setpriv',
    [`--reuid=${HOSTILE}`, `--regid=${HOSTILE}`, '--clear-groups', 'bash', '-c', 'exec -a openclaw-gateway "$0" run', process.execPath],
    { cwd: join(dir, 'carrier'), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: 'ignore' },
  );
  children.push(child);
  const pid = child.pid!;
  await waitFor(async () => (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('openclaw-gateway') ? true : undefined), {
    timeoutMs: 10_000,
    what: 'the fake gateway to start',
  });
  return pid;
}

async function collect(env: Record<string, string>) {
  const pid = await gateway(env);
  return collectOpenClaw(new SecretVault(), new Map([[pid, ['openclaw-gateway', 'run']]]));
}

function writeOwned(path: string, text: string, mode: number, uid = 0): void {
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  chownSync(path, uid, uid);
}

const req = requires("root reads of the files a hostile gateway's environment names", ['root', 'hostile-user']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  beforeAll(() => {
    scope = new Scope();
    dir = tempDir(scope, 'openclaw-root-reads');
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'carrier'), { mode: 0o755 });
    writeFileSync(join(dir, 'carrier', 'run'), 'setTimeout(() => {}, 120000);\n', { mode: 0o644 });
    // root 0700: the user cannot even list it.
    const rootOnly = join(dir, 'root-only');
    mkdirSync(join(rootOnly, '.config', 'systemd', 'user'), { recursive: true, mode: 0o700 });
    chmodSync(rootOnly, 0o700);
    writeOwned(join(rootOnly, 'app.json'), `{ internalApiKeyId: "${MARKER}", gateway: { bind: "lan", auth: { mode: "none" } } }\n`, 0o600);
    writeOwned(join(rootOnly, '.env'), `MARKER_VALUE=${MARKER}\n`, 0o600);
    writeOwned(
      join(rootOnly, '.config', 'systemd', 'user', 'openclaw-gateway.service'),
      `[Service]\nExecStart=/usr/bin/openclaw gateway --bind lan # ${MARKER}\n`,
      0o600,
    );
    // root's, readable by everyone: the gateway may read it, but not write it.
    mkdirSync(join(dir, 'etc'), { mode: 0o755 });
    writeOwned(join(dir, 'etc', 'daemon.json'), '{ gateway: { bind: "lan" } }\n', 0o644);
    // The user's own state dir and config, which name a variable from the .env.
    const home = join(dir, 'home');
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, HOSTILE, HOSTILE);
    writeOwned(join(home, 'openclaw.json'), '{ gateway: { bind: "lan", auth: { mode: "token", token: "${MARKER_VALUE}" } } }\n', 0o600, HOSTILE);
    scope.defer('fake gateways', async () => {
      for (const c of children) c.kill('SIGKILL');
    });
  });
  afterAll(async () => scope?.dispose());

  it('does not read a root-only config that OPENCLAW_CONFIG_PATH names: it is unavailable, naming the file, never quoted', async () => {
    const config = join(dir, 'root-only', 'app.json');
    const state = await collect({ HOME: join(dir, 'home'), OPENCLAW_CONFIG_PATH: config });
    expect(state.config).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
    expect(state.config.status === 'unavailable' && state.config.detail).toContain(
      `${config} is not readable by the owner of the OpenClaw gateway (uid ${HOSTILE})`,
    );
    expect(JSON.stringify(state)).not.toContain(MARKER);
  }, 30_000);

  it('reads no root-only .env from OPENCLAW_STATE_DIR, and no user unit from a HOME the user cannot read', async () => {
    const state = await collect({
      HOME: join(dir, 'root-only'),
      OPENCLAW_CONFIG_PATH: join(dir, 'home', 'openclaw.json'),
      OPENCLAW_STATE_DIR: join(dir, 'root-only'),
    });
    expect(state.config.status).toBe('ok');
    const config = state.config.status === 'ok' ? state.config.data : undefined;
    expect(config?.warnings).toContainEqual(expect.stringMatching(/root-only\/\.env could not be read \(permission-denied\)/));
    expect(config?.unset).toEqual({ 'gateway.auth.token': ['MARKER_VALUE'] });
    expect(state.units.filter((u) => u.scope === 'user')).toEqual([]);
    expect(JSON.stringify(state)).not.toContain(MARKER);
    // The user's own config: they could rewrite it, so harden may.
    expect(config?.gatewayMayWrite).toBe(true);
  }, 30_000);

  it('records that the gateway user cannot write a root file its environment names, which harden then leaves alone', async () => {
    const state = await collect({ HOME: join(dir, 'home'), OPENCLAW_CONFIG_PATH: join(dir, 'etc', 'daemon.json') });
    expect(state.config).toMatchObject({ status: 'ok', data: { path: join(dir, 'etc', 'daemon.json'), gatewayMayWrite: false } });
    expect(state.config.status === 'ok' && state.config.data.gatewayPid).toBeGreaterThan(0);
  }, 30_000);
});
