import { Option, type Command } from 'commander';
import { analyseOptions } from './shared.js';
import { UserError } from '../../errors.js';
import { PathOption } from '../paths.js';
import type { PlanFlags } from './tailscale-run.js';
import { processIo } from '../io.js';

const collectList = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerTailscale(program: Command): void {
  const group = program
    .command('tailscale')
    .description('remote access through Tailscale: the right setup for this gateway, its commands and a tailnet policy')
    .addHelpText(
      'after',
      `
Examples:
  $ clawmoat tailscale plan                     # Serve or a tailnet bind, for this host
  $ clawmoat tailscale plan --for cli --allow alice@example.com
  $ clawmoat tailscale plan --help              # every option of the plan`,
    );
  // Only `plan` so far: without it, one line says so (commander would print the whole help as an error).
  group.action(() => {
    throw new UserError('tailscale: give a command: plan; see `clawmoat tailscale --help`');
  });
  const plan = group
    .command('plan')
    .description('recommend Serve (browser UI) or a tailnet bind (CLI, agents); print the commands, the config change and a tailnet policy snippet with tests')
    .addOption(new Option('--for <use>', 'what the remote access is for (default: decided from where the gateway listens)').choices(['browser', 'cli']))
    .option(
      '--allow <principal>',
      'a user (user@example.com), tag (tag:ci) or group admitted to the gateway; repeatable (default: a placeholder group:openclaw-admins)',
      collectList,
    )
    .option('--acls', 'write the policy with "acls" instead of "grants"')
    .option('--port <port>', 'the gateway port (default: the one this host shows)')
    .option('--json', 'print the plan as JSON (schema: docs/tailscale.md)')
    .addOption(new PathOption('-o, --output <file>', 'write to a file instead of stdout', 'output', ''))
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `
Examples:
  $ clawmoat tailscale plan                                  # the setup that fits this host
  $ clawmoat tailscale plan --for cli --allow alice@example.com --allow tag:ci
  $ clawmoat tailscale plan --acls --allow group:ops --json | jq -r .policy.text
  $ clawmoat tailscale plan --snapshot host.json

Nothing is changed: the plan prints commands, a config diff (comments kept) and a HuJSON
policy whose tests assert the named users/tags reach the gateway and autogroup:member does not.
Exit codes: 0 plan printed, 1 Tailscale Funnel exposes the gateway to the internet, 2 error.`,
    );
  // The model and the planner load only when the command runs (tailscale-run.ts).
  analyseOptions(plan).action(async (flags: PlanFlags) => {
    process.exitCode = await (await import('./tailscale-run.js')).runTailscalePlan(flags, processIo());
  });
}
