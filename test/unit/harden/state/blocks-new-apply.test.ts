import { describe, expect, it } from 'vitest';
import { blocksNewApply, type DeadmanStatus } from '../../../../src/harden/state/deadman.js';

const idle: DeadmanStatus = { armed: false, watcherAlive: false, overdue: false };
const waiting: DeadmanStatus = { armed: true, deadlineMs: Date.UTC(2026, 0, 1), watcherAlive: true, overdue: false };

describe('blocksNewApply', () => {
  it('lets a new apply follow one that is settled', () => {
    expect(blocksNewApply({ id: 'a', status: 'confirmed' }, { ...waiting, decision: { decision: 'confirmed', at: '', pid: 1 } })).toBeUndefined();
    expect(blocksNewApply({ id: 'a', status: 'rolled-back' }, waiting)).toBeUndefined();
    // --confirm-timeout 0: no timer, the set is confirmed at once.
    expect(blocksNewApply({ id: 'a', status: 'confirmed' }, idle)).toBeUndefined();
  });

  it('refuses while the last apply waits for its confirmation, or was never confirmed and lost its watcher', () => {
    expect(blocksNewApply({ id: 'a', status: 'applied' }, waiting)).toMatch(/apply a waits for confirmation \(rolled back at 2026-01-01T00:00:00.000Z/);
    expect(blocksNewApply({ id: 'a', status: 'applied' }, { ...waiting, watcherAlive: false, overdue: true })).toMatch(/watcher is gone/);
  });

  it('refuses after an interrupted apply or rollback', () => {
    expect(blocksNewApply({ id: 'a', status: 'applying' }, idle)).toMatch(/interrupted/);
    expect(blocksNewApply({ id: 'a', status: 'rolling-back' }, idle)).toMatch(/rollback of apply a has not finished/);
  });
});
