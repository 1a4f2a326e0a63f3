import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeFileDurably, removeStaleTemps, writeFileAtomic } from './atomic-write.js';
import type { BackupSet, CommandRunner } from './backup-set.js';
import { isSameProcessAlive, processIdentity, type ProcessIdentity } from './process-identity.js';
import { restoreScript, systemNetfilter, type NetfilterIo } from './ruleset.js';

/**
 * Undo a backup set: visit its journaled actions newest first, restore each file from its
 * backup (atomically, with the original mode and owner), delete files that did not exist
 * before, and run each started command's undo commands. Progress goes into the journal
 * per action, so a rollback that is itself killed continues where it stopped, and a
 * rollback of a set already rolled back does nothing.
 *
 * Undo commands may run more than once (killed after running, before the journal said so)
 * and may run for a command that never ran (killed after journaling it): they must be safe
 * in both cases, as `ufw delete <rule>` and `ufw --force disable` are.
 */

export interface RollbackOptions {
  runCommand: CommandRunner;
  /** Progress lines, e.g. for the dead-man watcher's log. */
  log?: (line: string) => void;
  /** Reads and restores the filter tables (ruleset actions); default: iptables-save/-restore. */
  netfilter?: NetfilterIo;
}

export interface RollbackResult {
  /** `incomplete`: some actions failed to undo (see errors); running rollback again retries them. */
  status: 'rolled-back' | 'already-rolled-back' | 'incomplete';
  restored: string[];
  removed: string[];
  commands: string[][];
  errors: string[];
}

const LOCK = 'rollback.lock';

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

/** Runs a command with the output going where ours goes; rejects on a non-zero exit. */
export const spawnRunner: CommandRunner = (argv) =>
  new Promise((resolvePromise, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('empty command'));
    const child = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${argv.join(' ')} failed (${signal ? `signal ${signal}` : `exit ${String(code)}`})`));
    });
  });

/**
 * One rollback at a time per set (the dead-man watcher and a hand-run `--rollback` can meet).
 * The lock file appears whole via link(2), which fails if it exists; a lock whose holder
 * (PID + start time) is gone was left by a killed rollback and is taken over.
 */
async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const me: ProcessIdentity = processIdentity(process.pid) ?? { pid: process.pid, startTime: 'unknown' };
  const lock = join(dir, LOCK);
  const temp = join(dir, `.${LOCK}.${process.pid}.tmp`);
  await writeFile(temp, JSON.stringify(me), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temp, lock);
        return async () => {
          await unlink(lock).catch(() => undefined);
        };
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw error;
      }
      let holder: ProcessIdentity | undefined;
      try {
        holder = JSON.parse(await readFile(lock, 'utf8')) as ProcessIdentity;
      } catch {
        holder = undefined;
      }
      if (holder && isSameProcessAlive(holder)) throw new Error(`a rollback of ${dir} is already running (pid ${holder.pid})`);
      await unlink(lock).catch(() => undefined);
    }
    throw new Error(`could not take the rollback lock in ${dir}`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function rollback(set: BackupSet, options: RollbackOptions): Promise<RollbackResult> {
  const log = options.log ?? (() => undefined);
  const result: RollbackResult = { status: 'rolled-back', restored: [], removed: [], commands: [], errors: [] };
  const release = await acquireLock(set.dir);
  try {
    // The caller's copy may predate another process's rollback or confirm.
    await set.reload();
    if (set.status === 'rolled-back') {
      result.status = 'already-rolled-back';
      return result;
    }
    await set.finish('rolling-back');
    for (const action of set.journal.actions.reverse()) {
      if (action.rollback?.state === 'done') continue;
      try {
        if (action.kind === 'file') {
          if (action.existed) {
            const backup = set.backupPath(action);
            if (!backup) throw new Error(`journal entry ${action.id} for ${action.path} has no backup`);
            const content = await readFile(backup);
            if (action.sha256 && sha256(content) !== action.sha256) throw new Error(`backup ${backup} of ${action.path} is damaged (checksum mismatch); not restoring it`);
            await writeFileAtomic(action.path, content, { mode: action.mode, uid: action.uid, gid: action.gid });
            result.restored.push(action.path);
            log(`restored ${action.path}`);
          } else {
            await removeFileDurably(action.path);
            result.removed.push(action.path);
            log(`removed ${action.path} (it did not exist before)`);
          }
          await removeStaleTemps(action.path);
        } else if (action.kind === 'ruleset') {
          const io = options.netfilter ?? systemNetfilter;
          for (const save of action.saves) {
            const before = await readFile(join(set.dir, save.backup));
            if (sha256(before) !== save.sha256) throw new Error(`backup ${save.backup} of the IPv${save.family} ruleset is damaged (checksum mismatch); not restoring it`);
            const script = restoreScript(before.toString('utf8'), await io.save(save.family), action.chains);
            if (script === undefined) continue;
            await io.restore(save.family, script);
            log(`restored the IPv${save.family} filter chains ${['INPUT', 'FORWARD', 'OUTPUT', 'ufw*', ...action.chains].join(', ')}`);
          }
        } else {
          // Journal the start first: a killed rollback then knows these undos may have run.
          await set.markRollback(action.id, { state: 'started' });
          for (const undo of action.undo) {
            log(`running ${undo.join(' ')}`);
            await options.runCommand(undo);
            result.commands.push(undo);
          }
        }
        await set.markRollback(action.id, { state: 'done' });
      } catch (error) {
        // Keep going: restoring the other files (sshd, the firewall) matters more than stopping at the first failure.
        const message = `${action.kind === 'file' ? action.path : action.kind === 'ruleset' ? 'the firewall ruleset' : action.run.join(' ')}: ${(error as Error).message}`;
        result.errors.push(message);
        log(`error: ${message}`);
        await set.markRollback(action.id, { state: 'started', error: (error as Error).message });
      }
    }
    if (result.errors.length > 0) {
      result.status = 'incomplete';
      return result;
    }
    await set.finish('rolled-back');
    return result;
  } finally {
    await release();
  }
}
