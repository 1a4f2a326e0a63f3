import { randomBytes } from 'node:crypto';
import { closeSync, constants, type BigIntStats } from 'node:fs';
import { lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { RefusedError } from '../errors.js';
import { kindOf, readUntrusted, sameInode, sha256, walkOrFailure, type FileIdentity } from './read.js';
import { deniedWrite, describeController, type PathWalk } from './walk.js';
import { outputRefusal, ownDescriptor, takeHeldFifo, writeAllNonBlocking } from './output.js';

/**
 * Replace or create a file as root without writing anywhere the path's owners could not
 * write themselves, and without following a link they planted. Node has no openat(2), but
 * /proc/self/fd/N names the very directory a descriptor holds: every step after the
 * directory is opened (checking the file, creating the temp file exclusively, renaming it
 * into place) goes through that name, so a directory swapped for a symlink after the check is
 * never entered. The directory's device and inode must be the ones the plan read.
 */

/** What the plan saw at a path: the file (absent when it did not exist) and its directory. */
export interface TargetBefore {
  real: string;
  parentDev: string;
  parentIno: string;
  /** The file as read; absent when there was none. */
  file?: Pick<FileIdentity, 'dev' | 'ino' | 'sha256'>;
}

/** What a write left there: rollback restores only over this very file. */
export interface Written {
  dev: string;
  ino: string;
  sha256: string;
  /** Its length in bytes: a rollback reads no more of the file than that (absent in older journals). */
  size?: number;
}

export interface Ownership {
  mode: number;
  uid?: number;
  gid?: number;
}

const TEMP_MARK = '.clawmoat-';
const TEMP_SUFFIX = '.tmp';
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

export function targetFrom(identity: FileIdentity): TargetBefore {
  return {
    real: identity.real,
    parentDev: identity.parentDev,
    parentIno: identity.parentIno,
    file: { dev: identity.dev, ino: identity.ino, sha256: identity.sha256 },
  };
}

/** Where a file that does not exist yet would go; undefined with a reason when the path is unusable. */
export function absentTarget(path: string): TargetBefore | { error: string } {
  const walk = walkOrFailure(path);
  if ('ok' in walk) return { error: walk.detail };
  if (walk.final) return { error: `${path} exists` };
  return { real: walk.real, parentDev: String(walk.parent.dev), parentIno: String(walk.parent.ino) };
}

/** Read a file and note exactly what was read, for a later checked write. */
export async function readForWrite(
  path: string,
  maxBytes?: number,
): Promise<{ text: string; before: TargetBefore } | { text?: undefined; before: TargetBefore } | { error: string }> {
  const read = await readUntrusted(path, maxBytes === undefined ? {} : { maxBytes });
  if (read.ok) return { text: read.data.toString('utf8'), before: targetFrom(read.identity) };
  if (read.reason !== 'not-found') return { error: read.detail };
  const absent = absentTarget(path);
  return 'error' in absent ? absent : { before: absent };
}

/** A directory held open: `path(name)` names an entry in that very directory. */
export class AnchoredDir {
  private constructor(
    readonly real: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(dir: string, expected?: { dev: string; ino: string }): Promise<AnchoredDir> {
    const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    const st = await handle.stat({ bigint: true });
    if (expected && (String(st.dev) !== expected.dev || String(st.ino) !== expected.ino)) {
      await handle.close();
      throw new RefusedError(`refused: ${dir} is not the directory it was when the plan read it (it was replaced or moved); run clawmoat harden again`);
    }
    return new AnchoredDir(dir, handle);
  }

  path(name: string): string {
    return `/proc/self/fd/${this.handle.fd}/${name}`;
  }

  async entry(name: string): Promise<BigIntStats | undefined> {
    try {
      return await lstat(this.path(name), { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * The content of a regular entry, read without following a link; undefined when it is not one,
   * `too-large` when it holds more than `maxBytes` (whoever owns a file can grow it, sparse, past
   * what Node can hold in one buffer: it is never read whole).
   */
  async content(name: string, expected: BigIntStats, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer | 'too-large' | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.path(name), READ);
    } catch {
      return undefined;
    }
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile() || !sameInode(st, expected)) return undefined;
      if (st.size > BigInt(maxBytes)) return 'too-large';
      if (maxBytes === Number.MAX_SAFE_INTEGER) return await handle.readFile();
      // It may grow after the stat: read one byte past the limit through this descriptor and no more.
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return length > maxBytes ? 'too-large' : buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }

  /**
   * Put content at `name` atomically: a temp file created exclusively under a random name,
   * owner and mode set, fsynced, renamed over the entry (rename replaces a link, never follows it).
   */
  async install(name: string, content: string | Uint8Array, owner: Ownership): Promise<Written> {
    const temp = `.${name.slice(0, 180)}${TEMP_MARK}${process.pid}-${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`;
    const handle = await open(this.path(temp), CREATE, 0o600);
    let written: Written;
    try {
      try {
        await handle.writeFile(content);
        const st = await handle.stat({ bigint: true });
        const uid = owner.uid ?? Number(st.uid);
        const gid = owner.gid ?? Number(st.gid);
        if (uid !== Number(st.uid) || gid !== Number(st.gid)) await handle.chown(uid, gid);
        // After chown, which clears setuid/setgid.
        await handle.chmod(owner.mode);
        await handle.sync();
        const bytes = typeof content === 'string' ? Buffer.from(content) : content;
        written = { dev: String(st.dev), ino: String(st.ino), sha256: sha256(bytes), size: bytes.length };
      } finally {
        await handle.close();
      }
      await rename(this.path(temp), this.path(name));
    } catch (error) {
      await unlink(this.path(temp)).catch(() => undefined);
      if ((error as NodeJS.ErrnoException).code === 'EBUSY') return this.rewriteInPlace(name, content, owner);
      throw error;
    }
    await this.sync();
    return written;
  }

  /**
   * A file that is itself a mount point (a bind-mounted config in a container or a private
   * /etc copy) cannot be renamed over: rewrite it in place, the one way left, never through a link.
   */
  private async rewriteInPlace(name: string, content: string | Uint8Array, owner: Ownership): Promise<Written> {
    const handle = await open(this.path(name), constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile()) throw new RefusedError(`refused: ${this.real}/${name} is ${kindOf(st)}, not a regular file`);
      await handle.truncate(0);
      await handle.write(typeof content === 'string' ? Buffer.from(content) : content, 0, undefined, 0);
      if (owner.uid !== undefined && owner.gid !== undefined && (owner.uid !== Number(st.uid) || owner.gid !== Number(st.gid)))
        await handle.chown(owner.uid, owner.gid);
      await handle.chmod(owner.mode);
      await handle.sync();
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      return { dev: String(st.dev), ino: String(st.ino), sha256: sha256(bytes), size: bytes.length };
    } finally {
      await handle.close();
    }
  }

  /**
   * Write into an existing character device or FIFO, the very one looked at (no link followed, no
   * rename), through one non-blocking open: a FIFO without a reader is ENXIO, never a hang, and a
   * one-shot reader sees this write, not an earlier open and close.
   */
  async writeInto(name: string, expected: BigIntStats, content: string | Uint8Array, label: string): Promise<void> {
    const handle = await open(this.path(name), constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const st = await handle.stat({ bigint: true });
      if (!sameInode(st, expected) || !(st.isCharacterDevice() || st.isFIFO()) || st.uid !== expected.uid)
        throw new RefusedError(`refused: ${this.real}/${name} was replaced while being written`);
      await writeAllNonBlocking(handle.fd, typeof content === 'string' ? Buffer.from(content) : content, label);
    } finally {
      await handle.close();
    }
  }

  /** Create a new entry that must not exist yet (a conflict copy), never through a link. */
  async createNew(name: string, content: Uint8Array | string, mode: number): Promise<void> {
    const handle = await open(this.path(name), CREATE, mode);
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async remove(name: string): Promise<void> {
    await unlink(this.path(name));
    await this.sync();
  }

  async sync(): Promise<void> {
    try {
      await this.handle.sync();
    } catch (error) {
      // A few filesystems refuse fsync on directories; there is nothing more to do there.
      if (!['EINVAL', 'ENOTSUP', 'EBADF'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Refuse when the path now leads elsewhere, or to a directory one of its owners could not write. */
function checkStillWritable(label: string, before: TargetBefore): PathWalk {
  const walk = walkOrFailure(before.real);
  if ('ok' in walk) throw new RefusedError(`refused: ${label}: ${walk.detail}; run clawmoat harden again`);
  if (walk.real !== before.real)
    throw new RefusedError(`refused: ${label} now leads to ${walk.real}, not to ${before.real} as when the plan read it; run clawmoat harden again`);
  const denied = deniedWrite(walk);
  if (denied !== undefined) {
    throw new RefusedError(
      `refused: ${label}: ${describeController(denied)} controls the path but could not write ${dirname(before.real)} itself, so root will not write it for them; edit the file as its owner`,
    );
  }
  return walk;
}

/**
 * Write `content` where the plan read `before`, only if the file (and its directory) are still
 * exactly what the plan read; otherwise refuse and write nothing.
 */
export async function replaceChecked(label: string, before: TargetBefore, content: string | Uint8Array, owner: Ownership): Promise<Written> {
  checkStillWritable(label, before);
  const dir = await AnchoredDir.open(dirname(before.real), { dev: before.parentDev, ino: before.parentIno });
  try {
    const name = basename(before.real);
    const current = await dir.entry(name);
    if (!before.file) {
      if (current) throw new RefusedError(`refused: ${label} did not exist when the plan was made and does now; run clawmoat harden again`);
    } else {
      if (!current) throw new RefusedError(`refused: ${label} was removed after the plan; run clawmoat harden again`);
      if (current.isSymbolicLink() || !current.isFile())
        throw new RefusedError(`refused: ${label} was replaced by ${kindOf(current)} after the plan; run clawmoat harden again`);
      if (String(current.dev) !== before.file.dev || String(current.ino) !== before.file.ino)
        throw new RefusedError(`refused: ${label} was replaced by another file after the plan; run clawmoat harden again`);
      if (current.nlink !== 1n) throw new RefusedError(`refused: ${label} has ${current.nlink} hard links; harden edits only files with one name`);
      const content = await dir.content(name, current);
      if (!Buffer.isBuffer(content) || sha256(content) !== before.file.sha256)
        throw new RefusedError(`refused: ${label} changed after the plan was shown; run clawmoat harden again to see the plan for what is there now`);
    }
    return await dir.install(name, content, owner);
  } finally {
    await dir.close();
  }
}

/**
 * Create or replace an output file (a snapshot, a report): into the directory named, under a
 * random exclusive temp name, renamed over the entry (a link there is replaced, never followed).
 * One of this process's own descriptors (/dev/stdout) is written through; an existing FIFO or
 * character device only when it is root's or the invoking user's (output.ts says why).
 */
export async function writeOutputFile(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const fd = ownDescriptor(path);
  if (fd !== undefined) return writeOwnDescriptor(path, fd, bytes);
  const target = resolve(path);
  const parent = dirname(target);
  const walk = walkOrFailure(parent);
  if ('ok' in walk) throw new RefusedError(`cannot write ${path}: ${walk.reason === 'not-found' ? `the directory ${parent} does not exist` : walk.detail}`);
  if (!walk.final?.isDirectory())
    throw new RefusedError(`cannot write ${path}: ${walk.final ? `${parent} is not a directory` : `the directory ${parent} does not exist`}`);
  const inside: PathWalk = { ...walk, parent: walk.final, dirs: [...walk.dirs, walk.final] };
  delete inside.final;
  const denied = deniedWrite(inside);
  if (denied !== undefined)
    throw new RefusedError(
      `refused to write ${path}: ${describeController(denied)} controls ${parent} but could not write it itself; choose a directory of your own`,
    );
  const dir = await AnchoredDir.open(walk.real, { dev: String(walk.final.dev), ino: String(walk.final.ino) });
  try {
    const name = basename(target);
    const existing = await dir.entry(name);
    const refusal = outputRefusal(walk.real, existing);
    if (refusal !== undefined)
      throw new RefusedError(`${existing?.isFIFO() || existing?.isCharacterDevice() ? 'refused to write' : 'cannot write'} ${path}: ${refusal}`);
    if (existing && (existing.isCharacterDevice() || existing.isFIFO())) {
      // /dev/null, a terminal, a pipe someone reads: written into, never renamed over (a
      // rename would put a regular file in place of the device, for everyone on the host).
      const held = existing.isFIFO() ? takeHeldFifo(path, existing) : undefined;
      if (held === undefined) await dir.writeInto(name, existing, bytes, path);
      else await writeHeld(held, bytes, path);
      return;
    }
    await dir.install(name, bytes, { mode });
  } catch (error) {
    throw outputError(path, error);
  } finally {
    await dir.close();
  }
}

async function writeHeld(fd: number, bytes: Uint8Array, path: string): Promise<void> {
  try {
    await writeAllNonBlocking(fd, bytes, path);
  } finally {
    closeSync(fd);
  }
}

async function writeOwnDescriptor(path: string, fd: number, bytes: Uint8Array): Promise<void> {
  try {
    await writeAllNonBlocking(fd, bytes, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EBADF') throw new RefusedError(`cannot write ${path}: descriptor ${fd} is not open for writing`);
    throw outputError(path, error);
  }
}

function outputError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return new RefusedError(`cannot write ${path}: permission denied`);
  if (code === 'ENXIO') return new RefusedError(`cannot write ${path}: a FIFO with no process reading it; start the reader first, or give a regular file`);
  if (code === 'EPIPE') return new RefusedError(`cannot write ${path}: the reader went away`);
  if (code === 'EROFS' || code === 'ENOSPC' || code === 'EDQUOT')
    return new RefusedError(`cannot write ${path}: ${code === 'EROFS' ? 'read-only filesystem' : 'no space left'}`);
  return error;
}

export { TEMP_MARK, TEMP_SUFFIX };
