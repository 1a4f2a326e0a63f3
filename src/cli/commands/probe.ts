import type { Command } from 'commander';
import { buildContext } from '../../model/context.js';
import { runProbe } from '../../probe/run.js';
import { runAgent } from '../../probe/agent.js';
import { startNetnsAgent } from '../../probe/vantage/netns.js';
import type { ProbeReport } from '../../probe/types.js';
import { renderProbeReport } from '../../report/probe.js';
import { UserError } from '../../snapshot/io.js';
import { emit, useColor } from '../output.js';
import { startProgress } from '../progress.js';
import { analyseOptions, obtainSnapshot, zoneSpecs } from './shared.js';
import { probeOptions, probeSettings, type ProbeFlags } from './probe-options.js';
import { PathOption } from '../paths.js';

/** Critical: a gateway without auth (or wide open) that answers on a non-loopback address. */
export function probeExitCode(report: ProbeReport): number {
  const exposed = report.results.some((r) => r.openclaw.detected && (r.openclaw.auth === 'none' || r.openclaw.auth === 'open'));
  return report.results.some((r) => r.mismatch) || exposed ? 1 : 0;
}

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
probed: never a range. Exit codes: 0 no mismatch and no unauthenticated gateway, 1 either,
2 usage or runtime error.`,
    );
  probeOptions(analyseOptions(command)).action(async (flags: ProbeFlags) => {
    const settings = probeSettings(flags);
    // The namespace agents start now and wait for their targets: their start-up (a Node process
    // each) overlaps reading the host and building the model instead of following it.
    const agents = settings.netns.map(startNetnsAgent);
    let report: ProbeReport;
    try {
      const zones = zoneSpecs(flags);
      const snapshot = await obtainSnapshot(flags);
      const progress = startProgress('probing', { enabled: true });
      try {
        // The model is built once the agents have their targets, while they probe.
        report = await runProbe({ snapshot, build: () => buildContext(snapshot, { zones }) }, { ...settings, agents, onProgress: (t) => progress.update(t) });
      } finally {
        progress.stop();
      }
    } finally {
      for (const agent of agents) agent.dismiss();
    }
    if (report.results.length === 0 && report.errors.length > 0 && report.errors.length === report.vantages.length) {
      throw new UserError(report.errors.map((e) => `${e.vantage}: ${e.message}`).join('; '));
    }
    const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderProbeReport(report, { color: !flags.output && useColor(flags.color) });
    await emit(text, flags.output);
    process.exitCode = probeExitCode(report);
  });

  // Internal: the namespace agent, for a build without its own file (dist/probe-agent.mjs is
  // what `--netns` runs). Reads {targets, settings} on stdin, writes JSON lines.
  program
    .command('probe-agent', { hidden: true })
    .description('internal: probe from the current network namespace; job on stdin, JSON lines out')
    .action(() => runAgent(process.stdin, process.stdout));
}
