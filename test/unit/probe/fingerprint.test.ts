import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { directDial } from '../../../src/probe/dial.js';
import { fingerprint } from '../../../src/probe/fingerprint.js';
import { loadCapture, startFakeGateway, type Capture, type FakeGateway } from './fake-gateway.js';

/**
 * The fingerprint against replays of a real OpenClaw 2026.9.6 (captured in the lab with
 * --auth token and --auth none), and against the answers older releases give per the
 * reference (shared/reference/openclaw.md §4), spliced into the same capture.
 */

const TOKEN = loadCapture('2026.9.6-token');
const NONE = loadCapture('2026.9.6-none');

let gateway: FakeGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function probe(capture: Capture, options: { startingFor?: number } = {}) {
  gateway = await startFakeGateway(capture, options);
  return fingerprint(directDial('127.0.0.1', gateway.port), '127.0.0.1', gateway.port, { timeoutMs: 2_000 });
}

function withPlausibleAnswer(capture: Capture, answer: Record<string, unknown>, close = { code: 1008, reason: '' }): Capture {
  return { ...capture, ws: { ...capture.ws, plausible: { frames: [capture.ws.plausible.frames[0]!, answer], close } } };
}

describe('fingerprint of a real 2026.9.6 gateway (replayed)', () => {
  it('token auth: OpenClaw 2026.9.6, protocol 4, auth enforced', async () => {
    const result = await probe(TOKEN);
    expect(result).toMatchObject({ detected: true, product: 'openclaw', version: '2026.9.6', protocol: 4, auth: 'enforced' });
    expect(result.evidence.join('\n')).toMatch(/control-ui-config\.json → 401/);
  });

  it('auth none: the Control UI config comes back without credentials', async () => {
    expect(await probe(NONE)).toMatchObject({ detected: true, version: '2026.9.6', auth: 'none' });
  });

  it('minds its manners: only GETs and connect, no Origin, no credentials, no device identity', async () => {
    await probe(TOKEN);
    const recorded = gateway!.recorded;
    expect(new Set(recorded.http.map((r) => r.method))).toEqual(new Set(['GET']));
    for (const headers of [...recorded.http.map((r) => r.headers), ...recorded.upgrades]) {
      expect(headers.origin).toBeUndefined();
      expect(headers.authorization).toBeUndefined();
      expect(headers.cookie).toBeUndefined();
    }
    expect(recorded.frames.length).toBeGreaterThan(0);
    for (const frame of recorded.frames as { method?: string; params?: Record<string, unknown> }[]) {
      expect(frame.method).toBe('connect');
      expect(frame.params).not.toHaveProperty('auth');
      expect(frame.params).not.toHaveProperty('device');
    }
  });
});

describe('answers of other releases', () => {
  it('older builds that name the missing token: enforced, without asking HTTP', async () => {
    const legacy = withPlausibleAnswer(TOKEN, {
      type: 'res',
      id: 'clawmoat-probe',
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'unauthorized: gateway token missing (set gateway.remote.token)', details: { code: 'AUTH_TOKEN_MISSING' } },
    });
    expect(await probe(legacy)).toMatchObject({ detected: true, auth: 'enforced' });
    expect(gateway!.recorded.http.map((r) => r.path)).not.toContain('/control-ui-config.json');
  });

  it('password mode names the password', async () => {
    const legacy = withPlausibleAnswer(TOKEN, {
      type: 'res',
      id: 'clawmoat-probe',
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'unauthorized: gateway password missing (set gateway.remote.password)' },
    });
    expect((await probe(legacy)).auth).toBe('enforced');
  });

  it('hello-ok without credentials: open, with the version the server reports', async () => {
    const open = withPlausibleAnswer(
      TOKEN,
      { type: 'res', id: 'clawmoat-probe', ok: true, payload: { type: 'hello-ok', protocol: 3, server: { version: '2026.1.5', connId: 'x' } } },
      { code: 1000, reason: '' },
    );
    const page = { ...open.http['/']!, body: '<!doctype html><title>OpenClaw Control</title><openclaw-app></openclaw-app>' };
    expect(await probe({ ...open, http: { ...open.http, '/': page } })).toMatchObject({ detected: true, version: '2026.1.5', auth: 'open' });
  });

  it('a legacy Clawdbot Control UI', async () => {
    const page = { status: 200, contentType: 'text/html', body: '<!doctype html><head><title>Clawdbot Control</title></head><clawdbot-app></clawdbot-app>' };
    const result = await probe({ ...TOKEN, http: { ...TOKEN.http, '/': page } });
    expect(result).toMatchObject({ detected: true, product: 'clawdbot', version: null, auth: 'enforced' });
  });

  it('a gateway still starting (1013) is asked again after retryAfterMs', async () => {
    expect(await probe(TOKEN, { startingFor: 1 })).toMatchObject({ detected: true, auth: 'enforced' });
  });
});

describe('listeners that are not OpenClaw', () => {
  async function serve(handler: http.RequestListener): Promise<number> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gateway = {
      port: (server.address() as AddressInfo).port,
      recorded: { http: [], upgrades: [], frames: [] },
      close: () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
    return gateway.port;
  }

  it('an ordinary web server is not OpenClaw', async () => {
    const port = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Some other service</title>'));
    const result = await fingerprint(directDial('127.0.0.1', port), '127.0.0.1', port, { timeoutMs: 1_000 });
    expect(result).toMatchObject({ detected: false, version: null, auth: 'unknown' });
  });

  it('a server that answers {"ok":true,"status":"live"} but no challenge is not taken for OpenClaw', async () => {
    const port = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"status":"live"}'));
    expect((await fingerprint(directDial('127.0.0.1', port), '127.0.0.1', port, { timeoutMs: 1_000 })).detected).toBe(false);
  });

  it('a listener that never speaks ends after one timeout, not five', async () => {
    const net = await import('node:net');
    const server = net.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const started = Date.now();
    const result = await fingerprint(directDial('127.0.0.1', port), '127.0.0.1', port, { timeoutMs: 300 });
    server.close();
    expect(result.detected).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
