import { closeSync, constants, fstatSync, openSync, write as writeFd, type BigIntStats, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { RefusedError } from '../errors.js';

/**
 * Where an output (`-o FILE`: a snapshot, a report) may go besides a regular file, and how it is
 * written there. Root writes the output; the path may be in a directory others write (/tmp), so an
 * existing FIFO or device there is someone's, and writing into it hands them the output.
 */

/**
 * A name for one of this process's own descriptors: /dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N. Written through that descriptor itself: the last component is a symlink
 * (/dev/stdout → /proc/self/fd/1), and replacing it with a file would change every program's
 * /dev/stdout on the host.
 */
export function ownDescriptor(path: string): number | undefined {
  const full = resolve(path);
  if (full === '/dev/stdout') return 1;
  if (full === '/dev/stderr') return 2;
  const numbered = new RegExp(`^(?:/dev/fd|/proc/self/fd|/proc/thread-self/fd|/proc/${process.pid}/fd)/(\\d{1,9})$`).exec(full);
  return numbered ? Number(numbered[1]) : undefined;
}

/**
 * Whose FIFO or device an output may be written into: root's, this process's user's, or (under
 * sudo) the user who ran sudo. Anyone else's would receive the output (a snapshot is 0600).
 */
export function trustedOwner(uid: number | bigint): boolean {
  const n = Number(uid);
  if (n === 0 || n === process.getuid?.()) return true;
  // sudo sets SUDO_UID; only root's environment is read, and a caller who can set it ran sudo.
  const sudoUid = process.getuid?.() === 0 ? process.env.SUDO_UID : undefined;
  return sudoUid !== undefined && /^\d+$/.test(sudoUid) && Number(sudoUid) === n;
}

/**
 * Why an output may not be written at an entry of the directory `dirReal` as it is now (lstat, no
 * link followed), in words to follow "cannot write PATH: "; undefined when it may.
 */
export function outputRefusal(dirReal: string, entry: BigIntStats | Stats | undefined): string | undefined {
  if (entry?.isDirectory()) return 'it is a directory';
  if (entry && (entry.isBlockDevice() || entry.isSocket())) return `it is ${entry.isSocket() ? 'a socket' : 'a block device'}`;
  if (entry && (entry.isFIFO() || entry.isCharacterDevice())) {
    if (trustedOwner(entry.uid)) return undefined;
    return `it is ${entry.isFIFO() ? 'a FIFO' : 'a device'} of uid ${entry.uid}, who would receive the output; give a regular file, or a FIFO of your own`;
  }
  // Anything else in /dev (a symlink such as /dev/core, a file, a new name) would be replaced or
  // created for every program on the host. /dev/shm is a shared tmpfs like /tmp, not devices.
  const inDev = dirReal === '/dev' || (dirReal.startsWith('/dev/') && dirReal !== '/dev/shm' && !dirReal.startsWith('/dev/shm/'));
  if (inDev) return 'in /dev only an existing device or FIFO is written into';
  return undefined;
}

/**
 * FIFOs the CLI's check opened (O_NONBLOCK: ENXIO at once when nobody reads), held open until the
 * output is written through that same descriptor: a second open could block, and closing the
 * first would hand a one-shot reader its end of file before the output.
 */
const heldFifos = new Map<string, { fd: number; dev: bigint; ino: bigint }>();

/** Open an output FIFO for writing now and hold it; throws ENXIO when nobody reads it. */
export function holdOutputFifo(path: string): void {
  const key = resolve(path);
  if (heldFifos.has(key)) return;
  const fd = openSync(key, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY);
  const st = fstatSync(fd, { bigint: true });
  if (!st.isFIFO() || !trustedOwner(st.uid)) {
    closeSync(fd);
    throw new RefusedError(`cannot write ${path}: it changed while being checked`);
  }
  heldFifos.set(key, { fd, dev: st.dev, ino: st.ino });
}

/** The descriptor holdOutputFifo opened for this very FIFO (same device and inode), handed over once. */
export function takeHeldFifo(path: string, entry: BigIntStats): number | undefined {
  const key = resolve(path);
  const held = heldFifos.get(key);
  if (!held) return undefined;
  heldFifos.delete(key);
  if (held.dev === entry.dev && held.ino === entry.ino) return held.fd;
  closeSync(held.fd);
  throw new RefusedError(`cannot write ${path}: it was replaced after it was checked`);
}

const writeAsync = promisify(writeFd);
const RETRY_MS = 20;
/** A reader that takes nothing for this long is gone or stuck: the write stops, it never hangs. */
export const STALL_MS = 30_000;

/**
 * Write all of `data` to a descriptor opened O_NONBLOCK (a FIFO, a tty, a pipe we were given):
 * a full pipe is waited for, a reader that stops reading ends it with an error, not a hang.
 */
export async function writeAllNonBlocking(fd: number, data: Uint8Array, label: string, stallMs = STALL_MS): Promise<void> {
  let offset = 0;
  let lastProgress = Date.now();
  while (offset < data.length) {
    try {
      const { bytesWritten: written } = await writeAsync(fd, data, offset, data.length - offset);
      offset += written;
      if (written > 0) lastProgress = Date.now();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      if (Date.now() - lastProgress > stallMs)
        throw new RefusedError(`cannot write ${label}: nothing read for ${Math.round(stallMs / 1000)} s; output stopped`);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
