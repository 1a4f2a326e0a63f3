import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
 * that read and the rest of its batch fail, as errors, never as empty files. And the declared
 * files' batch, copied by one cp: a file swapped for a symbolic link to a root-only file is not
 * followed, and a file grown past the bound makes head read them all again, bounded.
 */

const req = requires('collect script watchdog and batch reads under races, dash and busybox sh (busybox, hostile-user)', ['busybox', 'hostile-user']);
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

  // Two files are read by a head each; five, by one cp: a FIFO must not hang either. Side by side:
  // each waits out its 10 s budget on its own FIFO, with nothing to compute meanwhile.
  it.concurrent.each(Object.keys(shells).flatMap((name) => [2, 5].map((count) => [name, count] as const)))(
    '%s: a file swapped for a FIFO after its check does not hang the batch read (%i files)',
    async (name, count) => {
      const dir = join(work, `fifo-${name.replace(' ', '-')}-${count}`);
      mkdirSync(dir);
      const files = Array.from({ length: count }, (_, i) => join(dir, `f${i + 1}.conf`));
      files.forEach((f) => writeFileSync(f, 'content\n'));
      const swap = `rm -f '${files[0]}'; mkfifo '${files[0]}'`;
      const script = generateScript([{ files }]).replace('\nflush_reads copy\n', `\n${swap}\nflush_reads copy\n`);
      expect(script).toContain(swap);
      const { records, seconds } = await runScript(script, `${name}:fifo-${count}`);
      // All approved before the swap; the batch's budget (10 s) runs out on the FIFO, so all say error.
      expect(records.filter((r) => r.op === 'read').map((r) => [r.id, r.status, r.data.toString()])).toEqual(
        files.map((f) => [f, 'error', `${f} could not be read`]),
      );
      expect(seconds).toBeGreaterThan(9);
      expect(seconds).toBeLessThan(20);
      expect(pidsMentioning(files[0]!)).toEqual([]);
    },
  );

  it.each(Object.keys(shells))('%s: the copied batch follows no symbolic link swapped in, and a file grown past the bound is read bounded', async (name) => {
    const dir = join(work, `copy-${name.replace(' ', '-')}`);
    mkdirSync(dir);
    const files = [1, 2, 3, 4, 5].map((i) => join(dir, `f${i}.conf`));
    files.forEach((f, i) => writeFileSync(f, `file ${i + 1}\n`));
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'TOPSECRET\n');
    chmodSync(secret, 0o600);
    // After the checks, before the batch: f2 becomes a link to the secret, f3 grows past the 4 MiB bound.
    const swap = `rm -f '${files[1]}'; ln -s '${secret}' '${files[1]}'; head -c 5000000 /dev/zero >> '${files[2]}'`;
    const script = generateScript([{ files }]).replace('\nflush_reads copy\n', `\n${swap}\nflush_reads copy\n`);
    expect(script).toContain(swap);
    const { records } = await runScript(script, `${name}:copy`);
    const reads = records.filter((r) => r.op === 'read');
    expect(reads.map((r) => [r.id, r.status, r.data.length])).toEqual([
      [files[0], 'ok', 7],
      [files[1], 'error', `${files[1]} could not be read`.length],
      // At most the bound and one byte: the parser refuses it as too large.
      [files[2], 'ok', 4 * 1024 * 1024 + 1],
      [files[3], 'ok', 7],
      [files[4], 'ok', 7],
    ]);
    expect(reads[3]!.data.toString()).toBe('file 4\n');
    expect(records.some((r) => r.data.includes('TOPSECRET'))).toBe(false);
  });

  it.each(Object.keys(shells))('%s: the copied batch reads every file as it is, and only the link swapped in is refused', async (name) => {
    const dir = join(work, `copy-ok-${name.replace(' ', '-')}`);
    mkdirSync(dir);
    const files = [1, 2, 3, 4, 5].map((i) => join(dir, `f${i}.conf`));
    files.forEach((f, i) => writeFileSync(f, i === 2 ? 'no newline at the end' : `file ${i + 1}\n`));
    const swap = `rm -f '${files[1]}'; ln -s /etc/shadow '${files[1]}'`;
    const script = generateScript([{ files }]).replace('\nflush_reads copy\n', `\n${swap}\nflush_reads copy\n`);
    const { records } = await runScript(script, `${name}:copy-ok`);
    expect(records.filter((r) => r.op === 'read').map((r) => [r.id, r.status, r.data.toString()])).toEqual([
      [files[0], 'ok', 'file 1\n'],
      [files[1], 'error', `${files[1]} could not be read`],
      [files[2], 'ok', 'no newline at the end'],
      [files[3], 'ok', 'file 4\n'],
      [files[4], 'ok', 'file 5\n'],
    ]);
  });
});
