import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { describeController, walkPath, WalkError } from '../safe-fs/walk.js';

/** The files of one build's startup snapshot (scripts/startup-launcher.mjs names them). */
export interface StartupFiles {
  /** The first 16 hex digits of the snapshot bundle's sha256. */
  id: string;
  blob: string;
  /** A symlink to the node binary the blob was made by. */
  node: string;
}

/** What the launcher passes node besides the blob: a V8 flag that differs makes node refuse it (exit 14). */
export const BLOB_NODE_FLAGS = ['--no-regexp-tier-up'];

function safeUid(uid: bigint, euid: number): boolean {
  return uid === 0n || Number(uid) === euid;
}

/**
 * A file or directory root runs code from: it, and every directory on the way, owned by root or
 * by whoever runs this, and none writable by anyone else. Then only they can change it later,
 * which is why the launcher, which must not start a process to look, needs to check no more
 * than the blob's own owner.
 */
export function checkTrusted(path: string, what: string, euid: number = process.geteuid?.() ?? 0): void {
  let walk;
  try {
    walk = walkPath(path, euid);
  } catch (error) {
    if (error instanceof WalkError) throw new UserError(`${what} ${path}: ${error.message}`);
    throw error;
  }
  const [controller] = walk.controllers;
  if (controller !== undefined) throw new UserError(`${what} ${path}: ${describeController(controller)} could change it; it must be root's (or yours) alone`);
  const st = walk.final;
  if (!st) throw new UserError(`${what} ${path}: no such file or directory`);
  if (!safeUid(st.uid, euid)) throw new UserError(`${what} ${path}: owned by uid ${st.uid}, not root or you`);
  if ((st.mode & 0o022n) !== 0n) throw new UserError(`${what} ${path}: writable by group or others (mode ${(st.mode & 0o7777n).toString(8)})`);
}

export interface BuildOptions {
  /** The folder holding clawmoat.mjs and clawmoat-snapshot.cjs. */
  bundleDir: string;
  /** The node binary the blob is made by, and for. */
  node: string;
  version: string;
}

/**
 * Builds the blob: `node --build-snapshot` over the snapshot bundle with an empty environment
 * from `/` (nothing of this shell's state is saved with the heap), tries it (`--version` through
 * the launcher's own command line), stamps it with the node binary's modification time, and
 * puts it and the link to that node in place by rename, the blob last. Returns what was written.
 */
export function buildStartupSnapshot(files: StartupFiles, options: BuildOptions): string {
  const bundle = join(options.bundleDir, 'clawmoat-snapshot.cjs');
  const cli = join(options.bundleDir, 'clawmoat.mjs');
  checkTrusted(bundle, 'the snapshot bundle');
  checkTrusted(cli, 'the CLI bundle');
  const id = createHash('sha256').update(readFileSync(bundle)).digest('hex').slice(0, 16);
  if (id !== files.id) throw new UserError(`${bundle} is not the bundle this build names (${id}, expected ${files.id}); rebuild clawmoat`);

  const dir = dirname(files.blob);
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`cannot create ${dir}: permission denied; run as root`);
    if (code !== 'EEXIST') throw error;
  }
  checkTrusted(dir, 'the snapshot directory');

  const temp = (suffix: string) => join(dir, `.startup-${files.id}.${process.pid}.${suffix}`);
  const blob = temp('blob');
  const link = temp('node');
  try {
    const built = spawnSync(options.node, [...BLOB_NODE_FLAGS, '--snapshot-blob', blob, '--build-snapshot', bundle], {
      cwd: '/',
      env: {},
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (built.status !== 0) throw new UserError(`node --build-snapshot failed (${built.status ?? built.signal}): ${lastLine(built.stderr)}`);
    chmodSync(blob, 0o644);
    const tried = spawnSync(options.node, [...BLOB_NODE_FLAGS, '--snapshot-blob', blob, '--', cli, '--version'], {
      cwd: '/',
      env: {},
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (tried.status !== 0 || tried.stdout !== `${options.version}\n`)
      throw new UserError(`the new startup snapshot did not run (${tried.status ?? tried.signal}): ${lastLine(tried.stderr || tried.stdout)}`);
    // The launcher compares modification times with a shell built-in: copy it to the nanosecond.
    const touched = spawnSync('touch', ['-r', options.node, blob], { encoding: 'utf8' });
    if (touched.status !== 0) throw new UserError(`touch -r ${options.node}: ${lastLine(touched.stderr)}`);
    symlinkSync(options.node, link);
    renameSync(link, files.node);
    renameSync(blob, files.blob);
  } finally {
    rmSync(blob, { force: true });
    rmSync(link, { force: true });
  }
  // An upgrade names a new blob: the last build's are of no use to anyone but the clawmoat that
  // built them, and 7 MB each. (Two installs of clawmoat on one host take turns at it.)
  for (const name of readdirSync(dir))
    if (/^startup-[0-9a-f]{16}\.(blob|node)$/.test(name) && !name.startsWith(`startup-${files.id}.`)) rmSync(join(dir, name), { force: true });
  const size = lstatSync(files.blob).size;
  return `wrote ${files.blob} (${(size / 1e6).toFixed(1)} MB) for ${options.node} (${process.version})`;
}

/** Removes this build's blob and link. */
export function removeStartupSnapshot(files: StartupFiles): string {
  checkTrusted(dirname(files.blob), 'the snapshot directory');
  rmSync(files.blob, { force: true });
  rmSync(files.node, { force: true });
  return `removed ${files.blob}`;
}

function lastLine(text: string | null | undefined): string {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1] || 'no message';
}
