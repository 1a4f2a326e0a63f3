import { execFile } from 'node:child_process';
import { openBackupSet, type BackupSet, type CommandRunner } from './state/backup-set.js';
import { rollback } from './state/rollback.js';
import type { Plan } from './types.js';

/**
 * Apply a plan through a backup set: every file backed up and written atomically, every
 * command journalled with its undo before it runs. A step that fails rolls back everything
 * the apply did so far, so a half-applied plan is never left behind.
 */

const SBIN = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs quietly (ufw talks a lot); a failure carries the command's last words. */
export const quietRunner: CommandRunner = (argv) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('empty command'));
    execFile(file, args, { env: { ...process.env, PATH: `${process.env.PATH ?? ''}:${SBIN}`, LC_ALL: 'C' }, timeout: 120_000 }, (error, stdout, stderr) => {
      if (!error) return resolve();
      const last = `${String(stderr)}\n${String(stdout)}`.trim().split('\n').filter(Boolean).pop() ?? error.message;
      reject(new Error(`${argv.join(' ')} failed: ${last}`));
    });
  });

export interface ApplyOptions {
  stateDir: string;
  runner?: CommandRunner;
  onStep?: (id: string, index: number, total: number) => void;
}

export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<BackupSet> {
  const runner = options.runner ?? quietRunner;
  const steps = plan.steps.filter((s) => !(s.kind === 'command' && s.manual));
  const set = await openBackupSet(options.stateDir, { steps: steps.map((s) => s.id), tool: 'clawmoat harden' });
  try {
    for (const [index, step] of steps.entries()) {
      options.onStep?.(step.id, index, steps.length);
      if (step.kind === 'file') {
        if (step.content === undefined) throw new Error(`step ${step.id} has no content to write`);
        await set.writeFile(step.path, step.content, { step: step.id });
      } else {
        await set.runCommand({ run: step.argv, undo: step.undoArgv, step: step.id }, runner);
      }
    }
    await set.finish('applied');
    return set;
  } catch (error) {
    const undone = await rollback(set, { runCommand: runner });
    const detail = undone.status === 'incomplete' ? `; rollback incomplete: ${undone.errors.join('; ')} (run clawmoat harden --rollback)` : '; everything it had changed was rolled back';
    throw new Error(`${(error as Error).message}${detail}`);
  }
}
