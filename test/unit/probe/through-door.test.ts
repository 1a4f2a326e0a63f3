import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { directDial, type Dial } from '../../../src/probe/dial.js';
import { fingerprint } from '../../../src/probe/fingerprint.js';
import { planTargets } from '../../../src/probe/targets.js';
import { renderProbeReport } from '../../../src/report/probe.js';
import type { ProbeReport } from '../../../src/probe/types.js';
import type { Door } from '../../../src/snapshot/types.js';
import { baselineSnapshot, compose, tcpListener, withDoors, withInterface, withSockets } from '../../fixtures/builders/snapshot.js';
import { loadCapture, startFakeGateway, type FakeGateway } from './fake-gateway.js';

/**
 * The fingerprint through a TLS door: a TLS terminator with a self-signed certificate (openssl,
 * in a temp dir) in front of a replayed 2026.9.6 gateway. With the door's server name known, SNI
 * carries it; without, the plain answer tells the port wants TLS and the probe says so.
 */

const TOKEN = loadCapture('2026.9.6-token');
let dir: string;
let key: Buffer;
let cert: Buffer;
let gateway: FakeGateway | undefined;
let terminator: tls.Server | undefined;
const servernames: (string | false)[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=gw.example.test',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  key = readFileSync(join(dir, 'key.pem'));
  cert = readFileSync(join(dir, 'cert.pem'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await new Promise((resolve) => (terminator ? terminator.close(resolve) : resolve(undefined)));
  terminator = undefined;
  await gateway?.close();
  gateway = undefined;
  servernames.length = 0;
});

/** A TLS door in front of the fake gateway: bytes both ways, like nginx stream with ssl. */
async function tlsDoor(): Promise<number> {
  gateway = await startFakeGateway(TOKEN);
  const upstream = gateway.port;
  terminator = tls.createServer({ key, cert }, (socket) => {
    servernames.push((socket as tls.TLSSocket & { servername?: string | false }).servername ?? false);
    const up = net.connect(upstream, '127.0.0.1');
    socket.pipe(up).pipe(socket);
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => terminator!.listen(0, '127.0.0.1', resolve));
  return (terminator.address() as AddressInfo).port;
}

describe('fingerprint over TLS', () => {
  it('with the door server name: SNI carries it, and OpenClaw is identified behind a self-signed certificate', async () => {
    const port = await tlsDoor();
    const result = await fingerprint(directDial('127.0.0.1', port), '127.0.0.1', port, { timeoutMs: 2_000, tls: { servername: 'gw.example.test' } });
    expect(result).toMatchObject({ detected: true, version: '2026.9.6', auth: 'enforced', tls: { servername: 'gw.example.test' } });
    expect(result.evidence[0]).toMatch(/TLS with SNI gw\.example\.test; the certificate is not verified/);
    expect(servernames.length).toBeGreaterThan(2);
    expect(new Set(servernames)).toEqual(new Set(['gw.example.test']));
  });

  it('with no hint: the plain answer shows a TLS port, and the probe goes again over TLS (no SNI)', async () => {
    const port = await tlsDoor();
    const result = await fingerprint(directDial('127.0.0.1', port), '127.0.0.1', port, { timeoutMs: 2_000 });
    expect(result).toMatchObject({ detected: true, version: '2026.9.6', tls: {} });
    expect(result.evidence.join('\n')).toMatch(/the port speaks TLS, so again over TLS/);
  });

  it('a plain gateway is not asked for TLS', async () => {
    gateway = await startFakeGateway(TOKEN);
    const result = await fingerprint(directDial('127.0.0.1', gateway.port), '127.0.0.1', gateway.port, { timeoutMs: 2_000 });
    expect(result.detected).toBe(true);
    expect(result.tls).toBeUndefined();
  });
});

const nginxTls: Door = {
  kind: 'nginx',
  pid: 700,
  listen: [{ address: '0.0.0.0', port: 443 }],
  upstream: { host: '127.0.0.1', port: 18789 },
  via: 'proxy_pass http://127.0.0.1:18789',
  location: { file: '/etc/nginx/sites-enabled/openclaw', line: 12 },
  layer: 'http',
  forwardedFor: 'none',
  auth: [],
  serverNames: ['_', '*.example.test', 'gw.example.test'],
  tls: true,
};

describe('planTargets: TLS doors', () => {
  it('a port where a door terminates TLS is probed over TLS with its server name as SNI (not "_" or a wildcard)', () => {
    const snapshot = compose(
      withInterface('eth0', '198.51.100.10', 24),
      withSockets(tcpListener('0.0.0.0', 443, 700, 'nginx'), tcpListener('127.0.0.1', 18789)),
      withDoors([nginxTls]),
    )(baselineSnapshot());
    const targets = planTargets(snapshot).targets;
    expect(targets.filter((t) => t.port === 443).every((t) => t.tls?.servername === 'gw.example.test')).toBe(true);
    expect(targets.filter((t) => t.port === 18789).every((t) => t.tls === undefined)).toBe(true);
    expect(planTargets(snapshot, { target: { host: '203.0.113.5', port: 443 } }).targets).toEqual([
      { address: '203.0.113.5', port: 443, tls: { servername: 'gw.example.test' } },
    ]);
  });
});

describe('the text report names the door', () => {
  it('"OpenClaw 2026.9.6 answered on 443 through nginx (file:line)"', () => {
    const report: ProbeReport = {
      schemaVersion: 1,
      vantages: [{ name: 'netns:inet', kind: 'netns' }],
      errors: [],
      notes: [],
      results: [
        {
          vantage: 'netns:inet',
          address: '198.51.100.10',
          port: 443,
          observed: 'open',
          ms: 1,
          predicted: 'open',
          mismatch: false,
          door: {
            kind: 'nginx',
            name: 'nginx',
            via: 'proxy_pass http://127.0.0.1:18789',
            location: { file: '/etc/nginx/sites-enabled/openclaw', line: 12 },
            upstream: '127.0.0.1:18789',
            gateway: true,
            tls: true,
          },
          openclaw: { detected: true, product: 'openclaw', version: '2026.9.6', auth: 'enforced', tls: { servername: 'gw.example.test' }, evidence: [] },
        },
      ],
    };
    expect(renderProbeReport(report, { color: false })).toContain(
      'OpenClaw 2026.9.6 answered on 443 through nginx (/etc/nginx/sites-enabled/openclaw:12), over TLS (SNI gw.example.test): proxy_pass http://127.0.0.1:18789 → 127.0.0.1:18789',
    );
  });
});

describe.skipIf(spawnSync('socat', ['-V'], { stdio: 'ignore' }).status !== 0)('a stream dial (ssh -W) to a listener that is not HTTP', () => {
  it('a banner, then the stream torn down: one error answer, never an unheard error event', async () => {
    const accepted = new Set<net.Socket>();
    const banner = net.createServer((socket) => {
      accepted.add(socket);
      socket.on('error', () => undefined);
      socket.end('SSH-2.0-OpenSSH_9.6\r\n');
    });
    await new Promise<void>((resolve) => banner.listen(0, '127.0.0.1', resolve));
    const port = (banner.address() as AddressInfo).port;
    // What ssh -W gives: a child's pipes as one Duplex (a relay in its place).
    const dial: Dial = () => {
      const child = spawn('socat', ['-', `TCP:127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'ignore'] });
      const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
      stream.once('close', () => child.kill());
      child.once('close', () => stream.destroy());
      return stream;
    };
    try {
      const started = Date.now();
      const result = await fingerprint(dial, '127.0.0.1', port, { timeoutMs: 1_500 });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.detected).toBe(false);
      expect(result.evidence[0]).toMatch(/^GET \/healthz → GET \/healthz: /);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => banner.close(resolve));
    }
  });
});
