import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFrames, type ScriptRecord } from '../../src/collect/script/frame.js';
import { generateScript } from '../../src/collect/script/generate.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { killAllSync, pidsMentioning, run } from './lab/proc.js';

/**
 * The collection script's one watchdog, for real under dash and busybox sh: a dump that hangs (one
 * that ignores SIGTERM and has a child of its own too) is stopped near its own timeout and recorded
 * as timed out, the dumps after it still run, and nothing it started is left running; a file the
 * safe read approved, then swapped for a FIFO before the batch read (the race a hostile user would
 * win, made certain here by a line put in the script between the two), cannot hang the script:
 * that read and the rest of its batch fail, as errors, never as empty files.
 */

const req = requires('collect script watchdog under dash and busybox sh (busybox, hostile-user)', ['busybox', 'hostile-user']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let work: string;
  beforeAll(() => {
    work = tempDir(scope, 'collect-watchdog');
  });
  /** A nap only this test's processes take: in their argv, it finds any the script left behind. */
  const nap = `3600.${process.pid}`;
  afterAll(async () => {
    killAllSync(pidsMentioning(nap));
    await scope.dispose();
  });

  const shells: Record<string, () => string[]> = {
    dash: () => [binary('dash')],
    'busybox sh': () => [binary('busybox'), 'sh'],
  };

  async function runScript(script: string, name: string): Promise<{ records: ScriptRecord[]; seconds: number }> {
    const file = join(work, `${name}.sh`);
    writeFileSync(file, script);
    const [shell, ...args] = shells[name.split(':')[0]!]!();
    const started = Date.now();
    const result = await run(shell!, [...args, file], { env: { PATH: labPath() }, timeoutMs: 60_000 });
    return { records: parseFrames(Buffer.from(result.stdout, 'latin1'), name), seconds: (Date.now() - started) / 1000 };
  }

  it.each(Object.keys(shells))('%s: a hung dump is stopped near its timeout, recorded as timed out, and the next dumps run', async (name) => {
    const script = generateScript([
      {
        commands: [
          { argv: ['sh', '-c', `sleep ${nap}`], timeoutMs: 1000 },
          // Deaf to SIGTERM, with a child of its own: both go, by SIGKILL.
          { argv: ['sh', '-c', `trap '' TERM; sleep ${nap} & sleep ${nap}; wait`], timeoutMs: 2000 },
          { argv: ['echo', 'after'], timeoutMs: 1000 },
        ],
      },
    ]);
    const { records, seconds } = await runScript(script, `${name}:hung`);
    const runs = records.filter((r) => r.op === 'run').map((r) => [r.id.split(' ')[0], r.status, r.data.toString()]);
    expect(runs).toEqual([
      ['sh', 'timeout', ''],
      ['sh', 'timeout', ''],
      ['echo', '0', 'after\n'],
    ]);
    // 1 s and 2 s of budget, each stopped within its budget plus the watchdog's tick and KILL grace.
    expect(seconds).toBeLessThan(12);
    expect(pidsMentioning(nap)).toEqual([]);
  });

  it.each(Object.keys(shells))('%s: a file swapped for a FIFO after its check does not hang the batch read', async (name) => {
    const dir = join(work, `fifo-${name.replace(' ', '-')}`);
    mkdirSync(dir);
    const [a, b] = [join(dir, 'a.conf'), join(dir, 'b.conf')];
    writeFileSync(a, 'first\n');
    writeFileSync(b, 'second\n');
    const swap = `rm -f '${a}'; mkfifo '${a}'`;
    const script = generateScript([{ files: [a, b] }]).replace('\nflush_reads\n', `\n${swap}\nflush_reads\n`);
    expect(script).toContain(swap);
    const { records, seconds } = await runScript(script, `${name}:fifo`);
    const reads = records.filter((r) => r.op === 'read').map((r) => [r.id, r.status, r.data.toString()]);
    // Both approved before the swap; the batch's budget (10 s) runs out on the FIFO, so both say error.
    expect(reads).toEqual([
      [a, 'error', `${a} could not be read`],
      [b, 'error', `${b} could not be read`],
    ]);
    expect(seconds).toBeGreaterThan(9);
    expect(seconds).toBeLessThan(20);
    expect(pidsMentioning(a)).toEqual([]);
    expect(readFileSync(b, 'utf8')).toBe('second\n');
  });
});
