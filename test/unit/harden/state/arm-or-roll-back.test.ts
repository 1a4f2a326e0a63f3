import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { armOrRollBack } from '../../../../src/harden/arm.js';
import { BackupSet, openBackupSet } from '../../../../src/harden/state/backup-set.js';
import { fakeFirewall, readFirewall, resetFirewall } from './fake-firewall.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-arm-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('armOrRollBack', () => {
  it('undoes every applied change when the timer cannot be armed, and says so', async () => {
    const config = join(dir, 'openclaw.json');
    const fw = join(dir, 'fw.json');
    await resetFirewall(fw);
    const before = await readFirewall(fw);
    writeFileSync(config, '{ gateway: { bind: "lan" } } // mine\n');
    const runner = fakeFirewall(fw);
    const set = await openBackupSet(join(dir, 'state'), { plan: 'test' });
    await set.writeFile(config, '{ gateway: { bind: "loopback" } }\n');
    await set.runCommand({ run: ['ufw', 'default', 'deny', 'incoming'], undo: [['ufw', 'default', 'allow', 'incoming']] }, runner);
    await set.finish('applied');

    const failingArm = () => Promise.reject(new Error('cannot spawn the watcher: EAGAIN'));
    await expect(armOrRollBack(set, 60, runner, failingArm)).rejects.toThrow(
      /dead-man timer could not be armed \(cannot spawn the watcher: EAGAIN\), so everything applied was rolled back$/,
    );
    expect(readFileSync(config, 'utf8')).toBe('{ gateway: { bind: "lan" } } // mine\n');
    expect(await readFirewall(fw)).toEqual(before);
    expect((await BackupSet.load(set.dir)).status).toBe('rolled-back');
  });

  it('leaves the changes alone once the timer is armed', async () => {
    const config = join(dir, 'openclaw.json');
    writeFileSync(config, 'old\n');
    const set = await openBackupSet(join(dir, 'state'), { plan: 'test' });
    await set.writeFile(config, 'new\n');
    await set.finish('applied');
    const seen: number[] = [];
    await armOrRollBack(set, 42, fakeFirewall(join(dir, 'fw.json')), async (o) => seen.push(o.seconds ?? 0));
    expect(seen).toEqual([42]);
    expect(readFileSync(config, 'utf8')).toBe('new\n');
  });
});
