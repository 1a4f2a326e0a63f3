import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenerOwnedBy, listeningInodes } from '../../../src/remote/listener-owner.js';

describe('listeningInodes', () => {
  it('takes the LISTEN rows on the port, any address, IPv4 and IPv6 tables alike', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0',
      '   1: 00000000:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0',
      '   2: 0100007F:4965 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 20 4 30 10 -1',
      '   3: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect(listeningInodes(tcp, 18789)).toEqual(['111', '222']);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000000000000:4965 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect(listeningInodes(tcp6, 18789)).toEqual(['555']);
  });
});

describe.skipIf(process.platform !== 'linux')('listenerOwnedBy, on the real /proc (loopback only)', () => {
  it('is true for the process that listens, false for another process, undefined where nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      expect(listenerOwnedBy(process.pid, port)).toBe(true);
      expect(listenerOwnedBy(other.pid!, port)).toBe(false);
    } finally {
      other.kill();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(listenerOwnedBy(process.pid, port)).toBeUndefined();
  });
});
