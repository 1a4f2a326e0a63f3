import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../errors.js';
import { isSameProcessAlive, processIdentity, type ProcessIdentity } from './process-identity.js';

/**
 * One holder at a time for something in the state directory (an apply, a set's rollback).
 * The lock file appears whole via link(2), which fails if it exists; a lock whose holder
 * (PID and start time) is gone was left by a killed run and is taken over.
 *
 * Taking over is where two runs could both win: each reads the stale lock, one removes it and
 * links its own, the other then removes that fresh lock believing it the stale one. So only the
 * run that creates the stale lock's claim (link(2) again, named by the stale file's inode) may
 * remove it, and only while the lock is still that very file with that very content.
 */
/** The lock is held by a live process: the caller refuses rather than waits. */
export class LockHeldError extends UserError {}

/** How long a run waits for another run's takeover of a stale lock (it takes milliseconds). */
const TAKEOVER_WAIT_MS = 10;
const ATTEMPTS = 200;

interface LockFile {
  ino: number;
  text: string;
}

/** The lock as it is now, the inode and the text read from one descriptor; undefined when there is none. */
async function readLock(path: string): Promise<LockFile | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino } = await handle.stat();
    return { ino, text: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

function holderOf(text: string): ProcessIdentity | undefined {
  try {
    return JSON.parse(text) as ProcessIdentity;
  } catch {
    // Unreadable: a lock file no run of ours wrote whole; taken over like a dead holder's.
    return undefined;
  }
}

/** Removes the stale lock if this run wins its claim; false when another run is taking it over. */
async function takeOver(lock: string, claim: string, mine: string, stale: LockFile): Promise<boolean> {
  try {
    await link(mine, claim);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const now = await readLock(lock);
    // Still the stale file, unchanged: no run can have replaced it, since only the claim's holder removes it.
    if (now && now.ino === stale.ino && now.text === stale.text) await unlink(lock);
    return true;
  } finally {
    await unlink(claim).catch(() => undefined);
  }
}

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
  let claim: string | undefined;
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        await link(temp, lock);
        return async () => {
          await unlink(lock).catch(() => undefined);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const stale = await readLock(lock);
      if (!stale) continue;
      const holder = holderOf(stale.text);
      if (holder && isSameProcessAlive(holder)) throw new LockHeldError(`refused: ${what} is already running (pid ${holder.pid}); wait for it to finish`);
      claim = join(dir, `.${name}.takeover-${stale.ino}`);
      if (!(await takeOver(lock, claim, temp, stale))) await sleep(TAKEOVER_WAIT_MS);
    }
    const stuck = claim ? ` (a takeover of it by a run that is gone left ${claim})` : '';
    throw new UserError(`could not take the lock ${lock} for ${what}${stuck}; remove it if no clawmoat runs`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
