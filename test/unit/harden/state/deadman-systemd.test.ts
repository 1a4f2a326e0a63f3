import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openBackupSet } from '../../../../src/harden/state/backup-set.js';
import {
  chooseWatcherLaunch,
  detectSystemd,
  stopUnit,
  systemdRunArgv,
  watcherUnitName,
  type CommandExec,
  type SystemdFacts,
} from '../../../../src/harden/state/deadman-systemd.js';
import { armDeadman, confirm, deadmanStatus, readDecision } from '../../../../src/harden/state/deadman.js';
import { SYSTEM_PATH } from '../../../../src/harden/state/undo-commands.js';
import { isSameProcessAlive, processIdentity, type ProcessIdentity } from '../../../../src/harden/state/process-identity.js';

/**
 * The dead-man watcher as a systemd-run transient unit. PID 1 on the machines these tests run
 * on is not systemd, so the real path cannot run here: the host facts are injected, and so is
 * the command runner standing in for systemd-run and systemctl. What is tested is the choice,
 * the exact argv, and what arm, confirm and status do with the unit.
 */

const SYSTEMD: SystemdFacts = { booted: true, systemdRun: '/usr/bin/systemd-run', systemctl: '/usr/bin/systemctl' };
const work = mkdtempSync(join(tmpdir(), 'clawmoat-deadman-systemd-'));
const started: ProcessIdentity[] = [];

