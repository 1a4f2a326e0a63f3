import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * How the fingerprint reaches a target: straight from this process, or through a stream a
 * vantage point opens for us (ssh -W). HTTP and WebSocket run over whichever it is.
 */
export type Dial = () => Duplex;

export function directDial(host: string, port: number): Dial {
  return () => net.connect({ host, port });
}

/** `host:port` as it goes in a URL and a Host header. */
export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
