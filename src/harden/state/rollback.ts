import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import type { BackupSet, CommandRunner, FileAction } from './backup-set.js';
import { acquireLock } from './lock.js';
import { fileState, restoreFile, type FileState } from './restore-file.js';
import { restoreScript, systemNetfilter, type NetfilterIo } from './ruleset.js';
import { SYSTEM_PATH, undoRefusal } from './undo-commands.js';
import { sha256 } from '../../safe-fs/read.js';

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
  /**
   * Files changed by someone after apply: kept as they are now, the backup saved beside them
   * (or left in the set) and named here, never overwritten without a word.
   */
  conflicts: string[];
  errors: string[];
}

const LOCK = 'rollback.lock';

/** Runs a command with the output going where ours goes; rejects on a non-zero exit. Programs come from the system's own directories. */
export const spawnRunner: CommandRunner = (argv) =>
  new Promise((resolvePromise, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('empty command'));
    const child = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PATH: SYSTEM_PATH } });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${argv.join(' ')} failed (${signal ? `signal ${signal}` : `exit ${String(code)}`})`));
    });
  });

/**
 * A file that cannot be judged is that file's conflict (kept, said), never a throw that stops
 * the undo commands and ruleset restores of every other action.
 */
async function firstLook(action: FileAction): Promise<FileState> {
  try {
    return await fileState(action);
  } catch (error) {
    const problem = `it could not be read to judge it (${(error as Error).message})`;
    return { problem, description: problem, userControlled: true, exists: true, left: false, original: false };
  }
}

export async function rollback(set: BackupSet, options: RollbackOptions): Promise<RollbackResult> {
  const log = options.log ?? (() => undefined);
  const result: RollbackResult = { status: 'rolled-back', restored: [], removed: [], commands: [], conflicts: [], errors: [] };
  const release = await acquireLock(set.dir, LOCK, `a rollback of ${set.dir}`);
  try {
    // The caller's copy may predate another process's rollback or confirm.
    await set.reload();
    if (set.status === 'rolled-back') {
      result.status = 'already-rolled-back';
      return result;
    }
    await set.finish('rolling-back');
    // Newest first; a reload whose undo must load the restored config goes after every file.
    const late = (a: (typeof set.journal.actions)[number]) => a.kind === 'command' && a.undoAfterFiles === true;
    const reversed = set.journal.actions.reverse();
    const actions = [...reversed.filter((a) => !late(a)), ...reversed.filter(late)];
    // Every file as it is before any undo runs: the undo commands rewrite some (ufw's).
    const before = new Map<number, FileState>();
    // Journaled, so a rollback run again after a kill judges each file by the same first look.
    for (const action of actions) {
      if (action.kind !== 'file' || action.rollback?.state === 'done') continue;
      const seen = action.rollback?.before ?? (await firstLook(action));
      before.set(action.id, seen);
      if (!action.rollback?.before) await set.markRollback(action.id, { state: 'started', before: seen });
    }
    for (const action of actions) {
      if (action.rollback?.state === 'done') continue;
      try {
        if (action.kind === 'file') {
          const outcome = await restoreFile(set, action, before.get(action.id)!);
          if (outcome.kind === 'restored') result.restored.push(action.path);
          else if (outcome.kind === 'removed') result.removed.push(action.path);
          else if (outcome.kind === 'conflict') result.conflicts.push(outcome.message);
          if (outcome.kind !== 'unchanged') log(outcome.message);
        } else if (action.kind === 'ruleset') {
          const io = options.netfilter ?? systemNetfilter;
          for (const save of action.saves) {
            const before = await readFile(join(set.dir, save.backup));
            if (sha256(before) !== save.sha256)
              throw new Error(`backup ${save.backup} of the IPv${save.family} ruleset is damaged (checksum mismatch); not restoring it`);
            const now = await io.save(save.family);
            const script = restoreScript(before.toString('utf8'), now, action.chains);
            if (script === undefined) continue;
            // Whatever someone changed after apply is not lost without a word: the ruleset as it is now stays in the set.
            const kept = join('files', `${action.id}.v${save.family}.before-rollback`);
            await writeFileAtomic(join(set.dir, kept), now, { mode: 0o600 });
            await io.restore(save.family, script);
            log(
              `restored the IPv${save.family} filter chains ${['INPUT', 'FORWARD', 'OUTPUT', 'ufw*', ...action.chains].join(', ')} (the ruleset as it was just before is kept in ${join(set.dir, kept)})`,
            );
          }
        } else {
          // Journal the start first: a killed rollback then knows these undos may have run.
          await set.markRollback(action.id, { state: 'started' });
          const refused = action.undo.map(undoRefusal).find(Boolean);
          if (refused) throw new Error(`not running the undo of ${action.run.join(' ')}: ${refused}; the journal may have been tampered with`);
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
        await set.markRollback(action.id, {
          ...(before.has(action.id) ? { before: before.get(action.id)! } : {}),
          state: 'started',
          error: (error as Error).message,
        });
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
