import { baselineSnapshot, compose, tcpListener, withGatewayProcess, withSockets } from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';

/** A host whose gateway listens on every address, with nothing filtering: open to the internet. */
export function exposedHost(hostname: string): Snapshot {
  const s = compose(withGatewayProcess(4242, ['openclaw-gateway', '--port', '18789']), withSockets(tcpListener('0.0.0.0', 18789, 4242)))(baselineSnapshot());
  return { ...s, host: { ...s.host, hostname } };
}

/** A host whose gateway listens on loopback only. */
export function loopbackHost(hostname: string): Snapshot {
  const s = compose(withGatewayProcess(4242, ['openclaw-gateway', '--port', '18789']), withSockets(tcpListener('127.0.0.1', 18789, 4242)))(baselineSnapshot());
  return { ...s, host: { ...s.host, hostname } };
}

/** A host whose gateway listens on every address, collected without root: its ruleset unreadable, so every cell beyond loopback is undecided. */
export function undecidedHost(hostname: string): Snapshot {
  const s = exposedHost(hostname);
  return {
    ...s,
    host: { ...s.host, uid: 1000 },
    netfilter: {
      ...s.netfilter,
      iptablesSave: { status: 'unavailable', reason: 'permission-denied', detail: 'iptables-save: permission denied (run as root to read it)' },
      nftRuleset: { status: 'unavailable', reason: 'permission-denied', detail: 'nft: permission denied' },
    },
  };
}
