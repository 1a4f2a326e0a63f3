import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import { planHost } from '../../harden/plan-host.js';
import { applySession, confirmLast, deadmanFire, history, rollbackLast, type SessionIo } from '../../harden/session.js';
import { DEADMAN_FIRE_FLAG, DEFAULT_DEADMAN_SECONDS } from '../../harden/state/deadman.js';
import { resolveStateDir } from '../../harden/state/backup-set.js';
import { verifiedByProbe, verifyVantage } from '../../harden/verify.js';
import { planJson, renderPlan } from '../../report/harden.js';
import { UserError } from '../../snapshot/io.js';
import { emit, useColor } from '../output.js';
import { startProgress } from '../progress.js';
import { PathOption } from '../paths.js';
import { analyseOptions, obtainSnapshot, zoneSpecs, type AnalyseFlags } from './shared.js';

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

const list = (text: string | undefined) =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** This process's terminal, as the harden session sees it. */
function processIo(): SessionIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    ...(process.stdin.isTTY ? { ask } : {}),
  };
}

export function registerHarden(program: Command): void {
  const command = program
    .command('harden')
    .description("fix what the audit found, in the guide's order, without ever locking you out: plan first, backups, dead-man rollback")
    .option('--apply', 'apply the plan (nothing changes without it)')
    .option('-y, --yes', 'do not ask before applying (unattended use)')
    .option('--json', 'print the plan as JSON: {"steps": [...]}')
    .option('--only <ids>', 'only these steps (comma-separated ids or id prefixes)')
    .option('--skip <ids>', 'skip these steps')
    .addOption(new Option('--remote <how>', 'how you reach the gateway from elsewhere').choices(['loopback', 'tailnet']).default('loopback'))
    .option('--no-publish', "remove the gateway's published Docker ports instead of moving them to 127.0.0.1")
    .option('--confirm-timeout <seconds>', 'roll back unless confirmed within this time (0: no dead-man timer)', String(DEFAULT_DEADMAN_SECONDS))
    .option('--verify <vantage>', 'confirm by probing from ssh://user@host or netns:NAME: the gateway filtered and SSH open')
    .option('--confirm', 'keep the changes of the last apply (from any session)')
    .option('--rollback', 'restore the last backup set now')
    .option('--history', 'list the backup sets')
    .addOption(new PathOption('--state-dir <dir>', 'where backup sets live (default /var/lib/clawmoat, or CLAWMOAT_STATE_DIR)', 'dir', ''))
    .addOption(new PathOption(`${DEADMAN_FIRE_FLAG} <setDir>`, 'internal: the dead-man watcher of this backup set', 'dir', '').hideHelp())
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
    // Checked before anything is read or changed: a typo must not surface after an apply.
    const seconds = Number(flags.confirmTimeout);
    if (!/^\d+$/.test(flags.confirmTimeout) || !Number.isInteger(seconds))
      throw new UserError(`--confirm-timeout ${flags.confirmTimeout}: a whole number of seconds (0 turns the timer off)`);
    if (flags.verify !== undefined) verifyVantage(flags.verify);
    const modes = (['confirm', 'rollback', 'history', 'apply'] as const).filter((m) => flags[m]);
    if (modes.length > 1) throw new UserError(`${modes.map((m) => `--${m}`).join(' and ')}: give one`);
    const io = processIo();
    const stateDir = resolveStateDir(flags.stateDir);
    if (flags.deadmanFire) return void (process.exitCode = await deadmanFire(flags.deadmanFire));
    if (flags.history) return void (process.exitCode = await history(stateDir, flags.json === true, io));
    if (flags.confirm) return void (process.exitCode = await confirmLast(stateDir, io));
    if (flags.rollback) return void (process.exitCode = await rollbackLast(stateDir, io));
    if (flags.apply && flags.snapshot) throw new UserError('--apply works on this host, not on a --snapshot: run harden on the host itself');

    const snapshot = await obtainSnapshot(flags);
    const zones = zoneSpecs(flags);
    const sshConnection = process.env.SSH_CONNECTION;
    const only = list(flags.only);
    const skip = list(flags.skip);
    const progress = startProgress('planning', { enabled: true });
    const plan = await planHost(snapshot, {
      zones,
      remote: flags.remote,
      publish: flags.publish,
      ...(only ? { only } : {}),
      ...(skip ? { skip } : {}),
      ...(sshConnection ? { sshConnection } : {}),
      say: (line) => process.stderr.write(`${line}\n`),
    }).finally(() => progress.stop());
    await emit(flags.json ? planJson(plan) : renderPlan(plan, { color: useColor(flags.color) }), undefined);
    if (!flags.apply) return;
    const vantage = flags.verify;
    process.exitCode = await applySession(
      {
        plan,
        stateDir,
        seconds,
        yes: flags.yes === true,
        isRoot: process.getuid?.() === 0,
        ...(vantage ? { verify: async () => verifiedByProbe(vantage, await obtainSnapshot(flags), zones, sshConnection) } : {}),
      },
      {
        ...io,
        // From here until the dead-man timer is armed, losing the SSH session must not stop harden
        // half-way: that is when the timer is needed most. A hangup is ignored, and so are writes
        // to a terminal that is gone (EPIPE would otherwise end the process).
        onApplyStart: () => {
          process.on('SIGHUP', () => undefined);
          for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
        },
      },
    );
  });
}
