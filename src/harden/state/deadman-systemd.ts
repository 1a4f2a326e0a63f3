import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SYSTEM_PATH } from './undo-commands.js';

/**
 * Where systemd is PID 1, the dead-man watcher runs as a transient service (systemd-run), not
 * as a detached child. setsid frees a process from the terminal, not from the session's cgroup:
 * logind's KillUserProcesses=yes, `loginctl terminate-session` or a `systemctl kill` of the
 * session scope ends every process in it, a detached watcher included. A transient system
 * service lives outside that scope, and systemd itself keeps its log and reaps it.
 * Elsewhere (no systemd, or systemd-run missing or failing) the detached process stays.
 */

/** Facts about this host, injected in tests (the test machines' PID 1 is not systemd). */
export interface SystemdFacts {
  /** /run/systemd/system exists: systemd is PID 1 (what sd_booted(3) checks). */
  booted: boolean;
  systemdRun?: string;
  systemctl?: string;
}

export type WatcherLaunch = { kind: 'systemd-run'; systemdRun: string; systemctl: string } | { kind: 'detached'; why: string };

/** Runs argv, resolves with its stdout, rejects with its last words; injected in tests. */
export type CommandExec = (argv: string[]) => Promise<string>;

/** In the system's directories only: root runs these, and the caller's PATH (sudo keeps a user's secure_path edits, a shell its own) is not trusted. */
function inSystemDirs(name: string): string | undefined {
  for (const dir of SYSTEM_PATH.split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

export function detectSystemd(): SystemdFacts {
  const facts: SystemdFacts = { booted: existsSync('/run/systemd/system') };
  const systemdRun = inSystemDirs('systemd-run');
  const systemctl = inSystemDirs('systemctl');
  if (systemdRun) facts.systemdRun = systemdRun;
  if (systemctl) facts.systemctl = systemctl;
  return facts;
}

export function chooseWatcherLaunch(facts: SystemdFacts): WatcherLaunch {
  if (!facts.booted) return { kind: 'detached', why: 'systemd is not PID 1 (/run/systemd/system is missing)' };
  if (!facts.systemdRun || !facts.systemctl) return { kind: 'detached', why: `${facts.systemdRun ? 'systemctl' : 'systemd-run'} is not installed` };
  return { kind: 'systemd-run', systemdRun: facts.systemdRun, systemctl: facts.systemctl };
}

/** One unit per backup set; set ids are hex, so the name needs no escaping. */
export function watcherUnitName(setId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(setId)) throw new Error(`backup set id ${JSON.stringify(setId)} cannot name a unit`);
  return `clawmoat-deadman-${setId}.service`;
}

/**
 * `--service-type=exec`: systemd-run returns once the watcher has been exec'd (and fails if it
 * could not be), so arming fails loudly, never silently. `--collect`: the unit is unloaded when
 * it ends, even if it failed, so no name is left behind. stdout and stderr are appended to the
 * set's deadman.log, as for the detached process. A transient unit does not inherit our
 * environment: the system's PATH is passed (the one apply and rollback run their programs from), never the caller's.
 */
export function systemdRunArgv(systemdRun: string, unit: string, log: string, command: string[]): string[] {
  return [
    systemdRun,
    `--unit=${unit}`,
    '--description=clawmoat harden dead-man timer: rolls the apply back unless confirmed',
    '--collect',
    '--service-type=exec',
    '--quiet',
    `--property=StandardOutput=append:${log}`,
    `--property=StandardError=append:${log}`,
    `--setenv=PATH=${SYSTEM_PATH}`,
    '--',
    ...command,
  ];
}

/** The watcher's PID, to record its identity like the detached one's; undefined when the unit has none (it ended). */
export async function unitMainPid(exec: CommandExec, systemctl: string, unit: string): Promise<number | undefined> {
  const text = await exec([systemctl, 'show', '--property=MainPID', '--value', unit]);
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** `systemctl stop`: waits until the unit is gone. A unit that already ended (and was collected) is not an error. */
export async function stopUnit(exec: CommandExec, systemctl: string, unit: string): Promise<void> {
  try {
    await exec([systemctl, 'stop', unit]);
  } catch (error) {
    if (!/not loaded|not found|exit 5\b/i.test((error as Error).message)) throw error;
  }
}

export async function unitActive(exec: CommandExec, systemctl: string, unit: string): Promise<boolean> {
  try {
    await exec([systemctl, 'is-active', '--quiet', unit]);
    return true;
  } catch {
    return false;
  }
}

export const execCommand: CommandExec = (argv) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('empty command'));
    execFile(file, args, { env: { ...process.env, LC_ALL: 'C' }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(String(stdout));
      const code = typeof (error as NodeJS.ErrnoException).code === 'number' ? `exit ${String((error as NodeJS.ErrnoException).code)}` : error.message;
      reject(new Error(`${argv.join(' ')} failed (${code}): ${String(stderr).trim().split('\n').pop() ?? ''}`));
    });
  });
