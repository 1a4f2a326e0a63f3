import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSs } from '../../../src/collect/sockets.js';
import { CORPUS_SKIP_REASON, corpusAvailable, corpusFile } from '../../support/corpus.js';

describe('parseSs', () => {
  it('reads Netid, addresses, ports and owners from `ss -H -l -n -t -u -p`', () => {
    const text = [
      'tcp   LISTEN 0      4096         0.0.0.0:18789      0.0.0.0:*    users:(("node",pid=4242,fd=20))',
      'tcp   LISTEN 0      128        127.0.0.1:6379       0.0.0.0:*    users:(("redis-server",pid=7,fd=6),("redis-server",pid=8,fd=6))',
      'udp   UNCONN 0      0                  *:5353             *:*    users:(("avahi",pid=9,fd=12))',
      'tcp   LISTEN 0      128            [::1]:18789         [::]:*',
      'tcp   LISTEN 0      128   127.0.0.53%lo:53          0.0.0.0:*',
      'tcp   LISTEN 0      128 [fe80::1]%eth0:22             [::]:*',
    ].join('\n');
    const { sockets, errors } = parseSs(text);
    expect(errors).toEqual([]);
    expect(sockets).toEqual([
      { protocol: 'tcp', address: '0.0.0.0', port: 18789, family: 4, pid: 4242, process: 'node' },
      { protocol: 'tcp', address: '127.0.0.1', port: 6379, family: 4, pid: 7, process: 'redis-server' },
      { protocol: 'udp', address: '::', port: 5353, family: 6, v6only: false, pid: 9, process: 'avahi' },
      { protocol: 'tcp', address: '::1', port: 18789, family: 6 },
      { protocol: 'tcp', address: '127.0.0.53', port: 53, family: 4, boundInterface: 'lo' },
      { protocol: 'tcp', address: 'fe80::1', port: 22, family: 6, boundInterface: 'eth0' },
    ]);
  });

  it.skipIf(!corpusAvailable)(
    `tells dual-stack "*" from IPv6-only "[::]" (corpus sockets/ss-ltn-bind-kinds.txt) ${corpusAvailable ? '' : CORPUS_SKIP_REASON}`,
    () => {
      const { sockets, errors } = parseSs(corpusFile('sockets', 'ss-ltn-bind-kinds.txt'));
      expect(errors).toEqual([]);
      const byPort = Object.fromEntries(sockets.map((s) => [s.port, s]));
      expect(byPort[7001]).toMatchObject({ address: '::', v6only: false });
      expect(byPort[7002]).toMatchObject({ address: '::', v6only: true });
      expect(byPort[7003]).toMatchObject({ address: '0.0.0.0', family: 4 });
      expect(byPort[7004]).toMatchObject({ address: '127.0.0.1' });
      expect(byPort[7005]).toMatchObject({ address: '::1', family: 6 });
    },
  );

  it.skipIf(!corpusAvailable)('reads a docker-proxy host dump (corpus ground-truth/docker20-proxy/ss-ltnp.txt)', () => {
    const { sockets, errors } = parseSs(corpusFile('ground-truth', 'docker20-proxy', 'ss-ltnp.txt'));
    expect(errors).toEqual([]);
    expect(sockets.find((s) => s.port === 8888)).toMatchObject({ address: '100.101.102.103', process: 'docker-proxy', pid: 25116 });
    expect(sockets.filter((s) => s.process === 'docker-proxy').length).toBeGreaterThan(4);
  });

  it('never throws on arbitrary or truncated input, and reports bad lines by number', () => {
    const good = 'tcp LISTEN 0 4096 0.0.0.0:18789 0.0.0.0:* users:(("node",pid=1,fd=2))\n';
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.nat(good.length), (junk, cut) => {
        const result = parseSs(good.slice(0, cut) + junk);
        for (const e of result.errors) expect(e.line).toBeGreaterThanOrEqual(1);
        for (const s of result.sockets) {
          expect(s.port).toBeGreaterThanOrEqual(0);
          expect(s.port).toBeLessThanOrEqual(65535);
        }
      }),
      { numRuns: 500 },
    );
  });
});
