import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * How the fingerprint reaches a target: straight from this process, or through a stream a
 * vantage point opens for us (ssh -W). HTTP and WebSocket run over whichever it is.
 */
export type Dial = () => Duplex;

export function directDial(host: string, port: number): Dial {
  return () => net.connect({ host, port });
}

/**
 * The same dial, but a stream that has brought more than `maxBytes` is destroyed, after
 * `onCap` hears why: one exchange reads a small fixed amount, whatever the listener sends.
 */
export function cappedDial(dial: Dial, maxBytes: number, onCap: (why: string) => void): Dial {
  return () => {
    const stream = dial();
    let read = 0;
    // Counts beside the consumer's own 'data' listener; an HTTP upgrade pauses the stream
    // (readableFlowing = null) until the WebSocket attaches its own, so nothing is lost.
    stream.on('data', (chunk: Buffer | string) => {
      read += chunk.length;
      if (read <= maxBytes || stream.destroyed) return;
      onCap(`the listener sent more than ${Math.round(maxBytes / 1024)} KiB: cut off`);
      stream.destroy();
    });
    return stream;
  };
}

/**
 * The same dial, wrapped in TLS: for a door that terminates TLS in front of the gateway (nginx
 * `listen 443 ssl`, Caddy). SNI names the door's server name when one is known (never an IP
 * address, which SNI does not carry). The certificate is not verified: this is a fingerprint, not
 * a trust decision, and a self-signed door must still be recognised. Nothing else changes: the
 * same GETs and WebSocket connect go through it, within the same caps.
 */
export function tlsDial(dial: Dial, servername: string | undefined): Dial {
  return () => {
    const options: tls.ConnectionOptions = { socket: dial(), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] };
    if (servername && net.isIP(servername) === 0) options.servername = servername;
    return tls.connect(options);
  };
}
