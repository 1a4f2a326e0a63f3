import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { run, sleep, waitFor, type RunResult } from './lab/proc.js';

/**
 * The agent's own user turned hostile, for real. An unprivileged uid (a bare number) owns the
 * gateway's home and config; root-owned sentinel files sit in a root-only directory of the
 * test; clawmoat runs as root in a lab namespace with private /etc/ufw copies, and the user
 * attacks at the moment that hurts: before the plan, between plan and apply, after apply
 * before the dead-man timer fires, during rollback. Every row asserts that the sentinels are
 * byte-identical with the same owner and mode, that clawmoat refused with one clear line or did
 * the safe thing, and what the lab's own files are afterwards.
 */

const HOSTILE = 12345;
const ORIGINAL = ['{', "  // the user's own comment", '  gateway: { bind: "lan", auth: { mode: "token", token: "short" } },', '}', ''].join('\n');
const SENTINEL = 'root-only data: the attacker wants this file\n';

interface Fixture {
  root: string;
  home: string;
  config: string;
  state: string;
  /** root:root 0700 */
  rootOnly: string;
  sentinel: string;
}

let scope: Scope;
let ns: Netns;
let etc: PrivateEtc;

/** Run a shell script as the hostile user: a bare uid, no groups. */
function asUser(script: string): void {
  const { status } = spawnSync('setpriv', [`--reuid=${HOSTILE}`, `--regid=${HOSTILE}`, '--clear-groups', 'sh', '-c', script], { stdio: 'inherit' });
  if (status !== 0) throw new Error(`the hostile user's script failed (${String(status)}): ${script}`);
}

function fixture(label: string): Fixture {
  const root = tempDir(scope, `hostile-${label}`);
  chmodSync(root, 0o755);
  const home = join(root, 'home');
  mkdirSync(join(home, '.openclaw'), { recursive: true });
  const config = join(home, '.openclaw', 'openclaw.json');
  writeFileSync(config, ORIGINAL, { mode: 0o600 });
  for (const path of [home, join(home, '.openclaw'), config]) chownSync(path, HOSTILE, HOSTILE);
  const rootOnly = join(root, 'root-only');
  mkdirSync(rootOnly, { mode: 0o700 });
  const sentinel = join(rootOnly, 'sentinel');
  writeFileSync(sentinel, SENTINEL, { mode: 0o600 });
  const state = join(root, 'state');
  mkdirSync(state, { mode: 0o700 });
  return { root, home, config, state, rootOnly, sentinel };
}

/** The sentinel as it must stay: content, owner, mode. */
function expectSentinelIntact(f: Fixture): void {
  const st = lstatSync(f.sentinel);
  expect(st.isFile()).toBe(true);
  expect(readFileSync(f.sentinel, 'utf8')).toBe(SENTINEL);
  expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o600]);
  expect(readdirSync(f.rootOnly)).toEqual(['sentinel']);
}

function env(f: Fixture): NodeJS.ProcessEnv {
  return { PATH: labPath(), HOME: join(f.root, 'root-home'), LANG: 'C.UTF-8', NO_COLOR: '1', DOCKER_HOST: `unix://${join(f.root, 'no-docker.sock')}` };
}

async function clawmoat(f: Fixture, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  await ensureBuilt();
  return etc.exec(ns, process.execPath, [CLI, ...args], { env: env(f), allowFail: true, timeoutMs });
}

function hardenArgs(f: Fixture, ...more: string[]): string[] {
  return ['harden', '--openclaw-config', f.config, '--only', 'config', '--state-dir', f.state, ...more];
}

/** One line on stderr that names what was refused: never a stack trace, never "internal error". */
function expectOneLineRefusal(result: RunResult, pattern: RegExp): void {
  const lines = result.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('clawmoat:'));
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
}

/**
 * harden --apply without --yes, under a pseudo-terminal (script(1)), so it stops at its
 * question: the attack runs between the plan it printed and the apply the user agrees to.
 */
