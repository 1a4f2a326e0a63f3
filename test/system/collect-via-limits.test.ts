import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../support/cli-bundle.js';

/**
 * `collect --via` with a stand-in `ssh` first on PATH (the far host is what prints): the bundled
 * CLI as users run it must end with exit 2 and one line, never a Node stack trace and exit 1
 * (the code that means "findings").
 */

let bundle: ReturnType<typeof bundleCli>;
let tmp: string;

function fakeSsh(dir: string, body: string): void {
  writeFileSync(
    join(dir, 'ssh'),
    `#!/bin/sh\nfor a in "$@"; do case $a in -V) echo "OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.11" >&2; exit 0;; -O) exit 0;; esac; done\ncat >/dev/null\n${body}\n`,
  );
  chmodSync(join(dir, 'ssh'), 0o755);
}

function run(bin: string, nodeArgs: string[], args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, bundle.cli, ...args], {
      cwd: tmp,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: tmp, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function expectOneLine(o: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(o.status, o.stderr.slice(0, 2000)).toBe(2);
  expect(o.stderr.trimEnd().split('\n'), o.stderr.slice(0, 2000)).toHaveLength(1);
  expect(o.stderr).not.toMatch(/\n\s+at /);
  expect(o.stderr).toMatch(pattern);
}

beforeAll(() => {
  bundle = bundleCli();
  tmp = mkdtempSync(join(tmpdir(), 'clawmoat-via-limits-'));
}, 60_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  bundle?.dispose();
});

describe('collect --via and what the far side prints', () => {
  it('an output larger than any snapshot is one line and exit 2, ssh stopped there', async () => {
    const bin = mkdtempSync(join(tmp, 'bin-'));
    // 300 MB after the script's header: over the snapshot cap (256 MiB).
    fakeSsh(bin, "printf 'CLAWMOAT-COLLECT 1\\n'\nhead -c 300000000 /dev/zero");
    const o = await run(bin, [], ['collect', '--via', 'ssh://root@203.0.113.9', '-o', join(tmp, 'v.json')]);
    expectOneLine(o, /^clawmoat: ssh:\/\/root@203\.0\.113\.9: not collected: the collection script printed over \d+ bytes/);
    expect(existsSync(join(tmp, 'v.json'))).toBe(false);
  }, 90_000);

  it('a throw no handler catches (here one planted in a timer) is one line and exit 2, not a stack trace and exit 1', async () => {
    const bin = mkdtempSync(join(tmp, 'bin-'));
    fakeSsh(bin, 'sleep 20');
    const boom = 'data:text/javascript,setTimeout(()=>{throw new Error("boom")},500)';
    const o = await run(bin, ['--import', boom], ['collect', '--via', 'ssh://root@203.0.113.9', '-o', join(tmp, 'w.json')]);
    expectOneLine(o, /^clawmoat: internal error: boom /);
  }, 90_000);
});
