import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandResult, run } from '../../../src/collect/host.js';
import { runDirect } from '../../../src/collect/run-batch.js';

/**
 * Commands the collectors start in one turn go out through one `sh` (run-batch.ts): each must
 * read exactly as execFile's run of it did (output, exit, stderr, not installed, timeout,
 * maxBuffer), whatever its words hold.
 */

const scratch = mkdtempSync(join(tmpdir(), 'clawmoat-run-batch-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The same command run alone by execFile, worded by the same commandResult. */
async function direct(command: string, args: string[], timeoutMs = 3000) {
  const env = { ...process.env, LC_ALL: 'C', PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/local/sbin` };
  const outcome = await runDirect(command, args, { env, timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return commandResult([command, ...args].join(' '), outcome, command, timeoutMs);
}

describe('run: commands started together', () => {
  it('are started by a shell, not forked from node one by one', async () => {
    const parents = await Promise.all([run('sh', ['-c', 'echo $PPID']), run('sh', ['-c', 'echo $PPID'])]);
    for (const p of parents) {
      expect(p.status).toBe('ok');
      expect(Number(p.status === 'ok' ? p.data.trim() : NaN)).not.toBe(process.pid);
    }
  });

  it('each read as execFile reads it: output, exit and stderr, not installed, permission, shell syntax kept as words', async () => {
    const marker = join(scratch, 'was-run');
    const cases: [string, string[]][] = [
      ['printf', ['%s|', 'a b', '$(touch ' + marker + ')', "it's", '"q"', 'line\nbreak', '*', '']],
      ['sh', ['-c', 'echo out; echo "first line" >&2; echo second >&2; exit 3']],
      ['sh', ['-c', 'exit 1']],
      ['clawmoat-no-such-program', ['x']],
      ['sh', ['-c', 'echo "iptables: Permission denied (you must be root)" >&2; exit 4']],
      ['sh', ['-c', 'head -c 3000000 /dev/zero | tr "\\0" x']],
      ['sh', ['-c', 'printf "caf\\303\\251\\n"']],
    ];
    const batched = await Promise.all(cases.map(([c, a]) => run(c, a)));
    for (const [i, [c, a]] of cases.entries()) expect(batched[i], `${c} ${a.join(' ')}`).toEqual(await direct(c, a));
    expect(batched[0]).toEqual({ status: 'ok', data: `a b|$(touch ${marker})|it's|"q"|line\nbreak|*||` });
    expect(existsSync(marker)).toBe(false);
    expect(batched[1]).toEqual({ status: 'unavailable', reason: 'error', detail: expect.stringMatching(/exited with 3: first line$/) as unknown });
    expect(batched[3]).toMatchObject({ status: 'unavailable', reason: 'not-installed' });
    expect(batched[4]).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
    const big = batched[5];
    expect(big?.status === 'ok' ? big.data.length : big).toBe(3_000_000);
    expect(batched[6]).toEqual({ status: 'ok', data: 'café\n' });
  });

  it('a command past its timeout is stopped and reads as a timeout, the others as themselves', async () => {
    const started = Date.now();
    const [slow, fast] = await Promise.all([run('sleep', ['30'], { timeoutMs: 300 }), run('echo', ['done'])]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(slow).toEqual({ status: 'unavailable', reason: 'timeout', detail: 'sleep 30 did not finish within 300 ms' });
    expect(fast).toEqual({ status: 'ok', data: 'done\n' });
  });

  it('leaves no temporary files behind', async () => {
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('clawmoat-run-'));
    await Promise.all([run('echo', ['a']), run('echo', ['b']), run('clawmoat-no-such-program', [])]);
    const after = readdirSync(tmpdir()).filter((n) => n.startsWith('clawmoat-run-'));
    expect(after.filter((n) => !before.includes(n))).toEqual([]);
  });
});
