import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { sanitize } from '../report/common.js';
import { ApplyFailed, applyPlan, quietRunner } from './apply.js';
import { armOrRollBack } from './arm.js';
import { BackupSet, KEEP_BACKUP_SETS, latestBackupSet, listBackupSets, pruneBackupSets, type CommandRunner } from './state/backup-set.js';
import { blocksNewApply, confirm, deadmanStatus, mayRollBack, runDeadmanWatcher, type ArmOptions } from './state/deadman.js';
import { acquireLock, LockHeldError } from './state/lock.js';
import { rollback, type RollbackResult } from './state/rollback.js';
import { trustedStateDir } from './state/trust.js';
import type { Verdict } from './verify.js';
import type { Plan } from './types.js';

/**
 * What `clawmoat harden` does once its flags are read: the verbs that use the state directory
 * (--history, --confirm, --rollback, the dead-man watcher) and the apply session (lock, checks,
 * the question, apply, the timer, verification or confirmation). Each takes its I/O and returns
 * an exit code; the CLI only maps flags to a call. Exit codes: 0 done, 1 refused or rolled
 * back, 2 (a thrown UserError) the user's mistake.
 */

export interface SessionIo {
  out(text: string): void;
  err(text: string): void;
  /** A yes/no question on the terminal; undefined when there is no terminal to ask on. */
  ask?: (question: string) => Promise<boolean>;
  /** Runs the commands of apply and rollback; default: quietly, from the system's directories. */
  runner?: CommandRunner;
  /** Called once the user has agreed, just before the first change. */
  onApplyStart?: () => void;
  /** Starts the dead-man watcher; default: a transient unit or a detached process (deadman.ts). */
  arm?: (options: ArmOptions) => Promise<unknown>;
}

/**
 * The lines a rollback owes its user: what it kept because someone changed it after apply. The
 * paths are the host's (a gateway user's config name): an ESC or CR in one must not rewrite the
 * line into "restored" on the admin's terminal, so each line is sanitized, one line each.
 */
export function rollbackSummary(label: string, result: RollbackResult): string {
  const counts = `restored ${result.restored.length} file(s), removed ${result.removed.length}, undid ${result.commands.length} command(s)`;
  return [`${label}: ${result.status}; ${counts}`, ...result.conflicts.map((c) => `kept: ${c}`)].map((line) => sanitize(line)).join('\n') + '\n';
}

export async function history(stateDirOption: string, json: boolean, io: SessionIo): Promise<number> {
  const stateDir = await trustedStateDir(stateDirOption);
  const sets = await listBackupSets(stateDir);
  const kept = `the newest ${KEEP_BACKUP_SETS} sets are kept; older confirmed or rolled-back ones are removed when harden next applies, confirms or rolls back`;
  io.out(
    json
      ? `${JSON.stringify({ sets, keep: KEEP_BACKUP_SETS }, null, 2)}\n`
      : sets.length === 0
        ? `no backup sets in ${stateDir}\n`
        : `${sets.map((s) => `${s.id}  ${s.status}  ${s.createdAt}  ${s.dir}`).join('\n')}\n(${kept})\n`,
  );
  return 0;
}

export async function confirmLast(stateDirOption: string, io: SessionIo): Promise<number> {
  const stateDir = await trustedStateDir(stateDirOption);
  const result = await confirm(stateDir);
  io.err(`kept: ${result.setDir}${result.alreadyConfirmed ? ' (already confirmed)' : ''}\n`);
  await pruneBackupSets(stateDir);
  return 0;
}

export async function rollbackLast(stateDirOption: string, io: SessionIo): Promise<number> {
  const stateDir = await trustedStateDir(stateDirOption);
  const set = await latestBackupSet(stateDir);
  if (!set) throw new UserError(`nothing to roll back: no backup set in ${stateDir}`);
  const result = await rollback(set, { runCommand: io.runner ?? quietRunner });
  io.err(rollbackSummary(`rollback of ${set.id}`, result));
  if (result.errors.length > 0) throw new UserError(`rollback incomplete: ${result.errors.join('; ')} (run --rollback again)`);
  await pruneBackupSets(stateDir);
  return 0;
}

/** The dead-man watcher's own run (`harden --deadman-fire SET`), started by apply. */
export async function deadmanFire(setDir: string, io: Pick<SessionIo, 'runner'> = {}): Promise<number> {
  // The set lives in <state>/backups/<set>: that state directory must be safe, whatever the default is.
  await trustedStateDir(dirname(dirname(resolve(setDir))));
  try {
    await runDeadmanWatcher(setDir, { runCommand: io.runner ?? quietRunner });
  } catch (error) {
    // A directory that is not an armed backup set: the caller's mistake, said in one line.
    if (/no dead-man timer was armed/.test((error as Error).message)) throw new UserError((error as Error).message);
    throw error;
  }
  return 0;
}

export interface ApplyRequest {
  plan: Plan;
  stateDir: string;
  /** The dead-man timer; 0: none, the changes are kept at once. */
  seconds: number;
  /** Do not ask (unattended). */
  yes: boolean;
  isRoot: boolean;
  /** --verify: probe from elsewhere after apply; kept only if this says so. */
  verify?: () => Promise<Verdict>;
}

/**
 * From the first change until the dead-man timer is armed, a signal must not end the process
 * with the host half changed and nothing to take the changes back (a Ctrl-C, logind's or a
 * `timeout`'s SIGTERM). Each is noted instead; apply stops after the running step and rolls back.
 */
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const;

