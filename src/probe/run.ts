import type { AnalysisContext } from '../model/context.js';
import { describeSocket } from '../model/gateway.js';
import type { ReachVerdict } from '../model/reach.js';
import type { Socket } from '../snapshot/types.js';
import { predictor, type Origin, type Prediction } from './predict.js';
import { planTargets, type Target } from './targets.js';
import { probeFromHere, type ProbeSettings, type Sighting } from './vantage/local.js';
import { probeFromNetns } from './vantage/netns.js';
import { parseSshUrl, probeOverSsh } from './vantage/ssh.js';
import type { Observed, ProbeReport, ProbeResult, ProbeVantage } from './types.js';

export interface ProbeOptions extends ProbeSettings {
  netns: string[];
  via: string[];
  target?: { host: string; port?: number };
  onProgress?: (text: string) => void;
}

export const PROBE_DEFAULTS: ProbeSettings = { timeoutMs: 2_000, concurrency: 64 };

/** Does what happened agree with what the model said? A REJECT is `filtered` in the model and `refused` on the wire. */
export function agrees(observed: Observed | 'error', predicted: ReachVerdict | null, reason = ''): boolean {
  if (predicted === null || predicted === 'unknown' || observed === 'error') return true;
  if (observed === 'open') return predicted === 'open';
  if (observed === 'refused') return predicted === 'closed' || (predicted === 'filtered' && /reject/i.test(reason));
  return predicted === 'filtered';
}

/** Run every vantage point against the planned targets and put what happened next to what reach predicted. */
export async function runProbe(ctx: AnalysisContext, options: ProbeOptions): Promise<ProbeReport> {
  const plan = planTargets(ctx.snapshot, options.target ? { target: options.target } : {});
  const predict = predictor(ctx);
  const report: ProbeReport = { schemaVersion: 1, vantages: [], results: [], errors: [], notes: [...plan.notes] };
  const settings: ProbeSettings = { timeoutMs: options.timeoutMs, concurrency: options.concurrency };
  const vantages: { vantage: ProbeVantage; targets: Target[]; run: (targets: Target[], onDone: (n: number) => void) => Promise<Sighting[]>; origin: (s: Sighting) => Origin }[] = [];
  const remote = options.netns.length > 0 || options.via.length > 0;
  if (!remote) {
    vantages.push({ vantage: { name: 'host', kind: 'host', zone: 'loopback' }, targets: plan.targets, run: (t, d) => probeFromHere(t, settings, d), origin: () => ({ kind: 'host' }) });
    report.notes.push("probed from this host itself: its own connections to its own addresses loop back and skip the path a remote client takes, so this is not the internet's view; use --via ssh://a-machine-elsewhere for that");
  }
  for (const name of options.netns) {
    vantages.push({ vantage: { name: `netns:${name}`, kind: 'netns' }, targets: plan.targets, run: (t, d) => probeFromNetns(name, t, settings, d), origin: (s) => (s.source ? { kind: 'client', source: s.source } : { kind: 'owner' }) });
  }
  for (const url of options.via) {
    const destination = parseSshUrl(url);
    const targets = withSshPorts(plan.targets, ctx);
    vantages.push({ vantage: { name: destination.name, kind: 'ssh' }, targets, run: (t, d) => probeOverSsh(destination, t, settings, d), origin: () => ({ kind: 'owner' }) });
  }
  const total = vantages.reduce((n, v) => n + v.targets.length, 0);
  let finished = 0;
  await Promise.all(
    vantages.map(async (v) => {
      report.vantages.push(v.vantage);
      let mine = 0;
      let sightings: Sighting[];
      try {
        sightings = await v.run(v.targets, (n) => {
          finished += n - mine;
          mine = n;
          options.onProgress?.(`probed ${finished}/${total}`);
        });
      } catch (error) {
        report.errors.push({ vantage: v.vantage.name, message: (error as Error).message });
        return;
      }
      for (const s of sightings) report.results.push(toResult(ctx, v.vantage, s, predict(s.address, s.port, v.origin(s))));
    }),
  );
  report.vantages.sort((a, b) => a.name.localeCompare(b.name));
  report.results.sort((a, b) => a.vantage.localeCompare(b.vantage) || a.port - b.port || a.address.localeCompare(b.address));
  for (const v of report.vantages) if (v.kind !== 'host') v.zone = report.results.find((r) => r.vantage === v.name && r.prediction)?.prediction?.zone ?? 'unknown';
  if (report.results.some((r) => r.openclaw.detected)) report.notes.push('every fingerprint leaves a line in the gateway log ("closed before connect"): that is this probe');
  sshLockoutNotes(ctx, report);
  return report;
}

