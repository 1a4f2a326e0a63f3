import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../support/cli-bundle.js';

/**
 * The startup snapshot (src/startup/): the CLI bundled with a blob directory of its own, the blob
 * built by `clawmoat-startup-snapshot` as an installer would, then every key command run both
 * ways: `node clawmoat.mjs ARGS` (the bundle, no blob) and `clawmoat.mjs ARGS` (the launcher,
 * which starts node from the blob). Same stdout, stderr and exit code, or the blob is wrong.
 */

const HOST = join(REPO, 'test/fixtures/readme/host.json');
const isRoot = process.getuid?.() === 0;

let dir: string;
let cli: string;
let cache: string;
let builder: string;
let built: SpawnSyncReturns<string>;
let builtAt: number;

/** The environment every run starts from: nothing of the test runner's own colour settings. */
function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(NO_COLOR|FORCE_COLOR|CI|NODE_OPTIONS|CLAWMOAT_.*)$/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

type Run = { status: number | null; stdout: string; stderr: string };
const plain = (args: string[], env = baseEnv(), cwd = dir): Run =>
  pick(spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, cwd, timeout: 30_000 }));
const launched = (args: string[], env = baseEnv(), cwd = dir): Run => pick(spawnSync(cli, args, { encoding: 'utf8', env, cwd, timeout: 30_000 }));
const pick = (r: SpawnSyncReturns<string>): Run => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });

/** Whether the launcher would start node from the blob (its own decision, traced by sh -x). */
function usesBlob(env = baseEnv()): boolean {
  const traced = spawnSync('sh', ['-x', cli, '--version'], { encoding: 'utf8', env, cwd: dir });
  expect(traced.stdout).toBe('0.1.0\n');
  return /exec \S+ --no-regexp-tier-up --snapshot-blob /.test(traced.stderr);
}

