import { lstatSync, readlinkSync, type BigIntStats } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { groupsOf } from './accounts.js';

/**
 * Resolve a path the way the kernel would, one component at a time, and note who could have
 * changed where it leads: every non-root owner of a directory, symlink or file on the way.
 * A root process that reads or writes through such a path acts for those owners, so it must
 * not reach anything they could not reach themselves (systemd's "unsafe transition" rule,
 * sudoedit's refusal of user-writable directories). The walk is only advice: it can race.
 * What makes it safe is that read.ts and write.ts then act on a file descriptor and check
 * that its device and inode are the ones the walk approved.
 */

/** A uid that controls part of a path; ANYONE when a directory on it is writable by group or others. */
export const ANYONE = -1;

export interface PathWalk {
  /** The path with every symlink resolved. */
  real: string;
  /** lstat of the last component; undefined when it does not exist. */
  final?: BigIntStats;
  /** stat of the directory that holds the last component. */
  parent: BigIntStats;
  /** Every directory searched on the way, the parent last. */
  dirs: BigIntStats[];
  /** Non-root uids (or ANYONE) that own, or may write, a component on the way. */
  controllers: Set<number>;
}

export class WalkError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'not-a-directory' | 'loop' | 'unsafe',
  ) {
    super(message);
  }
}

const MAX_LINKS = 40;
/** Links whose target is not a path but a process's view (its root, cwd, open files). */
const PROC_MAGIC = /^\/proc\/(?:\d+|self|thread-self)(?:\/task\/\d+)?\/(?:root|cwd|exe|fd\/\d+|map_files\/.*)$/;

const S_ISVTX = 0o1000n;

function lstat(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new WalkError(`${path}: a component of the path is not a directory`, 'not-a-directory');
    throw error;
  }
}

/** Who besides root may change the entries of this directory. */
function writersOf(dir: BigIntStats, controllers: Set<number>, euid: number): void {
  if (dir.uid !== 0n && Number(dir.uid) !== euid) controllers.add(Number(dir.uid));
  const groupWritable = (dir.mode & 0o020n) !== 0n && dir.gid !== 0n;
  const otherWritable = (dir.mode & 0o002n) !== 0n;
  // In a sticky directory (/tmp) only an entry's owner may rename or remove it: the entry's
  // own owner is then what counts, and walk() notes it.
  if ((groupWritable || otherWritable) && (dir.mode & S_ISVTX) === 0n) controllers.add(ANYONE);
}

export function walkPath(input: string, euid: number = process.geteuid?.() ?? 0): PathWalk {
  const controllers = new Set<number>();
  const root = lstatSync('/', { bigint: true });
  const dirs: BigIntStats[] = [root];
  const queue = resolve(input).split('/').filter(Boolean);
  let current = '/';
  let currentStat = root;
  let links = 0;
  let final: BigIntStats | undefined;
  let last = '';
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      current = dirname(current);
      currentStat = lstatSync(current, { bigint: true });
      continue;
    }
    const next = join(current, name);
    last = name;
    const st = lstat(next);
    if (!st) {
      if (queue.length === 0) break;
      throw new WalkError(`${next} does not exist`, 'not-found');
    }
    if (st.isSymbolicLink()) {
      // Whoever owns a link decides where the path goes on. A regular file's owner only decides its content.
      if (st.uid !== 0n && Number(st.uid) !== euid) controllers.add(Number(st.uid));
      if (++links > MAX_LINKS) throw new WalkError(`${input}: too many levels of symbolic links`, 'loop');
      if (PROC_MAGIC.test(next)) throw new WalkError(`${input} goes through ${next}, a view into another process; name the file by its own path`, 'unsafe');
      const target = readlinkSync(next);
      if (isAbsolute(target)) current = '/';
      queue.unshift(...target.split('/').filter(Boolean));
      if (current === '/') currentStat = root;
      last = '';
      continue;
    }
    if (queue.length === 0) {
      final = st;
      break;
    }
    if (!st.isDirectory()) throw new WalkError(`${next} is not a directory`, 'not-a-directory');
    writersOf(st, controllers, euid);
    dirs.push(st);
    current = next;
    currentStat = st;
  }
  const real = last ? join(current, last) : current;
  return { real, parent: currentStat, dirs, controllers, ...(final ? { final } : {}) };
}

/** What a uid may do with a file, by its mode bits (ACLs are not read: a denial there fails closed). */
function allowed(st: BigIntStats, uid: number, bit: 4n | 2n | 1n): boolean {
  if (uid === 0) return true;
  if (uid !== ANYONE && Number(st.uid) === uid) return (st.mode & (bit << 6n)) !== 0n;
  if (uid !== ANYONE && groupsOf(uid).has(Number(st.gid))) return (st.mode & (bit << 3n)) !== 0n;
  return (st.mode & bit) !== 0n;
}

export function describeController(uid: number): string {
  return uid === ANYONE ? 'any local user (a directory on the way is writable by group or others)' : `uid ${uid}`;
}

/** The first controller that could not read the file itself, or undefined when all could. */
export function deniedRead(walk: PathWalk): number | undefined {
  for (const uid of walk.controllers) {
    if (!walk.dirs.every((d) => allowed(d, uid, 1n))) return uid;
    if (walk.final && !allowed(walk.final, uid, 4n)) return uid;
  }
  return undefined;
}

/** The first controller that could not replace the file itself (write the directory that holds it), or undefined. */
export function deniedWrite(walk: PathWalk): number | undefined {
  for (const uid of walk.controllers) {
    if (!walk.dirs.every((d) => allowed(d, uid, 1n))) return uid;
    if (!allowed(walk.parent, uid, 2n)) return uid;
    const sticky = (walk.parent.mode & S_ISVTX) !== 0n;
    if (sticky && walk.final && uid !== ANYONE && Number(walk.final.uid) !== uid && Number(walk.parent.uid) !== uid) return uid;
  }
  return undefined;
}
