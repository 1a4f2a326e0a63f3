import { readFile } from 'node:fs/promises';
import { armDeadman, runDeadmanWatcher } from '../../../../src/harden/state/deadman.js';
import { BackupSet, latestBackupSet, openBackupSet } from '../../../../src/harden/state/backup-set.js';
import { rollback } from '../../../../src/harden/state/rollback.js';
import { fakeFirewall } from './fake-firewall.js';

/**
 * A separate process driving the state API, so tests can kill -9 it, or let it exit,
 * at any instant. It prints `step <n>` as it goes so the test can aim kills across the
 * whole run whatever the machine's speed. Bundled by esbuild before the tests run. The fake firewall's state
 * file comes from CLAWMOAT_TEST_FIREWALL.
 *
 *   apply <stateDir> <plan.json>      one backup set applying every step of the plan
 *   rollback <stateDir>               roll back the newest set
 *   watch <setDir>                    the dead-man watcher (what `harden --deadman-fire` runs)
 *   arm <setDir> <seconds> <argv…>    arm a watcher started with argv, print its PID, then idle
 */
export type PlanStep = { kind: 'file'; path: string; content: string } | { kind: 'command'; run: string[]; undo: string[][] };

const runner = fakeFirewall(process.env.CLAWMOAT_TEST_FIREWALL ?? '/nonexistent');

/** `step <n>` as each step (or each rollback action) begins, so the test can aim its kill. */
let ticks = 0;
function tick(): void {
  process.stdout.write(`step ${ticks++}\n`);
}

async function main(): Promise<void> {
  const [mode, a, b, ...rest] = process.argv.slice(2);
  if (mode === 'apply' && a && b) {
    const steps = JSON.parse(await readFile(b, 'utf8')) as PlanStep[];
    tick();
    const set = await openBackupSet(a, { test: 'crash' });
    for (const step of steps) {
      tick();
      if (step.kind === 'file') await set.writeFile(step.path, step.content);
      else await set.runCommand({ run: step.run, undo: step.undo }, runner);
    }
    await set.finish('applied');
    process.stdout.write('done\n');
  } else if (mode === 'rollback' && a) {
    const set = await latestBackupSet(a);
    tick();
    if (set) await rollback(set, { runCommand: runner, log: tick });
    process.stdout.write('done\n');
  } else if (mode === 'watch' && a) {
    await runDeadmanWatcher(a, { runCommand: runner });
  } else if (mode === 'arm' && a && b) {
    const record = await armDeadman({ set: await BackupSet.load(a), seconds: Number(b), command: rest });
    process.stdout.write(`${record.watcher?.pid}\n`);
    // Stay alive like an interactive prompt would, until the test kills our process group.
    setTimeout(() => undefined, 60_000);
  } else {
    throw new Error(`usage: state-child apply|rollback|watch|arm … (got ${process.argv.slice(2).join(' ')})`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
