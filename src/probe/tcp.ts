import net from 'node:net';
import type { ConnectOutcome } from './types.js';

/** How long an attempt waits, from its start: read again whenever `watch` calls back (src/probe/wait.ts moves it). */
export interface Deadline {
  ms(): number;
  watch?(onChange: () => void): () => void;
}

/**
 * One TCP connection attempt: a completed handshake is `open`, a RST (or ICMP port
 * unreachable) is `refused`, silence until the deadline is `timeout`. The socket is
 * closed at once; nothing is written to it.
 */
export function tcpConnect(host: string, port: number, wait: number | Deadline): Promise<ConnectOutcome> {
  const deadline: Deadline = typeof wait === 'number' ? { ms: () => wait } : wait;
  let started = performance.now();
  const elapsed = () => performance.now() - started;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let unwatch: (() => void) | undefined;
    const finish = (outcome: ConnectOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch?.();
      socket.destroy();
      resolve(outcome);
    };
    // A timer due while the event loop was busy runs before the I/O that came in meanwhile;
    // setImmediate runs after that I/O, so an answer noticed late is not called a timeout.
    const expire = () =>
      setImmediate(() => {
        if (elapsed() + 1 < deadline.ms()) arm();
        else finish({ observed: 'timeout', ms: Math.round(elapsed()) });
      });
    const arm = () => {
      if (settled) return;
      clearTimeout(timer);
      timer = setTimeout(expire, Math.max(0, deadline.ms() - elapsed()));
    };
    arm();
    unwatch = deadline.watch?.(arm);
    // The SYN leaves when Node gets round to the connect() call (a tick later, after every other
    // socket this tick opens): time from there, or the launch itself would count as round trip.
    socket.once('connectionAttempt', () => {
      started = performance.now();
      arm();
    });
    socket.once('connect', () => finish({ observed: 'open', ms: Math.round(elapsed()) }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const ms = Math.round(elapsed());
      if (error.code === 'ECONNREFUSED') finish({ observed: 'refused', ms });
      else if (error.code === 'ETIMEDOUT') finish({ observed: 'timeout', ms });
      else finish({ observed: 'error', ms, detail: describeSocketError(error) });
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
