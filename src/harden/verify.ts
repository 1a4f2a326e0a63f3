import { UserError } from '../errors.js';
import { buildContext, type AnalysisContext } from '../model/context.js';
import { publishesGatewayPort } from '../model/docker.js';
import { gatewayTargetPorts } from '../model/tailscale/facts.js';
import type { ZoneSpec } from '../model/zones.js';
import { runProbe } from '../probe/run.js';
import type { ProbeReport, ProbeResult } from '../probe/types.js';
import { parseSshUrl } from '../probe/vantage/ssh-url.js';
import type { Snapshot } from '../snapshot/types.js';
import { adminSshPorts } from './plan/index.js';

/**
 * `harden --apply --verify VANTAGE`: after apply, probe this host from elsewhere. The changes
 * are kept only if the gateway no longer answers there and an SSH port still does.
 */

/** --verify's vantage point: ssh://user@host[:port] or netns:NAME. Throws a UserError otherwise. */
export function verifyVantage(vantage: string): { netns: string[]; via: string[] } {
  if (vantage.startsWith('ssh://')) {
    parseSshUrl(vantage);
    return { netns: [], via: [vantage] };
  }
  if (/^netns:[A-Za-z0-9_.-]+$/.test(vantage)) return { netns: [vantage.slice('netns:'.length)], via: [] };
  throw new UserError(`--verify ${vantage}: expected ssh://user@host[:port] or netns:NAME`);
}

export interface Verdict {
  ok: boolean;
  why: string;
}

/** `snapshot` is this host as it is after the apply. */
export async function verifiedByProbe(vantage: string, snapshot: Snapshot, zones: ZoneSpec[], sshConnection: string | undefined): Promise<Verdict> {
  const ctx = buildContext(snapshot, { zones });
  const report = await runProbe(ctx, { ...verifyVantage(vantage), timeoutMs: 2000, concurrency: 32 });
  return judgeProbe(ctx, report, vantage, adminSshPorts(ctx, sshConnection));
}

/** A host port (or a range of them, "8080-8090") Docker publishes: does it include `port`? */
function hostPortIncludes(spec: string | undefined, port: number): boolean {
  if (!spec) return false;
  const [lo, hi = lo] = spec.split('-').map(Number) as [number, number | undefined];
  return port >= lo && port <= hi;
}

/**
 * Is this result the gateway? Its ports by the model are not enough: a Docker-published gateway
 * (8080:18789) or a door in front of it (nginx :443) answers on others. What the probe saw (the
 * fingerprint) and what the model says leads to the gateway both count.
 */
function isGateway(ctx: AnalysisContext, r: ProbeResult, ports: readonly number[]): boolean {
  if (r.openclaw.detected || r.listener?.gateway === true || r.door?.gateway === true || ports.includes(r.port)) return true;
  return ctx.workloads.some((w) => w.publishes.some((p) => publishesGatewayPort(p, ctx.gateway.ports) && hostPortIncludes(p.hostPort, r.port)));
}

const where = (rs: ProbeResult[]) => rs.map((r) => `${r.address}:${r.port}`).join(', ');

/** Keep the changes only if every gateway port the probe tried is refused or silent, and an SSH port answers. */
export function judgeProbe(ctx: AnalysisContext, report: ProbeReport, vantage: string, sshPorts: readonly number[]): Verdict {
  if (report.errors.length > 0) return { ok: false, why: report.errors.map((e) => e.message).join('; ') };
  const ports = gatewayTargetPorts(ctx);
  const gateway = report.results.filter((r) => isGateway(ctx, r, ports));
  const open = gateway.filter((r) => r.observed === 'open');
  if (open.length > 0) return { ok: false, why: `the gateway still answers from ${vantage} on ${where(open)}` };
  // An error (no route, a reset) says nothing about the firewall: not verified, never "filtered".
  const undecided = gateway.filter((r) => r.observed === 'error');
  if (undecided.length > 0)
    return { ok: false, why: `not verified: the probe from ${vantage} could not decide ${where(undecided)} (${undecided[0]!.detail ?? 'error'})` };
  if (gateway.length === 0) return { ok: false, why: `not verified: the probe from ${vantage} tried no gateway port (no gateway listener in the snapshot)` };
  if (!report.results.some((r) => sshPorts.includes(r.port) && r.observed === 'open')) return { ok: false, why: `no SSH port answers from ${vantage}` };
  return { ok: true, why: `from ${vantage}: the gateway is filtered and SSH answers` };
}
