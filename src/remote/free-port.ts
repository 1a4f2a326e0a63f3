import net from 'node:net';

/**
 * The tunnel's local port. The remote gateway's own number when it is free here, so the URL,
 * bookmarks and the gateway's allowed origins look the same as on that host; else one the
 * kernel picks. Only 127.0.0.1 is tried: that is the one address the tunnel binds.
 */

/** Can 127.0.0.1:port be bound right now? (In use, or privileged without root: no.) */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel has free on host (closed again at once: ssh binds it next). */
export function ephemeralPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the kernel gave no port'))));
    });
  });
}

export async function pickLocalPort(preferred: number, host = '127.0.0.1'): Promise<{ port: number; same: boolean }> {
  if (preferred > 0 && preferred < 65536 && (await isPortFree(preferred, host))) return { port: preferred, same: true };
  return { port: await ephemeralPort(host), same: false };
}
