import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError } from '../../../../src/harden/state/lock.js';

const work = mkdtempSync(join(tmpdir(), 'clawmoat-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A lock a killed run left: its holder's PID is beyond pid_max, so no live process has it. */
const STALE = JSON.stringify({ pid: 2 ** 22 + 1, startTime: '1' });

/** Try to take the lock `runs` times at once; how many held it at the same time? */
async function race(dir: string, runs: number): Promise<{ held: number; refused: number }> {
  const outcomes = await Promise.allSettled(Array.from({ length: runs }, () => acquireLock(dir, 'apply.lock', 'a test apply')));
  const held = outcomes.filter((o) => o.status === 'fulfilled').length;
  const refused = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof LockHeldError).length;
  for (const o of outcomes) if (o.status === 'fulfilled') await o.value();
  return { held, refused };
}

describe('the apply lock', () => {
  it('one holder at a time: a second take while it is held is refused', async () => {
    const dir = mkdtempSync(join(work, 'held-'));
    const release = await acquireLock(dir, 'apply.lock', 'a test apply');
    await expect(acquireLock(dir, 'apply.lock', 'a test apply')).rejects.toThrow(/already running/);
    await release();
    await (
      await acquireLock(dir, 'apply.lock', 'a test apply')
    )();
  });

  it('a stale lock taken over by many runs at once has exactly one new holder', async () => {
    for (let round = 0; round < 40; round++) {
      const dir = mkdtempSync(join(work, `stale-${round}-`));
      writeFileSync(join(dir, 'apply.lock'), STALE);
      const { held, refused } = await race(dir, 6);
      expect(held, `round ${round}`).toBe(1);
      expect(refused, `round ${round}`).toBe(5);
      // Nothing of the takeover is left behind once the holder released it.
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});
