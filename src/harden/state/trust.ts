import { lstat, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RefusedError } from '../../errors.js';
import { WalkError, walkPath, describeController } from '../../safe-fs/walk.js';

/**
 * The state directory holds backups (with the tokens they replaced), journals whose undo
 * commands root runs, and the dead-man timer's records. It is trusted only when no one but
 * root (or, for a non-root run, the user running clawmoat) could have written anything in it
 * or swapped any directory on the way to it: every component owned by root, none writable by
 * group or others. A root-owned sticky directory on the way (/tmp) is allowed, as systemd
 * allows it: only an entry's owner may rename or remove that entry there.
 */

function refuse(dir: string, why: string): never {
  throw new RefusedError(
    `refused: the state directory ${dir} is not safe for root: ${why}; use a directory only root can write (the default is /var/lib/clawmoat)`,
  );
}

async function check(dir: string, euid: number): Promise<boolean> {
  let walk;
  try {
    walk = walkPath(dir, euid);
  } catch (error) {
    if (error instanceof WalkError && error.code === 'not-found') return false;
    if (error instanceof WalkError) refuse(dir, error.message);
    throw error;
  }
  if (walk.controllers.size > 0) refuse(dir, `${describeController([...walk.controllers][0]!)} could change it or a directory on the way`);
  if (!walk.final) return false;
  if (!walk.final.isDirectory()) refuse(dir, 'it is not a directory');
  const owner = Number(walk.final.uid);
  if (owner !== 0 && owner !== euid) refuse(dir, `it is owned by uid ${owner}`);
  if ((walk.final.mode & 0o022n) !== 0n)
    refuse(dir, `it is writable by ${(walk.final.mode & 0o002n) !== 0n ? 'others' : 'its group'} (mode ${(walk.final.mode & 0o7777n).toString(8)})`);
  return true;
}

/** The state directory, created (0700) when missing; refuses with one line when it is not safe. */
export async function trustedStateDir(option: string): Promise<string> {
  const dir = resolve(option);
  const euid = process.geteuid?.() ?? 0;
  if (await check(dir, euid)) return dir;
  // Missing: the nearest existing ancestor must be safe, then everything below is ours.
  let ancestor = dirname(dir);
  while (
    ancestor !== '/' &&
    !(await lstat(ancestor).then(
      () => true,
      () => false,
    ))
  )
    ancestor = dirname(ancestor);
  await check(ancestor, euid);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await check(dir, euid))) refuse(dir, 'it could not be created');
  return dir;
}
