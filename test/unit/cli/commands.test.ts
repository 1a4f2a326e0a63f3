import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { allCommands, buildProgram, commandPath } from '../../../src/cli/program.js';
import { PATH_PLACEHOLDER, PathOption } from '../../../src/cli/paths.js';
import { bundleCli } from '../../support/cli-bundle.js';

/**
 * The README's claims about flags, held true by walking commander's command tree: a command
 * added later is covered without touching this file.
 */

const program = await buildProgram();
const visible = allCommands(program).filter((c) => !(c as unknown as { _hidden: boolean })._hidden);
/** Commands that run something (not groups like `tailscale`, whose subcommands do). */
const runnable = visible.filter((c) => c !== program && c.commands.length === 0);
const words = (c: Command) => commandPath(c).split(' ').slice(1);

let bundle: ReturnType<typeof bundleCli>;
beforeAll(() => {
  bundle = bundleCli();
}, 60_000);
afterAll(() => bundle?.dispose());

function run(args: string[]) {
  return spawnSync(process.execPath, [bundle.cli, ...args], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, NO_COLOR: '1' } });
}

describe('the command tree', () => {
  it('has the commands the README lists', () => {
    expect(runnable.map(commandPath).sort()).toEqual(
      ['audit', 'checks', 'collect', 'doctor', 'fleet', 'harden', 'probe', 'reach', 'tailscale plan', 'tunnel'].map((c) => `clawmoat ${c}`).sort(),
    );
  });

  it.each(visible.map((c) => [commandPath(c), c] as const))('%s --help has examples of itself and exit codes or a pointer', (_name, command) => {
    const result = run([...words(command), '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\nExamples:\n/);
    const examples = result.stdout.slice(result.stdout.indexOf('Examples:'));
    expect(examples).toContain(`clawmoat ${words(command).join(' ')}`.trim());
  });

  it.each(runnable.map((c) => [commandPath(c), c] as const))('%s accepts --no-color', (_name, command) => {
    expect(command.options.some((o) => o.long === '--no-color')).toBe(true);
  });

  it('every option that names a path is a PathOption, checked before the command acts', () => {
    for (const command of allCommands(program)) {
      for (const option of command.options) {
        if (PATH_PLACEHOLDER.test(option.flags)) expect(option, `${commandPath(command)} ${option.flags}`).toBeInstanceOf(PathOption);
      }
    }
  });

  it.each(runnable.map((c) => [commandPath(c), c] as const))('%s: an unknown option is one line on stderr and exit 2', (_name, command) => {
    const result = run([...words(command), '--no-such-flag']);
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^clawmoat: unknown option '--no-such-flag'.*--help/);
  });
});

// Review B (session 11) findings 7 and 11: a flag with no effect where it was given was ignored
// without a word (`harden --verify` without --apply printed the plan and exit 0: the user believed
// the change was guarded); --json beside another --format printed JSON.
describe('a flag that means nothing where it is given is refused, not ignored', () => {
  const host = 'test/fixtures/readme/host.json';
  it.each([
    [['audit', '--snapshot', host, '--timeout', '5'], '--timeout needs --probe (or --netns, --via, --target)'],
    [['audit', '--snapshot', host, '--concurrency', '9'], '--concurrency needs --probe (or --netns, --via, --target)'],
    [['audit', '--snapshot', host, '--no-adaptive-timeout'], '--no-adaptive-timeout needs --probe (or --netns, --via, --target)'],
    [['harden', '--snapshot', host, '--verify', 'ssh://me@vps'], '--verify needs --apply'],
    [['harden', '--snapshot', host, '--yes'], '--yes needs --apply'],
    [['harden', '--snapshot', host, '--confirm-timeout', '30'], '--confirm-timeout needs --apply'],
    [['audit', '--snapshot', host, '--format', 'html', '--json'], "option '--json' cannot be used with option '-f, --format <format>'"],
    [['reach', '--snapshot', host, '--json', '--format', 'text'], "option '--json' cannot be used with option '-f, --format <format>'"],
  ])('%j: exit 2, one line', (args, message) => {
    const result = run(args);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it('the same flags where they mean something are taken', () => {
    expect(run(['audit', '--snapshot', host, '--json']).status).toBe(1);
    expect(run(['audit', '--snapshot', host, '--format', 'json']).status).toBe(1);
    expect(run(['harden', '--snapshot', host]).status).toBe(0);
  });
});
