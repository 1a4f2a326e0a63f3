import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditFilesInParallel } from '../../../src/fleet/pool.js';

/**
 * The pool's own failures (the real worker's agreement with one thread is the system test
 * fleet-jobs): a worker that dies or cannot audit a file is an error of the run, never hosts that
 * silently go missing from the report.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-pool-'));
  // Enough files for two threads; each is cut short, so this thread's share is quick unreadable lines.
  for (let i = 0; i < 200; i++) writeFileSync(join(dir, `h${String(i).padStart(3, '0')}.json`), '{"schemaVersion": 1');
  writeFileSync(join(dir, 'exits.mjs'), "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
  writeFileSync(
    join(dir, 'refuses.mjs'),
    "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', ({ index }) => parentPort.postMessage({ index, ok: false, error: 'cannot audit this' }));\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('auditFilesInParallel', () => {
  it('fails the run when a worker exits with files to audit', async () => {
    await expect(auditFilesInParallel([dir], { jobs: 2, worker: pathToFileURL(join(dir, 'exits.mjs')) })).rejects.toThrow(/a fleet worker exited \(3\)/);
  });

  it("fails the run with the worker's error when it cannot audit a file", async () => {
    await expect(auditFilesInParallel([dir], { jobs: 2, worker: pathToFileURL(join(dir, 'refuses.mjs')) })).rejects.toThrow('cannot audit this');
  });

  it('audits in this thread alone with one job, or below 64 files per thread: the worker (which would fail) is never started', async () => {
    const exits = pathToFileURL(join(dir, 'exits.mjs'));
    const one = await auditFilesInParallel([dir], { jobs: 1, worker: exits });
    expect(one.rows).toEqual([]);
    expect(one.unreadable).toHaveLength(200);
    const few = Array.from({ length: 127 }, (_, i) => join(dir, `h${String(i).padStart(3, '0')}.json`));
    expect((await auditFilesInParallel(few, { jobs: 2, worker: exits })).unreadable).toHaveLength(127);
  });
});