function toResult(ctx: AnalysisContext, vantage: ProbeVantage, s: Sighting, prediction: Prediction | null): ProbeResult {
  const result: ProbeResult = {
    vantage: vantage.name,
    address: s.address,
    port: s.port,
    observed: s.outcome.observed,
    ms: s.outcome.ms,
    predicted: prediction?.verdict ?? null,
    mismatch: false,
    openclaw: s.openclaw,
  };
  if (s.outcome.observed === 'error') result.detail = s.outcome.detail;
  if (prediction) {
    result.prediction = { zone: prediction.zone, reason: prediction.reason, path: prediction.path };
    result.mismatch = !agrees(s.outcome.observed, prediction.verdict, `${prediction.reason} ${prediction.path.join(' ')}`);
  }
  const listener = listenerFor(ctx, s.port);
  if (listener) result.listener = listener;
  return result;
}

function listenerFor(ctx: AnalysisContext, port: number): ProbeResult['listener'] | undefined {
  const sockets = ctx.snapshot.sockets.status === 'ok' ? ctx.snapshot.sockets.data : [];
  const socket: Socket | undefined = sockets.find((s) => s.protocol === 'tcp' && s.port === port);
  if (!socket) return undefined;
  const listener: NonNullable<ProbeResult['listener']> = { address: describeSocket(socket), gateway: ctx.gateway.listeners.includes(socket) || ctx.gateway.ports.includes(port) };
  if (socket.process) listener.process = socket.process;
  return listener;
}

function sshPorts(ctx: AnalysisContext): number[] {
  const sshd = ctx.snapshot.sshd;
  const configured = sshd.status === 'ok' && sshd.data.effective.status === 'ok' ? (sshd.data.effective.data.port ?? []).map(Number) : [];
  const sockets = ctx.snapshot.sockets.status === 'ok' ? ctx.snapshot.sockets.data : [];
  const listening = sockets.filter((s) => s.protocol === 'tcp' && s.process === 'sshd').map((s) => s.port);
  return [...new Set([...configured, ...listening])].filter((p) => Number.isInteger(p) && p > 0);
}

/** From a machine elsewhere the SSH ports are probed too: the path an administrator needs must stay open. */
function withSshPorts(targets: Target[], ctx: AnalysisContext): Target[] {
  const addresses = [...new Set(targets.map((t) => t.address))];
  const extra = sshPorts(ctx).flatMap((port) => addresses.map((address) => ({ address, port })));
  const seen = new Set(targets.map((t) => `${t.address}|${t.port}`));
  return [...targets, ...extra.filter((t) => !seen.has(`${t.address}|${t.port}`))];
}

function sshLockoutNotes(ctx: AnalysisContext, report: ProbeReport): void {
  const ports = sshPorts(ctx);
  for (const v of report.vantages.filter((x) => x.kind === 'ssh')) {
    const sshResults = report.results.filter((r) => r.vantage === v.name && ports.includes(r.port));
    if (sshResults.length > 0 && !sshResults.some((r) => r.observed === 'open')) {
      report.notes.push(`lockout risk: from ${v.name} no SSH port of this host (${ports.join(', ')}) answers; an administrator there could not get back in`);
    }
  }
}
