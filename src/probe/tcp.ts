import net from 'node:net';
import type { ConnectOutcome } from './types.js';

/**
 * One TCP connection attempt: a completed handshake is `open`, a RST (or ICMP port
 * unreachable) is `refused`, silence until the deadline is `timeout`. The socket is
 * closed at once; nothing is written to it.
 */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<ConnectOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    const finish = (outcome: ConnectOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ observed: 'timeout', ms: elapsed() }), timeoutMs);
    socket.once('connect', () => finish({ observed: 'open', ms: elapsed() }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') finish({ observed: 'refused', ms: elapsed() });
      else if (error.code === 'ETIMEDOUT') finish({ observed: 'timeout', ms: elapsed() });
      else finish({ observed: 'error', ms: elapsed(), detail: describeSocketError(error) });
    });
  });
}

const ERRORS: Record<string, string> = {
  EHOSTUNREACH: 'no route to host (an ICMP host-unreachable came back)',
  ENETUNREACH: 'network unreachable from this vantage point',
  ECONNRESET: 'the connection was reset',
  EADDRNOTAVAIL: 'the address is not available from this vantage point',
  ENOTFOUND: 'the name does not resolve',
  EACCES: 'permission denied (a local rule refused the connection)',
  EPERM: 'not permitted (a local firewall rule refused the connection)',
};

export function describeSocketError(error: NodeJS.ErrnoException): string {
  return (error.code && ERRORS[error.code]) ?? error.message.split('\n')[0] ?? String(error);
}
