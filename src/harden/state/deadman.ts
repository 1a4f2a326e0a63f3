import { spawn } from 'node:child_process';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { sanitize } from '../../report/common.js';
import { DEADMAN_FIRE_FLAG, DEFAULT_DEADMAN_SECONDS } from './deadman-flags.js';
import { fsyncDirectory, writeFileAtomic } from './atomic-write.js';
import { BackupSet, latestBackupSet, type CommandRunner, type SetStatus } from './backup-set.js';
import {
  chooseWatcherLaunch,
  detectSystemd,
  execCommand,
  stopUnit,
  systemdRunArgv,
  unitActive,
  unitMainPid,
  watcherUnitName,
  type CommandExec,
  type SystemdFacts,
} from './deadman-systemd.js';
import { isSameProcessAlive, processIdentity, type ProcessIdentity } from './process-identity.js';
import { rollback, type RollbackResult } from './rollback.js';

/**
 * The dead-man timer: after an apply, a watcher process waits N seconds and rolls the set
 * back unless someone confirmed. A firewall or sshd change that cuts off the admin's own
 * session is thereby undone without the admin. So it must not depend on the terminal: where
 * systemd is PID 1 the watcher runs as a transient unit (systemd-run; deadman-systemd.ts says
 * why), out of the session's cgroup; elsewhere, or if systemd-run fails, it is spawned
 * detached (setsid: its own session, no controlling terminal, so no SIGHUP when the SSH
 * session dies). Either way its stdout and stderr go to a log file in the set.
 *
 * Who wins, confirm or the timer? Both claim one `decision` file in the set; link(2)
 * makes the claim atomic, so exactly one of "confirmed" and "rollback" is ever written.
 * The watcher touches nothing before it wins; confirm signals the watcher only after
 * winning, so it never interrupts a rollback half-way.
 */

const RECORD = 'deadman.json';
const DECISION = 'decision';
const LOG = 'deadman.log';
const POLL_MS = 250;

export interface DeadmanRecord {
  armedAt: string;
  seconds: number;
  /** Epoch ms; fixed at arming, so the watcher's start-up time does not stretch the window. */
  deadlineMs: number;
  log: string;
  /** Filled in once spawned (for a unit: its main process). */
  watcher?: ProcessIdentity;
  argv?: string[];
  /** The transient unit the watcher runs in, when systemd-run started it; confirm stops it. */
  unit?: string;
  /** How it was started, and why not as a unit when it was not. */
  launch?: string;
}

export type Decision = 'confirmed' | 'rollback';

export interface DecisionRecord {
  decision: Decision;
  at: string;
  pid: number;
}

export interface ArmOptions {
  set: BackupSet;
  seconds?: number;
  /**
   * The argv that starts the watcher; the set directory is appended. Its program must call
   * runDeadmanWatcher(setDir, …). Default: this CLI again, `<node> <cli> harden --deadman-fire`.
   */
  command?: string[];
  env?: NodeJS.ProcessEnv;
  /** Whether systemd is PID 1 and where systemd-run is; default: read from this host. */
  systemd?: SystemdFacts;
  /** Runs systemd-run and systemctl; injected in tests. */
  exec?: CommandExec;
}

export function defaultWatcherCommand(): string[] {
  const cli = process.argv[1];
  if (!cli) throw new Error('cannot tell which script to start the dead-man watcher with; pass `command`');
  // Keep loader flags (a dev run under a TypeScript loader needs them), not a debugger port the watcher would fight over.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  return [process.execPath, ...execArgv, resolve(cli), 'harden', DEADMAN_FIRE_FLAG];
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

export async function readDeadmanRecord(setDir: string): Promise<DeadmanRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(setDir, RECORD), 'utf8')) as DeadmanRecord;
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

export async function readDecision(setDir: string): Promise<DecisionRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(setDir, DECISION), 'utf8')) as DecisionRecord;
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Claim the decision for this set. The content is written and fsynced under a temp name
 * first, then linked into place: link fails if `decision` exists, and a reader never sees
 * it half-written. Returns the decision that stands, ours or the earlier one.
 */
