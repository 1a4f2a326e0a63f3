import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import { auditSnapshot } from '../../audit.js';
import { buildContext } from '../../model/context.js';
import { applyPlan, quietRunner } from '../../harden/apply.js';
import { armOrRollBack } from '../../harden/arm.js';
import { addUfwDryRuns } from '../../harden/dry-run.js';
import { checkLockout } from '../../harden/lockout.js';
import { buildPlan, selectSteps, adminSshPorts } from '../../harden/plan/index.js';
import { rehearse, sweepRehearsalLeftovers } from '../../harden/rehearse.js';
import { withPlannedTable } from '../../harden/plan/docker-nft-steps.js';
import { BackupSet, latestBackupSet, listBackupSets, resolveStateDir } from '../../harden/state/backup-set.js';
import { blocksNewApply, confirm, DEADMAN_FIRE_FLAG, deadmanStatus, DEFAULT_DEADMAN_SECONDS, runDeadmanWatcher } from '../../harden/state/deadman.js';
import { rollback } from '../../harden/state/rollback.js';
import type { Plan } from '../../harden/types.js';
import { runProbe } from '../../probe/run.js';
import { planJson, renderPlan } from '../../report/harden.js';
import { UserError } from '../../snapshot/io.js';
import { emit, useColor } from '../output.js';
import { startProgress } from '../progress.js';
import { analyseOptions, obtainSnapshot, zoneSpecs, type AnalyseFlags } from './shared.js';
import type { Snapshot } from '../../snapshot/types.js';

interface HardenFlags extends AnalyseFlags {
  apply?: boolean;
  yes?: boolean;
  json?: boolean;
  only?: string;
  skip?: string;
  remote: 'loopback' | 'tailnet';
  publish: boolean;
  confirmTimeout: string;
  confirm?: boolean;
  rollback?: boolean;
  history?: boolean;
  verify?: string;
  stateDir?: string;
  deadmanFire?: string;
  color?: boolean;
}

const list = (text: string | undefined) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

