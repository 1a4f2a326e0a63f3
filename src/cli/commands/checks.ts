import type { Command } from 'commander';
import { CHECKS } from '../../checks/catalogue.js';

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
      const catalogue = CHECKS.map((c) => c.meta);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(catalogue, null, 2)}\n`);
        return;
      }
      for (const meta of catalogue) process.stdout.write(`${meta.id.padEnd(32)} ${meta.severity.padEnd(8)} ${meta.title}\n`);
    });
}
