import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestBackupSet } from '../../../../src/harden/state/backup-set.js';
import { rollback } from '../../../../src/harden/state/rollback.js';
import { bundleStateChild } from './bundle-child.js';
import { INITIAL_FIREWALL, fakeFirewall, readFirewall, resetFirewall } from './fake-firewall.js';
import type { PlanStep } from './state-child.js';

/**
 * kill -9 at random instants: a child process applies a plan of 12 file writes (2 of them
 * new files) and 4 firewall commands through one backup set, and we SIGKILL it at a random
 * step plus 0–15 ms. Whatever the instant, every file must be whole (old or new, never a mix or
 * truncated), and rollback must bring back every original byte, mode and owner, remove the
 * new files and the commands' effects, and leave no temp file behind. Every other round
 * the rollback itself is killed first, and a second rollback must finish the job.
 */
const ROUNDS = 40;
const PARALLEL = 4;
const isRoot = process.getuid?.() === 0;
const MODES = [0o600, 0o640, 0o644, 0o755];

let work: string;
let child: string;

beforeAll(async () => {
  // tmpfs when there is one: a kill -9 tests process death, not power loss, so the page
  // cache is the truth either way, and fsync there is free instead of ~6 ms a call.
  work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'clawmoat-crash-'));
  child = await bundleStateChild(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Original {
  content?: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
}

interface Round {
  dir: string;
  filesDir: string;
  stateDir: string;
  fw: string;
  planPath: string;
  originals: Map<string, Original>;
  news: Map<string, Buffer>;
}

/** Deterministic-looking text of a given size, distinct per file and version. */
function body(tag: string, size: number): string {
  const line = `${tag} ${'x'.repeat(60)}\n`;
  return line.repeat(Math.ceil(size / line.length)).slice(0, size);
}

async function makeRound(n: number): Promise<Round> {
  const dir = join(work, `round-${n}`);
  const filesDir = join(dir, 'etc');
  mkdirSync(filesDir, { recursive: true });
  const fw = join(dir, 'fw.json');
  await resetFirewall(fw);
  const originals = new Map<string, Original>();
  const news = new Map<string, Buffer>();
  const steps: PlanStep[] = [];
  for (let i = 0; i < 12; i++) {
    const path = join(filesDir, `file-${i}.conf`);
    const size = 512 + Math.floor(Math.random() * 64_000);
    if (i < 10) {
      writeFileSync(path, body(`old ${n}/${i}`, size));
      const mode = MODES[i % MODES.length]!;
      chmodSync(path, mode);
      if (isRoot) chownSync(path, 1000 + i, 2000 + i);
      const st = statSync(path);
      originals.set(path, { content: readFileSync(path), mode, uid: st.uid, gid: st.gid });
    } else {
      originals.set(path, {});
    }
    const content = body(`new ${n}/${i}`, size + 7);
    news.set(path, Buffer.from(content));
    steps.push({ kind: 'file', path, content });
    if (i % 4 === 1) steps.push({ kind: 'command', run: ['ufw', 'allow', `rule-${i}`], undo: [['ufw', 'delete', 'allow', `rule-${i}`]] });
  }
  steps.splice(6, 0, { kind: 'command', run: ['ufw', 'default', 'deny', 'incoming'], undo: [['ufw', 'default', 'allow', 'incoming']] });
  const planPath = join(dir, 'plan.json');
  writeFileSync(planPath, JSON.stringify(steps));
  return { dir, filesDir, stateDir: join(dir, 'state'), fw, planPath, originals, news };
}

interface Run {
  /** How many `step` lines the child printed. */
  ticks: number;
  killed: boolean;
}

/** A bare environment: NODE_EXTRA_CA_CERTS and the like cost a Node start ~100 ms. */
function childEnv(fw: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', CLAWMOAT_TEST_FIREWALL: fw };
}

/**
 * Run the child; with `aim`, SIGKILL it a random 0–`jitterMs` after it prints `step <aim.step>`.
 * Aiming at a step rather than at a time since start spreads the kills over the whole run
 * however loaded the machine is; the jitter lands them inside steps, mid-syscall included.
 */
function runChild(args: string[], fw: string, aim?: { step: number; jitterMs: number }): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const proc = spawn(process.execPath, [child, ...args], { env: childEnv(fw), stdio: ['ignore', 'pipe', 'pipe'] });
    let ticks = 0;
    let timer: NodeJS.Timeout | undefined;
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      ticks += d
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('step ')).length;
      if (aim && !timer && ticks > aim.step) timer = setTimeout(() => proc.kill('SIGKILL'), Math.random() * aim.jitterMs);
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return resolveRun({ ticks, killed: true });
      if (code !== 0) return reject(new Error(`state-child ${args[0]} exited ${code}: ${stderr}`));
      resolveRun({ ticks, killed: false });
    });
  });
}

