import { LiveFiles } from '../../harden/live-files.js';
import { Option, type Command } from 'commander';
import { buildContext } from '../../model/context.js';
import { validPrincipal } from '../../remote/tailscale/policy.js';
import { buildTailscalePlan } from '../../remote/tailscale/plan.js';
import { renderTailscalePlan } from '../../remote/tailscale/render.js';
import type { Audience } from '../../remote/tailscale/recommend.js';
import { UserError } from '../../snapshot/io.js';
import { emit, useColor } from '../output.js';
import { analyseOptions, obtainSnapshot, zoneSpecs, type AnalyseFlags } from './shared.js';
import { PathOption } from '../paths.js';

interface PlanFlags extends AnalyseFlags {
  for?: Audience;
  allow?: string[];
  acls?: boolean;
  port?: string;
  json?: boolean;
  output?: string;
  color?: boolean;
}

const collectList = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The live config file; with --snapshot the host is elsewhere, so nothing local is read. */
function reader(flags: PlanFlags): (path: string) => string | undefined {
  if (flags.snapshot) return () => undefined;
  // The gateway's user owns its config: read it as harden does, never through a link they planted.
  return new LiveFiles().read;
}

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
  analyseOptions(plan).action(async (flags: PlanFlags) => {
    const allow = flags.allow ?? [];
    const bad = allow.filter((a) => !validPrincipal(a));
    if (bad.length > 0) throw new UserError(`--allow ${bad[0]}: expected a login (user@example.com), a tag (tag:name) or a group (group:name)`);
    let port: number | undefined;
    if (flags.port !== undefined) {
      port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535) throw new UserError(`--port ${flags.port}: not a port number (1-65535)`);
    }
    const snapshot = await obtainSnapshot(flags);
    const ctx = buildContext(snapshot, { zones: zoneSpecs(flags) });
    const result = buildTailscalePlan(ctx, {
      allow,
      format: flags.acls ? 'acls' : 'grants',
      readFile: reader(flags),
      ...(flags.for ? { for: flags.for } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    const text = flags.json ? `${JSON.stringify(result, null, 2)}\n` : renderTailscalePlan(result, { color: !flags.output && useColor(flags.color) });
    await emit(text, flags.output);
    if (result.exposure.length > 0) process.exitCode = 1;
  });
}
