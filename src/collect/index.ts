import { SNAPSHOT_VERSION, type Snapshot } from '../snapshot/types.js';
import { SecretVault } from '../snapshot/redact.js';
import { factStrings } from '../snapshot/fact-strings.js';
import { TOOL_VERSION } from '../version.js';
import { collectCompose, redactComposeFile } from './compose.js';
import { collectDocker } from './docker.js';
import { collectNetfilter } from './netfilter.js';
import { collectNetwork } from './network.js';
import { collectOpenClaw } from './openclaw.js';
import { collectSockets } from './sockets.js';
import { collectSshd } from './sshd.js';
import { collectTailscale } from './tailscale.js';
import { collectUfw } from './ufw.js';
import { readProcessTable } from './proc.js';
import { hostFacts, withHost } from './host.js';
import { isScriptOutput, parseFrames } from './script/frame.js';
import { replayHost } from './script/replay.js';
import { collectDoors } from './doors/index.js';

export interface CollectOptions {
  composeFiles?: string[];
  cwd?: string;
  /** Also run `ufw status verbose` (slow). */
  ufwStatus?: boolean;
  /** An explicit OpenClaw config path, overriding resolution. */
  openclawConfig?: string;
  onProgress?: (source: string) => void;
}

/** The processes holding a listening TCP socket (a gateway serves over TCP). */
function listeningPids(sockets: Snapshot['sockets']): Set<number> {
  return new Set(sockets.status === 'ok' ? sockets.data.flatMap((s) => (s.protocol === 'tcp' && s.pid !== undefined ? [s.pid] : [])) : []);
}

async function timed<T>(name: string, timings: Record<string, number>, work: () => Promise<T>, onDone?: (s: string) => void): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[name] = Math.round((performance.now() - start) * 10) / 10;
    onDone?.(name);
  }
}

/**
 * Read every source at once; each collector records what it could not read
 * instead of failing, and the vault then scrubs any secret value seen anywhere.
 */
export async function collectSnapshot(options: CollectOptions = {}): Promise<Snapshot> {
  const vault = new SecretVault();
  const timings: Record<string, number> = {};
  const facts = hostFacts();
  const cwd = options.cwd ?? facts.cwd;
  const t = <T>(name: string, work: () => Promise<T>) => timed(name, timings, work, options.onProgress);
  const processes = await t('processes', () => readProcessTable());
  // The vault fills up as collectors run; the final scrub covers what one source
  // saw and another printed (a token from the config echoed in a unit file).
  // Doors wait for Docker only when a Traefik routes by container labels.
  const dockerRead = t('docker', () => collectDocker(vault));
  // The config is resolved with the environment of the gateway process that holds a listening socket.
  const socketsRead = t('sockets', () => collectSockets(vault, processes));
  const [openclaw, sockets, network, netfilter, ufw, docker, compose, tailscale, sshd, doors] = await Promise.all([
    t('openclaw', () =>
      collectOpenClaw(vault, processes, {
        listeningPids: socketsRead.then(listeningPids),
        ...(options.openclawConfig ? { configPath: options.openclawConfig } : {}),
      }),
    ),
    socketsRead,
    t('network', () => collectNetwork()),
    t('netfilter', () => collectNetfilter()),
    t('ufw', () => collectUfw({ withStatus: options.ufwStatus ?? false })),
    dockerRead,
    t('compose', () => collectCompose(options.composeFiles ?? [], cwd, vault)),
    t('tailscale', () => collectTailscale()),
    t('sshd', () => collectSshd(processes)),
    t('doors', () => collectDoors(processes, dockerRead)),
  ]);
  const snapshot: Snapshot = {
    schemaVersion: SNAPSHOT_VERSION,
    tool: { name: 'clawmoat', version: TOOL_VERSION },
    collectedAt: new Date().toISOString(),
    host: { hostname: facts.hostname, kernel: facts.kernel, uid: facts.uid, platform: facts.platform },
    timings,
    sockets,
    network,
    netfilter,
    ufw,
    docker,
    // Masked again on the YAML with every secret now known: the final scrub below is plain text.
    compose: compose.map((file) => redactComposeFile(file, vault)),
    tailscale,
    sshd,
    openclaw,
    doors,
  };
  // A remembered value that is also a fact of the host (an address, a rule word) is left unmasked:
  // the gateway's user chooses those values, and masking one would rewrite the facts the audit judges.
  const spared = vault.spare(factStrings(snapshot));
  return vault.scrub(spared.length > 0 ? { ...snapshot, unmaskedSecrets: spared.map((length) => ({ length })) } : snapshot);
}

/**
 * A snapshot of another host from the collection script's output: the same collectors, reading
 * the recording instead of this machine (script/replay.ts). A truncated or altered output is a
 * UserError; a read that failed on the host is that section's `unavailable`, as it would be here.
 */
export async function collectFromScriptOutput(output: Buffer, source: string, options: Pick<CollectOptions, 'onProgress'> = {}): Promise<Snapshot> {
  const { host, missing } = replayHost(parseFrames(output, source));
  const snapshot = await withHost(host, () => collectSnapshot({ ...options, cwd: host.facts().cwd }));
  return { ...snapshot, collection: { transport: 'script', source, missing } };
}

/** The snapshot of a file that is the collection script's output (known by its first line), else undefined. */
export function snapshotIfScriptOutput(data: Buffer, source: string): Promise<Snapshot> | undefined {
  return isScriptOutput(data) ? collectFromScriptOutput(data, source) : undefined;
}
