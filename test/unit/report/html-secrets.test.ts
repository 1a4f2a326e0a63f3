import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { collectSnapshot } from '../../../src/collect/index.js';
import { buildContext } from '../../../src/model/context.js';
import { renderAuditHtml, renderReachHtml } from '../../../src/report/html/index.js';

/**
 * Secrets planted where clawmoat reads them (the config and an $include, its .env, the gateway's
 * argv and environment, a compose file) appear nowhere in the HTML pages: the report data is
 * redacted at collection, and the page adds nothing of its own. The "gateway" is a sleeping node
 * process whose argv looks like `openclaw gateway --token …`, ended by its PID.
 */
const SECRETS = {
  config: 'htmlcfg-1f2e3d4c5b6a79881f2e3d4c5b6a7988',
  include: 'htmlinc-a1b2c3d4e5f60718a1b2c3d4e5f60718',
  dotenv: 'htmlenv-0918273645aabbcc0918273645aabbcc',
  argv: 'htmlarg-ffeeddccbbaa9988ffeeddccbbaa9988',
  processEnv: 'htmlpenv-123412341234abcdabcdabcd12341234',
  compose: 'htmlcmp-5a5a5a5a6b6b6b6b7c7c7c7c8d8d8d8d',
};

let dir: string;
let gateway: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-html-secrets-'));
  const state = join(dir, 'home/.openclaw');
  mkdirSync(state, { recursive: true });
  writeFileSync(
    join(state, 'openclaw.json'),
    `{\n  gateway: { bind: "lan", auth: { mode: "token", token: "${SECRETS.config}" }, remote: { $include: "./remote.json5" } },\n  hooks: { token: "\${HOOK_TOKEN}" },\n}\n`,
  );
  writeFileSync(join(state, 'remote.json5'), `{ password: "${SECRETS.include}" }\n`);
  writeFileSync(join(state, '.env'), `HOOK_TOKEN=${SECRETS.dotenv}\n`);
  writeFileSync(
    join(dir, 'compose.yaml'),
    `services:\n  openclaw-gateway:\n    image: openclaw\n    environment:\n      OPENCLAW_GATEWAY_TOKEN: ${SECRETS.compose}\n    command: ["openclaw", "gateway", "--token", "${SECRETS.compose}"]\n    ports: ["18789:18789"]\n`,
  );
  gateway = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'openclaw', 'gateway', '--bind', 'lan', '--token', SECRETS.argv], {
    env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), OPENCLAW_GATEWAY_TOKEN: SECRETS.processEnv },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 300));
});

afterAll(() => {
  if (gateway?.pid) process.kill(gateway.pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('the HTML report holds no secret', () => {
  it('neither the audit page nor the reach page contains a planted secret', async () => {
    const snapshot = await collectSnapshot({ cwd: dir, composeFiles: [join(dir, 'compose.yaml')] });
    expect(snapshot.openclaw.processes.some((p) => p.pid === gateway?.pid)).toBe(true);
    const report = auditSnapshot(snapshot);
    const matrix = buildContext(snapshot).reach();
    const meta = {
      hostname: snapshot.host.hostname,
      collectedAt: snapshot.collectedAt,
      uid: snapshot.host.uid,
      collectedBy: snapshot.tool.version,
      source: 'read live from this host',
    };
    const pages = [renderAuditHtml({ meta, report, matrix }, { version: 'test' }), renderReachHtml({ meta, matrix }, { version: 'test' })];
    for (const page of pages)
      for (const [where, secret] of Object.entries(SECRETS)) expect(page.includes(secret), `the page holds the ${where} secret`).toBe(false);
    // The page still carries what the analysis found from them.
    expect(pages[0]).toContain('docker.publish.public');
  });
});
