import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { isSameProcessAlive, processIdentity, type ProcessIdentity } from './process-identity.js';

/**
 * One holder at a time for something in the state directory (an apply, a set's rollback).
 * The lock file appears whole via link(2), which fails if it exists; a lock whose holder
 * (PID and start time) is gone was left by a killed run and is taken over.
 */
/** The lock is held by a live process: the caller refuses rather than waits. */
export class LockHeldError extends UserError {}

export async function acquireLock(dir: string, name: string, what: string): Promise<() => Promise<void>> {
  const me: ProcessIdentity = processIdentity(process.pid) ?? { pid: process.pid, startTime: 'unknown' };
  const lock = join(dir, name);
  const temp = join(dir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(me));
  } finally {
    await handle.close();
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temp, lock);
        return async () => {
          await unlink(lock).catch(() => undefined);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: ProcessIdentity | undefined;
      try {
        holder = JSON.parse(await readFile(lock, 'utf8')) as ProcessIdentity;
      } catch {
        holder = undefined;
      }
      if (holder && isSameProcessAlive(holder)) throw new LockHeldError(`refused: ${what} is already running (pid ${holder.pid}); wait for it to finish`);
      await unlink(lock).catch(() => undefined);
    }
    throw new UserError(`could not take the lock ${lock} for ${what}; remove it if no clawmoat runs`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
