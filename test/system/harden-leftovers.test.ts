import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { Netns } from './lab/netns.js';
import { pidsMentioning, sleep, startTimeOf, waitFor } from './lab/proc.js';

/**
 * Nothing `clawmoat harden` creates outlives it. A plan-only run rehearses its ufw steps in a
 * scratch network namespace with a temp dir of copies; this interrupts that rehearsal for real
 * (SIGINT, SIGTERM, SIGHUP: cleaned up at once; SIGKILL: cleaned up by the next run, which says
 * so) and checks that a leftover whose creator still runs is never taken.
 *
 * Each run is root in a lab namespace (UFW inactive) with private copies of /etc/ufw and
 * /etc/default/ufw, and with /run/netns and TMPDIR bind-mounted from this test's directories:
 * the rehearsal namespaces it makes, and those the next run sweeps, are this test's only, never
 * the machine's or another run's.
 */

const req = requires('harden leaves no rehearsal namespace or temp dir behind (signals, SIGKILL, live owners)', ['root', 'netns', 'netfilter', 'ufw']);

describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let ns: Netns;
  let dir: string;
  let netnsDir: string;
  let tmp: string;
  const argv = (): [string, string[]] => {
    // /run is a fresh tmpfs so `ip netns add` and ufw's lock stay in this mount namespace.
    const script = [
      'set -e',
      'mount -t tmpfs -o mode=0755 clawmoat-leftovers /run',
      'mkdir /run/netns',
      'mount --bind "$1/netns" /run/netns',
      '[ -d /etc/ufw ] && mount --bind "$1/etc-ufw" /etc/ufw',
      '[ -f /etc/default/ufw ] && mount --bind "$1/default-ufw" /etc/default/ufw',
      'shift',
      'exec "$@"',
    ].join('\n');
    return [
      binary('ip'),
      ['netns', 'exec', ns.name, binary('unshare'), '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, CLI, 'harden'],
    ];
  };
  const env = () => ({
    PATH: labPath(),
    HOME: join(dir, 'home'),
    TMPDIR: tmp,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
  });

  interface Run {
    child: ChildProcess;
    stdout: () => string;
    stderr: () => string;
    done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  function start(): Run {
    const [command, args] = argv();
    const child = spawn(command, args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
    return { child, stdout: () => out, stderr: () => err, done };
  }

  const leftovers = () => ({ namespaces: readdirSync(netnsDir).sort(), dirs: readdirSync(tmp).sort() });

  /** Start harden and wait until its rehearsal namespace exists: the rehearsal is under way. */
  async function midRehearsal(): Promise<Run> {
    const run = start();
    let exited = false;
    void run.done.then(() => (exited = true));
    const pid = run.child.pid!;
    await waitFor(async () => (readdirSync(netnsDir).some((n) => n.startsWith(`clawmoat-rehearse-${pid}-`)) ? true : undefined), {
      what: 'the rehearsal namespace of the harden run',
      timeoutMs: 60_000,
      intervalMs: 5,
      abort: () => (exited ? `harden ended before its rehearsal began: ${run.stderr()}` : undefined),
    });
    return run;
  }

  /** The rehearsal script a SIGKILLed run leaves running: wait for it to finish on its own. */
  async function orphansGone(): Promise<void> {
    await waitFor(async () => (pidsMentioning(tmp).length === 0 ? true : undefined), {
      what: 'the orphaned rehearsal script',
      timeoutMs: 60_000,
      intervalMs: 50,
    });
  }

  beforeAll(async () => {
    await ensureBuilt();
    ns = await Netns.create(scope, 'leftovers');
    dir = tempDir(scope, 'leftovers');
    netnsDir = join(dir, 'netns');
    tmp = join(dir, 'tmp');
    for (const d of [netnsDir, tmp, join(dir, 'home')]) mkdirSync(d, { mode: 0o700 });
    if (existsSync('/etc/ufw')) cpSync('/etc/ufw', join(dir, 'etc-ufw'), { recursive: true });
    if (existsSync('/etc/default/ufw')) copyFileSync('/etc/default/ufw', join(dir, 'default-ufw'));
    // A SIGKILLed run's rehearsal script lives on for a moment: stopped with the scope if still there.
    const orphans: Resource = { kind: 'processes-mentioning', marker: tmp, label: 'rehearsal script of a killed harden' };
    hold(orphans);
    scope.defer('rehearsal scripts', async () => {
      for (const pid of pidsMentioning(tmp)) process.kill(pid, 'SIGKILL');
      release(orphans);
    });
  });

  afterAll(async () => {
    await scope.dispose();
  });

  it('a plan-only run rehearses (needs root) and leaves nothing behind', async () => {
    const run = start();
    const { code } = await run.done;
    expect(code, run.stderr()).toBe(0);
    expect(run.stdout()).toMatch(/harden plan: \d+ step/);
    expect(run.stdout()).toMatch(/\$ ufw /);
    expect(run.stderr()).not.toMatch(/leftover/);
    expect(leftovers()).toEqual({ namespaces: [], dirs: [] });
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s mid-rehearsal (needs root): cleaned up at once, and the signal ends the process', async (signal) => {
    const run = await midRehearsal();
    expect(leftovers().dirs).toHaveLength(1);
    run.child.kill(signal);
    const ended = await run.done;
    expect(ended, run.stderr()).toEqual({ code: null, signal });
    expect(leftovers()).toEqual({ namespaces: [], dirs: [] });
    // Its rehearsal script went with it: no process still works in its temp dir.
    await orphansGone();
  });

  it('SIGKILL mid-rehearsal (needs root): the next run removes the leftovers and says so', async () => {
    const killed = await midRehearsal();
    const pid = killed.child.pid!;
    killed.child.kill('SIGKILL');
    expect(await killed.done).toEqual({ code: null, signal: 'SIGKILL' });
    const left = leftovers();
    expect(left.namespaces).toEqual([expect.stringMatching(new RegExp(`^clawmoat-rehearse-${pid}-\\d+-[0-9a-f]+$`))]);
    expect(left.dirs).toEqual([expect.stringMatching(new RegExp(`^clawmoat-rehearse-${pid}-\\d+-[0-9a-f]+-\\w{6}$`))]);
    await orphansGone();

    const next = start();
    const { code } = await next.done;
    expect(code, next.stderr()).toBe(0);
    expect(next.stderr()).toContain(
      `removed 1 leftover rehearsal namespace and 1 leftover rehearsal temp directory of earlier interrupted runs (${left.namespaces[0]})`,
    );
    expect(next.stdout()).toMatch(/harden plan: \d+ step/);
    expect(leftovers()).toEqual({ namespaces: [], dirs: [] });
  });

  it("leftovers whose creator still runs are left alone (needs root); a dead creator's are removed", async () => {
    // A live owner: a process of this test, named by its pid and start time as a run would be.
    const owner = spawn('sleep', ['300'], { stdio: 'ignore' });
    const ownerProcess: Resource = { kind: 'process', pid: owner.pid!, startTime: startTimeOf(owner.pid!), label: 'stand-in for a live harden run' };
    hold(ownerProcess);
    try {
      const liveTag = `clawmoat-rehearse-${owner.pid!}-${startTimeOf(owner.pid!)!}-0badcafe`;
      // A dead owner: a process that has exited (its pid may be reused, its start time not).
      const gone = spawn('true');
      const goneStart = startTimeOf(gone.pid!) ?? '1';
      await new Promise((resolve) => gone.once('close', resolve));
      await sleep(50);
      const deadTag = `clawmoat-rehearse-${gone.pid!}-${goneStart}-0deadbee`;
      // What a run whose mount namespace is gone leaves in /run/netns: the name, as an empty file.
      for (const tag of [liveTag, deadTag]) {
        writeFileSync(join(netnsDir, tag), '');
        mkdirSync(join(tmp, `${tag}-aBcDeF`), { mode: 0o700 });
        writeFileSync(join(tmp, `${tag}-aBcDeF`, 'v4.save'), '*filter\nCOMMIT\n');
      }
      // A lookalike another user could plant in a shared /tmp: not 0700, so never ours to remove.
      mkdirSync(join(tmp, `${deadTag.replace('0deadbee', '0ffbeef0')}-zZzZzZ`), { mode: 0o755 });

      const run = start();
      const { code } = await run.done;
      expect(code, run.stderr()).toBe(0);
      expect(run.stderr()).toContain(`removed 1 leftover rehearsal namespace and 1 leftover rehearsal temp directory of earlier interrupted runs (${deadTag})`);
      expect(leftovers()).toEqual({ namespaces: [liveTag], dirs: [`${deadTag.replace('0deadbee', '0ffbeef0')}-zZzZzZ`, `${liveTag}-aBcDeF`].sort() });
      expect(readFileSync(join(tmp, `${liveTag}-aBcDeF`, 'v4.save'), 'utf8')).toBe('*filter\nCOMMIT\n');
    } finally {
      owner.kill('SIGKILL');
      release(ownerProcess);
    }
  });
});
