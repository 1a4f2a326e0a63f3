import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { UserError } from '../snapshot/io.js';
import { registerAudit } from './commands/audit.js';
import { registerCollect } from './commands/collect.js';
import { registerChecks } from './commands/checks.js';
import { registerReach } from './commands/reach.js';
import { registerProbe } from './commands/probe.js';
import { registerHarden } from './commands/harden.js';
import { registerTunnel } from './commands/tunnel.js';
import { registerTailscale } from './commands/tailscale.js';
import { registerDoctor } from './commands/doctor.js';
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
  const message = text.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim().replace(/\.$/, '');
  return `clawmoat: ${message}; see \`${commandPath(command)} --help\`\n`;
}

/** The whole command tree, ready to parse; nothing runs until parseAsync. */
export function buildProgram(): Command {
  const program = new Command()
    .name('clawmoat')
    .description('Keeps OpenClaw gateways off networks they should not be on: who can really reach your gateway?')
    .version(TOOL_VERSION);
  registerAudit(program);
  registerReach(program);
  registerProbe(program);
  registerHarden(program);
  registerTunnel(program);
  registerTailscale(program);
  registerDoctor(program);
  registerCollect(program);
  registerChecks(program);
  program.addHelpText('after', `
Examples:
  $ npx clawmoat audit
  $ sudo clawmoat collect -o host.json && clawmoat audit --snapshot host.json

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or runtime error.`);
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
  if (error instanceof UserError) return error.message;
  const err = error as NodeJS.ErrnoException;
  // A file the user named (a report's -o, a state dir) that the system refused: the user's to fix.
  if (err && typeof err.code === 'string' && typeof err.path === 'string') return `${err.path}: ${describeErrno(err.code)}`;
  if (process.env.CLAWMOAT_DEBUG) process.stderr.write(`${err?.stack ?? String(err)}\n`);
  return `internal error: ${err?.message ?? String(err)} (set CLAWMOAT_DEBUG=1 for details and please report it)`;
}

export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') process.exit(0);
      // `clawmoat` alone: the help, as a usage error.
      process.exit(EXIT_ERROR);
    }
    process.stderr.write(`clawmoat: ${errorLine(error).replace(/\s*\n\s*/g, ' ')}\n`);
    process.exit(EXIT_ERROR);
  }
}