function blobPath(): string {
  const [blob] = readdirSync(cache).filter((n) => n.endsWith('.blob'));
  return join(cache, blob!);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-startup-'));
  chmodSync(dir, 0o755);
  cache = join(dir, 'cache');
  spawnSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), '--outdir', dir, '--startup-dir', cache], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cli = join(dir, 'clawmoat.mjs');
  builder = join(dir, 'startup-build.mjs');
  // Build with an environment and a working directory that must not end up in the blob.
  const hostile = join(dir, 'hostile-cwd');
  mkdirSync(hostile);
  built = spawnSync(process.execPath, [builder], {
    encoding: 'utf8',
    cwd: hostile,
    env: baseEnv({ NO_COLOR: '1', TZ: 'Pacific/Kiritimati', HOME: hostile, CLAWMOAT_DEBUG: '1', LANG: 'de_DE.UTF-8' }),
  });
  builtAt = Date.now();
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('clawmoat-startup-snapshot', () => {
  it('builds the blob into the directory the launcher names, stamped with the node binary', () => {
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(built.stdout).toMatch(new RegExp(`^wrote ${cache}/startup-[0-9a-f]{16}\\.blob \\([\\d.]+ MB\\) for `));
    const blob = statSync(blobPath());
    expect(blob.mode & 0o7777).toBe(0o644);
    expect(blob.mtimeMs).toBe(statSync(process.execPath).mtimeMs);
    expect(usesBlob()).toBe(true);
  });

  it('refuses a directory others can write, in one line, exit 2', () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const other = join(dir, 'other');
    spawnSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), '--outdir', other, '--startup-dir', join(open, 'cache')], { cwd: REPO, stdio: 'ignore' });
    const result = spawnSync(process.execPath, [join(other, 'startup-build.mjs')], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^clawmoat-startup-snapshot: the snapshot directory .*\/open\/cache: any local user .* could change it; it must be root's \(or yours\) alone\n$/,
    );
  });

  it('has --help with examples, and --remove', () => {
    const help = spawnSync(process.execPath, [builder, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/\nExamples:\n {2}\$ sudo clawmoat-startup-snapshot\n/);
    const bad = spawnSync(process.execPath, [builder, '--frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('the same output with and without the blob', () => {
  const cases: [string, string[]][] = [
    ['--version', ['--version']],
    ['--help', ['--help']],
    ['audit --help', ['audit', '--help']],
    ['audit --snapshot --json', ['audit', '--snapshot', HOST, '--format', 'json']],
    ['audit --snapshot (text)', ['audit', '--snapshot', HOST]],
    ['audit --snapshot --format sarif', ['audit', '--snapshot', HOST, '--format', 'sarif']],
    ['reach --snapshot --json', ['reach', '--snapshot', HOST, '--json']],
    ['reach --snapshot --port 18789 (explained)', ['reach', '--snapshot', HOST, '--port', '18789']],
    ['checks', ['checks']],
    ['doctor --snapshot', ['doctor', '--snapshot', HOST]],
    ['a missing snapshot (exit 2, one line)', ['audit', '--snapshot', 'no-such.json']],
    ['an unknown option (exit 2, one line)', ['reach', '--no-such-flag']],
    ['no command (the help, exit 2)', []],
  ];

  it.each(cases)('%s', (_name, args) => {
    const without = plain(args);
    expect(launched(args)).toEqual(without);
    if (without.status === 2 && args.length > 0) expect(without.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('colours as the run without the blob does, though the blob was built with NO_COLOR and no terminal', () => {
    const env = baseEnv({ FORCE_COLOR: '1' });
    for (const args of [
      ['reach', '--snapshot', HOST],
      ['audit', '--snapshot', HOST],
    ]) {
      const without = plain(args, env);
      expect(without.stdout).toContain('\u001b[');
      expect(launched(args, env)).toEqual(without);
    }
  });

  it.skipIf(spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0)('on a terminal (script(1) from util-linux) too', () => {
    const onTty = (command: string) =>
      spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: baseEnv({ TERM: 'xterm' }), cwd: dir }).stdout;
    const args = `reach --snapshot ${HOST}`;
    const without = onTty(`${process.execPath} ${cli} ${args}`);
    expect(without).toContain('\u001b[');
    expect(onTty(`${cli} ${args}`)).toBe(without);
  });

  it('reads the working directory, environment and clock of the run, not of the build', () => {
    const work = join(dir, 'work');
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'host.json'), readFileSync(HOST));
    const env = baseEnv({ TZ: 'Asia/Tokyo', HOME: work });
    const args = ['reach', '--snapshot', 'host.json', '--format', 'html', '-o', 'page.html'];
    expect(launched(args, env, work)).toEqual({ status: 0, stdout: '', stderr: '' });
    const page = readFileSync(join(work, 'page.html'), 'utf8');
    const rendered = /rendered by clawmoat [\d.]+ at ([\dT:.Z-]+)/.exec(page);
    expect(rendered).not.toBeNull();
    expect(Date.parse(rendered![1]!)).toBeGreaterThanOrEqual(builtAt);
    // The same page but for that moment.
    expect(plain(args, env, work).status).toBe(0);
    const again = readFileSync(join(work, 'page.html'), 'utf8');
    expect(page.replace(rendered![1]!, '')).toBe(again.replace(/(rendered by clawmoat [\d.]+ at )[\dT:.Z-]+/, '$1'));
  });

  it('finds the files beside the bundle it was started as, not where the blob was built (a copied install)', () => {
    const copy = join(dir, 'copy');
    mkdirSync(copy);
    for (const name of readdirSync(dir)) if (/\.(mjs|cjs)$/.test(name)) cpSync(join(dir, name), join(copy, name), { preserveTimestamps: true });
    // Gone from where the blob was built: the HTML renderer can only come from the copy.
    renameSync(join(dir, 'report-html.mjs'), join(dir, 'report-html.mjs.away'));
    try {
      const args = ['audit', '--snapshot', HOST, '--format', 'html'];
      const copied = pick(spawnSync(join(copy, 'clawmoat.mjs'), args, { encoding: 'utf8', env: baseEnv(), cwd: dir }));
      expect(copied.stderr).toBe('');
      expect(copied.stdout).toMatch(/^<!doctype html>/i);
      expect(spawnSync('sh', ['-x', join(copy, 'clawmoat.mjs'), '--version'], { encoding: 'utf8', env: baseEnv() }).stderr).toContain('--snapshot-blob');
    } finally {
      renameSync(join(dir, 'report-html.mjs.away'), join(dir, 'report-html.mjs'));
    }
  });

  it('a run that starts clawmoat again (fleet --jobs: worker threads) works from the blob', () => {
    const args = ['fleet', '--jobs', '2', HOST, HOST];
    expect(launched(args)).toEqual(plain(args));
  });
});

describe('Math.random and crypto after a blob (what Node guarantees, and clawmoat relies on)', () => {
  it('differ from the build and from run to run', () => {
    const entry = join(dir, 'random.cjs');
    writeFileSync(
      entry,
      "const v8 = require('node:v8'); const c = require('node:crypto'); const built = [Math.random(), c.randomBytes(8).toString('hex')];\n" +
        "v8.startupSnapshot.setDeserializeMainFunction(() => console.log(JSON.stringify([built, [Math.random(), c.randomBytes(8).toString('hex')]])));\n",
    );
    const blob = join(dir, 'random.blob');
    expect(spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { stdio: 'ignore' }).status).toBe(0);
    const run = () => JSON.parse(spawnSync(process.execPath, ['--snapshot-blob', blob], { encoding: 'utf8' }).stdout) as [[number, string], [number, string]];
    const [[builtRandom, builtBytes], first] = run();
    const [, second] = run();
    expect(first[0]).not.toBe(builtRandom);
    expect(first[1]).not.toBe(builtBytes);
    expect(second).not.toEqual(first);
  });
});

describe('the launcher runs without the blob when it cannot trust it or it would not load', () => {
  it('with NODE_OPTIONS set (a V8 flag there makes node refuse the blob)', () => {
    expect(usesBlob(baseEnv({ NODE_OPTIONS: '--max-old-space-size=512' }))).toBe(false);
    expect(launched(['--version'], baseEnv({ NODE_OPTIONS: '--max-old-space-size=512' })).stdout).toBe('0.1.0\n');
  });

  it('when the node binary is not the one the blob was built with (its modification time differs)', () => {
    const blob = blobPath();
    const { atime, mtime } = statSync(blob);
    utimesSync(blob, atime, new Date(mtime.getTime() - 1000));
    try {
      expect(usesBlob()).toBe(false);
      expect(launched(['audit', '--snapshot', HOST, '--format', 'json'])).toEqual(plain(['audit', '--snapshot', HOST, '--format', 'json']));
    } finally {
      utimesSync(blob, atime, mtime);
    }
    expect(usesBlob()).toBe(true);
  });

  it.skipIf(!isRoot)('when the blob is not owned by whoever runs it (as root: a blob another user owns)', () => {
    const blob = blobPath();
    chownSync(blob, 12345, 12345);
    try {
      expect(usesBlob()).toBe(false);
    } finally {
      chownSync(blob, 0, 0);
    }
    expect(usesBlob()).toBe(true);
  });

  it('when the blob is gone (--remove)', () => {
    const removed = spawnSync(process.execPath, [builder, '--remove'], { encoding: 'utf8' });
    expect(removed.status).toBe(0);
    expect(readdirSync(cache)).toEqual([]);
    expect(usesBlob()).toBe(false);
    expect(launched(['--version']).stdout).toBe('0.1.0\n');
  });
});
