import { appendFile, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../../../src/harden/state/atomic-write.js';
import type { CommandRunner } from '../../../../src/harden/state/backup-set.js';

/**
 * A stand-in for ufw, speaking the argv harden writes (rollback runs no other): a JSON file
 * holding a default policy and a rule list, changed by `ufw allow <rule>`, `ufw delete allow
 * <rule>`, `ufw default <policy> incoming`; `ufw limit fail` always fails.
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
    const [tool, verb, ...rest] = argv;
    if (tool !== 'ufw') throw new Error(`unknown command ${argv.join(' ')}`);
    if (verb === 'limit' && rest[0] === 'fail') throw new Error('ufw limit fail: failed as asked');
    const state = await readFirewall(path);
    const rule = verb === 'delete' ? rest[1] : rest[0];
    if (verb === 'allow' && rule && !state.rules.includes(rule)) state.rules.push(rule);
    else if (verb === 'delete' && rest[0] === 'allow' && rule) state.rules = state.rules.filter((r) => r !== rule);
    else if (verb === 'default' && rest[0]) state.policy = rest[0];
    await writeFileAtomic(path, JSON.stringify(state));
  };
}
