import { Option, type Command } from 'commander';
import { DEADMAN_FIRE_FLAG, DEFAULT_DEADMAN_SECONDS } from '../../harden/state/deadman-flags.js';
import { processIo } from '../io.js';
import { refuseAlone } from '../flag-needs.js';
import { PathOption } from '../paths.js';
import { analyseOptions } from './shared.js';
import type { HardenFlags } from './harden-run.js';

export function registerHarden(program: Command): void {
  const command = program
    .command('harden')
    .description("fix what the audit found, in the guide's order, without ever locking you out: plan first, backups, dead-man rollback")
    .option('--apply', 'apply the plan (nothing changes without it)')
    .option('-y, --yes', 'do not ask before applying (unattended use)')
    .option('--json', 'print the plan as JSON: {"steps": [...]}')
    .option('--only <ids>', 'only these steps (comma-separated ids or id prefixes)')
    .option('--skip <ids>', 'skip these steps')
    .addOption(new Option('--remote <how>', 'how you reach the gateway from elsewhere').choices(['loopback', 'tailnet']).default('loopback'))
    .option('--no-publish', "remove the gateway's published Docker ports instead of moving them to 127.0.0.1")
    .option('--confirm-timeout <seconds>', 'roll back unless confirmed within this time (0: no dead-man timer)', String(DEFAULT_DEADMAN_SECONDS))
    .option('--verify <vantage>', 'confirm by probing from ssh://user@host or netns:NAME: the gateway filtered and SSH open')
    .option('--confirm', 'keep the changes of the last apply (from any session)')
    .option('--rollback', 'restore the last backup set now')
    .option('--history', 'list the backup sets')
    .addOption(new PathOption('--state-dir <dir>', 'where backup sets live (default /var/lib/clawmoat, or CLAWMOAT_STATE_DIR)', 'dir', ''))
    .addOption(new PathOption(`${DEADMAN_FIRE_FLAG} <setDir>`, 'internal: the dead-man watcher of this backup set', 'dir', '').hideHelp())
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo clawmoat harden                          # show the plan: diffs, commands, undo
  $ sudo clawmoat harden --apply                  # apply, then confirm within 60 s or it rolls back
  $ sudo clawmoat harden --apply --yes --verify ssh://me@elsewhere.example
  $ sudo clawmoat harden --only ufw --apply        # just the firewall steps
  $ sudo clawmoat harden --remote tailnet --json
  $ sudo clawmoat harden --confirm                # from a new session: keep the changes
  $ sudo clawmoat harden --rollback               # put everything back

Before applying, the planned ruleset is rehearsed with the real ufw in a scratch network
namespace and run through the reach model: a plan that would close this SSH session or any
sshd port that is open now is refused. Exit codes: 0 done (or nothing to do), 1 the plan was
refused or rolled back, 2 usage or runtime error.`,
    );
  // The planner, the session and its prompts load only when the command runs (harden-run.ts).
  analyseOptions(command).action(async (flags: HardenFlags) => {
    refuseAlone(command, { yes: '--yes', confirmTimeout: '--confirm-timeout', verify: '--verify' }, '--apply', flags.apply === true);
    process.exitCode = await (await import('./harden-run.js')).runHarden(flags, processIo(), process.stdin.isTTY === true);
  });
}
