import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../src/collect/index.js';
import { auditSnapshot } from '../../src/audit.js';
import { REPORT_FORMATS, renderReport } from '../../src/report/index.js';

/**
 * Secrets planted everywhere clawmoat looks (config, $include, .env, the gateway's
 * argv and environment, a compose file and its .env) must appear in no snapshot
 * and no report format. The "gateway" is a harmless sleeping node process whose
 * argv looks like `openclaw gateway --token …`; we end it by its PID.
 */
const CONFIG_TOKEN = 'cfgtok-7f1d2c3b4a5968778695a4b3c2d1e0f9';
const INCLUDE_PASSWORD = 'incpw-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const DOTENV_TOKEN = 'envtok-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
const ARGV_TOKEN = 'argvtok-1234abcd5678ef901234abcd5678ef90';
const PROCESS_ENV_TOKEN = 'penvtok-abcdefabcdefabcdefabcdefabcdef12';
const COMPOSE_TOKEN = 'cmptok-5555666677778888999900001111aaaa';
const SECRETS = [CONFIG_TOKEN, INCLUDE_PASSWORD, DOTENV_TOKEN, ARGV_TOKEN, PROCESS_ENV_TOKEN, COMPOSE_TOKEN];

let dir: string;
let gateway: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-secrets-'));
  const state = join(dir, 'home/.openclaw');
  mkdirSync(state, { recursive: true });
  writeFileSync(
    join(state, 'openclaw.json'),
    `{\n  // JSON5 with an include\n  gateway: { bind: "loopback", auth: { mode: "token", token: "${CONFIG_TOKEN}" }, remote: { $include: "./remote.json5" } },\n  hooks: { token: "\${HOOK_TOKEN}" },\n}\n`,
  );
  writeFileSync(join(state, 'remote.json5'), `{ password: "${INCLUDE_PASSWORD}" }\n`);
  writeFileSync(join(state, '.env'), `HOOK_TOKEN=${DOTENV_TOKEN}\n`);
  writeFileSync(
    join(dir, 'compose.yaml'),
    `services:\n  openclaw-gateway:\n    image: openclaw\n    environment:\n      OPENCLAW_GATEWAY_TOKEN: ${COMPOSE_TOKEN}\n    command: ["openclaw", "gateway", "--token", "${COMPOSE_TOKEN}"]\n    ports: ["18789:18789"]\n`,
  );
  gateway = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'openclaw', 'gateway', '--bind', 'lan', '--token', ARGV_TOKEN], {
    env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), OPENCLAW_GATEWAY_TOKEN: PROCESS_ENV_TOKEN },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 300));
});

afterAll(() => {
  if (gateway?.pid) process.kill(gateway.pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('secrets never leave the collector', () => {
  it('finds the planted gateway and its config, and no output holds a secret', async () => {
    const snapshot = await collectSnapshot({ cwd: dir, composeFiles: [join(dir, 'compose.yaml')] });
    const processes = snapshot.openclaw.processes.filter((p) => p.pid === gateway?.pid);
    expect(processes).toHaveLength(1);
    expect(processes[0]!.flags.token).toEqual({ $redacted: true, length: ARGV_TOKEN.length, from: 'cmdline' });
    expect(snapshot.openclaw.config.status).toBe('ok');

    const outputs: [string, string][] = [['snapshot', JSON.stringify(snapshot)]];
    const report = auditSnapshot(snapshot);
    for (const format of REPORT_FORMATS) outputs.push([format, renderReport(report, format, { color: format === 'text' })]);
    for (const [name, text] of outputs) for (const secret of SECRETS) expect(text.includes(secret), `${name} contains ${secret.split('-')[0]}`).toBe(false);
    // The analysis still sees what it needs: the token's length and the compose publish.
    expect(report.findings.map((f) => f.id)).toContain('docker.publish.public');
  });
});
