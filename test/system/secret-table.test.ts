import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/types.js';
import { binary, labPath } from '../support/binaries.js';
import { HIDDEN_SECRETS, HIDDEN_SECRETS_MEMBERS } from '../fixtures/builders/secret-config.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { run, spawnDaemon, stopPid, type RunResult } from './lab/proc.js';

/**
 * The secret table: a distinct random secret planted in every place clawmoat reads one
 * (the OpenClaw config and its .env, a systemd unit, a compose file and its .env, the
 * gateway's argv and environment, the collecting shell), and secrets no key name announces in
 * the config (its env maps, URL queries and userinfo, webhook paths: secret-config.ts), then
 * every command and format
 * that could show one is run through the built CLI, and no planted value may appear in
 * its stdout, its stderr or any file it writes.
 *
 * It needs root (the collectors read as root does) and nothing else: no namespace is made.
 * The files live in a temp dir of this test; collection reads this machine's sockets and
 * rulesets but changes nothing; `harden` only plans (no --apply), and only the config, unit
 * and compose steps (`--only`), so no firewall rehearsal runs. The "gateway" is a sleeping
 * node process whose argv looks like `openclaw gateway …`, ended by its PID.
 */

const req = requires('secret table: no planted secret in any output of any command, as root, without namespaces', ['root']);

/** A fresh secret per place: tag + 16 hex digits (under 24 characters, so the token counts as weak and harden replaces it). */
const secret = (tag: string): string => `${tag}${randomBytes(8).toString('hex')}`;

const SECRETS = {
  configToken: secret('cfgtok'),
  remoteToken: secret('remtok'),
  remoteUrlPassword: secret('rurlpw'),
  dotenvHookToken: secret('envtok'),
  unitEnvToken: secret('uenvtk'),
  unitQuotedPassword: secret('uqpw'),
  unitQuotedTail: secret('uqtail'),
  unitFlagToken: secret('uflag'),
  unitFlagPassword: secret('ufpw'),
  unitUrlPassword: secret('uurlpw'),
  composeBlock1: secret('blk1'),
  composeBlock2: secret('blk2'),
  composeLiteral: secret('lit'),
  composeListPassword: secret('lstpw'),
  composeListUrlPassword: secret('lsturl'),
  composeCommandToken: secret('cmdtok'),
  composeEntrypointPassword: secret('entpw'),
  composeDbUrlPassword: secret('dburl'),
  composeComment: secret('cmnt'),
  composeDotenvPassword: secret('cdotpw'),
  composeShellToken: secret('shtok'),
  argvToken: secret('argvtk'),
  processEnvToken: secret('penvtk'),
} as const;

describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let dir: string;
  let home: string;
  let out: string;
  let config: string;
  let compose: string;
  let unit: string;
  const outputs: { what: string; text: string }[] = [];

  /** The built CLI, as root, with a clean environment of this test's own; every output is kept for the table. */
  async function clawmoat(what: string, args: string[], expectCodes: number[] = [0, 1]): Promise<RunResult> {
    const env: NodeJS.ProcessEnv = {
      PATH: labPath(),
      HOME: home,
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      // No Docker daemon of this machine is read.
      DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
      // The compose file interpolates it: collect records its value (redacted) from the shell.
      COMPOSE_SECRET_TOKEN: SECRETS.composeShellToken,
    };
    const result = await run(process.execPath, [CLI, ...args], { env, cwd: dir, allowFail: true, timeoutMs: 120_000 });
    outputs.push({ what: `${what} (stdout)`, text: result.stdout }, { what: `${what} (stderr)`, text: result.stderr });
    expect(expectCodes, `${what} exited ${result.code}: ${result.stderr.slice(-2000)}`).toContain(result.code);
    return result;
  }

  const live = (): string[] => ['--openclaw-config', config, '--compose', compose];

  beforeAll(async () => {
    await ensureBuilt();
    dir = tempDir(scope, 'secret-table');
    home = join(dir, 'home');
    out = join(dir, 'out');
    const state = join(home, '.openclaw');
    const units = join(home, '.config/systemd/user');
    const app = join(dir, 'app');
    for (const d of [state, units, app, out]) mkdirSync(d, { recursive: true });

    config = join(state, 'openclaw.json');
    writeFileSync(
      config,
      [
        '// OpenClaw config with every kind of secret',
        '{',
        '  gateway: {',
        '    port: 18789,',
        '    bind: "lan",',
        `    auth: { mode: "token", token: "${SECRETS.configToken}" },`,
        '    remote: {',
        `      url: "wss://bob:${SECRETS.remoteUrlPassword}@gw.example:18789",`,
        `      token: "${SECRETS.remoteToken}",`,
        '    },',
        '  },',
        HIDDEN_SECRETS_MEMBERS.trimEnd(),
        '  hooks: { token: "${HOOK_TOKEN}" },',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(state, '.env'), `HOOK_TOKEN=${SECRETS.dotenvHookToken}\n`);

    unit = join(units, 'openclaw-gateway.service');
    writeFileSync(
      unit,
      [
        '[Unit]',
        'Description=OpenClaw gateway',
        '[Service]',
        `Environment=OPENCLAW_GATEWAY_TOKEN=${SECRETS.unitEnvToken}`,
        `Environment="OPENCLAW_GATEWAY_PASSWORD=${SECRETS.unitQuotedPassword} ${SECRETS.unitQuotedTail}" OPENCLAW_GATEWAY_PORT=18789`,
        `Environment=OPENCLAW_GATEWAY_URL=wss://bob:${SECRETS.unitUrlPassword}@gw.example:18789`,
        `ExecStart=/usr/bin/openclaw gateway --bind lan --port 18789 --token ${SECRETS.unitFlagToken} --password=${SECRETS.unitFlagPassword}`,
        '',
      ].join('\n'),
    );

    compose = join(app, 'compose.yaml');
    writeFileSync(
      compose,
      [
        `# the gateway; the old one ran with OPENCLAW_GATEWAY_TOKEN=${SECRETS.composeComment}`,
        'services:',
        '  openclaw-gateway:',
        '    image: openclaw',
        '    environment:',
        '      - OPENCLAW_GATEWAY_BIND=lan',
        `      - OPENCLAW_GATEWAY_PASSWORD=${SECRETS.composeListPassword}`,
        `      - OPENCLAW_GATEWAY_URL=ws://bob:${SECRETS.composeListUrlPassword}@gw:18789`,
        '      - SHELL_TOKEN=${COMPOSE_SECRET_TOKEN}',
        `    command: ["openclaw", "gateway", "--token", "${SECRETS.composeCommandToken}"]`,
        '    entrypoint:',
        '      - docker-entrypoint.sh',
        '      - --password',
        `      - ${SECRETS.composeEntrypointPassword}`,
        '    ports: ["18789:18789"]',
        '  sidecar:',
        '    image: busybox',
        '    environment:',
        '      OPENCLAW_GATEWAY_TOKEN: >-',
        `        ${SECRETS.composeBlock1}`,
        `        ${SECRETS.composeBlock2}`,
        '      API_KEY: |',
        `        ${SECRETS.composeLiteral}`,
        `      DB_URL: postgres://app:${SECRETS.composeDbUrlPassword}@db:5432/app`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(app, '.env'), `DB_PASSWORD=${SECRETS.composeDotenvPassword}\n`);

    // A harmless "gateway": its argv and environment hold secrets too, and its HOME leads collect to the unit.
    const gateway = spawnDaemon(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', 'openclaw', 'gateway', '--hooks-token', SECRETS.argvToken], {
      env: { PATH: labPath(), HOME: home, OPENCLAW_HOOKS_TOKEN: SECRETS.processEnvToken },
      logFile: join(dir, 'gateway.log'),
    });
    const resource: Resource = { kind: 'process', pid: gateway.pid, startTime: gateway.startTime, label: 'fake openclaw gateway' };
    hold(resource);
    scope.defer(`fake gateway ${gateway.pid}`, async () => {
      await stopPid(gateway.pid, gateway.startTime, 2_000);
      release(resource);
    });
  });
  afterAll(() => scope.dispose());

  it('collect: the snapshot (stdout and -o) holds every source, and no secret', async () => {
    await clawmoat('collect -o', ['collect', ...live(), '-o', join(out, 'snap.json')], [0]);
    await clawmoat('collect', ['collect', ...live()], [0]);
    const snapshot = JSON.parse(readFileSync(join(out, 'snap.json'), 'utf8')) as Snapshot;
    // The sources were really read: the table is not passing on empty outputs.
    expect(snapshot.openclaw.config.status).toBe('ok');
    expect(snapshot.openclaw.units.map((u) => u.path)).toContain(unit);
    expect(snapshot.compose[0]!.content.status).toBe('ok');
    expect(snapshot.compose[0]!.redaction).toBeUndefined();
    expect(snapshot.compose[0]!.dotenv).toMatchObject({ DB_PASSWORD: '[REDACTED]' });
    expect(snapshot.compose[0]!.environment).toMatchObject({ COMPOSE_SECRET_TOKEN: '[REDACTED]' });
    expect(snapshot.openclaw.processes.some((p) => p.cmdline.includes('--hooks-token'))).toBe(true);
  });

  it("collect --from the collection script's output, the script run here as root: the config is read, no secret kept", async () => {
    const printed = await clawmoat('collect --print-script', ['collect', '--print-script'], [0]);
    const script = join(dir, 'collect.sh');
    writeFileSync(script, printed.stdout);
    // Outside out/: the raw output copies the files it reads, secrets included (so --via never writes it).
    const raw = join(dir, 'script.out');
    const env = { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` };
    const ran = await run(binary('sh'), ['-c', 'exec sh < "$1" > "$2"', 'sh', script, raw], { env, cwd: dir, allowFail: true, timeoutMs: 120_000 });
    expect(ran.code, ran.stderr.slice(-2000)).toBe(0);
    expect(readFileSync(raw, 'utf8')).toContain(HIDDEN_SECRETS.braveKey);
    await clawmoat('collect --from', ['collect', '--from', raw, '-o', join(out, 'from-script.json')], [0]);
    const snapshot = JSON.parse(readFileSync(join(out, 'from-script.json'), 'utf8')) as Snapshot;
    expect(snapshot.openclaw.config).toMatchObject({ status: 'ok', data: { path: config } });
  });

  it('audit in every format, from the snapshot and live; reach; a config that does not parse', async () => {
    const snap = join(out, 'snap.json');
    for (const format of ['text', 'json', 'markdown', 'sarif', 'junit'])
      await clawmoat(`audit --format ${format}`, ['audit', '--snapshot', snap, '--format', format]);
    const audited = await clawmoat('audit live --format json', ['audit', ...live(), '--format', 'json', '-o', join(out, 'audit.json')]);
    expect(audited.code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as { findings: { id: string }[] };
    expect(report.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['gateway.auth.weak_token', 'docker.publish.public']));
    await clawmoat('reach --json', ['reach', '--json', '--snapshot', snap]);
    await clawmoat('reach', ['reach', '--snapshot', snap]);
    // An error names the file and where it stopped, never the secret beside it.
    const broken = join(dir, 'broken.json5');
    writeFileSync(broken, `{ gateway: { auth: { token: "${SECRETS.configToken}" } } ${SECRETS.configToken} }\n`);
    await clawmoat('audit of a config that does not parse', ['audit', '--openclaw-config', broken, '--compose', compose, '--format', 'json']);
  });

  it('harden: the plan (text and --json) shows diffs of the live files with every secret masked, the old token included', async () => {
    const snap = join(out, 'snap.json');
    const text = await clawmoat('harden', ['harden', '--snapshot', snap, '--only', 'config,unit,compose'], [0]);
    expect(text.stdout).toMatch(/^ {3}-.*token: "<redacted>"/m);
    expect(text.stdout).toContain('--bind lan');
    const json = await clawmoat('harden --json', ['harden', '--snapshot', snap, '--only', 'config,unit,compose', '--json'], [0]);
    const plan = JSON.parse(json.stdout) as { steps: { id: string; diff?: string; content?: string }[] };
    expect(plan.steps.map((s) => s.id)).toEqual(['config.gateway', 'unit.bind-flag-openclaw-gateway.service', 'compose.openclaw-gateway']);
    expect(plan.steps.every((s) => s.content === undefined && (s.diff ?? '').length > 0)).toBe(true);
    // The new token is written by --apply only: no 64-hex-digit token is shown.
    for (const o of [text, json]) expect(o.stdout + o.stderr).not.toMatch(/[0-9a-f]{64}/);
    await clawmoat('harden --history', ['harden', '--history', '--state-dir', join(out, 'state')], [0]);
    await clawmoat('harden --history --json', ['harden', '--history', '--json', '--state-dir', join(out, 'state')], [0]);
  });

  it('tailscale plan (text, -o and --json) and doctor (text and --json, from the snapshot and live)', async () => {
    await clawmoat('tailscale plan', ['tailscale', 'plan', ...live()]);
    await clawmoat('tailscale plan -o', ['tailscale', 'plan', ...live(), '-o', join(out, 'tailscale.txt')]);
    const json = await clawmoat('tailscale plan --json', ['tailscale', 'plan', ...live(), '--json']);
    const plan = JSON.parse(json.stdout) as { steps: { id: string; diff?: string }[] };
    expect(plan.steps.find((s) => s.id === 'config.gateway')?.diff).toMatch(/token: "<redacted>"/);
    const snap = join(out, 'snap.json');
    await clawmoat('doctor', ['doctor', '--snapshot', snap]);
    await clawmoat('doctor --json -o', ['doctor', '--snapshot', snap, '--json', '-o', join(out, 'doctor.json')]);
    const publish = await clawmoat('doctor docker-publish --json', ['doctor', 'docker-publish', ...live(), '--json']);
    expect(publish.stdout).toContain('docker-publish');
  });

  it('the table: no planted secret in any stdout, stderr or written file', () => {
    const files: { what: string; text: string }[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push({ what: `file ${path}`, text: readFileSync(path, 'utf8') });
      }
    };
    walk(out);
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(outputs.length).toBeGreaterThanOrEqual(40);
    const leaks: string[] = [];
    for (const { what, text } of [...outputs, ...files]) {
      for (const [place, value] of Object.entries({ ...SECRETS, ...HIDDEN_SECRETS })) if (text.includes(value)) leaks.push(`${place} in ${what}`);
    }
    expect(leaks).toEqual([]);
  });
});
