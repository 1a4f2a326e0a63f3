import { execFile } from 'node:child_process';
import type { Plan } from './types.js';

/**
 * `ufw --dry-run` is not always dry: `enable`, `disable` and `logging` still rewrite
 * /etc/ufw/ufw.conf (ENABLED=, LOGLEVEL=; ufw 0.36's frontend writes them before it checks
 * for a dry run). Asking ufw what `enable` would do would turn UFW on at the next boot, with
 * none of the plan's rules, so those commands are described, never dry-run.
 */
export function ufwDryRunIsSafe(argv: readonly string[]): boolean {
  const verb = argv.slice(1).find((a) => !a.startsWith('-'));
  return verb !== undefined && !['enable', 'disable', 'logging', 'reset', 'reload'].includes(verb);
}

/** Ask ufw what each planned command would do (`ufw --dry-run …`): it reads, never writes. Root only. */
export async function addUfwDryRuns(plan: Plan): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (const step of plan.steps) {
    if (step.kind !== 'command' || step.argv[0] !== 'ufw' || step.manual) continue;
    if (!ufwDryRunIsSafe(step.argv)) {
      step.dryRun = `(not dry-run: \`ufw --dry-run ${step.argv
        .slice(1)
        .filter((a) => a !== '--force')
        .join(' ')}\` writes /etc/ufw/ufw.conf even in a dry run)`;
      continue;
    }
    const args = step.argv.slice(1).filter((a) => a !== '--force');
    step.dryRun = await new Promise<string>((resolve) => {
      execFile('ufw', ['--dry-run', ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, timeout: 30_000 }, (error, stdout, stderr) => {
        const text = `${String(stdout)}${String(stderr)}`;
        // The full ruleset dump is long; the rule lines and ufw's own messages are what tell.
        const useful = text.split('\n').filter((l) => /^(-A|-D|-I|###|[A-Z][a-z])/.test(l) && !/^:/.test(l));
        resolve(error && !useful.length ? `(ufw --dry-run failed: ${error.message.split('\n')[0]})` : useful.join('\n'));
      });
    });
  }
}
