import type { Command } from 'commander';
import { analyseOptions } from './shared.js';
import { probeOptions, type ProbeFlags } from './probe-options.js';
import { PathOption } from '../paths.js';
import { processIo } from '../io.js';

export function registerProbe(program: Command): void {
  const command = program
    .command('probe')
    .description(
      "connect to this host's listeners for real, from here, a namespace or a machine elsewhere; fingerprint OpenClaw gateways and their auth without credentials",
    )
    .option('--json', 'print the results as JSON (schema: docs/probe-format.md)')
    .addOption(new PathOption('-o, --output <file>', 'write to a file instead of stdout', 'output', ''))
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo clawmoat probe                               # from this host to its own addresses
  $ clawmoat probe --via ssh://me@laptop.example      # from a machine elsewhere, over your ssh
  $ sudo clawmoat probe --netns lab-client --json
  $ clawmoat probe --target 203.0.113.10:18789 --via ssh://me@vps2.example

Each result: observed (open, refused, timeout) next to reach's prediction; a mismatch is
printed with the model's path. For OpenClaw gateways: version and auth posture (enforced,
none, open, unknown), found with GETs and one credential-less WebSocket connect; every probe
leaves a line in the gateway's log. Only the host's own addresses, or the one --target, are
probed: never a range; with --snapshot, --target is required (a file's addresses are never
probed). Exit codes: 0 all observed, no mismatch, no unauthenticated gateway; 1 a mismatch, an
unauthenticated gateway, or a target not verified (an error where the model says open); 2 usage
or runtime error, a vantage that failed included.`,
    );
  // The prober, the model and the renderer load only when the command runs (probe-run.ts).
  probeOptions(analyseOptions(command)).action(async (flags: ProbeFlags) => {
    process.exitCode = await (await import('./probe-run.js')).runProbeCommand(flags, processIo());
  });

  // Internal: the namespace agent, for a build without its own file (dist/probe-agent.mjs is
  // what `--netns` runs). Reads {targets, settings} on stdin, writes JSON lines.
  program
    .command('probe-agent', { hidden: true })
    .description('internal: probe from the current network namespace; job on stdin, JSON lines out')
    .action(async () => (await import('../../probe/agent.js')).runAgent(process.stdin, process.stdout));
}
