import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSsh } from '../../../src/remote/run-ssh.js';

// A stand-in `ssh` first on PATH: the far side is what prints, so this is what a hostile host can do.
let bin: string;
let savedPath: string | undefined;
beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'clawmoat-fake-ssh-'));
  // 4 MiB, then it stays connected, as a host streaming a huge script output would.
  writeFileSync(join(bin, 'ssh'), '#!/bin/sh\nprintf "CLAWMOAT-COLLECT 1\\n"\nhead -c 4194304 /dev/zero\nexec sleep 60\n');
  chmodSync(join(bin, 'ssh'), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath ?? ''}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

describe('runSsh', () => {
  it('stops ssh at the output cap and says so, instead of holding whatever the far side prints', async () => {
    const started = Date.now();
    const run = await runSsh(['host'], '', 20_000, 1024 * 1024);
    expect(run.overLimit).toBe(1024 * 1024);
    expect(run.stdoutBytes.length).toBe(1024 * 1024);
    // Killed at the cap, not at the timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.stdout.startsWith('CLAWMOAT-COLLECT 1\n')).toBe(true);
  });
});
