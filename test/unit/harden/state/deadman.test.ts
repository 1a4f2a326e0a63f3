import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BackupSet, openBackupSet } from '../../../../src/harden/state/backup-set.js';
import { armDeadman, confirm, deadmanStatus, readDeadmanRecord } from '../../../../src/harden/state/deadman.js';
import { isSameProcessAlive, type ProcessIdentity } from '../../../../src/harden/state/process-identity.js';
import { bundleStateChild } from './bundle-child.js';
import { INITIAL_FIREWALL, fakeFirewall, readFirewall, resetFirewall } from './fake-firewall.js';

/**
 * The dead-man timer with real detached watcher processes (the bundled state-child in
 * `watch` mode, standing in for `clawmoat harden --deadman-fire`) and a 2 s window.
 * The three cases run concurrently so the waits overlap.
 */
const SECONDS = 2;
let work: string;
let child: string;
const watchers: ProcessIdentity[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'clawmoat-deadman-'));
  child = await bundleStateChild(work);
});

afterAll(() => {
  // Only watchers these tests started, and only if each is still that very process.
  for (const w of watchers) if (isSameProcessAlive(w)) process.kill(w.pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, test: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

interface Applied {
  stateDir: string;
  fw: string;
  set: BackupSet;
  config: string;
  dropIn: string;
  env: NodeJS.ProcessEnv;
}

/** Apply a small plan in this process: one edited file, one new file, one firewall command. */
async function applySample(name: string): Promise<Applied> {
  const dir = join(work, name);
  mkdirSync(dir);
  const stateDir = join(dir, 'state');
  const fw = join(dir, 'fw.json');
  await resetFirewall(fw);
  const config = join(dir, 'openclaw.json');
  const dropIn = join(dir, '50-clawmoat.conf');
  writeFileSync(config, 'old config\n');
  const set = await openBackupSet(stateDir, { test: name });
  await set.writeFile(config, 'new config\n');
  await set.writeFile(dropIn, 'PasswordAuthentication no\n');
  await set.runCommand({ run: ['ufw', 'default', 'deny', 'incoming'], undo: [['ufw', 'default', 'allow', 'incoming']] }, fakeFirewall(fw));
  await set.finish('applied');
  return { stateDir, fw, set, config, dropIn, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CLAWMOAT_TEST_FIREWALL: fw } };
}

const statusOf = async (a: Applied): Promise<string> => (await BackupSet.load(a.set.dir)).status;
const isApplied = (a: Applied): boolean => readFileSync(a.config, 'utf8') === 'new config\n' && existsSync(a.dropIn);
const isOriginal = (a: Applied): boolean => readFileSync(a.config, 'utf8') === 'old config\n' && !existsSync(a.dropIn);

/** /proc/<pid>/stat fields 4 (ppid) and 6 (session). */
function parentAndSession(pid: number): { ppid: number; sid: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { ppid: Number(fields[1]), sid: Number(fields[3]) };
}

describe.concurrent('dead-man timer', () => {
  it('rolls everything back when nobody confirms in time', async ({ expect }) => {
    const a = await applySample('unconfirmed');
    const armed = Date.now();
    const record = await armDeadman({ set: a.set, seconds: SECONDS, command: [process.execPath, child, 'watch'], env: a.env });
    expect(record.watcher).toBeDefined();
    watchers.push(record.watcher!);
    await sleep(SECONDS * 500);
    expect(isApplied(a)).toBe(true);
    expect(await deadmanStatus(a.set.dir)).toMatchObject({ armed: true, watcherAlive: true, overdue: false });

    await waitFor('the rollback', async () => (await statusOf(a)) === 'rolled-back', SECONDS * 1000 + 6000);
    const tookMs = Date.now() - armed;
    expect(tookMs).toBeGreaterThanOrEqual(SECONDS * 1000);
    expect(isOriginal(a)).toBe(true);
    expect(await readFirewall(a.fw)).toEqual(INITIAL_FIREWALL);
    expect(readFileSync(record.log, 'utf8')).toMatch(/not confirmed in time: rolling back[\s\S]*rollback rolled-back/);
    await waitFor('the watcher to exit', () => !isSameProcessAlive(record.watcher!), 3000);
    expect((await deadmanStatus(a.set.dir)).decision?.decision).toBe('rollback');
    // Confirming after the fact is refused, and changes nothing.
    await expect(confirm(a.stateDir)).rejects.toThrow(/rolled back/);
    expect(isOriginal(a)).toBe(true);
  });

  it('keeps the changes and stops the watcher once confirmed', async ({ expect }) => {
    const a = await applySample('confirmed');
    const record = await armDeadman({ set: a.set, seconds: SECONDS, command: [process.execPath, child, 'watch'], env: a.env });
    watchers.push(record.watcher!);
    await sleep(300);
    expect(isSameProcessAlive(record.watcher!)).toBe(true);
    const result = await confirm(a.stateDir);
    expect(result).toEqual({ setDir: a.set.dir, alreadyConfirmed: false, watcherGone: true });
    expect(isSameProcessAlive(record.watcher!)).toBe(false);
    await sleep(SECONDS * 1000 + 700);
    expect(isApplied(a)).toBe(true);
    expect(await readFirewall(a.fw)).toEqual({ ...INITIAL_FIREWALL, policy: 'deny' });
    expect(await statusOf(a)).toBe('confirmed');
    expect(await confirm(a.stateDir)).toEqual({ setDir: a.set.dir, alreadyConfirmed: true, watcherGone: true });
  });

  it('fires even when the process that armed it and its whole process group are killed', async ({ expect }) => {
    const a = await applySample('orphaned');
    // The "interactive harden": arms the timer, then waits at its prompt in its own process group.
    const parent = spawn(process.execPath, [child, 'arm', a.set.dir, String(SECONDS), process.execPath, child, 'watch'], {
      env: a.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const watcherPid = await new Promise<number>((resolvePid, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolvePid(Number(d.toString().trim())));
      parent.once('exit', (code) => reject(new Error(`arm exited ${code}`)));
    });
    const record = (await readDeadmanRecord(a.set.dir))!;
    expect(record.watcher?.pid).toBe(watcherPid);
    watchers.push(record.watcher!);
    // setsid: the watcher leads its own session, so a hangup of the terminal's session never reaches it.
    expect(parentAndSession(watcherPid).sid).toBe(watcherPid);

    // A stray SIGHUP is ignored, once the watcher is up.
    await waitFor('the watcher to start', () => readFileSync(record.log, 'utf8').includes('watching'), 3000);
    process.kill(watcherPid, 'SIGHUP');

    // What a dropped SSH session does to the foreground job, and harder: SIGKILL to the group.
    const exited = new Promise((r) => parent.once('exit', r));
    process.kill(-parent.pid!, 'SIGKILL');
    await exited;
    expect(isSameProcessAlive(record.watcher!)).toBe(true);
    expect(parentAndSession(watcherPid).ppid).not.toBe(parent.pid);

    await waitFor('the rollback', async () => (await statusOf(a)) === 'rolled-back', SECONDS * 1000 + 6000);
    expect(isOriginal(a)).toBe(true);
    expect(await readFirewall(a.fw)).toEqual(INITIAL_FIREWALL);
    await waitFor('the watcher to exit', () => !isSameProcessAlive(record.watcher!), 3000);
  });
});
