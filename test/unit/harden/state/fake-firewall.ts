import { appendFile, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../../../src/harden/state/atomic-write.js';
import type { CommandRunner } from '../../../../src/harden/state/backup-set.js';

/**
 * A stand-in for ufw: a JSON file holding a default policy and a rule list, changed by
 * `fw add <rule>`, `fw remove <rule>`, `fw default <policy>`; `fw fail` always fails.
 * Like ufw's own undo commands, remove of a missing rule is a no-op, so undo is safe to
 * repeat. Every command is appended to `<state>.log` for order checks.
 */
export interface FirewallState {
  policy: string;
  rules: string[];
}

export const INITIAL_FIREWALL: FirewallState = { policy: 'allow', rules: ['ssh'] };

export async function readFirewall(path: string): Promise<FirewallState> {
  return JSON.parse(await readFile(path, 'utf8')) as FirewallState;
}

export async function resetFirewall(path: string): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(INITIAL_FIREWALL));
}

export function fakeFirewall(path: string): CommandRunner {
  return async (argv) => {
    await appendFile(`${path}.log`, `${argv.join(' ')}\n`);
    const [tool, verb, arg] = argv;
    if (tool !== 'fw') throw new Error(`unknown command ${argv.join(' ')}`);
    if (verb === 'fail') throw new Error('fw fail: failed as asked');
    const state = await readFirewall(path);
    if (verb === 'add' && arg && !state.rules.includes(arg)) state.rules.push(arg);
    else if (verb === 'remove' && arg) state.rules = state.rules.filter((r) => r !== arg);
    else if (verb === 'default' && arg) state.policy = arg;
    await writeFileAtomic(path, JSON.stringify(state));
  };
}
