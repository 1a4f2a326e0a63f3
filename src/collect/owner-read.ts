import type { Collected } from '../snapshot/types.js';
import type { ReadOptions, SafeRead } from '../safe-fs/read.js';
import { hostFacts, listDir, pathOwners, readDir, readSafe, readText, unavailable, type DirEntry } from './host.js';
import { processIds } from './proc.js';

/**
 * Files another process names (its argv, environment, working directory or home) are read only
 * as that process's owner could read them. The path is the owner's choice: a title such as
 * `rinetd -c /etc/shadow` costs nothing to fake, so root must not read, parse or quote what the
 * owner could not have read. The one home of that rule for every collector (doors, sshd, OpenClaw).
 *
 * Why a check of mode bits and not a read under setpriv: the check goes through HostAccess, so a
 * recording of another host (the collection script records `owners PATH`) answers it as this
 * machine does. It cannot race usefully: the safe reader that follows re-walks the path and
 * refuses anything a non-root owner of a component could not read, so only a path root controls
 * all the way is judged by this check, and only root can change it.
 */

/** Who a process runs as, for file access (the fsuid, fsgid and groups of /proc/PID/status). */
export interface Owner {
  uid: number;
  gids: number[];
}

export async function ownerOf(pid: number): Promise<Owner | undefined> {
  const ids = await processIds(pid);
  const [uid, gid] = [ids?.uid[3], ids?.gid[3]];
  return uid === undefined || gid === undefined ? undefined : { uid, gids: [gid, ...ids!.groups] };
}

/**
 * Could OWNER read this path (search every directory on the way, read or list the last)? Mode
 * bits only (no ACLs: a denial there fails closed). Anything that cannot be examined is not
 * readable: only a path that does not exist passes, for the reader to report as missing.
 */
export async function ownerMayRead(path: string, owner: Owner, last: 'read' | 'list'): Promise<boolean> {
  const found = await pathOwners(path);
  if (!found.ok) return found.missing;
  return found.chain.every((st, i) => {
    const bits = i < found.chain.length - 1 ? 1 : last === 'read' ? 4 : 5;
    const granted = st.uid === owner.uid ? (st.mode >> 6) & 7 : owner.gids.includes(st.gid) ? (st.mode >> 3) & 7 : st.mode & 7;
    return (granted & bits) === bits;
  });
}

/**
 * Could OWNER replace this file themselves: write it, or write the directory that holds it (in a
 * sticky directory only an entry or directory they own)? Mode bits only, as ownerMayRead. root
 * editing a file for a user must not do what that user could not: a config path in the user's
 * environment (OPENCLAW_CONFIG_PATH=/etc/docker/daemon.json) must not make root rewrite a root file.
 */
export async function ownerMayWrite(path: string, owner: Owner): Promise<boolean> {
  if (owner.uid === 0) return true;
  const found = await pathOwners(path);
  if (!found.ok) return false;
  const chain = found.chain;
  const granted = (st: { uid: number; gid: number; mode: number }): number =>
    st.uid === owner.uid ? (st.mode >> 6) & 7 : owner.gids.includes(st.gid) ? (st.mode >> 3) & 7 : st.mode & 7;
  const file = chain[chain.length - 1];
  const parent = chain[chain.length - 2];
  if (!file || !parent || !chain.slice(0, -1).every((st) => (granted(st) & 1) === 1)) return false;
  if ((granted(file) & 2) === 2) return true;
  const sticky = (parent.mode & 0o1000) !== 0;
  return (granted(parent) & 3) === 3 && (!sticky || file.uid === owner.uid || parent.uid === owner.uid);
}

/** Reads on behalf of one process: refused (permission-denied, naming the file) where its owner could not read. */
export interface OwnerReader {
  read(path: string, options?: ReadOptions): Promise<Collected<string>>;
  readSafe(path: string, options?: ReadOptions): Promise<SafeRead>;
  list(path: string): Promise<Collected<DirEntry[]>>;
  /** The entry names, or none when the directory cannot be listed (as host.ts's listDir, for a search). */
  names(path: string): Promise<string[]>;
}

/**
 * A reader for the process PID, which `program` names in the reasons (`rinetd (pid 42)`). Only
 * root needs the check: a user running clawmoat reads with their own rights. As root, a process
 * whose owner cannot be read refuses every read: never a read as root for an unknown owner.
 */
export function readerFor(pid: number, program: string): OwnerReader {
  const root = hostFacts().uid === 0;
  let owner: Promise<Owner | undefined> | undefined;
  const refused = async (path: string, last: 'read' | 'list'): Promise<string | undefined> => {
    if (!root) return undefined;
    const o = await (owner ??= ownerOf(pid));
    if (!o) return `the owner of ${program} (pid ${pid}) could not be read from /proc/${pid}/status, so clawmoat does not read ${path} as root`;
    if (o.uid === 0 || (await ownerMayRead(path, o, last))) return undefined;
    return `${path} is not ${last === 'read' ? 'readable' : 'listable'} by the owner of ${program} (uid ${o.uid}), so clawmoat does not ${last} it as root`;
  };
  const list = async (path: string): Promise<Collected<DirEntry[]>> => {
    const why = await refused(path, 'list');
    return why ? unavailable('permission-denied', why) : readDir(path);
  };
  return {
    async read(path, options) {
      const why = await refused(path, 'read');
      return why ? unavailable('permission-denied', why) : readText(path, options);
    },
    async readSafe(path, options) {
      const why = await refused(path, 'read');
      return why ? { ok: false, reason: 'permission-denied', detail: why } : readSafe(path, options);
    },
    list,
    async names(path) {
      return (await refused(path, 'list')) ? [] : listDir(path);
    },
  };
}

/** clawmoat's own reads, for a path root or the admin chose (a system directory, --openclaw-config). */
export const OWN_READS: OwnerReader = {
  read: (path, options) => readText(path, options),
  readSafe: (path, options) => readSafe(path, options),
  list: (path) => readDir(path),
  names: (path) => listDir(path),
};
