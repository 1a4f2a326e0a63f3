import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotIfScriptOutput } from '../../../src/collect/index.js';
import { auditFiles } from '../../../src/fleet/read.js';
import { hostRecording } from '../collect/recording.js';
import { loopbackHost } from './hosts.js';

/** `clawmoat fleet DIR` beside snapshots: the collection script's raw outputs, as Ansible fetches them. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-out-'));
  writeFileSync(join(dir, 'a-quiet.json'), JSON.stringify(loopbackHost('quiet')));
  writeFileSync(join(dir, 'vps1.out'), hostRecording());
  const whole = hostRecording();
  writeFileSync(join(dir, 'vps2.out'), whole.subarray(0, whole.length - 40));
  writeFileSync(join(dir, 'vps3.out'), 'ssh: connect to host vps3 port 22: Connection refused\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clawmoat fleet over raw collection outputs', () => {
  it('audits a *.out by its header, and a truncated or foreign one is one unreadable line', async () => {
    const { rows, unreadable } = await auditFiles([dir], { fromOther: snapshotIfScriptOutput });
    expect(rows.map((r) => r.host.hostname).sort()).toEqual(['quiet', 'vps1']);
    const reasons = Object.fromEntries(unreadable.map((u) => [u.file.replace(`${dir}/`, ''), u.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['vps2.out', 'vps3.out']);
    expect(reasons['vps2.out']).toMatch(/truncated/);
    for (const r of Object.values(reasons)) expect(r).not.toContain('\n');
  });

  it('without the parser (a fleet reads no host by itself), a *.out is not a snapshot', async () => {
    const { rows, unreadable } = await auditFiles([join(dir, 'vps1.out')]);
    expect(rows).toEqual([]);
    expect(unreadable).toHaveLength(1);
  });
});
