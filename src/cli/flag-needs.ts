import type { Command } from 'commander';
import { UserError } from '../errors.js';

/**
 * A flag that only means something beside another is refused alone, never ignored: a user who
 * gave `harden --verify ssh://…` without `--apply` believed the change was guarded, and nothing ran.
 * FLAGS are commander's attribute names with the flag each stands for; only flags given on the
 * command line count (not defaults). Throws a UserError naming the first such flag and what it needs.
 */
export function refuseAlone(command: Command, flags: Record<string, string>, needs: string, present: boolean): void {
  if (present) return;
  for (const [attribute, flag] of Object.entries(flags)) {
    if (command.getOptionValueSource(attribute) === 'cli') throw new UserError(`${flag} needs ${needs}`);
  }
}
