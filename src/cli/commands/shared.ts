import type { Command } from 'commander';
import { collectSnapshot } from '../../collect/index.js';
import { readSnapshot } from '../../snapshot/io.js';
import type { Snapshot } from '../../snapshot/types.js';
import { parseZoneSpec, type ZoneSpec } from '../../model/zones.js';
import { startProgress } from '../progress.js';

export interface CollectFlags {
  compose?: string[];
  ufwStatus?: boolean;
  openclawConfig?: string;
}

export interface AnalyseFlags extends CollectFlags {
  snapshot?: string;
  zone?: string[];
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Flags that shape what is read from the host; shared by collect and every analysing command. */
export function collectOptions(command: Command): Command {
  return command
    .option('--compose <file>', 'a docker compose file to check (repeatable; default: compose files in the working directory)', collectList)
    .option('--openclaw-config <path>', 'the OpenClaw config to read (default: resolved like OpenClaw does)')
    .option('--ufw-status', 'also run `ufw status verbose` (slower; needs root)');
}

/** Flags of every command that analyses a host or a snapshot. */
export function analyseOptions(command: Command): Command {
  return collectOptions(command)
    .option('--snapshot <file>', 'analyse a snapshot written by `clawmoat collect` instead of this host')
    .option('--zone <NAME=IFACE[:SRC]>', 'an extra zone: clients on IFACE (from SRC); repeatable', collectList);
}

export function toCollectOptions(flags: CollectFlags, onProgress?: (source: string) => void) {
  return {
    composeFiles: flags.compose ?? [],
    ufwStatus: flags.ufwStatus === true,
    ...(flags.openclawConfig ? { openclawConfig: flags.openclawConfig } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}

export function zoneSpecs(flags: AnalyseFlags): ZoneSpec[] {
  return (flags.zone ?? []).map(parseZoneSpec);
}

/** The snapshot to analyse: read from --snapshot, or collected from this host with a progress spinner. */
export async function obtainSnapshot(flags: AnalyseFlags): Promise<Snapshot> {
  if (flags.snapshot) return readSnapshot(flags.snapshot);
  const progress = startProgress('reading this host', { enabled: true });
  try {
    return await collectSnapshot(toCollectOptions(flags, (s) => progress.update(`read ${s}`)));
  } finally {
    progress.stop();
  }
}