async function applyWithAttack(f: Fixture, attack: () => void): Promise<RunResult> {
  await ensureBuilt();
  const command = [process.execPath, CLI, ...hardenArgs(f, '--apply', '--confirm-timeout', '0')].map((a) => `'${a}'`).join(' ');
  const [file, args] = etc.argv(ns, 'script', ['-qec', command, '/dev/null']);
  const child = spawn(file, args, { env: env(f), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  await waitFor(async () => (out.includes('Apply these') ? true : undefined), { timeoutMs: 60_000, what: 'harden to ask before applying' });
  attack();
  child.stdin.write('y\n');
  const exit = await Promise.race([code, sleep(60_000).then(() => -1)]);
  child.stdin.end();
  return { code: exit, stdout: out, stderr: out };
}

function newestSet(f: Fixture): string {
  const sets = readdirSync(join(f.state, 'backups'))
    .filter((n) => !n.startsWith('.'))
    .sort();
  return join(f.state, 'backups', sets[sets.length - 1]!);
}

const req = requires("clawmoat against a hostile local user (an unprivileged uid owns the gateway's files)", ['root', 'netns', 'ufw', 'pty', 'hostile-user']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  beforeAll(async () => {
    scope = new Scope();
    ns = await Netns.create(scope, 'hostile');
    etc = PrivateEtc.create(scope);
    await ensureBuilt();
  }, 180_000);
  afterAll(async () => scope?.dispose());

  it('rollback by the dead-man timer does not follow a symlink planted after apply', async () => {
    const f = fixture('timer');
    const applied = await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '3'));
    expect(applied.code, applied.stderr).toBe(0);
    expect(readFileSync(f.config, 'utf8')).toContain('bind: "loopback"');
    asUser(`rm '${f.config}' && ln -s '${f.sentinel}' '${f.config}'`);
    const log = join(newestSet(f), 'deadman.log');
    await waitFor(async () => (existsSync(log) && /rollback (rolled-back|incomplete)/.test(readFileSync(log, 'utf8')) ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the dead-man timer to fire',
    });
    expectSentinelIntact(f);
    expect(readFileSync(log, 'utf8')).toMatch(/openclaw\.json: it now leads to .*sentinel; kept as it is/);
  });

  it('--rollback keeps a file the user edited after apply and saves the original beside it, root-only', async () => {
    const f = fixture('edited');
    expect((await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '0'))).code).toBe(0);
    asUser(`echo '// added by the user after apply' >> '${f.config}'`);
    const edited = readFileSync(f.config, 'utf8');
    const rolled = await clawmoat(f, ['harden', '--rollback', '--state-dir', f.state]);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stderr).toMatch(/kept: .*openclaw\.json changed after apply .*saved beside it as openclaw\.json\.clawmoat-conflict-/);
    expect(readFileSync(f.config, 'utf8')).toBe(edited);
    const copy = readdirSync(join(f.home, '.openclaw')).find((n) => n.includes('clawmoat-conflict'))!;
    const st = statSync(join(f.home, '.openclaw', copy));
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o600]);
    expect(readFileSync(join(f.home, '.openclaw', copy), 'utf8')).toBe(ORIGINAL);
  });

  it('--rollback restores the original, with owner and mode, when nobody touched the file', async () => {
    const f = fixture('clean');
    expect((await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '0'))).code).toBe(0);
    expect((await clawmoat(f, ['harden', '--rollback', '--state-dir', f.state])).code).toBe(0);
    const st = statSync(f.config);
    expect(readFileSync(f.config, 'utf8')).toBe(ORIGINAL);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([HOSTILE, HOSTILE, 0o600]);
  });

  const betweenPlanAndApply: { name: string; attack: (f: Fixture) => void; refusal: RegExp }[] = [
    {
      name: 'the config swapped for a symlink to a root file',
      attack: (f) => asUser(`rm '${f.config}' && ln -s '${f.sentinel}' '${f.config}'`),
      refusal: /refused: .*openclaw\.json/,
    },
    {
      name: 'a line added to the config',
      attack: (f) => asUser(`echo '// a new line' >> '${f.config}'`),
      refusal: /refused: .*openclaw\.json is not the file the plan read/,
    },
    {
      name: 'the config directory swapped for a symlink to a root-only directory',
      attack: (f) => {
        writeFileSync(join(f.rootOnly, 'openclaw.json'), ORIGINAL, { mode: 0o644 });
        asUser(`mv '${f.home}/.openclaw' '${f.home}/.openclaw.away' && ln -s '${f.rootOnly}' '${f.home}/.openclaw'`);
      },
      refusal: /refused: /,
    },
  ];

  for (const row of betweenPlanAndApply) {
    it(`refuses to apply when ${row.name} between plan and apply, and writes nothing`, async () => {
      const f = fixture('race');
      const result = await applyWithAttack(f, () => row.attack(f));
      expect(result.code, result.stdout).toBe(2);
      expectOneLineRefusal(result, row.refusal);
      if (existsSync(join(f.rootOnly, 'openclaw.json'))) {
        expect(readFileSync(join(f.rootOnly, 'openclaw.json'), 'utf8')).toBe(ORIGINAL);
        rmSync(join(f.rootOnly, 'openclaw.json'));
      }
      expectSentinelIntact(f);
    }, 90_000);
  }

  it('refuses a config with a second hard link (a host without protected_hardlinks)', async () => {
    const f = fixture('hardlink');
    const shared = join(f.root, 'shared-root-file');
    writeFileSync(shared, ORIGINAL, { mode: 0o644 });
    rmSync(f.config);
    linkSync(shared, f.config);
    const result = await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '0'));
    expect(result.code).toBe(2);
    expectOneLineRefusal(result, /hard links/);
    expect(readFileSync(shared, 'utf8')).toBe(ORIGINAL);
  });

  it('refuses every harden verb when the state directory is writable by others', async () => {
    const f = fixture('state');
    chmodSync(f.state, 0o777);
    for (const verb of [['--history'], ['--rollback'], ['--confirm'], ['--apply', '--yes']]) {
      const result = await clawmoat(f, [...hardenArgs(f), ...verb]);
      expect(result.code, verb.join(' ')).toBe(2);
      expectOneLineRefusal(result, /the state directory .* is not safe for root: it is writable by others/);
    }
  });

  it('never runs an undo command that is not one harden writes, even from a journal in a trusted state directory', async () => {
    const f = fixture('journal');
    expect((await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '0'))).code).toBe(0);
    const journalPath = join(newestSet(f), 'journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { status: string; actions: unknown[] };
    const planted = join(f.root, 'planted-by-undo');
    journal.status = 'applied';
    journal.actions.push({
      id: 99,
      kind: 'command',
      run: ['ufw', 'allow', '22/tcp'],
      undo: [['sh', '-c', `touch ${planted}`]],
      state: 'done',
      at: new Date().toISOString(),
    });
    writeFileSync(journalPath, JSON.stringify(journal));
    const result = await clawmoat(f, ['harden', '--rollback', '--state-dir', f.state]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a command clawmoat harden writes as an undo/);
    expect(existsSync(planted)).toBe(false);
  });

  it('lets one of two simultaneous applies through and refuses the other; rollback still restores the original', async () => {
    const f = fixture('two');
    const [a, b] = await Promise.all([
      clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '60')),
      clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '60')),
    ]);
    // The other one either met the lock or the waiting apply (exit 1), or, when it planned only
    // after the first had applied, found nothing left to fix in the config (--only config: exit 2).
    const [ok, other] = a.code === 0 ? [a, b] : [b, a];
    expect(ok.code, `${a.stderr}\n---\n${b.stderr}`).toBe(0);
    expect(other.stderr).toMatch(/refused: (another clawmoat harden --apply is already running|apply .* waits for confirmation)|no step "config" in the plan/);
    expect(readdirSync(join(f.state, 'backups')).filter((n) => !n.startsWith('.'))).toHaveLength(1);
    expect((await clawmoat(f, ['harden', '--rollback', '--state-dir', f.state])).code).toBe(0);
    expect(readFileSync(f.config, 'utf8')).toBe(ORIGINAL);
  });

  it("refuses an apply while another live process holds the apply lock, and takes over a dead one's", async () => {
    const f = fixture('lock');
    const me = { pid: process.pid, startTime: readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19] };
    writeFileSync(join(f.state, 'apply.lock'), JSON.stringify(me));
    const refused = await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '0'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`refused: another clawmoat harden --apply is already running \\(pid ${process.pid}\\)`));
    expect(readFileSync(f.config, 'utf8')).toBe(ORIGINAL);
    // PID 2^22 + 1 is above Linux's pid_max ceiling: no process has it.
    writeFileSync(join(f.state, 'apply.lock'), JSON.stringify({ pid: 2 ** 22 + 1, startTime: '1' }));
    const applied = await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '0'));
    expect(applied.code, applied.stderr).toBe(0);
    expect(existsSync(join(f.state, 'apply.lock'))).toBe(false);
  });

  it('writes a snapshot over a planted symlink, not through it, in a directory the user owns', async () => {
    const f = fixture('snapshot');
    const out = join(f.home, 'out');
    mkdirSync(out);
    chownSync(out, HOSTILE, HOSTILE);
    asUser(`ln -s '${f.sentinel}' '${out}/snap.json'`);
    const result = await clawmoat(f, ['collect', '--openclaw-config', f.config, '-o', join(out, 'snap.json')]);
    expect(result.code, result.stderr).toBe(0);
    expectSentinelIntact(f);
    expect(lstatSync(join(out, 'snap.json')).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'snap.json'), 'utf8'))).toHaveProperty('schemaVersion');
    expect(readdirSync(out)).toEqual(['snap.json']);
  });

  const hostileReads: { name: string; make: (f: Fixture) => void }[] = [
    { name: 'a FIFO', make: (f) => asUser(`rm '${f.config}' && mkfifo '${f.config}'`) },
    { name: 'a symlink to /dev/zero', make: (f) => asUser(`rm '${f.config}' && ln -s /dev/zero '${f.config}'`) },
    {
      name: 'a 100 MB file',
      make: (f) => {
        truncateSync(f.config, 100 * 1024 * 1024);
      },
    },
    { name: 'a symlink to a root-only file', make: (f) => asUser(`rm '${f.config}' && ln -s '${f.sentinel}' '${f.config}'`) },
  ];

  for (const row of hostileReads) {
    it(`reads ${row.name} as the config within seconds and a few hundred MB, and says so`, async () => {
      const f = fixture('read');
      row.make(f);
      const started = Date.now();
      const [file, args] = etc.argv(ns, '/usr/bin/time', [
        '-f',
        'maxrss-kb=%M',
        process.execPath,
        CLI,
        'audit',
        '--format',
        'json',
        '--openclaw-config',
        f.config,
      ]);
      const result = await run(file, args, { env: env(f), allowFail: true, timeoutMs: 20_000 });
      expect(Date.now() - started).toBeLessThan(15_000);
      const rss = Number(/maxrss-kb=(\d+)/.exec(result.stderr)?.[1]);
      expect(rss).toBeLessThan(400 * 1024);
      expect(result.stdout + result.stderr).not.toContain('root-only data');
      expect(result.stdout + result.stderr).toContain(f.config);
      expectSentinelIntact(f);
    }, 30_000);
  }

  it("survives a compose file built to crash the YAML parser's regular expressions", async () => {
    const f = fixture('yaml');
    const compose = join(f.home, 'compose.yaml');
    writeFileSync(compose, 'a: "'.repeat(25_000));
    chownSync(compose, HOSTILE, HOSTILE);
    const result = await clawmoat(f, ['audit', '--format', 'json', '--compose', compose]);
    expect(result.stderr).not.toMatch(/FATAL ERROR|RegExpCompiler/);
    expect([0, 1], result.stderr).toContain(result.code);
    expect(result.stdout).toContain(compose);
  });

  it("does not read a config named through another process's /proc/PID/root", async () => {
    const f = fixture('proc');
    const result = await clawmoat(f, ['audit', '--format', 'json', '--openclaw-config', `/proc/1/root${f.sentinel}`]);
    expect(result.stdout + result.stderr).not.toContain('root-only data');
    expect(result.stdout + result.stderr).toMatch(/a view into another process/);
  });

  it('harden --history lists the sets it keeps and says how many', async () => {
    const f = fixture('history');
    expect((await clawmoat(f, hardenArgs(f, '--apply', '--yes', '--confirm-timeout', '0'))).code).toBe(0);
    const result = await clawmoat(f, ['harden', '--history', '--state-dir', f.state]);
    expect(result.stdout).toMatch(/confirmed/);
    expect(result.stdout).toMatch(/the newest 10 sets are kept/);
  });
});
