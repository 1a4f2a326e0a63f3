import { readFile, readdir, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { RefusedError } from '../../errors.js';
import { sha256 } from '../../safe-fs/read.js';
import { AnchoredDir, TEMP_MARK, TEMP_SUFFIX } from '../../safe-fs/write.js';
import { deniedWrite, describeController, walkPath } from '../../safe-fs/walk.js';
import type { BackupSet, FileAction } from './backup-set.js';

/**
 * Undo one file action of a set. Rollback restores only over what apply left there: the very
 * file it wrote (device, inode and content), in the very directory it wrote it in. Anything
 * else (a line the user added since, a file swapped for a symlink, a directory moved away) is
 * kept as it is: the backup is saved beside it as a root-only conflict copy, and the rollback
 * says so. A rollback never writes where the path's owners could not write themselves.
 */

export type RestoreOutcome = { kind: 'restored' | 'removed' | 'unchanged' | 'conflict'; message: string };

function conflictName(action: FileAction, set: BackupSet): string {
  return `${basename(action.path)}.clawmoat-conflict-${set.id}`;
}

/** The path must still lead where it did, through directories its owners could write. */
function pathProblem(path: string): string | undefined {
  try {
    const walk = walkPath(path);
    if (walk.real !== path) return `it now leads to ${walk.real}`;
    const denied = deniedWrite(walk);
    return denied === undefined ? undefined : `${describeController(denied)} controls the path but could not write ${dirname(path)}`;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function restoreFile(set: BackupSet, action: FileAction): Promise<RestoreOutcome> {
  const backupPath = set.backupPath(action);
  const keep = (why: string): RestoreOutcome => ({ kind: 'conflict', message: `${action.path}: ${why}; kept as it is${backupPath ? `, the version from before apply stays in ${backupPath}` : ''}` });
  const problem = pathProblem(action.path);
  if (problem) return keep(problem);
  let dir: AnchoredDir;
  try {
    dir = await AnchoredDir.open(dirname(action.path), action.parentDev && action.parentIno ? { dev: action.parentDev, ino: action.parentIno } : undefined);
  } catch (error) {
    if (error instanceof RefusedError) return keep('its directory was replaced after apply');
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return action.existed ? keep('its directory is gone') : { kind: 'unchanged', message: `${action.path}: already gone` };
    throw error;
  }
  try {
    const name = basename(action.path);
    await removeStaleTemps(dir, name);
    const current = await dir.entry(name);
    const content = current?.isFile() && current.nlink === 1n ? await dir.content(name, current) : undefined;
    const hash = content ? sha256(content) : undefined;
    // What apply left: the file it wrote (or that ufw's commands rewrote, read when apply ended),
    // else, for an apply killed mid-write, the content it was about to write.
    const left = action.written
      ? current !== undefined && String(current.dev) === action.written.dev && String(current.ino) === action.written.ino && hash === action.written.sha256
      : hash !== undefined && (action.planned === undefined || hash === action.planned);
    if (action.existed) {
      if (hash !== undefined && hash === action.sha256) return { kind: 'unchanged', message: `${action.path}: already as before apply` };
      if (!left) {
        const copy = conflictName(action, set);
        const saved = await dir.createNew(copy, await readBackup(set, action), 0o600).then(
          () => true,
          (error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? true : false),
        );
        return { kind: 'conflict', message: `${action.path} changed after apply (${current ? (current.isSymbolicLink() ? 'it is a symbolic link now' : 'someone edited or replaced it') : 'it was removed'}): kept as it is; the version from before apply is ${saved ? `saved beside it as ${copy} (root-only)` : `in ${backupPath}`}` };
      }
      await dir.install(name, await readBackup(set, action), { mode: action.mode ?? 0o644, ...(action.uid !== undefined ? { uid: action.uid, gid: action.gid ?? action.uid } : {}) });
      return { kind: 'restored', message: `restored ${action.path}` };
    }
    if (!current) return { kind: 'unchanged', message: `${action.path}: already gone` };
    if (!left) return { kind: 'conflict', message: `${action.path} was created by apply and changed since: kept as it is` };
    await dir.remove(name);
    return { kind: 'removed', message: `removed ${action.path} (it did not exist before)` };
  } finally {
    await dir.close();
  }
}

async function readBackup(set: BackupSet, action: FileAction): Promise<Buffer> {
  const backup = set.backupPath(action);
  if (!backup) throw new Error(`journal entry ${action.id} for ${action.path} has no backup`);
  const content = await readFile(backup);
  if (action.sha256 && sha256(content) !== action.sha256) throw new Error(`backup ${backup} of ${action.path} is damaged (checksum mismatch); not restoring it`);
  return content;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp files a killed writer left beside the file; those of live processes may be mid-write and stay. */
async function removeStaleTemps(dir: AnchoredDir, name: string): Promise<void> {
  const prefix = `.${name.slice(0, 180)}${TEMP_MARK}`;
  for (const entry of await readdir(dir.path('.')).catch(() => [] as string[])) {
    if (!entry.startsWith(prefix) || !entry.endsWith(TEMP_SUFFIX)) continue;
    const match = /^(\d+)-[0-9a-f]+$/.exec(entry.slice(prefix.length, -TEMP_SUFFIX.length));
    if (match && !pidAlive(Number(match[1]))) await unlink(dir.path(entry)).catch(() => undefined);
  }
}
