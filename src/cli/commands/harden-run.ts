import { createInterface } from 'node:readline/promises';
import { planHost } from '../../harden/plan-host.js';
import { applySession, confirmLast, deadmanFire, history, rollbackLast, type SessionIo } from '../../harden/session.js';
import { resolveStateDir } from '../../harden/state/backup-set.js';
import { sessionFromProcessTree } from '../../harden/ssh-session.js';
import { verifiedByProbe, verifyVantage } from '../../harden/verify.js';
import { planJson, renderPlan } from '../../report/harden.js';
import { UserError } from '../../errors.js';
import type { CommandIo } from '../io.js';
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

/** The command's streams, as the harden session sees them: with a question only when stdin is this process's terminal. */
function sessionIo(io: CommandIo, stdinIsTerminal: boolean): SessionIo {
  return { out: io.out, err: io.err, ...(stdinIsTerminal ? { ask } : {}) };
}

/**
 * What `clawmoat harden` does once its flags are parsed: loaded by harden.ts only when the
 * command runs. Returns the exit code (0 done, 1 refused or rolled back).
 */
export async function runHarden(flags: HardenFlags, commandIo: CommandIo, stdinIsTerminal = false): Promise<number> {
  // Checked before anything is read or changed: a typo must not surface after an apply.
  const seconds = Number(flags.confirmTimeout);
  if (!/^\d+$/.test(flags.confirmTimeout) || !Number.isInteger(seconds))
    throw new UserError(`--confirm-timeout ${flags.confirmTimeout}: a whole number of seconds (0 turns the timer off)`);
  if (flags.verify !== undefined) verifyVantage(flags.verify);
  const modes = (['confirm', 'rollback', 'history', 'apply'] as const).filter((m) => flags[m]);
  if (modes.length > 1) throw new UserError(`${modes.map((m) => `--${m}`).join(' and ')}: give one`);
  const io = sessionIo(commandIo, stdinIsTerminal);
  const stateDir = resolveStateDir(flags.stateDir);
  if (flags.deadmanFire) return deadmanFire(flags.deadmanFire);
  if (flags.history) return history(stateDir, flags.json === true, io);
  if (flags.confirm) return confirmLast(stateDir, io);
  if (flags.rollback) return rollbackLast(stateDir, io);
  if (flags.apply && flags.snapshot) throw new UserError('--apply works on this host, not on a --snapshot: run harden on the host itself');

  const snapshot = await obtainSnapshot(flags);
  const zones = zoneSpecs(flags);
  // The session as the process tree shows it first: sudo's env_reset drops SSH_CONNECTION, and a
  // tmux or screen started from an earlier login keeps a stale one.
  const sshConnection = sessionFromProcessTree() ?? commandIo.env.SSH_CONNECTION;
  const only = list(flags.only);
  const skip = list(flags.skip);
  const progress = startProgress('planning', { enabled: commandIo.terminal.err });
  const plan = await planHost(snapshot, {
    zones,
    remote: flags.remote,
    publish: flags.publish,
    ...(only ? { only } : {}),
    ...(skip ? { skip } : {}),
    ...(sshConnection ? { sshConnection } : {}),
    say: (line) => commandIo.err(`${line}\n`),
  }).finally(() => progress.stop());
  await emit(flags.json ? planJson(plan) : renderPlan(plan, { color: useColor(flags.color, commandIo) }), undefined, commandIo);
  if (!flags.apply) return 0;
  const vantage = flags.verify;
  return applySession(
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
