import { UserError } from '../errors.js';
import { buildContext } from '../model/context.js';
import type { ZoneSpec } from '../model/zones.js';
import { runProbe } from '../probe/run.js';
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
  if (report.errors.length > 0) return { ok: false, why: report.errors.map((e) => e.message).join('; ') };
  const ssh = adminSshPorts(ctx, sshConnection);
  const gatewayOpen = report.results.filter((r) => ctx.gateway.ports.includes(r.port) && r.observed === 'open');
  const sshOpen = report.results.some((r) => ssh.includes(r.port) && r.observed === 'open');
  if (gatewayOpen.length > 0)
    return { ok: false, why: `the gateway still answers from ${vantage} on ${gatewayOpen.map((r) => `${r.address}:${r.port}`).join(', ')}` };
  if (!sshOpen) return { ok: false, why: `no SSH port answers from ${vantage}` };
  return { ok: true, why: `from ${vantage}: the gateway is filtered and SSH answers` };
}
