import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestBackupSet } from '../../../../src/harden/state/backup-set.js';
import { bundleStateChild } from '../state/bundle-child.js';

/**
 * A signal during `harden --apply` (Ctrl-C, a SIGTERM from logind or `timeout`) must not leave
 * the host half changed with no timer armed: apply finishes the running step, rolls back, exits 1.
 */
let work: string;
let child: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'clawmoat-interrupt-'));
  chmodSync(work, 0o755);
  child = await bundleStateChild(work, new URL('./apply-child.ts', import.meta.url));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a signal during apply', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a slow command step: rolled back, exit 1`, async () => {
      const dir = mkdtempSync(join(work, 'run-'));
      chmodSync(dir, 0o755);
      const state = join(dir, 'state');
      mkdirSync(state, { mode: 0o700 });
      const file = join(dir, 'a.conf');
      writeFileSync(file, 'orig\n');
      const proc = spawn(process.execPath, [child, state, file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) =>
        proc.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('[2/2] cmd.slow')) resolve();
        }),
      );
      // Mid-step: the file is written, the command is running.
      expect(readFileSync(file, 'utf8')).toBe('changed\n');
      proc.kill(signal);
      expect(await exited).toBe(1);
      expect(stderr).toMatch(new RegExp(`apply failed: interrupted by ${signal}; everything it had changed was rolled back`));
      expect(readFileSync(file, 'utf8')).toBe('orig\n');
      expect((await latestBackupSet(state))!.status).toBe('rolled-back');
    });
  }
});
