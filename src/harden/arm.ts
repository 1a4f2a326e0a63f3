import { BackupSet, type CommandRunner } from './state/backup-set.js';
import { armDeadman, type ArmOptions } from './state/deadman.js';
import { rollback } from './state/rollback.js';

/**
 * Arm the dead-man timer over an applied set, or undo the set. Changes that nobody has
 * confirmed, with no timer left to take them back, are the one state harden must never leave a
 * host in: the user may already be locked out and unable to say --rollback.
 */
export async function armOrRollBack(
  set: BackupSet,
  seconds: number,
  runner: CommandRunner,
  arm: (options: ArmOptions) => Promise<unknown> = armDeadman,
): Promise<void> {
  try {
    await arm({ set, seconds });
  } catch (error) {
    const undone = await rollback(await BackupSet.load(set.dir), { runCommand: runner });
    const rest = undone.status === 'incomplete' ? `; rollback incomplete: ${undone.errors.join('; ')} (run clawmoat harden --rollback)` : '';
    throw new Error(`the dead-man timer could not be armed (${(error as Error).message}), so everything applied was rolled back${rest}`);
  }
}
