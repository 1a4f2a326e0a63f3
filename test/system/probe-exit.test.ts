import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { bundleCli, REPO } from '../support/cli-bundle.js';
import { Scope } from './lab/cleanup.js';
import { Netns } from './lab/netns.js';

/**
 * What `clawmoat probe` exits with when it could not decide: a vantage that failed (a --netns that
 * does not exist) is exit 2 as docs/probe-format.md says, a target the model calls open that could
 * not be observed is exit 1 ("not verified"), never 0. The vantage is a namespace this test makes
 * with only `lo` in it: every connect fails there (no route), nothing leaves it.
 */

const req = requires('probe exit codes when nothing was decided', ['root', 'netns']);
// The README's sample host: its gateway listens on 0.0.0.0:18789 and the model says open from the LAN.
const SAMPLE = join(REPO, 'test/fixtures/readme/host.json');

let bundle: ReturnType<typeof bundleCli>;
let scope: Scope;
let empty: Netns;

function probe(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle.cli, 'probe', '--snapshot', SAMPLE, '--timeout', '500', ...args], {
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe.skipIf(req.skip)(req.name, req.options, () => {
  beforeAll(async () => {
    bundle = bundleCli();
    scope = new Scope();
    empty = await Netns.create(scope, 'probe-exit');
  }, 60_000);
  afterAll(async () => {
    await scope?.dispose();
    bundle?.dispose();
  });

  it('a --netns that does not exist is exit 2 and one line naming it; what the other vantage saw is still written', async () => {
    const missing = `cm-missing-${randomBytes(3).toString('hex')}`;
    const o = await probe(['--target', '198.51.100.10:18789', '--netns', empty.name, '--netns', missing, '--json']);
    expect(o.status, o.stderr).toBe(2);
    expect(o.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(o.stderr).toMatch(new RegExp(`^clawmoat: netns:${missing}: `));
    const report = JSON.parse(o.stdout) as { results: { vantage: string }[]; errors: { vantage: string }[] };
    expect(report.results.map((r) => r.vantage)).toEqual([`netns:${empty.name}`]);
    expect(report.errors.map((e) => e.vantage)).toEqual([`netns:${missing}`]);
  }, 60_000);

  it('a target the model calls open that could not be observed is "not verified", exit 1, never a pass', async () => {
    const o = await probe(['--target', '198.51.100.10:18789', '--netns', empty.name]);
    expect(o.status, `${o.stdout}\n${o.stderr}`).toBe(1);
    expect(o.stdout).toMatch(/198\.51\.100\.10:18789 .*error/);
    expect(o.stdout).toMatch(/not verified: 1 target/);
  }, 60_000);

  it("with --snapshot, the file's addresses are never probed: without --target it is exit 2 and one line", async () => {
    const o = await probe(['--netns', empty.name]);
    expect(o.status, o.stderr).toBe(2);
    expect(o.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(o.stderr).toMatch(/--snapshot .*name the host to probe with --target/);
    expect(o.stdout).toBe('');
  }, 60_000);
});