async function claimDecision(setDir: string, decision: Decision): Promise<{ won: boolean; standing: DecisionRecord }> {
  const record: DecisionRecord = { decision, at: new Date().toISOString(), pid: process.pid };
  const temp = join(setDir, `.${DECISION}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(record));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, join(setDir, DECISION));
    await fsyncDirectory(setDir);
    return { won: true, standing: record };
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw error;
    const standing = await readDecision(setDir);
    if (!standing) throw new Error(`${join(setDir, DECISION)} vanished while reading it`);
    return { won: false, standing };
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Before anything rolls an armed set back (the watcher at its deadline, the prompt's "no" or
 * timeout, a failed verification): claim "rollback". False when "confirmed" stands, e.g. said
 * by `harden --confirm` from another session: the set is kept, never rolled back after the
 * user was told "kept".
 */
export async function mayRollBack(setDir: string): Promise<boolean> {
  const { standing } = await claimDecision(setDir, 'rollback');
  return standing.decision !== 'confirmed';
}

/** Arm the timer for an applied set: record the deadline, then start the watcher (a transient unit, or a detached process). */
export async function armDeadman(options: ArmOptions): Promise<DeadmanRecord> {
  const { set } = options;
  const seconds = options.seconds ?? DEFAULT_DEADMAN_SECONDS;
  if (!(seconds > 0)) throw new Error(`dead-man seconds must be positive (got ${seconds})`);
  if (await readDeadmanRecord(set.dir)) throw new Error(`backup set ${set.id} already has a dead-man timer`);
  const armedAt = new Date();
  const record: DeadmanRecord = { armedAt: armedAt.toISOString(), seconds, deadlineMs: armedAt.getTime() + seconds * 1000, log: join(set.dir, LOG) };
  // On disk before the watcher starts: it reads its deadline from here.
  await writeFileAtomic(join(set.dir, RECORD), JSON.stringify(record, null, 2), { mode: 0o600 });

  const command = [...(options.command ?? defaultWatcherCommand()), set.dir];
  const env = options.env ?? process.env;
  const launch = chooseWatcherLaunch(options.systemd ?? detectSystemd());
  if (launch.kind === 'systemd-run') {
    const exec = options.exec ?? execCommand;
    const unit = watcherUnitName(set.id);
    const argv = systemdRunArgv(launch.systemdRun, unit, record.log, command);
    const started = await exec(argv).then(
      () => undefined,
      (error: Error) => error,
    );
    if (started === undefined) {
      record.unit = unit;
      record.argv = argv;
      record.launch = `systemd-run: transient unit ${unit}`;
      // Its main process, recorded like a detached watcher's: status and confirm then need no bus to tell it is alive.
      const pid = await unitMainPid(exec, launch.systemctl, unit).catch(() => undefined);
      const watcher = pid === undefined ? undefined : processIdentity(pid);
      if (watcher) record.watcher = watcher;
      await writeFileAtomic(join(set.dir, RECORD), JSON.stringify(record, null, 2), { mode: 0o600 });
      return record;
    }
    // A host with systemd but no usable bus (a container, a chroot): the detached process still works.
    record.launch = `detached process (systemd-run failed: ${started.message})`;
  } else {
    record.launch = `detached process (${launch.why})`;
  }
  const argv = command;
  const log = await open(record.log, 'a', 0o600);
  let pid: number;
  try {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log.fd, log.fd], cwd: '/', env });
    await new Promise<void>((resolveSpawn, reject) => {
      child.once('spawn', resolveSpawn);
      child.once('error', reject);
    });
    // Do not keep this process alive for the watcher, and do not wait for it.
    child.unref();
    pid = child.pid!;
  } finally {
    await log.close();
  }
  // Read right after spawn: the child exists (it may not have exec'd yet, which keeps its start time).
  const watcher = processIdentity(pid);
  if (watcher) record.watcher = watcher;
  record.argv = argv;
  await writeFileAtomic(join(set.dir, RECORD), JSON.stringify(record, null, 2), { mode: 0o600 });
  return record;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function stamp(line: string): void {
  // Lines name host paths (a conflict's): deadman.log is read on a terminal, one line each.
  process.stdout.write(`${new Date().toISOString()} ${sanitize(line)}\n`);
}

export type WatcherOutcome = { outcome: 'confirmed' } | { outcome: 'rolled-back'; result: RollbackResult };

/**
 * The watcher's body; the hidden `clawmoat harden --deadman-fire <setDir>` calls it with
 * the real command runner. Waits for the deadline (leaving early once confirmed), then
 * claims the decision and rolls the set back. Its output is the set's deadman.log.
 */
export async function runDeadmanWatcher(setDir: string, options: { runCommand: CommandRunner; log?: (line: string) => void }): Promise<WatcherOutcome> {
  const log = options.log ?? stamp;
  // Belt and braces: setsid already detached us from the terminal, but a stray SIGHUP must not cancel the rollback.
  process.on('SIGHUP', () => log('ignoring SIGHUP'));
  const record = await readDeadmanRecord(setDir);
  if (!record) throw new Error(`${setDir} has no ${RECORD}: no dead-man timer was armed`);
  log(`watching ${setDir}; rolling back at ${new Date(record.deadlineMs).toISOString()} unless confirmed`);
  for (;;) {
    const decided = await readDecision(setDir);
    if (decided?.decision === 'confirmed') {
      log('confirmed; exiting');
      return { outcome: 'confirmed' };
    }
    const left = record.deadlineMs - Date.now();
    if (left <= 0 || decided) break;
    await sleep(Math.min(POLL_MS, left));
  }
  if (!(await mayRollBack(setDir))) {
    log('confirmed at the deadline; exiting');
    return { outcome: 'confirmed' };
  }
  log('not confirmed in time: rolling back');
  const result = await rollback(await BackupSet.load(setDir), { runCommand: options.runCommand, log });
  log(`rollback ${result.status}${result.errors.length ? ` with ${result.errors.length} error(s)` : ''}`);
  return { outcome: 'rolled-back', result };
}

export interface ConfirmResult {
  setDir: string;
  /** True when this set had been confirmed before; confirming twice is fine. */
  alreadyConfirmed: boolean;
  /** The watcher no longer runs: it saw the decision and left, or we stopped it. False only if it ignored SIGTERM for 2 s. */
  watcherGone: boolean;
}

async function waitGone(identity: ProcessIdentity, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isSameProcessAlive(identity)) {
    if (Date.now() > until) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Keep the changes of the newest apply (or of `setDir`): claim "confirmed", mark the set
 * confirmed and stop its watcher. Works from any session; the prompt after apply calls it too.
 */
export async function confirm(stateDir: string, options: { setDir?: string; exec?: CommandExec; systemd?: SystemdFacts } = {}): Promise<ConfirmResult> {
  const set = options.setDir ? await BackupSet.load(options.setDir) : await latestBackupSet(stateDir);
  if (!set) throw new UserError('nothing to confirm: no harden apply has been recorded');
  const record = await readDeadmanRecord(set.dir);
  if (!record) throw new UserError(`nothing to confirm: the last apply (${set.id}) has no dead-man timer`);
  if (set.status === 'rolled-back' || set.status === 'rolling-back')
    throw new UserError(`nothing to confirm: apply ${set.id} has been rolled back; run harden again`);
  const { won, standing } = await claimDecision(set.dir, 'confirmed');
  if (standing.decision === 'rollback')
    throw new UserError(`too late: the dead-man timer of apply ${set.id} already fired at ${standing.at} and rolled it back; run harden again`);
  if (set.status === 'applied' || set.status === 'applying') await set.finish('confirmed');
  // Only the very process we started (PID and start time), or the unit we named, and only once
  // it can no longer be rolling back. It also leaves by itself within a poll interval of seeing the decision.
  const watcher = record.watcher;
  let stopped = true;
  if (record.unit) {
    // systemctl stop returns once the unit has ended. If it fails, the confirm still stands:
    // the watcher leaves by itself when it sees the decision, and watcherGone says it may linger.
    const systemctl = (options.systemd ?? detectSystemd()).systemctl ?? 'systemctl';
    stopped = await stopUnit(options.exec ?? execCommand, systemctl, record.unit).then(
      () => true,
      () => false,
    );
  } else if (watcher && isSameProcessAlive(watcher)) {
    try {
      process.kill(watcher.pid, 'SIGTERM');
    } catch (error) {
      if (errno(error) !== 'ESRCH') throw error;
    }
  }
  const watcherGone = (watcher ? await waitGone(watcher, 2000) : true) && stopped;
  return { setDir: set.dir, alreadyConfirmed: !won, watcherGone };
}

export interface DeadmanStatus {
  armed: boolean;
  deadlineMs?: number;
  decision?: DecisionRecord;
  watcherAlive: boolean;
  /**
   * Armed, undecided, past the deadline and no watcher: the watcher died (a reboot, an OOM
   * kill) before it could roll back. The caller should roll back now.
   */
  overdue: boolean;
}

/** For --history and for refusing a new apply while an earlier one waits for confirmation. */
export async function deadmanStatus(setDir: string, options: { exec?: CommandExec; systemd?: SystemdFacts } = {}): Promise<DeadmanStatus> {
  const record = await readDeadmanRecord(setDir);
  if (!record) return { armed: false, watcherAlive: false, overdue: false };
  const decision = await readDecision(setDir);
  let watcherAlive = record.watcher ? isSameProcessAlive(record.watcher) : false;
  // A unit whose main PID could not be read at arming: ask systemd (after a reboot it is gone).
  if (!watcherAlive && !record.watcher && record.unit) {
    const systemctl = (options.systemd ?? detectSystemd()).systemctl;
    watcherAlive = systemctl ? await unitActive(options.exec ?? execCommand, systemctl, record.unit) : false;
  }
  const status: DeadmanStatus = {
    armed: true,
    deadlineMs: record.deadlineMs,
    watcherAlive,
    overdue: !decision && !watcherAlive && Date.now() > record.deadlineMs,
  };
  if (decision) status.decision = decision;
  return status;
}

/**
 * Why a new apply has to wait for the last one, or undefined. An apply on top of one that was
 * interrupted, or that still waits for its confirmation, would back up a half-changed host as
 * "before", and the older timer would later undo part of what the newer apply built on.
 */
export function blocksNewApply(set: { id: string; status: SetStatus }, deadman: DeadmanStatus): string | undefined {
  if (set.status === 'applying') return `apply ${set.id} is under way or was interrupted before it finished: run \`clawmoat harden --rollback\` first`;
  if (set.status === 'rolling-back') return `the rollback of apply ${set.id} has not finished: run \`clawmoat harden --rollback\` (again) first`;
  if (set.status !== 'applied' || !deadman.armed || deadman.decision) return undefined;
  if (deadman.overdue) return `apply ${set.id} was never confirmed and its dead-man watcher is gone: run \`clawmoat harden --rollback\` (or --confirm) first`;
  return `apply ${set.id} waits for confirmation (rolled back at ${new Date(deadman.deadlineMs ?? 0).toISOString()} unless confirmed): run \`clawmoat harden --confirm\` or \`--rollback\` first`;
}
