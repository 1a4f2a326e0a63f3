import dgram from 'node:dgram';
import net from 'node:net';
import { directDial } from '../dial.js';
import { fingerprint } from '../fingerprint.js';
import { mapConcurrent } from '../pool.js';
import { tcpConnect } from '../tcp.js';
import type { Target } from '../targets.js';
import type { ConnectOutcome, OpenclawFingerprint } from '../types.js';

export interface ProbeSettings {
  timeoutMs: number;
  concurrency: number;
}

/** What one vantage point saw for one target. */
export interface Sighting extends Target {
  outcome: ConnectOutcome;
  /** The source address the kernel chose towards the target, when it could be learnt. */
  source?: string;
  openclaw: OpenclawFingerprint;
}

export const NOT_PROBED: OpenclawFingerprint = { detected: false, version: null, auth: 'unknown', evidence: [] };

/** Connect to each target from this process's network namespace, and fingerprint what answers. */
export async function probeFromHere(targets: Target[], settings: ProbeSettings, onDone?: (done: number) => void): Promise<Sighting[]> {
  return mapConcurrent(
    targets,
    settings.concurrency,
    async (target) => {
      const [outcome, source] = await Promise.all([tcpConnect(target.address, target.port, settings.timeoutMs), sourceTowards(target)]);
      const openclaw = outcome.observed === 'open' ? await fingerprint(directDial(target.address, target.port), target.address, target.port, { timeoutMs: settings.timeoutMs }) : { ...NOT_PROBED, evidence: [] };
      const sighting: Sighting = { ...target, outcome, openclaw };
      if (source) sighting.source = source;
      return sighting;
    },
    onDone,
  );
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
