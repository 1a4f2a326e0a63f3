import { randomBytes } from 'node:crypto';
import { auditContext } from '../audit.js';
import { UserError } from '../errors.js';
import { buildContext } from '../model/context.js';
import type { ZoneSpec } from '../model/zones.js';
import type { Snapshot } from '../snapshot/types.js';
import { addUfwDryRuns } from './dry-run.js';
import { LiveFiles } from './live-files.js';
import { configRefusal, doorRuntime } from './door-runtime.js';
import { checkLockout } from './lockout.js';
import { withPlannedTable } from './plan/docker-nft-steps.js';
import { adminSshPorts, buildPlan, selectSteps } from './plan/index.js';
import { rehearse, sweepRehearsalLeftovers } from './rehearse.js';
import type { Plan } from './types.js';

/**
 * The plan for this host: the audit's fixable findings turned into steps, each file step
 * holding the very file it read (LiveFiles), ufw's own dry-run, and, when the plan touches the
 * firewall, the lockout rehearsal with the real ufw in a scratch namespace.
 */

export interface HostPlanOptions {
  zones: ZoneSpec[];
  remote: 'loopback' | 'tailnet';
  /** false: drop the gateway's published ports instead of moving them to 127.0.0.1. */
  publish: boolean;
  only?: string[];
  skip?: string[];
  /** The SSH session harden runs in (SSH_CONNECTION): its port stays open. */
  sshConnection?: string;
  /** Where to say what was cleaned up (leftovers of interrupted earlier runs). */
  say?: (line: string) => void;
}

export async function planHost(snapshot: Snapshot, options: HostPlanOptions): Promise<Plan> {
  const { zones, sshConnection } = options;
  // What rehearsals of earlier runs that were killed left behind (their process is gone).
  if (process.getuid?.() === 0) {
    const swept = sweepRehearsalLeftovers();
    if (swept.message) options.say?.(swept.message);
  }
  const ctx = buildContext(snapshot, { zones });
  const report = auditContext(ctx);
  const live = new LiveFiles();
  let plan = buildPlan(ctx, report, {
    remote: options.remote,
    noPublish: !options.publish,
    newToken: randomBytes(32).toString('hex'),
    readFile: live.read,
    doorRuntime,
    configRefusal,
    ...(sshConnection ? { sshConnection } : {}),
  });
  // Each file step remembers the very file the plan read: apply writes there or nowhere.
  for (const step of plan.steps) {
    if (step.kind !== 'file') continue;
    const before = live.before(step.path);
    if ('error' in before) plan.notes.push(`${step.path}: ${before.error}; apply will refuse this step`);
    else step.before = before;
  }
  try {
    plan = selectSteps(plan, options.only, options.skip);
  } catch (error) {
    throw new UserError(`--only/--skip: ${(error as Error).message}`);
  }
  await addUfwDryRuns(plan);
  const touchesFirewall = plan.steps.some((s) => (s.kind === 'command' && s.argv[0] === 'ufw') || (s.kind === 'file' && s.path.startsWith('/etc/ufw/')));
  if (touchesFirewall) {
    const rehearsal = await rehearse(
      snapshot,
      plan.steps.filter((s) => s.kind === 'command'),
      plan.steps.filter((s) => s.kind === 'file'),
    );
    const admin = { sshPorts: adminSshPorts(ctx, sshConnection), zones, ...(sshConnection ? { sshConnection } : {}) };
    if (!sshConnection)
      plan.notes.push(
        "no SSH session was seen (no sshd among this run's parent processes, no SSH_CONNECTION): the lockout check keeps sshd's ports open from the admin zones, not a session it cannot name",
      );
    if ('error' in rehearsal) plan.lockout = { status: 'unknown', paths: [], reason: rehearsal.error };
    else {
      // The nft table of a Docker 29 host is not ufw's to rehearse: the model adds it to what ufw built.
      const after: Snapshot = withPlannedTable(
        {
          ...snapshot,
          netfilter: {
            ...snapshot.netfilter,
            iptablesSave: { status: 'ok', data: rehearsal.iptablesSave },
            ip6tablesSave: { status: 'ok', data: rehearsal.ip6tablesSave },
          },
        },
        plan,
      );
      plan.lockout = checkLockout(snapshot, after, admin);
    }
  }
  return plan;
}
