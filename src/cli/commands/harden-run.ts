import { createInterface } from 'node:readline/promises';
import { planHost } from '../../harden/plan-host.js';
import { applySession, confirmLast, deadmanFire, history, rollbackLast, type SessionIo } from '../../harden/session.js';
import { resolveStateDir } from '../../harden/state/backup-set.js';
import { verifiedByProbe, verifyVantage } from '../../harden/verify.js';
import { planJson, renderPlan } from '../../report/harden.js';
import { UserError } from '../../snapshot/io.js';
import { emit, useColor } from '../output.js';
import { startProgress } from '../progress.js';
import { obtainSnapshot, zoneSpecs, type AnalyseFlags } from './shared.js';

export interface HardenFlags extends AnalyseFlags {
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

/** What `clawmoat harden` does once its flags are parsed: loaded by harden.ts only when the command runs. */
export async function runHarden(flags: HardenFlags): Promise<void> {
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
}
