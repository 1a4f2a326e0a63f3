import dgram from 'node:dgram';
import net from 'node:net';
import { probeConnect } from '../connect.js';
import { directDial } from '../dial.js';
import { mapConcurrent } from '../pool.js';
import type { Target } from '../targets.js';
import type { ConnectOutcome, OpenclawFingerprint } from '../types.js';
import { RoundTrips } from '../wait.js';

export interface ProbeSettings {
  /** --timeout: the longest a connect waits; the whole wait unless the adaptive timeout shortens it. */
  timeoutMs: number;
  concurrency: number;
  /** Shorten the wait for silent ports from the round trips of those that answered (src/probe/wait.ts); default true. */
  adaptiveTimeout?: boolean;
}

/** What one vantage point saw for one target. */
export interface Sighting extends Target {
  outcome: ConnectOutcome;
  /** The source address the kernel chose towards the target, when it could be learnt. */
  source?: string;
  openclaw: OpenclawFingerprint;
}

let fingerprintCode: Promise<typeof import('../fingerprint.js')> | undefined;

/**
 * The fingerprint's code (HTTP, WebSocket, zlib: most of what a namespace agent loads) is loaded
 * on first use; the agent asks for it ahead, while it waits for its targets.
 */
export function loadFingerprint(): Promise<typeof import('../fingerprint.js')> {
  return (fingerprintCode ??= import('../fingerprint.js'));
}

export const NOT_PROBED: OpenclawFingerprint = { detected: false, version: null, auth: 'unknown', evidence: [] };

/**
 * Connect to each target from this process's network namespace, and fingerprint what answers.
 * `onSighting` hears of each target as soon as it is done (the namespace agent streams them).
 */
export async function probeFromHere(targets: Target[], settings: ProbeSettings, onSighting?: (sighting: Sighting, done: number) => void): Promise<Sighting[]> {
  const policy = { maxMs: settings.timeoutMs, adaptive: settings.adaptiveTimeout !== false };
  // One vantage point, one set of round trips: what answered from here sets the wait for the rest.
  const trips = new RoundTrips();
  let done = 0;
  return mapConcurrent(targets, settings.concurrency, async (target) => {
    const outcome = await probeConnect(target.address, target.port, policy, trips);
    // Let the other answers that came in with this one be timed first: the work that follows
    // would otherwise count in their round trips, and those set the wait for silent ports.
    await new Promise((resolve) => setImmediate(resolve));
    const [openclaw, source] = await Promise.all([
      outcome.observed === 'open'
        ? loadFingerprint().then(({ fingerprint }) =>
            fingerprint(directDial(target.address, target.port), target.address, target.port, {
              timeoutMs: settings.timeoutMs,
              ...(target.tls ? { tls: target.tls } : {}),
            }),
          )
        : { ...NOT_PROBED, evidence: [] },
      sourceTowards(target),
    ]);
    const sighting: Sighting = { ...target, outcome, openclaw };
    if (source) sighting.source = source;
    onSighting?.(sighting, ++done);
    return sighting;
  });
}

/** The kernel's source address choice, learnt by connecting a UDP socket: a route lookup, no packet sent. */
function sourceTowards(target: Target): Promise<string | undefined> {
  const family = net.isIP(target.address);
  if (family === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.connect(target.port, target.address, () => {
      const address = socket.address().address;
      socket.close();
      resolve(address);
    });
  });
}
