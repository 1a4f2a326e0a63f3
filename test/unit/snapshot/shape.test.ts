import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../../src/snapshot/io.js';
import { snapshotShapeProblem } from '../../../src/snapshot/shape.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { baselineSnapshot, compose, tcpListener, withGatewayProcess, withSockets } from '../../fixtures/builders/snapshot.js';

const good: Snapshot = compose(withGatewayProcess(4242, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 4242)))(baselineSnapshot());
const sockets = () => ('data' in good.sockets ? good.sockets.data : []);

/** A copy of the good snapshot with one change, as a hostile or broken host would write it. */
function bent(change: (s: Record<string, unknown>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
  change(copy);
  return copy;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-shape-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshotShapeProblem', () => {
  it('accepts what the collectors write', () => {
    expect(snapshotShapeProblem(JSON.parse(JSON.stringify(good)))).toBeUndefined();
  });

  it('names where a snapshot departs from the schema', () => {
    expect(snapshotShapeProblem(bent((s) => (s.sockets = { status: 'ok', data: [...sockets(), null] })))).toBe(
      `sockets: expected an object, got null`.replace('sockets', `sockets.data[${sockets().length}]`),
    );
    expect(snapshotShapeProblem(bent((s) => (s.network = { status: 'ok', data: 7 })))).toMatch(/^network(\.\w+)?: /);
    expect(snapshotShapeProblem(bent((s) => ((s.host as Record<string, unknown>).hostname = 42)))).toBe('host.hostname: expected a string, got number 42');
    expect(snapshotShapeProblem(bent((s) => delete (s.host as Record<string, unknown>).kernel))).toBe('host.kernel: missing');
    expect(snapshotShapeProblem(bent((s) => (s.sockets = { status: 'maybe' })))).toMatch(/^sockets\.status: /);
  });

  it('lets keys the types do not name through (nothing reads them)', () => {
    expect(snapshotShapeProblem(bent((s) => (s.extra = { anything: [1, 2] })))).toBeUndefined();
  });
});

describe('readSnapshot (audit --snapshot, fleet)', () => {
  it('refuses a malformed snapshot in one line naming the file and the place, before any analysis', async () => {
    const file = join(dir, 'evil.json');
    writeFileSync(file, JSON.stringify(bent((s) => (s.sockets = { status: 'ok', data: [...sockets(), null] }))));
    const read = readSnapshot(file);
    await expect(read).rejects.toThrow(`${file}: not a snapshot clawmoat can read: sockets.data[${sockets().length}]: expected an object, got null`);
    await expect(read).rejects.toThrow(/^[^\n]+$/);
  });
});