function readLive(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** The plan for this host, with ufw's dry-run and, when it touches the firewall, the lockout rehearsal. */
export async function planFor(snapshot: Snapshot, flags: HardenFlags): Promise<Plan> {
  // What rehearsals of earlier runs that were killed left behind (their process is gone).
  if (process.getuid?.() === 0) {
    const swept = sweepRehearsalLeftovers();
    if (swept.message) process.stderr.write(`${swept.message}\n`);
  }
  const zones = zoneSpecs(flags);
  const report = auditSnapshot(snapshot, { zones });
  const ctx = buildContext(snapshot, { zones });
  const sshConnection = process.env.SSH_CONNECTION;
  let plan = buildPlan(ctx, report, {
    remote: flags.remote,
    noPublish: !flags.publish,
    newToken: randomBytes(32).toString('hex'),
    readFile: readLive,
    ...(sshConnection ? { sshConnection } : {}),
  });
  try {
    plan = selectSteps(plan, list(flags.only), list(flags.skip));
  } catch (error) {
    throw new UserError(`--only/--skip: ${(error as Error).message}`);
  }
  await addUfwDryRuns(plan);
  const touchesFirewall = plan.steps.some((s) => (s.kind === 'command' && s.argv[0] === 'ufw') || (s.kind === 'file' && s.path.startsWith('/etc/ufw/')));
  if (touchesFirewall) {
    const rehearsal = await rehearse(snapshot, plan.steps.filter((s) => s.kind === 'command'), plan.steps.filter((s) => s.kind === 'file'));
    const admin = { sshPorts: adminSshPorts(ctx, sshConnection), zones, ...(sshConnection ? { sshConnection } : {}) };
    if ('error' in rehearsal) plan.lockout = { status: 'unknown', paths: [], reason: rehearsal.error };
    else {
      // The nft table of a Docker 29 host is not ufw's to rehearse: the model adds it to what ufw built.
      const after: Snapshot = withPlannedTable({ ...snapshot, netfilter: { ...snapshot.netfilter, iptablesSave: { status: 'ok', data: rehearsal.iptablesSave }, ip6tablesSave: { status: 'ok', data: rehearsal.ip6tablesSave } } }, plan);
      plan.lockout = checkLockout(snapshot, after, admin);
    }
  }
  return plan;
}

/** After apply: confirmed by a probe from the named vantage point, when it sees the gateway closed and SSH open. */
async function verifiedByProbe(vantage: string, flags: HardenFlags): Promise<{ ok: boolean; why: string }> {
  const snapshot = await obtainSnapshot(flags);
  const ctx = buildContext(snapshot, { zones: zoneSpecs(flags) });
  const probeOptions = { netns: vantage.startsWith('netns:') ? [vantage.slice('netns:'.length)] : [], via: vantage.startsWith('ssh://') ? [vantage] : [], timeoutMs: 2000, concurrency: 32 };
  if (probeOptions.netns.length + probeOptions.via.length === 0) throw new UserError(`--verify ${vantage}: expected ssh://user@host[:port] or netns:NAME`);
  const report = await runProbe(ctx, probeOptions);
  if (report.errors.length > 0) return { ok: false, why: report.errors.map((e) => e.message).join('; ') };
  const ssh = adminSshPorts(ctx, process.env.SSH_CONNECTION);
  const gatewayOpen = report.results.filter((r) => ctx.gateway.ports.includes(r.port) && r.observed === 'open');
  const sshOpen = report.results.some((r) => ssh.includes(r.port) && r.observed === 'open');
  if (gatewayOpen.length > 0) return { ok: false, why: `the gateway still answers from ${vantage} on ${gatewayOpen.map((r) => `${r.address}:${r.port}`).join(', ')}` };
  if (!sshOpen) return { ok: false, why: `no SSH port answers from ${vantage}` };
  return { ok: true, why: `from ${vantage}: the gateway is filtered and SSH answers` };
}

export function registerHarden(program: Command): void {
  const command = program
    .command('harden')
    .description('fix what the audit found, in the guide\'s order, without ever locking you out: plan first, backups, dead-man rollback')
    .option('--apply', 'apply the plan (nothing changes without it)')
    .option('-y, --yes', 'do not ask before applying (unattended use)')
    .option('--json', 'print the plan as JSON: {"steps": [...]}')
    .option('--only <ids>', 'only these steps (comma-separated ids or id prefixes)')
    .option('--skip <ids>', 'skip these steps')
    .addOption(new Option('--remote <how>', 'how you reach the gateway from elsewhere').choices(['loopback', 'tailnet']).default('loopback'))
    .option('--no-publish', 'remove the gateway\'s published Docker ports instead of moving them to 127.0.0.1')
    .option('--confirm-timeout <seconds>', 'roll back unless confirmed within this time (0: no dead-man timer)', String(DEFAULT_DEADMAN_SECONDS))
    .option('--verify <vantage>', 'confirm by probing from ssh://user@host or netns:NAME: the gateway filtered and SSH open')
    .option('--confirm', 'keep the changes of the last apply (from any session)')
    .option('--rollback', 'restore the last backup set now')
    .option('--history', 'list the backup sets')
    .option('--state-dir <dir>', 'where backup sets live (default /var/lib/clawmoat, or CLAWMOAT_STATE_DIR)')
    .addOption(new Option(`${DEADMAN_FIRE_FLAG} <setDir>`).hideHelp())
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo clawmoat harden                          # show the plan: diffs, commands, undo
  $ sudo clawmoat harden --apply                  # apply, then confirm within 60 s or it rolls back
  $ sudo clawmoat harden --apply --yes --verify ssh://me@elsewhere.example
  $ sudo clawmoat harden --only ufw --apply        # just the firewall steps
  $ sudo clawmoat harden --remote tailnet --json
  $ sudo clawmoat harden --confirm                # from a new session: keep the changes
  $ sudo clawmoat harden --rollback               # put everything back

Before applying, the planned ruleset is rehearsed with the real ufw in a scratch network
namespace and run through the reach model: a plan that would close this SSH session or any
sshd port that is open now is refused. Exit codes: 0 done (or nothing to do), 1 the plan was
refused or rolled back, 2 usage or runtime error.`,
    );
  analyseOptions(command).action(async (flags: HardenFlags) => {
    const stateDir = resolveStateDir(flags.stateDir);
    if (flags.deadmanFire) {
      await runDeadmanWatcher(flags.deadmanFire, { runCommand: quietRunner });
      return;
    }
    if (flags.history) {
      const sets = await listBackupSets(stateDir);
      const text = flags.json ? `${JSON.stringify({ sets }, null, 2)}\n` : sets.length === 0 ? `no backup sets in ${stateDir}\n` : `${sets.map((s) => `${s.id}  ${s.status}  ${s.createdAt}  ${s.dir}`).join('\n')}\n`;
      await emit(text, undefined);
      return;
    }
    if (flags.confirm) {
      const result = await confirm(stateDir);
      process.stderr.write(`kept: ${result.setDir}${result.alreadyConfirmed ? ' (already confirmed)' : ''}\n`);
      return;
    }
    if (flags.rollback) {
      const set = await latestBackupSet(stateDir);
      if (!set) throw new UserError(`nothing to roll back: no backup set in ${stateDir}`);
      const result = await rollback(set, { runCommand: quietRunner });
      process.stderr.write(`rollback of ${set.id}: ${result.status}; restored ${result.restored.length} file(s), removed ${result.removed.length}, undid ${result.commands.length} command(s)\n`);
      if (result.errors.length > 0) throw new UserError(`rollback incomplete: ${result.errors.join('; ')} (run --rollback again)`);
      return;
    }
    if (flags.apply && flags.snapshot) throw new UserError('--apply works on this host, not on a --snapshot: run harden on the host itself');
    const seconds = Number(flags.confirmTimeout);
    if (!Number.isInteger(seconds) || seconds < 0) throw new UserError(`--confirm-timeout ${flags.confirmTimeout}: a whole number of seconds (0 turns the timer off)`);

    const snapshot = await obtainSnapshot(flags);
    const progress = startProgress('planning', { enabled: true });
    let plan: Plan;
    try {
      plan = await planFor(snapshot, flags);
    } finally {
      progress.stop();
    }
    await emit(flags.json ? planJson(plan) : renderPlan(plan, { color: useColor(flags.color) }), undefined);
    if (!flags.apply) return;
    const last = await latestBackupSet(stateDir);
    const waiting = last && blocksNewApply(last, await deadmanStatus(last.dir));
    if (waiting) {
      process.stderr.write(`clawmoat: refused: ${waiting}\n`);
      process.exitCode = 1;
      return;
    }
    if (plan.steps.filter((s) => !(s.kind === 'command' && s.manual)).length === 0) {
      process.stderr.write('nothing to apply\n');
      return;
    }
    if (plan.lockout && plan.lockout.status !== 'safe') {
      process.stderr.write(`clawmoat: refused: ${plan.lockout.status === 'refused' ? 'this plan would lock you out' : 'the lockout check could not decide'}: ${plan.lockout.reason}. Skip the firewall steps (--skip ufw) or fix the cause first.\n`);
      process.exitCode = 1;
      return;
    }
    if (process.getuid?.() !== 0) throw new UserError('applying needs root (it writes system files and runs ufw): sudo clawmoat harden --apply');
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new UserError('no terminal to ask on: add --yes to apply unattended');
      if (!(await ask(`Apply these ${plan.steps.length} step(s)? [y/N] `))) {
        process.stderr.write('nothing changed\n');
        return;
      }
    }
    // From here until the dead-man timer is armed, losing the SSH session must not stop harden
    // half-way: that is when the timer is needed most. A hangup is ignored, and so are writes
    // to a terminal that is gone (EPIPE would otherwise end the process).
    process.on('SIGHUP', () => undefined);
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    const set = await applyPlan(plan, { stateDir, onStep: (id, i, n) => process.stderr.write(`[${i + 1}/${n}] ${id}\n`) });
    process.stderr.write(`applied; backup set ${set.id} (${set.dir})\n`);
    if (plan.restart) process.stderr.write(`now ${plan.restart}\n`);
    if (seconds === 0) {
      await set.finish('confirmed');
      return;
    }
    try {
      await armOrRollBack(set, seconds, quietRunner);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    if (flags.verify) {
      const verdict = await verifiedByProbe(flags.verify, flags);
      if (verdict.ok) {
        await confirm(stateDir, { setDir: set.dir });
        process.stderr.write(`verified and kept: ${verdict.why}\n`);
        return;
      }
      const undone = await rollback(await BackupSet.load(set.dir), { runCommand: quietRunner });
      process.stderr.write(`verification failed (${verdict.why}): rolled back (${undone.status})\n`);
      process.exitCode = 1;
      return;
    }
    if (!flags.yes && process.stdin.isTTY) {
      const keep = await Promise.race([ask(`Keep these changes? Check that you can still log in from a new session first. [y/N] (rolled back in ${seconds} s) `), new Promise<boolean>((r) => setTimeout(() => r(false), seconds * 1000).unref())]);
      if (keep) {
        await confirm(stateDir, { setDir: set.dir });
        process.stderr.write('kept\n');
        return;
      }
      const undone = await rollback(await BackupSet.load(set.dir), { runCommand: quietRunner });
      process.stderr.write(`not confirmed: rolled back (${undone.status})\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`run \`clawmoat harden --confirm\` within ${seconds} s (from a new session is best: it proves you can still get in), or everything is rolled back\n`);
  });
}
