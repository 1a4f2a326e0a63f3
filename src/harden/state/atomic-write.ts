import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readdir, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Replace a file so that a crash at any instant (kill -9, power loss) leaves either the
 * old content or the new, never a truncated mix: write a temp file in the same directory
 * (rename is atomic only within one filesystem), fsync it, rename it over the target, then
 * fsync the directory so the rename itself is on disk.
 *
 * Not kept: ACLs, extended attributes and SELinux labels (the temp file gets the
 * directory's defaults). The files harden touches (sshd drop-ins, the OpenClaw config)
 * carry none on the hosts we target.
 */
export interface AtomicWriteOptions {
  /** Permission bits (incl. setuid/setgid/sticky). Default: the existing file's, else 0o644. */
  mode?: number;
  /** Owner. Default: the existing file's, else the process's. */
  uid?: number;
  gid?: number;
}

const DEFAULT_MODE = 0o644;
const TEMP_MARK = '.clawmoat-';
const TEMP_SUFFIX = '.tmp';

function isErrno(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException)?.code ?? '');
}

/**
 * Follow symlinks so we replace the file a link points at, not the link itself
 * (`/etc/resolv.conf` style links must stay links). A missing file is written where named.
 */
export async function resolveWriteTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return resolve(path);
    throw error;
  }
}

/** Hidden, so globs like `*.conf` in sshd_config.d never pick a half-written file up. */
function tempPathFor(target: string): string {
  // NAME_MAX is 255 bytes; leave room for the marker, PID and random part.
  const base = basename(target).slice(0, 180);
  return join(dirname(target), `.${base}${TEMP_MARK}${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/** fsync a directory so a rename or unlink in it survives a power loss. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // A few filesystems refuse fsync on directories; there is nothing more we can do there.
    if (!isErrno(error, 'EINVAL', 'ENOTSUP')) throw error;
  } finally {
    await handle.close();
  }
}

async function setOwnerAndMode(handle: FileHandle, mode: number, uid: number | undefined, gid: number | undefined): Promise<void> {
  const current = await handle.stat();
  const wantUid = uid ?? current.uid;
  const wantGid = gid ?? current.gid;
  // Only chown when it changes something: an unprivileged caller may not chown even to itself on some systems.
  if (wantUid !== current.uid || wantGid !== current.gid) await handle.chown(wantUid, wantGid);
  // chmod after chown: chown clears setuid/setgid bits.
  await handle.chmod(mode);
}

export async function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const target = await resolveWriteTarget(path);
  let existing: Stats | undefined;
  try {
    existing = await stat(target);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  if (existing && !existing.isFile()) throw new Error(`${target} is not a regular file; refusing to replace it`);
  const mode = options.mode ?? (existing ? existing.mode & 0o7777 : DEFAULT_MODE);
  const uid = options.uid ?? existing?.uid;
  const gid = options.gid ?? existing?.gid;

  const temp = tempPathFor(target);
  // 0o600 until the final mode is set: a secret-bearing config is never briefly world-readable.
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content);
      await setOwnerAndMode(handle, mode, uid, gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (error) {
      // A file that is itself a mount point (a bind-mounted config: containers, private /etc
      // copies) cannot be renamed over: EBUSY. Rewrite it in place, the one way left.
      if (!isErrno(error, 'EBUSY') || !existing) throw error;
      await unlink(temp).catch(() => undefined);
      await rewriteInPlace(target, content, mode, uid, gid);
      return;
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(target));
}

/** Not atomic: for a target rename cannot replace. Truncate, write, set owner and mode, fsync. */
async function rewriteInPlace(target: string, content: string | Uint8Array, mode: number, uid: number | undefined, gid: number | undefined): Promise<void> {
  const handle = await open(target, 'r+');
  try {
    await handle.truncate(0);
    await handle.write(typeof content === 'string' ? Buffer.from(content) : content, 0, undefined, 0);
    await setOwnerAndMode(handle, mode, uid, gid);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Remove a file durably; a file that is already gone is fine (rollback may run twice). */
export async function removeFileDurably(path: string): Promise<void> {
  const target = await resolveWriteTarget(path);
  try {
    await unlink(target);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  await fsyncDirectory(dirname(target));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

/**
 * Delete temp files that a killed writer left next to `path`. Temps of live processes stay:
 * they may be mid-write. Returns the paths removed.
 */
export async function removeStaleTemps(path: string): Promise<string[]> {
  const target = await resolveWriteTarget(path);
  const dir = dirname(target);
  const prefix = `.${basename(target).slice(0, 180)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    const match = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length, -TEMP_SUFFIX.length));
    if (!match || pidAlive(Number(match[1]))) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed.push(join(dir, name));
  }
  return removed;
}
