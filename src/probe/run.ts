import type { AnalysisContext } from '../model/context.js';
import { describeTarget, doorName, doorsListeningOn, snapshotDoors } from '../model/doors.js';
import { describeSocket } from '../model/gateway.js';
import type { ReachVerdict } from '../model/reach.js';
import { sshPorts } from '../model/sshd.js';
import type { Snapshot, Socket } from '../snapshot/types.js';
import { predictor, type Origin, type Prediction } from './predict.js';
import { byCodepoint, planTargets, type Target } from './targets.js';
import { probeFromHere, type ProbeSettings, type Sighting } from './vantage/local.js';
import { startNetnsAgent, type NetnsAgent } from './vantage/netns.js';
import { parseSshUrl, probeOverSsh } from './vantage/ssh.js';
import type { Observed, ProbeReport, ProbeResult, ProbeVantage } from './types.js';

export interface ProbeOptions extends ProbeSettings {
  netns: string[];
  via: string[];
  target?: { host: string; port?: number };
  onProgress?: (text: string) => void;
  /** Agents started earlier for (some of) these namespaces (startNetnsAgent), so their start-up overlapped the collection. */
  agents?: NetnsAgent[];
}

export { PROBE_DEFAULTS } from './defaults.js';

/** Does what happened agree with what the model said? A REJECT is `filtered` in the model and `refused` on the wire. */
export function agrees(observed: Observed | 'error', predicted: ReachVerdict | null, reason = ''): boolean {
  if (predicted === null || predicted === 'unknown' || observed === 'error') return true;
  if (observed === 'open') return predicted === 'open';
  if (observed === 'refused') return predicted === 'closed' || (predicted === 'filtered' && /reject/i.test(reason));
  return predicted === 'filtered';
}

/**
 * A target the model says is (or may be) reachable that could not be observed from a vantage
 * (no route, a reset mid-handshake…): the probe checked nothing there, so it is not verified,
 * never a pass.
 */
export function notVerified(result: Pick<ProbeResult, 'observed' | 'predicted'>): boolean {
  return result.observed === 'error' && (result.predicted === 'open' || result.predicted === 'unknown' || result.predicted === null);
}

type Run = (targets: Target[], onSighting: (sighting: Sighting) => void) => Promise<Sighting[]>;

/**
 * The model, or the snapshot and how to build the model: the targets need only the snapshot, so
 * the namespace agents can be probing while the model (the firewall parsed, the gateway found…)
 * is built.
 */
export type ProbeModel = AnalysisContext | { snapshot: Snapshot; build: () => AnalysisContext };

/** Run every vantage point against the planned targets and put what happened next to what reach predicted. */
export async function runProbe(model: ProbeModel, options: ProbeOptions): Promise<ProbeReport> {
  const snapshot = model.snapshot;
  const plan = planTargets(snapshot, options.target ? { target: options.target } : {});
  const report: ProbeReport = { schemaVersion: 1, vantages: [], results: [], errors: [], notes: [...plan.notes] };
  const settings: ProbeSettings = { timeoutMs: options.timeoutMs, concurrency: options.concurrency, adaptiveTimeout: options.adaptiveTimeout !== false };
  const waits: ProbeVantage['timeout'] = { policy: settings.adaptiveTimeout ? 'adaptive' : 'fixed', maxMs: settings.timeoutMs };
  const vantages: { vantage: ProbeVantage; targets: Target[]; run: Run; origin: (s: Sighting) => Origin }[] = [];
  const remote = options.netns.length > 0 || options.via.length > 0;
  if (!remote) {
    vantages.push({
      vantage: { name: 'host', kind: 'host', zone: 'loopback', timeout: waits },
      targets: plan.targets,
      run: (t, on) => probeFromHere(t, settings, on),
      origin: () => ({ kind: 'host' }),
    });
    report.notes.push(
      "probed from this host itself: its own connections to its own addresses loop back and skip the path a remote client takes, so this is not the internet's view; use --via ssh://a-machine-elsewhere for that",
    );
  }
  const destinations = options.via.map(parseSshUrl);
  const started = [...(options.agents ?? [])];
  for (const name of options.netns) {
    // One agent per --netns given: a namespace named twice gets two.
    const i = started.findIndex((a) => a.name === name);
    const agent = i >= 0 ? started.splice(i, 1)[0]! : startNetnsAgent(name);
    vantages.push({
      vantage: { name: `netns:${name}`, kind: 'netns', timeout: waits },
      targets: plan.targets,
      run: (t, on) => agent.run(t, settings, on),
      origin: (s) => (s.source ? { kind: 'client', source: s.source } : { kind: 'owner' }),
    });
  }
  for (const destination of destinations) {
    const targets = withSshPorts(plan.targets, snapshot);
    // bash /dev/tcp under timeout(1) over there: a fixed wait, in whole seconds.
    const timeout: ProbeVantage['timeout'] = { policy: 'fixed', maxMs: Math.max(1, Math.ceil(settings.timeoutMs / 1000)) * 1000 };
    vantages.push({
      vantage: { name: destination.name, kind: 'ssh', timeout },
      targets,
      run: (t, on) => probeOverSsh(destination, t, settings, on),
      origin: () => ({ kind: 'owner' }),
    });
  }
  const prepare = () => {
    const ctx = 'build' in model ? model.build() : model;
    return { ctx, predict: predictor(ctx), doorAt: doorFinder(ctx) };
  };
  // From the host itself the connects are timed in this process: the model and the predictor are
  // set up before they start, or that work would count in their round trips (and lengthen the
  // adaptive wait). Agents time theirs elsewhere: then it is done while they probe.
  const early = remote ? undefined : prepare();
  const total = vantages.reduce((n, v) => n + v.targets.length, 0);
  let finished = 0;
  const running = vantages.map((v) =>
    v
      .run(v.targets, () => options.onProgress?.(`probed ${++finished}/${total}`))
      .then(
        (sightings) => ({ sightings }),
        (error: unknown) => ({ error: error as Error }),
      ),
  );
  const { ctx, predict, doorAt } = early ?? prepare();
  await Promise.all(
    vantages.map(async (v, i) => {
      report.vantages.push(v.vantage);
      const outcome = await running[i]!;
      if ('error' in outcome) {
        report.errors.push({ vantage: v.vantage.name, message: outcome.error.message });
        return;
      }
      for (const s of outcome.sightings) {
        const result = toResult(ctx, v.vantage, s, predict(s.address, s.port, v.origin(s)));
        const door = doorAt(s.address, s.port);
        if (door) result.door = door;
        report.results.push(result);
      }
    }),
  );
  report.vantages.sort((a, b) => byCodepoint(a.name, b.name));
  report.results.sort((a, b) => byCodepoint(a.vantage, b.vantage) || a.port - b.port || byCodepoint(a.address, b.address));
  for (const v of report.vantages)
    if (v.kind !== 'host') v.zone = report.results.find((r) => r.vantage === v.name && r.prediction)?.prediction?.zone ?? 'unknown';
  if (report.results.some((r) => r.openclaw.detected))
    report.notes.push('every fingerprint leaves a line in the gateway log ("closed before connect"): that is this probe');
  const unverified = report.results.filter(notVerified);
  if (unverified.length > 0)
    report.notes.push(
      `not verified: ${unverified.length} target(s) the model says are open or may be could not be observed (${unverified
        .slice(0, 3)
        .map((r) => `${r.vantage} → ${r.address}:${r.port}`)
        .join(', ')}${unverified.length > 3 ? ', …' : ''}); that is exit 1, never a pass`,
    );
  adaptiveTimeoutNotes(report);
  sshLockoutNotes(snapshot, report);
  return report;
}

