import net from 'node:net';
import type { Target } from './targets.js';
import { loadFingerprint, probeFromHere, type ProbeSettings } from './vantage/local.js';

/** What a namespace agent is asked to do: the targets, and how (vantage/netns.ts writes it). */
export interface AgentJob {
  targets: Target[];
  settings: ProbeSettings;
}

/**
 * The agent `--netns` runs inside the namespace (a process cannot switch its own). It is started
 * before its targets are known, so that its start-up overlaps the host's collection: it waits for
 * one job on stdin (JSON, until EOF), then writes one JSON line per target, each as soon as that
 * target is done. Stdin closed with no job: there was nothing to do.
 */
export async function runAgent(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  const job = readAll(input);
  // While the job is on its way (the host's collection takes longer than this process's
  // start-up): load the fingerprint's code, and have Node compile its IPv6 pattern, which every
  // connect consults (tens of ms on a busy machine, that would count in the first round trips).
  setImmediate(() => {
    net.isIPv6('::1');
    void loadFingerprint();
  });
  const text = (await job).trim();
  if (text === '') return;
  const { targets, settings } = JSON.parse(text) as AgentJob;
  await probeFromHere(targets, settings, (sighting) => output.write(`${JSON.stringify(sighting)}\n`));
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