function expectWholeFiles(round: Round): void {
  for (const [path, original] of round.originals) {
    const now = existsSync(path) ? readFileSync(path) : undefined;
    const isOld = original.content ? now?.equals(original.content) : now === undefined;
    const isNew = now?.equals(round.news.get(path)!) ?? false;
    expect(isOld || isNew, `${path} is neither old nor new (${now?.length ?? 'absent'} bytes)`).toBe(true);
  }
}

async function expectOriginals(round: Round): Promise<void> {
  for (const [path, original] of round.originals) {
    if (!original.content) {
      expect(existsSync(path), `${path} should be gone`).toBe(false);
      continue;
    }
    expect(readFileSync(path).equals(original.content), `${path} content`).toBe(true);
    const st = statSync(path);
    expect([st.mode & 0o7777, st.uid, st.gid], `${path} mode/owner`).toEqual([original.mode, original.uid, original.gid]);
  }
  expect(await readFirewall(round.fw)).toEqual(INITIAL_FIREWALL);
  // No temp file survives: only the originals are left in the directory.
  const expected = [...round.originals].filter(([, o]) => o.content).map(([p]) => p.slice(round.filesDir.length + 1));
  expect(readdirSync(round.filesDir).sort()).toEqual(expected.sort());
}

describe('kill -9 during apply and rollback', () => {
  it(`leaves files old or new at ${ROUNDS} random kill points, and rollback restores them all`, async () => {
    // One uninterrupted run tells how many steps an apply and a rollback print.
    const calibration = await makeRound(0);
    const started = performance.now();
    const apply = await runChild(['apply', calibration.stateDir, calibration.planPath], calibration.fw);
    const applyMs = performance.now() - started;
    const undo = await runChild(['rollback', calibration.stateDir], calibration.fw);
    await expectOriginals(calibration);
    const aim = (run: Run): { step: number; jitterMs: number } => ({ step: Math.floor(Math.random() * run.ticks), jitterMs: 15 });

    const progress = new Set<string>();
    let midApply = 0;
    let midRollback = 0;
    const oneRound = async (n: number): Promise<void> => {
      const round = await makeRound(n);
      await runChild(['apply', round.stateDir, round.planPath], round.fw, aim(apply));
      expectWholeFiles(round);
      const journal = (await latestBackupSet(round.stateDir))?.journal;
      progress.add(journal ? `${journal.status}:${journal.actions.map((a) => a.state[0]).join('')}` : 'no set');
      if (journal?.status === 'applying') midApply++;
      if (n % 2 === 0) {
        await runChild(['rollback', round.stateDir], round.fw, aim(undo));
        expectWholeFiles(round);
        if ((await latestBackupSet(round.stateDir))?.status === 'rolling-back') midRollback++;
      }
      const set = await latestBackupSet(round.stateDir);
      if (set) {
        const result = await rollback(set, { runCommand: fakeFirewall(round.fw) });
        expect(result.errors).toEqual([]);
        expect((await latestBackupSet(round.stateDir))?.status).toBe('rolled-back');
      }
      await expectOriginals(round);
      rmSync(round.dir, { recursive: true, force: true });
    };
    // Rounds are independent (own files, state dir, firewall): run a few at once to keep the test short.
    // On a failure the other workers stop taking rounds and finish theirs before we report
    // it, so no round is still writing when afterAll removes the directory.
    let next = 1;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next <= ROUNDS && !failed) {
        try {
          await oneRound(next++);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    const outcomes = await Promise.allSettled(Array.from({ length: PARALLEL }, worker));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    // The kills landed at many different points of the apply, not all before or after it.
    console.log(
      `apply ${applyMs.toFixed(0)} ms in ${apply.ticks} steps, rollback in ${undo.ticks}; ${midApply}/${ROUNDS} kills mid-apply, at ${progress.size} distinct journal states; ${midRollback}/${ROUNDS / 2} mid-rollback`,
    );
    expect(midApply).toBeGreaterThanOrEqual(ROUNDS / 4);
    expect(progress.size).toBeGreaterThanOrEqual(8);
  }, 60_000);
});
