import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, constants, lstatSync, openSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { bundleCli, REPO } from '../support/cli-bundle.js';

/**
 * `-o PATH` as root into what is already at PATH, with another user (uid 65534, via setpriv)
 * waiting there: a FIFO of theirs in a sticky world-writable directory (as in /tmp) must not get
 * the output; a FIFO of root's is written once, through the descriptor the check opened (a
 * one-shot reader gets the whole report, clawmoat never hangs); `-o /dev/stdout` writes to
 * stdout and leaves /dev alone (run in a private mount namespace with its own /dev, so a
 * regression could only replace that one).
 */

const req = requires('-o into FIFOs and /dev/stdout as root, another uid reading', ['root', 'hostile-user']);
const SAMPLE = join(REPO, 'test/fixtures/readme/host.json');
const NOBODY = 65534;

let bundle: ReturnType<typeof bundleCli>;
let tmp: string;
const readers: ChildProcess[] = [];

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

function spawnCollect(cmd: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: tmp, env: { PATH: process.env.PATH, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // A hang is a failure with status null, not a stuck suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function audit(out: string): Promise<Outcome> {
  return spawnCollect(process.execPath, [bundle.cli, 'audit', '--snapshot', SAMPLE, '-o', out]);
}

/** A reader of `fifo` as `uid` appending what it gets to `sink`; `loops` opens in a row (a thief keeps reopening). */
function reader(uid: number, fifo: string, sink: string, loops: number): Promise<void> {
  const script = `i=0; while [ $i -lt ${loops} ]; do cat "$1" >> "$2"; i=$((i+1)); done`;
  // A process group of its own: its `cat` may be blocked opening the FIFO when the test ends.
  const child = spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'sh', '-c', script, 'reader', fifo, sink], {
    stdio: 'ignore',
    detached: true,
  });
  readers.push(child);
  return new Promise((resolve) => child.on('close', () => resolve()));
}

async function fifoOf(path: string, uid: number): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'mkfifo', '-m', '0622', path]).on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`mkfifo ${path} as ${uid}: ${code}`)),
    ),
  );
}

/** Waits until a reader has the FIFO open (a writer's non-blocking open no longer says ENXIO). */
async function readerWaiting(ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe.skipIf(req.skip)(req.name, req.options, () => {
  beforeAll(() => {
    bundle = bundleCli();
    tmp = mkdtempSync(join(tmpdir(), 'clawmoat-output-fifo-'));
    // Like /tmp: root's, sticky, anyone may create in it.
    chmodSync(tmp, 0o1777);
  }, 60_000);
  afterAll(() => {
    // Each reader's own process group (the sh and its cat), started above, by its id.
    for (const r of readers) if (r.exitCode === null && r.pid !== undefined) process.kill(-r.pid, 'SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    bundle?.dispose();
  });

  it("refuses another user's FIFO in a sticky shared directory: one line, exit 2, the reader gets nothing", async () => {
    const fifo = join(tmp, 'planted.json');
    const sink = join(tmp, 'stolen');
    writeFileSync(sink, '');
    chownSync(sink, NOBODY, NOBODY);
    await fifoOf(fifo, NOBODY);
    const thief = reader(NOBODY, fifo, sink, 3);
    await readerWaiting();
    const o = await audit(fifo);
    expect(o.status, o.stderr).toBe(2);
    expect(o.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(o.stderr).toMatch(new RegExp(`a FIFO of uid ${NOBODY}, who would receive the output`));
    // Whatever the reader got once clawmoat ended: nothing. Its remaining opens are ended with
    // an empty write end (non-blocking: ENXIO once it stopped reading).
    for (let i = 0; i < 3; i++) {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        break;
      }
      await readerWaiting(200);
    }
    await Promise.race([thief, new Promise((r) => setTimeout(r, 3_000))]);
    expect(readFileSync(sink, 'utf8')).toBe('');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 60_000);

  it('writes a root-owned FIFO through the descriptor it checked: a one-shot reader gets the whole report, no hang', async () => {
    const fifo = join(tmp, 'mine.txt');
    const sink = join(tmp, 'got');
    await fifoOf(fifo, 0);
    chmodSync(fifo, 0o600);
    const once = reader(0, fifo, sink, 1);
    await readerWaiting();
    const o = await audit(fifo);
    expect(o.status, o.stderr).toBe(1); // the sample host has criticals: the report was made
    await once;
    const got = readFileSync(sink, 'utf8');
    expect(got).toContain('gateway.bind.public');
    expect(got.endsWith('\n')).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 60_000);

  it('a FIFO nobody reads is refused at once in one line, never a hang', async () => {
    const fifo = join(tmp, 'nobody-reads');
    await fifoOf(fifo, 0);
    const o = await audit(fifo);
    expect(o.status, o.stderr).toBe(2);
    expect(o.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(o.stderr).toMatch(/a FIFO with no process reading it/);
  }, 60_000);

  it('-o /dev/stdout writes to stdout and leaves /dev/stdout the symlink it was (a private /dev)', async () => {
    // A private mount namespace with a tmpfs on /dev holding only the stdout link.
    const script = [
      'set -e',
      'mount --make-rprivate /',
      'mount -t tmpfs -o mode=0755 clawmoat-dev /dev',
      'ln -s /proc/self/fd/1 /dev/stdout',
      'ln -s /proc/self/fd/2 /dev/stderr',
      'mknod -m 666 /dev/null c 1 3',
      '"$@" || echo "exit=$?" >&2',
      'echo "after: $(stat -c %F /dev/stdout)" >&2',
    ].join('\n');
    const o = await spawnCollect('unshare', ['-m', 'sh', '-c', script, 'sh', process.execPath, bundle.cli, 'audit', '--snapshot', SAMPLE, '-o', '/dev/stdout']);
    expect(o.stdout).toContain('gateway.bind.public');
    expect(o.stderr).toMatch(/exit=1/);
    expect(o.stderr).toMatch(/after: symbolic link/);
    // The host's own /dev/stdout was never in reach; still the link it was.
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
    expect(statSync(tmp).mode & 0o7777).toBe(0o1777);
  }, 60_000);
});