/**
 * The door a target port belongs to, from the model: of several (server blocks sharing a port),
 * one that leads to the gateway first. Only targets that are this host's own addresses, or a
 * --target port the door listens on everywhere, get one.
 */
function doorFinder(ctx: AnalysisContext): (address: string, port: number) => ProbeResult['door'] | undefined {
  const { doors } = snapshotDoors(ctx.snapshot);
  if (doors.length === 0) return () => undefined;
  const behind = ctx.doorTargets();
  return (address, port) => {
    const here = doorsListeningOn(doors, port, address);
    const judged = here.map((d) => ({ d, gateway: behind(d).gateway }));
    const pick = judged.find((j) => j.gateway) ?? judged[0];
    if (!pick) return undefined;
    const door: NonNullable<ProbeResult['door']> = {
      kind: pick.d.kind,
      name: doorName(pick.d.kind),
      via: pick.d.via,
      upstream: describeTarget(pick.d.upstream),
      gateway: pick.gateway,
    };
    if (pick.d.location) door.location = pick.d.location;
    if (pick.d.tls) door.tls = true;
    return door;
  };
}

/** Said in the text report too: which silent ports were called timeout before the full --timeout, and why that is sound. */
function adaptiveTimeoutNotes(report: ProbeReport): void {
  for (const v of report.vantages) {
    const early = report.results.filter((r) => r.vantage === v.name && r.observed === 'timeout' && (r.attempts ?? 1) > 1);
    if (early.length === 0) continue;
    const waits = [...new Set(early.map((r) => r.timeoutMs))].sort((a, b) => (a ?? 0) - (b ?? 0));
    report.notes.push(
      `from ${v.name}, ${early.length} silent port(s) were called timeout after 2 connects of ${waits.join(' or ')} ms each, not the full --timeout ${v.timeout?.maxMs ?? '?'} ms: other ports on the same address answered far sooner (each result's JSON detail says how fast); --no-adaptive-timeout waits the full --timeout`,
    );
  }
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
  if (s.outcome.observed === 'error' || s.outcome.observed === 'timeout') {
    if (s.outcome.detail) result.detail = s.outcome.detail;
  }
  if (s.outcome.observed === 'timeout' && s.outcome.timeoutMs !== undefined) result.timeoutMs = s.outcome.timeoutMs;
  if (s.outcome.attempts !== undefined && s.outcome.attempts > 1) result.attempts = s.outcome.attempts;
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
  const listener: NonNullable<ProbeResult['listener']> = {
    address: describeSocket(socket),
    gateway: ctx.gateway.listeners.includes(socket) || ctx.gateway.ports.includes(port),
  };
  if (socket.process) listener.process = socket.process;
  return listener;
}

/** From a machine elsewhere the SSH ports are probed too: the path an administrator needs must stay open. */
function withSshPorts(targets: Target[], snapshot: Snapshot): Target[] {
  const addresses = [...new Set(targets.map((t) => t.address))];
  const extra = sshPorts({ snapshot }).ports.flatMap((port) => addresses.map((address) => ({ address, port })));
  const seen = new Set(targets.map((t) => `${t.address}|${t.port}`));
  return [...targets, ...extra.filter((t) => !seen.has(`${t.address}|${t.port}`))];
}

function sshLockoutNotes(snapshot: Snapshot, report: ProbeReport): void {
  const ports = sshPorts({ snapshot }).ports;
  for (const v of report.vantages.filter((x) => x.kind === 'ssh')) {
    const sshResults = report.results.filter((r) => r.vantage === v.name && ports.includes(r.port));
    if (sshResults.length > 0 && !sshResults.some((r) => r.observed === 'open')) {
      report.notes.push(`lockout risk: from ${v.name} no SSH port of this host (${ports.join(', ')}) answers; an administrator there could not get back in`);
    }
  }
}
