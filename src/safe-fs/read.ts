import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';
import { deniedRead, describeController, walkPath, WalkError, type PathWalk } from './walk.js';

/**
 * Read a file that someone other than root may control (a user's config, .env, unit or
 * compose file) without letting them turn the read against us: only a regular file, only
 * up to a size cap, never blocking on a FIFO or device, and only what every owner of the path
 * could read themselves, so a symlink to a root-only file reads nothing. The file is opened
 * once; its descriptor's device and inode must be the ones the walk approved, so swapping a
 * component between the walk and the open is caught, not followed.
 */

/** Configs, includes, units, compose files: a few MiB is far beyond any real one. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** Which file, exactly: what a later write or restore must still find there. */
export interface FileIdentity {
  /** The path with every symlink resolved. */
  real: string;
  dev: string;
  ino: string;
  /** The directory holding it: a write goes into this very directory or not at all. */
  parentDev: string;
  parentIno: string;
  mode: number;
  uid: number;
  gid: number;
  sha256: string;
}

export type ReadFailure = 'not-found' | 'permission-denied' | 'not-regular' | 'too-large' | 'unsafe' | 'error';

export interface ReadFailed {
  ok: false;
  reason: ReadFailure;
  detail: string;
}

export type SafeRead = { ok: true; data: Buffer; identity: FileIdentity } | ReadFailed;

