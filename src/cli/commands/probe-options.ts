import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { PROBE_DEFAULTS } from '../../probe/defaults.js';
import { parseTargetSpec } from '../../probe/targets.js';
import { parseSshUrl } from '../../probe/vantage/ssh-url.js';
import type { AnalyseFlags } from './shared.js';

/** The probe's flags, shared by `probe` and `audit --probe`, checked before anything is read; light enough for --help. */

export interface ProbeFlags extends AnalyseFlags {
  netns?: string[];
  via?: string[];
  target?: string;
  timeout: string;
  concurrency: string;
  /** false with --no-adaptive-timeout. */
  adaptiveTimeout?: boolean;
  json?: boolean;
  output?: string;
  color?: boolean;
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function positiveInt(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UserError(`${name} ${text}: expected a whole number from 1 to ${max}`);
  return n;
}

export function probeOptions(command: Command): Command {
  return command
    .option('--netns <name>', 'probe from this network namespace (repeatable; needs root)', collectList)
    .option('--via <ssh-url>', 'probe from a machine you control, over your own ssh: ssh://user@host[:port] (repeatable)', collectList)
    .option('--target <addr[:port]>', "only this address (one of the host's, or the one host you name), and port")
    .option('--timeout <ms>', 'per-connection timeout: the longest a silent port is waited for', String(PROBE_DEFAULTS.timeoutMs))
    .option(
      '--no-adaptive-timeout',
      'always wait the full --timeout for a silent port (by default the wait shrinks once ports on the same address have answered, and the port is tried twice)',
    )
    .option('--concurrency <n>', 'connections in flight at most', String(PROBE_DEFAULTS.concurrency));
}

export function probeSettings(flags: Pick<ProbeFlags, 'netns' | 'via' | 'target' | 'timeout' | 'concurrency' | 'adaptiveTimeout'>) {
  const target = flags.target !== undefined ? parseTargetSpec(flags.target) : undefined;
  for (const name of flags.netns ?? []) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..')
      throw new UserError(`--netns ${JSON.stringify(name)}: not a network namespace name (see \`ip netns list\`)`);
  }
  // A malformed --via fails now, before the host is read.
  for (const url of flags.via ?? []) parseSshUrl(url);
  return {
    netns: flags.netns ?? [],
    via: flags.via ?? [],
    ...(target ? { target } : {}),
    timeoutMs: positiveInt('--timeout', flags.timeout, 60_000),
    concurrency: positiveInt('--concurrency', flags.concurrency, 1024),
    adaptiveTimeout: flags.adaptiveTimeout !== false,
  };
}

/**
 * A snapshot from a file names addresses this machine has no reason to trust (a fleet's
 * snapshot is its host's to write: a cloud metadata service, someone else's server). With
 * --snapshot the probe connects only to the host the user names with --target; without it, to
 * this host's own addresses, read now.
 */
export function checkProbeTarget(flags: Pick<ProbeFlags, 'snapshot' | 'target'>): void {
  if (flags.snapshot !== undefined && flags.target === undefined)
    throw new UserError(
      `--snapshot ${flags.snapshot}: name the host to probe with --target ADDR[:PORT]; the addresses a snapshot file lists are never probed (a file can name any machine)`,
    );
}
