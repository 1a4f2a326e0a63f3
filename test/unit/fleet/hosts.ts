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