export interface ReadOptions {
  maxBytes?: number;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function kindOf(st: BigIntStats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function fail(reason: ReadFailure, detail: string): ReadFailed {
  return { ok: false, reason, detail };
}

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

export function sameInode(a: BigIntStats, b: { dev: bigint; ino: bigint }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

export function walkOrFailure(path: string): PathWalk | ReadFailed {
  try {
    return walkPath(path);
  } catch (error) {
    if (error instanceof WalkError) return fail(error.code === 'not-found' || error.code === 'not-a-directory' ? 'not-found' : 'unsafe', error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return fail('permission-denied', `${path} is not readable (permission denied)`);
    return fail('error', `${path} could not be read (${code ?? (error as Error).message})`);
  }
}

/** Everything decided before the file is opened: where it leads, what it is, who may read it. */
function approve(path: string, maxBytes: number): { walk: PathWalk; final: BigIntStats } | ReadFailed {
  const walk = walkOrFailure(path);
  if ('ok' in walk) return walk;
  const { final, real } = walk;
  if (!final) return fail('not-found', `${path} does not exist`);
  if (!final.isFile()) return fail('not-regular', `${path} is ${kindOf(final)}, not a regular file; clawmoat reads only regular files`);
  const denied = deniedRead(walk);
  if (denied !== undefined) {
    return fail(
      'permission-denied',
      `${path} is not readable by ${describeController(denied)}, who controls ${real === path ? 'its directory' : `the path (it leads to ${real})`}; clawmoat reads for root only what that user could read`,
    );
  }
  if (final.size > BigInt(maxBytes)) return fail('too-large', tooLarge(path, maxBytes, final.size));
  return { walk, final };
}

function tooLarge(path: string, maxBytes: number, size?: bigint): string {
  return `${path} is ${size === undefined ? 'over' : `${size} bytes, over`} the ${maxBytes}-byte limit for a file of this kind; is it the right file?`;
}

function openFailure(path: string, error: unknown): ReadFailed {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return fail('not-found', `${path} does not exist`);
  if (code === 'ELOOP') return fail('unsafe', `${path} was replaced by a symbolic link while it was being read`);
  if (code === 'EACCES' || code === 'EPERM') return fail('permission-denied', `${path} is not readable (permission denied)`);
  return fail('error', `${path} could not be read (${code ?? 'error'})`);
}

/** The descriptor must hold the inode the walk approved, and still be a regular file. */
function checkOpened(path: string, st: BigIntStats, final: BigIntStats): ReadFailed | undefined {
  if (!sameInode(st, final)) return fail('unsafe', `${path} was replaced while it was being read; run again`);
  if (!st.isFile()) return fail('not-regular', `${path} is ${kindOf(st)}, not a regular file`);
  return undefined;
}

/**
 * The hash is taken when first asked for: only harden's backups and checks ask, and hashing every
 * snapshot an audit or a fleet reads cost about 2 ms per MB. The bytes it hashes are the ones
 * returned with it, which no reader changes.
 */
function identityOf(walk: PathWalk, st: BigIntStats, data: Buffer): FileIdentity {
  let hash: string | undefined;
  return {
    real: walk.real,
    dev: String(st.dev),
    ino: String(st.ino),
    parentDev: String(walk.parent.dev),
    parentIno: String(walk.parent.ino),
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    get sha256() {
      return (hash ??= sha256(data));
    },
  };
}

export async function readUntrusted(path: string, options: ReadOptions = {}): Promise<SafeRead> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const approved = approve(path, maxBytes);
  if ('ok' in approved) return approved;
  let handle;
  try {
    handle = await open(approved.walk.real, FLAGS);
  } catch (error) {
    return openFailure(path, error);
  }
  try {
    const st = await handle.stat({ bigint: true });
    const wrong = checkOpened(path, st, approved.final);
    if (wrong) return wrong;
    let buffer: Buffer = Buffer.alloc(firstBufferSize(st.size, maxBytes));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return fail('too-large', tooLarge(path, maxBytes));
        buffer = grow(buffer, maxBytes);
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return fail('too-large', tooLarge(path, maxBytes));
    const data = buffer.subarray(0, length);
    return { ok: true, data, identity: identityOf(approved.walk, st, data) };
  } finally {
    await handle.close();
  }
}

/** The same read, synchronous: for planners, which ask for files one at a time as they decide. */
export function readUntrustedSync(path: string, options: ReadOptions = {}): SafeRead {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const approved = approve(path, maxBytes);
  if ('ok' in approved) return approved;
  let fd: number;
  try {
    fd = openSync(approved.walk.real, FLAGS);
  } catch (error) {
    return openFailure(path, error);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const wrong = checkOpened(path, st, approved.final);
    if (wrong) return wrong;
    let buffer: Buffer = Buffer.alloc(firstBufferSize(st.size, maxBytes));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return fail('too-large', tooLarge(path, maxBytes));
        buffer = grow(buffer, maxBytes);
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return fail('too-large', tooLarge(path, maxBytes));
    const data = buffer.subarray(0, length);
    return { ok: true, data, identity: identityOf(approved.walk, st, data) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The first buffer of a read: the file's size and one byte more (which shows a file that grew).
 * procfs and sysfs files say size 0 whatever they hold: a page for them, not one byte doubled read
 * after read (/proc/PID/status took 13 reads, each a round through libuv's pool; now 2).
 */
const UNSIZED_FIRST_READ = 4096;

function firstBufferSize(size: bigint, maxBytes: number): number {
  return Math.min(size === 0n ? UNSIZED_FIRST_READ : Number(size), maxBytes) + 1;
}

function grow(buffer: Buffer, maxBytes: number): Buffer {
  const grown = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
  buffer.copy(grown);
  return grown;
}

/**
 * The same checks without reading the whole file: its first `peekBytes` and its size. For a
 * CLI that vets a file the user named before a command reads it (an empty or binary file is
 * then refused in one line); the command's own read still goes through readUntrusted.
 */
export function peekUntrusted(path: string, maxBytes: number, peekBytes = 8192): { ok: true; head: Buffer; size: number } | ReadFailed {
  const approved = approve(path, maxBytes);
  if ('ok' in approved) return approved;
  let fd: number;
  try {
    fd = openSync(approved.walk.real, FLAGS);
  } catch (error) {
    return openFailure(path, error);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const wrong = checkOpened(path, st, approved.final);
    if (wrong) return wrong;
    const head = Buffer.alloc(Math.min(Number(st.size), peekBytes));
    const n = readSync(fd, head, 0, head.length, 0);
    return { ok: true, head: head.subarray(0, n), size: Number(st.size) };
  } finally {
    closeSync(fd);
  }
}
