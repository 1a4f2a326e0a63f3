import net from 'node:net';

/**
 * Two ports on 127.0.0.1: `open` accepts and at once closes each connection; `closed` was just
 * released, so a connect there is refused. close() stops the listener.
 */
export async function loopbackPorts(): Promise<{ open: number; closed: number; close: () => Promise<void> }> {
  const server = net.createServer((c) => c.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const spare = net.createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const closed = (spare.address() as net.AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
  return {
    open: (server.address() as net.AddressInfo).port,
    closed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
