#!/usr/bin/env node
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

/** Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or runtime error. */
const EXIT_ERROR = 2;

function fail(message: string): never {
  process.stderr.write(`clawmoat: ${message}\n`);
  process.exit(EXIT_ERROR);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('clawmoat')
    .description('Keeps OpenClaw gateways off networks they should not be on: who can really reach your gateway?')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
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
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') process.exit(0);
      process.exit(EXIT_ERROR);
    }
    throw error;
  }
}

main(process.argv).catch((error: unknown) => {
  if (error instanceof UserError) fail(error.message);
  const err = error as Error;
  if (process.env.CLAWMOAT_DEBUG) process.stderr.write(`${err.stack ?? String(err)}\n`);
  fail(`internal error: ${err.message ?? String(err)} (set CLAWMOAT_DEBUG=1 for details and please report it)`);
});
