import { readFile, readdir, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { RefusedError } from '../../errors.js';
import { DEFAULT_MAX_BYTES, sha256 } from '../../safe-fs/read.js';
import { AnchoredDir, TEMP_MARK, TEMP_SUFFIX } from '../../safe-fs/write.js';
import { deniedWrite, describeController, walkPath } from '../../safe-fs/walk.js';
import type { BackupSet, FileAction, FileState } from './backup-set.js';

export type { FileState };

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
function pathProblem(path: string): { problem?: string; userControlled: boolean } {
  try {
    const walk = walkPath(path);
    if (walk.real !== path) return { problem: `it now leads to ${walk.real}`, userControlled: true };
    const denied = deniedWrite(walk);
    return {
      ...(denied === undefined ? {} : { problem: `${describeController(denied)} controls the path but could not write ${dirname(path)}` }),
      userControlled: walk.controllers.size > 0,
    };
  } catch (error) {
    return { problem: (error as Error).message, userControlled: true };
  }
}

async function openDir(action: FileAction): Promise<AnchoredDir | string> {
  try {
    return await AnchoredDir.open(dirname(action.path), action.parentDev && action.parentIno ? { dev: action.parentDev, ino: action.parentIno } : undefined);
  } catch (error) {
    if (error instanceof RefusedError) return 'its directory was replaced after apply';
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'its directory is gone';
    throw error;
  }
}

/**
 * Look at a file action's path now. Rollback looks at every file before it runs any undo
 * command: ufw's own undo commands rewrite user.rules, and what decides is whether the file
 * was still what apply left when the rollback began.
 */
/**
 * How much of a file rollback reads: a file longer than both what apply left and the backup is
 * neither, and is never read whole (its owner can grow it, sparse, to gigabytes). Backups and
 * files sealed after apply were read under DEFAULT_MAX_BYTES; older journals lack the sizes.
 */
function readLimit(action: FileAction): number {
  return Math.max(DEFAULT_MAX_BYTES, action.size ?? 0, action.plannedSize ?? 0, action.written?.size ?? 0);
}

export async function fileState(action: FileAction): Promise<FileState> {
  const { problem, userControlled } = pathProblem(action.path);
  const base = { userControlled, exists: false, left: false, original: false };
  if (problem) return { ...base, problem, description: problem };
  const dir = await openDir(action);
  if (typeof dir === 'string') return { ...base, ...(action.existed ? { problem: dir } : {}), description: dir };
  try {
    const name = basename(action.path);
    const current = await dir.entry(name);
    const read = current?.isFile() && current.nlink === 1n ? await dir.content(name, current, readLimit(action)) : undefined;
    const content = Buffer.isBuffer(read) ? read : undefined;
    const hash = content ? sha256(content) : undefined;
    // What apply left: the file it wrote (or that ufw's commands rewrote, read when apply ended),
    // else, for an apply killed mid-write, the content it was about to write.
    const left = action.written
      ? current !== undefined && String(current.dev) === action.written.dev && String(current.ino) === action.written.ino && hash === action.written.sha256
      : hash !== undefined && (action.planned === undefined || hash === action.planned);
    const description = !current
      ? 'it was removed'
      : current.isSymbolicLink()
        ? 'it is a symbolic link now'
        : read === 'too-large'
          ? `it grew to ${current.size} bytes`
          : 'someone edited or replaced it';
    return {
      userControlled,
      exists: current !== undefined,
      left,
      original: hash !== undefined && hash === action.sha256,
      ...(hash ? { hash } : {}),
      description,
    };
  } finally {
    await dir.close();
  }
}

/** Undo one file action, judged by `before`: its state when the rollback began (fileState). */
export async function restoreFile(set: BackupSet, action: FileAction, before: FileState): Promise<RestoreOutcome> {
  const backupPath = set.backupPath(action);
  const keep = (why: string): RestoreOutcome => ({
    kind: 'conflict',
    message: `${action.path}: ${why}; kept as it is${backupPath ? `, the version from before apply stays in ${backupPath}` : ''}`,
  });
  if (before.problem) return keep(before.problem);
  const dir = await openDir(action);
  if (typeof dir === 'string') return action.existed ? keep(dir) : { kind: 'unchanged', message: `${action.path}: already gone` };
  try {
    const name = basename(action.path);
    // Whatever the outcome, no temp file of a killed apply stays behind.
    await removeStaleTemps(dir, name);
    if (action.existed && before.original) return { kind: 'unchanged', message: `${action.path}: already as before apply` };
    if (!action.existed && !before.exists) return { kind: 'unchanged', message: `${action.path}: already gone` };
    const now = await fileState(action);
    if (now.problem) return keep(now.problem);
    // A file someone else could change must still be what it was when the rollback began; one only
    // root can change may have been rewritten by the rollback's own undo commands (ufw's files).
    if (before.left && before.userControlled && now.hash !== before.hash) return keep('it changed while the rollback ran');
    if (action.existed) {
      if (!before.left) {
        const copy = conflictName(action, set);
        const saved = await dir.createNew(copy, await readBackup(set, action), 0o600).then(
          () => true,
          (error: NodeJS.ErrnoException) => error.code === 'EEXIST',
        );
        return {
          kind: 'conflict',
          message: `${action.path} changed after apply (${before.description}): kept as it is; the version from before apply is ${saved ? `saved beside it as ${copy} (root-only)` : `in ${backupPath}`}`,
        };
      }
      await dir.install(name, await readBackup(set, action), {
        mode: action.mode ?? 0o644,
        ...(action.uid !== undefined ? { uid: action.uid, gid: action.gid ?? action.uid } : {}),
      });
      return { kind: 'restored', message: `restored ${action.path}` };
    }
    if (!before.left) return { kind: 'conflict', message: `${action.path} was created by apply and changed since: kept as it is` };
    if (now.exists) await dir.remove(name);
    return { kind: 'removed', message: `removed ${action.path} (it did not exist before)` };
  } finally {
    await dir.close();
  }
}

async function readBackup(set: BackupSet, action: FileAction): Promise<Buffer> {
  const backup = set.backupPath(action);
  if (!backup) throw new Error(`journal entry ${action.id} for ${action.path} has no backup`);
  const content = await readFile(backup);
  if (action.sha256 && sha256(content) !== action.sha256)
    throw new Error(`backup ${backup} of ${action.path} is damaged (checksum mismatch); not restoring it`);
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