function holdInterrupts(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    // A second signal only queues: the rollback the first one started must finish.
    if (!controller.signal.aborted) controller.abort(name);
  };
  for (const name of INTERRUPTS) process.on(name, onSignal);
  return { signal: controller.signal, release: () => INTERRUPTS.forEach((name) => process.off(name, onSignal)) };
}

/** Apply a plan the user has seen: refused (1) while another apply runs or waits, or when the plan would lock them out. */
export async function applySession(request: ApplyRequest, io: SessionIo): Promise<number> {
  const { plan, seconds } = request;
  const runner = io.runner ?? quietRunner;
  const stateDir = await trustedStateDir(request.stateDir);
  // One apply at a time, from the check of the last one until this one's timer is armed: a
  // second apply would back up the first one's result as "before".
  let unlock: () => Promise<void>;
  try {
    unlock = await acquireLock(stateDir, 'apply.lock', 'another clawmoat harden --apply');
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    io.err(`clawmoat: ${sanitize(error.message)}\n`);
    return 1;
  }
  let set: BackupSet;
  try {
    const last = await latestBackupSet(stateDir);
    const waiting = last && blocksNewApply(last, await deadmanStatus(last.dir));
    if (waiting) {
      io.err(`clawmoat: refused: ${sanitize(waiting)}\n`);
      return 1;
    }
    if (plan.steps.filter((s) => !(s.kind === 'command' && s.manual)).length === 0) {
      io.err('nothing to apply\n');
      return 0;
    }
    if (plan.lockout && plan.lockout.status !== 'safe') {
      io.err(
        `clawmoat: refused: ${plan.lockout.status === 'refused' ? 'this plan would lock you out' : 'the lockout check could not decide'}: ${plan.lockout.reason}. Skip the firewall steps (--skip ufw) or fix the cause first.\n`,
      );
      return 1;
    }
    if (!request.isRoot) throw new UserError('applying needs root (it writes system files and runs ufw): sudo clawmoat harden --apply');
    if (!request.yes) {
      if (!io.ask) throw new UserError('no terminal to ask on: add --yes to apply unattended');
      if (!(await io.ask(`Apply these ${plan.steps.length} step(s)? [y/N] `))) {
        io.err('nothing changed\n');
        return 0;
      }
    }
    const pruned = await pruneBackupSets(stateDir);
    if (pruned.length > 0) io.err(`removed ${pruned.length} old backup set(s) (the newest ${KEEP_BACKUP_SETS} are kept)\n`);
    io.onApplyStart?.();
    const interrupts = holdInterrupts();
    try {
      try {
        set = await applyPlan(plan, { stateDir, runner, signal: interrupts.signal, onStep: (id, i, n) => io.err(`[${i + 1}/${n}] ${sanitize(id)}\n`) });
      } catch (error) {
        // A failed step (nginx -t refusing the edit) was rolled back: said in one line, exit 1.
        if (!(error instanceof ApplyFailed)) throw error;
        if (!error.rolledBack) throw new UserError(error.message);
        io.err(`clawmoat: apply failed: ${sanitize(error.message)}\n`);
        return 1;
      }
      io.err(`applied; backup set ${set.id} (${set.dir})\n`);
      if (plan.restart) io.err(`now ${plan.restart}\n`);
      if (seconds === 0) {
        await set.finish('confirmed');
        return 0;
      }
      try {
        await armOrRollBack(set, seconds, runner, io.arm);
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      // A signal while the timer was being armed: the user asked to stop, so nothing is kept.
      if (interrupts.signal.aborted && (await mayRollBack(set.dir))) {
        const result = await rollback(await BackupSet.load(set.dir), { runCommand: runner });
        io.err(rollbackSummary(`interrupted by ${String(interrupts.signal.reason)}: rolled back`, result));
        return 1;
      }
    } finally {
      interrupts.release();
    }
  } finally {
    await unlock();
  }
  return keepOrRollBack(set, { ...request, stateDir }, io);
}

/** After the timer is armed: verified from elsewhere, confirmed at the prompt, or left to --confirm. */
async function keepOrRollBack(set: BackupSet, request: ApplyRequest, io: SessionIo): Promise<number> {
  const runner = io.runner ?? quietRunner;
  const undo = async (label: string): Promise<number> => {
    // The decision is shared with the watcher and --confirm: a confirm from another session stands.
    if (!(await mayRollBack(set.dir))) {
      io.err('confirmed from another session: kept\n');
      return 0;
    }
    io.err(rollbackSummary(label, await rollback(await BackupSet.load(set.dir), { runCommand: runner })));
    return 1;
  };
  if (request.verify) {
    const verdict = await request.verify();
    if (!verdict.ok) return undo(`verification failed (${verdict.why}): rolled back`);
    await confirm(request.stateDir, { setDir: set.dir });
    io.err(`verified and kept: ${verdict.why}\n`);
    return 0;
  }
  if (!request.yes && io.ask) {
    const question = io.ask(`Keep these changes? Check that you can still log in from a new session first. [y/N] (rolled back in ${request.seconds} s) `);
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), request.seconds * 1000).unref());
    if (!(await Promise.race([question, timeout]))) return undo('not confirmed: rolled back');
    await confirm(request.stateDir, { setDir: set.dir });
    io.err('kept\n');
    return 0;
  }
  io.err(
    `run \`clawmoat harden --confirm\` within ${request.seconds} s (from a new session is best: it proves you can still get in), or everything is rolled back\n`,
  );
  return 0;
}