afterAll(() => {
  // Only processes these tests started, and only while each is still that very process.
  for (const p of started) if (isSameProcessAlive(p)) process.kill(p.pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** A process standing in for the unit's main process (or a detached watcher): it only waits. */
function idler(): ProcessIdentity {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const identity = processIdentity(child.pid!)!;
  started.push(identity);
  return identity;
}

async function waitGone(identity: ProcessIdentity): Promise<void> {
  for (let i = 0; i < 100 && isSameProcessAlive(identity); i++) await new Promise((r) => setTimeout(r, 20));
}

describe('choosing how to start the watcher (injected facts: PID 1 here is not systemd)', () => {
  it('systemd-run when systemd is PID 1 and both systemd-run and systemctl are there', () => {
    expect(chooseWatcherLaunch(SYSTEMD)).toEqual({ kind: 'systemd-run', systemdRun: '/usr/bin/systemd-run', systemctl: '/usr/bin/systemctl' });
  });

  it("finds systemd-run and systemctl in the system directories only, never on the caller's PATH", () => {
    // Root runs them: a systemd-run and a systemctl first on PATH (a user's ~/bin, kept by sudo or a shell) must not be chosen.
    const bin = join(work, 'caller-bin');
    mkdirSync(bin, { recursive: true });
    for (const name of ['systemd-run', 'systemctl']) {
      writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, name), 0o755);
    }
    vi.stubEnv('PATH', `${bin}:${process.env.PATH ?? ''}`);
    try {
      const facts = detectSystemd();
      const systemDirs = SYSTEM_PATH.split(':');
      for (const found of [facts.systemdRun, facts.systemctl]) {
        expect(found?.startsWith(bin)).not.toBe(true);
        if (found !== undefined) expect(systemDirs).toContain(found.slice(0, found.lastIndexOf('/')));
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('the detached process otherwise, saying why', () => {
    expect(chooseWatcherLaunch({ ...SYSTEMD, booted: false })).toEqual({ kind: 'detached', why: 'systemd is not PID 1 (/run/systemd/system is missing)' });
    expect(chooseWatcherLaunch({ booted: true, systemctl: '/usr/bin/systemctl' })).toEqual({ kind: 'detached', why: 'systemd-run is not installed' });
    expect(chooseWatcherLaunch({ booted: true, systemdRun: '/usr/bin/systemd-run' })).toEqual({ kind: 'detached', why: 'systemctl is not installed' });
  });

  it('the exact systemd-run argv: named unit, collected, exec type, quiet, log appended, PATH of the system passed', () => {
    const argv = systemdRunArgv('/usr/bin/systemd-run', 'clawmoat-deadman-0a1b2c3d.service', '/var/lib/clawmoat/backups/x/deadman.log', [
      '/usr/bin/node',
      '/usr/lib/clawmoat/clawmoat.mjs',
      'harden',
      '--deadman-fire',
      '/var/lib/clawmoat/backups/x',
    ]);
    expect(argv).toEqual([
      '/usr/bin/systemd-run',
      '--unit=clawmoat-deadman-0a1b2c3d.service',
      '--description=clawmoat harden dead-man timer: rolls the apply back unless confirmed',
      '--collect',
      '--service-type=exec',
      '--quiet',
      '--property=StandardOutput=append:/var/lib/clawmoat/backups/x/deadman.log',
      '--property=StandardError=append:/var/lib/clawmoat/backups/x/deadman.log',
      `--setenv=PATH=${SYSTEM_PATH}`,
      '--',
      '/usr/bin/node',
      '/usr/lib/clawmoat/clawmoat.mjs',
      'harden',
      '--deadman-fire',
      '/var/lib/clawmoat/backups/x',
    ]);
  });

  it('names one unit per backup set, and refuses an id that could not name one', () => {
    expect(watcherUnitName('0a1b2c3d')).toBe('clawmoat-deadman-0a1b2c3d.service');
    expect(() => watcherUnitName('../x')).toThrow(/cannot name a unit/);
  });

  it('stopping a unit that already ended (collected) is not an error; other failures are', async () => {
    await expect(
      stopUnit(
        () => Promise.reject(new Error('systemctl stop u failed (exit 5): Failed to stop u.service: Unit u.service not loaded.')),
        'systemctl',
        'u.service',
      ),
    ).resolves.toBeUndefined();
    await expect(stopUnit(() => Promise.reject(new Error('systemctl stop u failed (exit 1): Access denied')), 'systemctl', 'u.service')).rejects.toThrow(
      /Access denied/,
    );
  });
});

describe('arm, status and confirm with a transient unit (injected systemd-run and systemctl: PID 1 here is not systemd)', () => {
  it('arms through systemd-run, records the unit and its main process, and confirm stops the unit only after winning', async () => {
    const set = await openBackupSet(join(work, 'unit'));
    await set.finish('applied');
    const main = idler();
    const calls: string[][] = [];
    let decisionAtStop: string | undefined;
    const exec: CommandExec = async (argv) => {
      calls.push(argv);
      if (argv[1] === 'show') return `${main.pid}\n`;
      if (argv[1] === 'stop') {
        decisionAtStop = (await readDecision(set.dir))?.decision;
        process.kill(main.pid, 'SIGTERM');
      }
      return '';
    };
    const record = await armDeadman({
      set,
      seconds: 30,
      command: ['/usr/bin/node', '/cli.mjs', 'harden', '--deadman-fire'],
      env: { PATH: '/usr/bin' },
      systemd: SYSTEMD,
      exec,
    });
    const unit = `clawmoat-deadman-${set.id}.service`;
    expect(record.unit).toBe(unit);
    expect(record.launch).toBe(`systemd-run: transient unit ${unit}`);
    expect(record.watcher).toEqual(main);
    expect(calls[0]).toEqual(
      systemdRunArgv('/usr/bin/systemd-run', unit, join(set.dir, 'deadman.log'), ['/usr/bin/node', '/cli.mjs', 'harden', '--deadman-fire', set.dir]),
    );
    expect(calls[1]).toEqual(['/usr/bin/systemctl', 'show', '--property=MainPID', '--value', unit]);

    expect(await deadmanStatus(set.dir, { systemd: SYSTEMD, exec })).toMatchObject({ armed: true, watcherAlive: true, overdue: false });
    const result = await confirm(join(work, 'unit'), { setDir: set.dir, systemd: SYSTEMD, exec });
    expect(calls.at(-1)).toEqual(['/usr/bin/systemctl', 'stop', unit]);
    expect(decisionAtStop).toBe('confirmed');
    expect(result).toMatchObject({ alreadyConfirmed: false, watcherGone: true });
  });

  it('status asks systemd when the main PID could not be read at arming', async () => {
    const set = await openBackupSet(join(work, 'nopid'));
    let active = true;
    const exec: CommandExec = async (argv) => {
      if (argv[1] === 'show') return '0\n';
      if (argv[1] === 'is-active' && !active) throw new Error('inactive');
      return '';
    };
    const record = await armDeadman({ set, seconds: 30, command: ['/bin/true'], systemd: SYSTEMD, exec });
    expect(record.watcher).toBeUndefined();
    expect((await deadmanStatus(set.dir, { systemd: SYSTEMD, exec })).watcherAlive).toBe(true);
    active = false;
    expect((await deadmanStatus(set.dir, { systemd: SYSTEMD, exec })).watcherAlive).toBe(false);
  });

  it('falls back to the detached process when systemd-run fails (systemd without a bus)', async () => {
    const set = await openBackupSet(join(work, 'fallback'));
    const exec: CommandExec = (argv) => Promise.reject(new Error(`${argv[0]} failed (exit 1): Failed to connect to bus`));
    const record = await armDeadman({ set, seconds: 30, command: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], systemd: SYSTEMD, exec });
    expect(record.unit).toBeUndefined();
    expect(record.launch).toMatch(/^detached process \(systemd-run failed: .*Failed to connect to bus\)$/);
    expect(record.watcher && isSameProcessAlive(record.watcher)).toBe(true);
    started.push(record.watcher!);
    const result = await confirm(join(work, 'fallback'), { setDir: set.dir });
    await waitGone(record.watcher!);
    expect(result.watcherGone).toBe(true);
  });

  it('without systemd as PID 1 the detached process is used and says why', async () => {
    const set = await openBackupSet(join(work, 'detached'));
    const exec: CommandExec = () => Promise.reject(new Error('must not be called'));
    const record = await armDeadman({ set, seconds: 30, command: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], systemd: { booted: false }, exec });
    started.push(record.watcher!);
    expect(record.launch).toBe('detached process (systemd is not PID 1 (/run/systemd/system is missing))');
    expect(record.unit).toBeUndefined();
    await confirm(join(work, 'detached'), { setDir: set.dir });
  });
});
