import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applySession, type SessionIo } from '../../../../src/harden/session.js';
import { latestBackupSet } from '../../../../src/harden/state/backup-set.js';
import { confirm } from '../../../../src/harden/state/deadman.js';
import type { Plan } from '../../../../src/harden/types.js';
import { readForWrite } from '../../../../src/safe-fs/write.js';

let dir: string;
let state: string;
let config: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-session-'));
  chmodSync(dir, 0o755);
  state = join(dir, 'state');
  mkdirSync(state, { mode: 0o700 });
  config = join(dir, 'openclaw.json');
  writeFileSync(config, '{ gateway: { bind: "lan" } }\n', { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function plan(): Promise<Plan> {
  const read = await readForWrite(config);
  if ('error' in read) throw new Error(read.error);
  return {
    steps: [
      {
        id: 'config.gateway',
        finding: 'gateway.bind.public',
        guide: 'bind',
        description: 'bind to loopback',
        undo: 'rollback',
        kind: 'file',
        path: config,
        diff: '',
        content: '{ gateway: { bind: "loopback" } }\n',
        before: read.before,
      },
    ],
    notes: [],
  };
}

/** What the session said, and what it asks answered by `answers` in order. */
function io(answers: boolean[] = []): SessionIo & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    out: (t) => said.push(t),
    err: (t) => said.push(t),
    ask: async (q) => {
      said.push(q);
      return answers.shift() ?? false;
    },
    runner: async () => undefined,
  };
}

describe('applySession', () => {
  it('changes nothing when the user says no', async () => {
    const term = io([false]);
    expect(await applySession({ plan: await plan(), stateDir: state, seconds: 0, yes: false, isRoot: true }, term)).toBe(0);
    expect(term.said.join('')).toMatch(/Apply these 1 step\(s\)\? \[y\/N\] nothing changed/);
    expect(readFileSync(config, 'utf8')).toContain('"lan"');
  });

  it('refuses to ask where there is no terminal, before changing anything', async () => {
    const term = { ...io(), ask: undefined };
    await expect(applySession({ plan: await plan(), stateDir: state, seconds: 0, yes: false, isRoot: true }, term)).rejects.toThrow(
      /no terminal to ask on: add --yes/,
    );
    expect(readFileSync(config, 'utf8')).toContain('"lan"');
  });

  it('refuses without root, in one line', async () => {
    await expect(applySession({ plan: await plan(), stateDir: state, seconds: 0, yes: true, isRoot: false }, io())).rejects.toThrow(/applying needs root/);
  });

  it('applies and keeps the change with no timer', async () => {
    const term = io();
    expect(await applySession({ plan: await plan(), stateDir: state, seconds: 0, yes: true, isRoot: true }, term)).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain('"loopback"');
    expect(term.said.join('')).toMatch(/\[1\/1\] config\.gateway\napplied; backup set/);
  });

  it('rolls back and exits 1 when verification from elsewhere fails', async () => {
    const term = io();
    // The watcher is not started here (it would be a second process): arming is recorded instead.
    const armed: number[] = [];
    const arm = async (options: { seconds?: number }) => armed.push(options.seconds ?? -1);
    const code = await applySession(
      { plan: await plan(), stateDir: state, seconds: 30, yes: true, isRoot: true, verify: async () => ({ ok: false, why: 'the gateway still answers' }) },
      { ...term, arm },
    );
    expect(armed).toEqual([30]);
    expect(code).toBe(1);
    expect(readFileSync(config, 'utf8')).toContain('"lan"');
    expect(term.said.join('')).toMatch(/verification failed \(the gateway still answers\): rolled back: rolled-back; restored 1 file/);
  });

  it('keeps a set confirmed from another session when the prompt then times out', async () => {
    // The dead-man record as armDeadman writes it, without starting a watcher process.
    const arm = async ({ set, seconds }: { set: { dir: string }; seconds?: number }) =>
      writeFileSync(
        join(set.dir, 'deadman.json'),
        JSON.stringify({ armedAt: new Date().toISOString(), seconds, deadlineMs: Date.now() + (seconds ?? 0) * 1000, log: join(set.dir, 'deadman.log') }),
      );
    const said: string[] = [];
    // The person went to a new session to check they can log in: the prompt is never answered.
    const term: SessionIo = {
      out: (t) => said.push(t),
      err: (t) => said.push(t),
      ask: () => new Promise<boolean>(() => undefined),
      runner: async () => undefined,
      arm,
    };
    const session = applySession(
      { plan: await plan(), stateDir: state, seconds: 1, yes: false, isRoot: true },
      { ...term, ask: async (q) => (q.startsWith('Apply') ? true : term.ask!(q)) },
    );
    // ... and from there, `clawmoat harden --confirm`.
    while (
      !existsSync(join(state, 'backups')) ||
      !(await latestBackupSet(state))?.dir ||
      !existsSync(join((await latestBackupSet(state))!.dir, 'deadman.json'))
    )
      await new Promise((r) => setTimeout(r, 20));
    await confirm(state);
    expect(await session).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain('"loopback"');
    expect((await latestBackupSet(state))!.status).toBe('confirmed');
    expect(said.join('')).toMatch(/confirmed from another session: kept/);
  });

  it('refuses a file step the plan could not read (no before), before changing anything', async () => {
    const p = await plan();
    const step = p.steps[0]!;
    if (step.kind === 'file') delete step.before;
    await expect(applySession({ plan: p, stateDir: state, seconds: 0, yes: true, isRoot: true }, io())).rejects.toThrow(
      /refused: step config\.gateway: the plan could not read .*nothing was changed/,
    );
    expect(readFileSync(config, 'utf8')).toContain('"lan"');
  });

  it('refuses (1) while another live process holds the apply lock', async () => {
    const startTime = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    writeFileSync(join(state, 'apply.lock'), JSON.stringify({ pid: process.pid, startTime }));
    const term = io();
    expect(await applySession({ plan: await plan(), stateDir: state, seconds: 0, yes: true, isRoot: true }, term)).toBe(1);
    expect(term.said.join('')).toMatch(/refused: another clawmoat harden --apply is already running/);
    expect(readFileSync(config, 'utf8')).toContain('"lan"');
  });
});
