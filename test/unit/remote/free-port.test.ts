import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ephemeralPort, isPortFree, pickLocalPort } from '../../../src/remote/free-port.js';

function listen(port: number, host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host }, () => resolve(server));
  });
}

describe('free local port', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('keeps the remote port when it is free here', async () => {
    const port = await ephemeralPort();
    expect(await isPortFree(port)).toBe(true);
    expect(await pickLocalPort(port)).toEqual({ port, same: true });
  });

  it('picks another when something listens on it, and that one is free', async () => {
    const taken = await listen(0);
    servers.push(taken);
    const port = (taken.address() as net.AddressInfo).port;
    expect(await isPortFree(port)).toBe(false);
    const picked = await pickLocalPort(port);
    expect(picked.same).toBe(false);
    expect(picked.port).not.toBe(port);
    expect(await isPortFree(picked.port)).toBe(true);
  });

  it('a listener on 0.0.0.0 takes the port on 127.0.0.1 too', async () => {
    const taken = await listen(0, '0.0.0.0');
    servers.push(taken);
    expect(await isPortFree((taken.address() as net.AddressInfo).port)).toBe(false);
  });

  it.runIf(process.getuid?.() !== 0)('a privileged port without root is not free (runs only when the tests run without root; skipped as root)', async () => {
    expect((await pickLocalPort(80)).same).toBe(false);
  });

  it("an out-of-range preference falls back to the kernel's choice", async () => {
    expect((await pickLocalPort(0)).same).toBe(false);
    expect((await pickLocalPort(70000)).same).toBe(false);
  });
});
