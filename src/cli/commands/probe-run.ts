import { buildContext } from '../../model/context.js';
import { notVerified, runProbe } from '../../probe/run.js';
import { startNetnsAgent } from '../../probe/vantage/netns.js';
import type { ProbeReport } from '../../probe/types.js';
import { renderProbeReport } from '../../report/probe.js';
import { UserError } from '../../errors.js';
import type { CommandIo } from '../io.js';
import { emit, useColor } from '../output.js';
import { startProgress } from '../progress.js';
import { obtainSnapshot, zoneSpecs } from './shared.js';
import { checkProbeTarget, probeSettings, type ProbeFlags } from './probe-options.js';

/**
 * 1 for a mismatch, a gateway without auth (or wide open) that answers on a non-loopback
 * address, or a target the model says is open or may be that could not be observed (not
 * verified: the probe decided nothing there). A vantage that failed is exit 2 (runProbeCommand).
 */
export function probeExitCode(report: ProbeReport): number {
  const exposed = report.results.some((r) => r.openclaw.detected && (r.openclaw.auth === 'none' || r.openclaw.auth === 'open'));
  return report.results.some((r) => r.mismatch || notVerified(r)) || exposed ? 1 : 0;
}

/** Every vantage that failed, in one line. */
function vantageErrors(report: ProbeReport): string {
  return report.errors.map((e) => `${e.vantage}: ${e.message}`).join('; ');
}

/** What `clawmoat probe` does once its flags are parsed: loaded by probe.ts only when it runs. Returns the exit code. */
export async function runProbeCommand(flags: ProbeFlags, io: CommandIo): Promise<number> {
  const settings = probeSettings(flags);
  checkProbeTarget(flags);
  // The namespace agents start now and wait for their targets: their start-up (a Node process
  // each) overlaps reading the host and building the model instead of following it.
  const agents = settings.netns.map(startNetnsAgent);
  let report: ProbeReport;
  try {
    const zones = zoneSpecs(flags);
    const snapshot = await obtainSnapshot(flags);
    const progress = startProgress('probing', { enabled: io.terminal.err });
    try {
      // The model is built once the agents have their targets, while they probe.
      report = await runProbe({ snapshot, build: () => buildContext(snapshot, { zones }) }, { ...settings, agents, onProgress: (t) => progress.update(t) });
    } finally {
      progress.stop();
    }
  } finally {
    for (const agent of agents) agent.dismiss();
  }
  if (report.results.length === 0 && report.errors.length > 0 && report.errors.length === report.vantages.length) throw new UserError(vantageErrors(report));
  const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderProbeReport(report, { color: !flags.output && useColor(flags.color, io) });
  await emit(text, flags.output, io);
  // What the other vantages saw is written above; the run still failed (a --netns that does not
  // exist, a --via that cannot log in), and a script must not read it as a clean pass.
  if (report.errors.length > 0) throw new UserError(`${vantageErrors(report)} (the other vantages' results are in the report)`);
  return probeExitCode(report);
}
