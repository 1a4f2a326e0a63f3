import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { UserError } from '../errors.js';
import { sanitize } from '../report/common.js';
import { checkPathOptions, describeErrno } from './paths.js';

/** Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or runtime error. */
export const EXIT_ERROR = 2;

/** Every command of the tree, the program first, hidden ones included. */
export function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c))];
}

/** "clawmoat tailscale plan" */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** commander's messages ("error: unknown option '--x'\n(Did you mean --y?)") as one line. */
function oneLine(text: string, command: Command): string {
  const message = text
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/\.$/, '');
  return `clawmoat: ${message}; see \`${commandPath(command)} --help\`\n`;
}

type Register = (program: Command) => void;

/**
 * Every command, in --help's order, each loaded only when needed: a command's module (its
 * options, and through them everything its action uses) is imported when that command runs,
 * so `clawmoat audit --snapshot` never loads the prober, harden or the tunnel, and `--version`
 * loads none of them. The bundle is split along these imports (scripts/bundle.mjs).
 */
const COMMANDS: [string, () => Promise<Register>][] = [
  ['audit', async () => (await import('./commands/audit.js')).registerAudit],
  ['fleet', async () => (await import('./commands/fleet.js')).registerFleet],
  ['reach', async () => (await import('./commands/reach.js')).registerReach],
  ['probe', async () => (await import('./commands/probe.js')).registerProbe],
  ['harden', async () => (await import('./commands/harden.js')).registerHarden],
  ['tunnel', async () => (await import('./commands/tunnel.js')).registerTunnel],
  ['tailscale', async () => (await import('./commands/tailscale.js')).registerTailscale],
  ['doctor', async () => (await import('./commands/doctor.js')).registerDoctor],
  ['collect', async () => (await import('./commands/collect.js')).registerCollect],
  ['checks', async () => (await import('./commands/checks.js')).registerChecks],
];

/** The command argv names, or undefined when it names none of ours (then every command is loaded: help, an unknown command). */
function commandNamed(argv: string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  // `--version` and `-V` alone need no command at all.
  if (first === undefined && argv.slice(2).some((a) => a === '--version' || a === '-V')) return '';
  return COMMANDS.some(([name]) => name === first) ? first : undefined;
}

/**
 * The command tree, ready to parse; nothing runs until parseAsync. `only`: just that command
 * ('' for none); by default every command (for --help, and for the tests that walk the tree).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command()
    .name('clawmoat')
    .description('Keeps OpenClaw gateways off networks they should not be on: who can really reach your gateway?')
    .version(TOOL_VERSION);
  const wanted = COMMANDS.filter(([name]) => only === undefined || name === only);
  for (const register of await Promise.all(wanted.map(([, load]) => load()))) register(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ npx clawmoat audit
  $ sudo clawmoat collect -o host.json && clawmoat audit --snapshot host.json

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or runtime error.`,
  );
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(oneLine(s, command)),
    });
  }
  // A path the user named is checked before the command acts on anything.
  program.hook('preAction', (_program, action) => checkPathOptions(action));
  return program;
}

/** One line on stderr for whatever ended the run; exit 2. */
export function errorLine(error: unknown): string {
  // Messages name host paths (a gateway user's file name can hold ESC or CR): shown, not obeyed.
  return sanitize(errorText(error));
}

function errorText(error: unknown): string {
  if (error instanceof UserError) return error.message;
  const err = error as NodeJS.ErrnoException;
  // A file the user named (a report's -o, a state dir) that the system refused: the user's to fix.
  if (err && typeof err.code === 'string' && typeof err.path === 'string') return `${err.path}: ${describeErrno(err.code)}`;
  if (process.env.CLAWMOAT_DEBUG) process.stderr.write(`${err?.stack ?? String(err)}\n`);
  return `internal error: ${err?.message ?? String(err)} (set CLAWMOAT_DEBUG=1 for details and please report it)`;
}

export async function runCli(argv: string[]): Promise<void> {
  const program = await buildProgram(commandNamed(argv));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') process.exit(0);
      // `clawmoat` alone: the help, as a usage error.
      process.exit(EXIT_ERROR);
    }
    exitWithError(error);
  }
}

/**
 * One line and exit 2 for `error`. Also the last resort (main.ts) for what escapes every handler,
 * a throw inside a stream or child-process callback: Node's default there is a stack trace and
 * exit 1, which a script would read as "findings".
 */
export function exitWithError(error: unknown): never {
  process.stderr.write(`clawmoat: ${errorLine(error).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(EXIT_ERROR);
}
