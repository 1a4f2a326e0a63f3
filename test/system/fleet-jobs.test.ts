import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../../src/fleet/types.js';
import { exposedHost, loopbackHost } from '../unit/fleet/hosts.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { run } from './lab/proc.js';

/**
 * `clawmoat fleet --jobs N` shares the snapshots among worker threads (the built CLI's own worker
 * bundle): the report is the same, byte for byte, as one thread's, bad files and collection-failure
 * records included, and the exit code too.
 */
describe('clawmoat fleet --jobs', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-jobs-'));
    for (let i = 0; i < 260; i++) {
      const name = `host-${String(i).padStart(2, '0')}`;
      writeFileSync(join(dir, `${name}.json`), JSON.stringify(i % 3 === 0 ? exposedHost(name) : loopbackHost(name)));
    }
    writeFileSync(join(dir, 'cut.json'), JSON.stringify(exposedHost('cut')).slice(0, 500));
    writeFileSync(join(dir, 'gone.failed.json'), JSON.stringify({ clawmoat: 'collection-failed', host: 'gone', reason: 'unreachable: No route to host' }));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function fleet(jobs: number): Promise<{ code: number; report: FleetReport; text: string }> {
    const r = await run(process.execPath, [CLI, 'fleet', dir, '--format', 'json', '--jobs', String(jobs)], {
      allowFail: true,
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
    });
    return { code: r.code, report: JSON.parse(r.stdout) as FleetReport, text: r.stdout };
  }

  it('gives the same report and exit code with 1, 2 and 4 jobs', async () => {
    const one = await fleet(1);
    expect(one.report.hosts).toHaveLength(260);
    expect(one.report.unreadable.map((u) => u.host ?? u.file.slice(dir.length + 1))).toEqual(['cut.json', 'gone']);
    expect(one.code).toBe(1);
    for (const jobs of [2, 4]) {
      const many = await fleet(jobs);
      expect(many.code).toBe(one.code);
      expect(many.text).toBe(one.text);
    }
  });

  it('refuses a --jobs that is not a whole number from 1 to 64, in one line', async () => {
    for (const bad of ['0', '-1', 'two', '65']) {
      const r = await run(process.execPath, [CLI, 'fleet', dir, '--jobs', bad], { allowFail: true });
      expect(r.code, bad).toBe(2);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
    }
  });
});
