import type { Command } from 'commander';
import { CHECKS } from '../../checks/catalogue.js';
import { processIo, type CommandIo } from '../io.js';

/** `clawmoat checks`: the catalogue, as a table or JSON. */
export function listChecks(flags: { json?: boolean }, io: CommandIo): 0 {
  const catalogue = CHECKS.map((c) => c.meta);
  if (flags.json) io.out(`${JSON.stringify(catalogue, null, 2)}\n`);
  else for (const meta of catalogue) io.out(`${meta.id.padEnd(32)} ${meta.severity.padEnd(8)} ${meta.title}\n`);
  return 0;
}

export function registerChecks(program: Command): void {
  program
    .command('checks')
    .description('list every check: id, severity, guide section and what it looks at')
    .option('--json', 'print the catalogue as JSON (each entry: id, title, severity, section, docs; src/checks/types.ts CheckMeta)')
    .option('--no-color', 'accepted for symmetry: this list has no colours')
    .addHelpText(
      'after',
      `
Examples:
  $ clawmoat checks
  $ clawmoat checks --json | jq -r '.[].id'`,
    )
    .action((flags: { json?: boolean }) => {
      process.exitCode = listChecks(flags, processIo());
    });
}
