import type { Command } from 'commander';
import { MAX_SNAPSHOT_BYTES, readSnapshot } from '../../snapshot/io.js';
import { UserError } from '../../errors.js';
import type { Snapshot } from '../../snapshot/types.js';
import { buildZones, parseZoneSpec, type ZoneSpec } from '../../model/zones.js';
import { startProgress } from '../progress.js';
import { PathOption } from '../paths.js';
import { DEFAULT_MAX_BYTES } from '../../safe-fs/read.js';

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
    .addOption(
      new PathOption(
        '--compose <file>',
        'a docker compose file to check (repeatable; default: compose files in the working directory; with --snapshot: checked against that snapshot)',
        'input',
        'pass a docker compose file (compose.yaml)',
        DEFAULT_MAX_BYTES,
      ).argParser(collectList),
    )
    .addOption(
      new PathOption(
        '--openclaw-config <path>',
        'the OpenClaw config to read (default: resolved like OpenClaw does)',
        'input',
        "pass the gateway's openclaw.json (usually ~/.openclaw/openclaw.json)",
        DEFAULT_MAX_BYTES,
      ),
    )
    .option('--ufw-status', 'also run `ufw status verbose` (slower; needs root)');
}

/** Flags of every command that analyses a host or a snapshot. */
export function analyseOptions(command: Command): Command {
  return (
    collectOptions(command)
      // Snapshots of hosts with 100k-rule firewalls are ~50 MB.
      .addOption(
        new PathOption(
          '--snapshot <file>',
          'analyse a snapshot written by `clawmoat collect` instead of this host',
          'input',
          'pass a file written by `clawmoat collect -o FILE`',
          MAX_SNAPSHOT_BYTES,
        ),
      )
      .option('--zone <NAME=IFACE[:SRC]>', 'an extra zone: clients on IFACE (from SRC); repeatable', collectList)
  );
}

/**
 * A module load to start early and await later (`load()` again returns the same promise): a
 * failure surfaces where it is awaited, never as an unhandled rejection in between.
 */
export function preload<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      loading = load();
      loading.catch(() => undefined);
    }
    return loading;
  };
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

/**
 * A snapshot is another host as it was: what is read from this host cannot join it, except
 * compose files, which are files the user holds (a compose file checked against that host).
 */
function refuseWithSnapshot(flags: AnalyseFlags): void {
  if (!flags.snapshot) return;
  if (flags.openclawConfig)
    throw new UserError(
      `--openclaw-config ${flags.openclawConfig} with --snapshot ${flags.snapshot}: the snapshot holds its host's OpenClaw config already; give one or the other (to use this config, collect with it: clawmoat collect --openclaw-config ${flags.openclawConfig} -o FILE)`,
    );
  if (flags.ufwStatus)
    throw new UserError(
      `--ufw-status with --snapshot ${flags.snapshot}: the snapshot was collected already; run \`clawmoat collect --ufw-status -o FILE\` on its host instead`,
    );
}

/**
 * The snapshot to analyse: read from --snapshot (with any --compose files read here in place
 * of its own), or collected from this host with a progress spinner. Every --zone is checked
 * against it, for every command alike. `whileReading` is called once the reading is under way
 * (the file being read, or the host's collectors started): a command loads its analysis code
 * then, while this thread would otherwise wait on the file or on the collectors' child processes.
 */
export async function obtainSnapshot(flags: AnalyseFlags, whileReading?: () => void): Promise<Snapshot> {
  refuseWithSnapshot(flags);
  const zones = zoneSpecs(flags);
  let snapshot: Snapshot;
  if (flags.snapshot) {
    const reading = readSnapshot(flags.snapshot);
    whileReading?.();
    snapshot = await reading;
    if (flags.compose && flags.compose.length > 0) {
      const [{ collectCompose }, { SecretVault }] = await Promise.all([import('../../collect/compose.js'), import('../../snapshot/redact.js')]);
      const vault = new SecretVault();
      snapshot = { ...snapshot, compose: vault.scrub(await collectCompose(flags.compose, process.cwd(), vault)) };
    }
  } else {
    const progress = startProgress('reading this host', { enabled: true });
    // Loaded only when this host is read: an analysis of a --snapshot never carries the collectors.
    const { collectSnapshot } = await import('../../collect/index.js');
    let started = false;
    const onRead = (source: string) => {
      progress.update(`read ${source}`);
      // The first source read is the process table; the other collectors start their child
      // processes right after it, and this thread mostly waits on them from then on.
      if (!started) setImmediate(() => whileReading?.());
      started = true;
    };
    try {
      snapshot = await collectSnapshot(toCollectOptions(flags, onRead));
    } finally {
      progress.stop();
    }
  }
  buildZones(snapshot, zones);
  return snapshot;
}
