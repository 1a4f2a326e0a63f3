import ipaddr from 'ipaddr.js';
import { buildContext } from '../model/context.js';
import type { ReachVerdict } from '../model/reach.js';
import { predictor } from '../probe/predict.js';
import type { Snapshot } from '../snapshot/types.js';
import type { LockoutVerdict } from './types.js';
import { parseSshConnection } from '../model/ssh-session.js';

/**
 * Would the plan cut the user off? Compare, before and after, every path an administrator
 * uses: the SSH session harden runs in (SSH_CONNECTION), and every sshd port from every
 * admin zone (internet, LAN, tailnet, and zones named with --zone). A path open before that
 * is not open after refuses the plan; one the model cannot decide before (or after) that is not
 * open after leaves the verdict unknown, which refuses it too.
 */

export interface AdminContext {
  sshPorts: number[];
  /** SSH_CONNECTION of this process: "client_ip client_port server_ip server_port". */
  sshConnection?: string;
  zones: import('../model/zones.js').ZoneSpec[];
}

const ADMIN_KINDS = new Set(['internet', 'lan', 'tailnet', 'custom']);

interface PathVerdict {
  label: string;
  verdict: ReachVerdict | 'none';
  reason: string;
}

function adminPaths(snapshot: Snapshot, admin: AdminContext): Map<string, PathVerdict> {
  const ctx = buildContext(snapshot, { zones: admin.zones });
  const out = new Map<string, PathVerdict>();
  const session = parseSshConnection(admin.sshConnection);
  if (session) {
    const prediction = predictor(ctx)(session.server, session.port, { kind: 'client', source: session.client });
    out.set('session', {
      label: `this SSH session (${session.client} → ${session.server}:${session.port})`,
      verdict: prediction?.verdict ?? 'none',
      reason: prediction?.reason ?? 'not an address of this host',
    });
  }
  for (const cell of ctx.reach().cells) {
    if (cell.listener.protocol !== 'tcp' || !admin.sshPorts.includes(cell.listener.port) || !ADMIN_KINDS.has(cell.zone.kind)) continue;
    const key = `${cell.zone.name}|${cell.listener.port}`;
    const previous = out.get(key);
    if (previous && previous.verdict === 'open') continue;
    out.set(key, { label: `sshd port ${cell.listener.port} from ${cell.zone.name}`, verdict: cell.verdict, reason: cell.reason });
  }
  return out;
}

export function checkLockout(before: Snapshot, after: Snapshot, admin: AdminContext): LockoutVerdict {
  const was = adminPaths(before, admin);
  const will = adminPaths(after, admin);
  const paths: string[] = [];
  const cut: string[] = [];
  const undecided: string[] = [];
  for (const [key, now] of will) {
    const then = was.get(key);
    paths.push(`${now.label}: ${then?.verdict ?? 'none'} → ${now.verdict}`);
    if (key === 'session' && then?.verdict !== 'open') {
      // The user is connected by it right now: a model that disagrees is missing something.
      undecided.push(`${now.label}: the model calls it ${then?.verdict ?? 'none'} now, yet it carries this session`);
      continue;
    }
    if (then?.verdict === 'unknown' && now.verdict !== 'open') {
      // It may be how the admin gets in today: a path the model cannot decide now must be open after, or nobody can say the plan is safe.
      undecided.push(`${now.label}: cannot be decided now (${then.reason}) and would be ${now.verdict} after`);
      continue;
    }
    if (then?.verdict !== 'open') continue;
    if (now.verdict === 'unknown') undecided.push(`${now.label}: open now, cannot be decided after (${now.reason})`);
    else if (now.verdict !== 'open') cut.push(`${now.label} would be ${now.verdict}: ${now.reason}`);
  }
  if (will.size === 0) return { status: 'unknown', paths, reason: 'no admin path to check: sshd is not listening and this is not an SSH session' };
  if (cut.length > 0) return { status: 'refused', paths, reason: cut.join('; ') };
  if (undecided.length > 0) return { status: 'unknown', paths, reason: `the model cannot decide an admin path: ${undecided.join('; ')}` };
  return { status: 'safe', paths, reason: 'every admin path that is open now stays open' };
}
