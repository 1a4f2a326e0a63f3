import http from 'node:http';
import net from 'node:net';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { directDial } from '../../../src/probe/dial.js';
import { fingerprint } from '../../../src/probe/fingerprint.js';
import { connectOnce, WS_MAX_BYTES } from '../../../src/probe/gateway-ws.js';
import { HTTP_LIMITS, httpGet } from '../../../src/probe/http-get.js';

/**
 * Any local process can listen on a port the probe visits, and the probe runs as root: each
 * exchange must cost a small fixed amount whatever comes back. Real hostile listeners on
 * 127.0.0.1: a gzip bomb (4 GiB from 4 MiB), deflate and brotli bombs, an endless body, a body
 * that drips a byte at a time, and a WebSocket that floods frames.
 */

const MiB = 1024 * 1024;
let bombs: { gzip: Buffer; deflate: Buffer; br: Buffer };

beforeAll(() => {
  const zeros = Buffer.alloc(64 * MiB);
  // gzip members concatenate: 64 members of 64 MiB of zeros each, 4 GiB once inflated.
  const member = gzipSync(zeros, { level: 9 });
  bombs = {
    gzip: Buffer.concat(Array.from({ length: 64 }, () => member)),
    deflate: deflateSync(zeros, { level: 9 }),
    br: brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
  };
});

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A raw TCP listener on 127.0.0.1 that answers every connection with `serve`. */
async function listen(serve: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const open = new Set<net.Socket>();
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  servers.push({
    close: () => {
      for (const s of open) s.destroy();
      server.close();
    },
  });
  return (server.address() as net.AddressInfo).port;
}

/** Answer the request head, once it is in, with `head` and then whatever `body` writes. */
function afterRequest(socket: net.Socket, head: string, body: (socket: net.Socket) => void): void {
  let seen = '';
  socket.on('data', (chunk: Buffer) => {
    if (seen.includes('\r\n\r\n')) return;
    seen += chunk.toString('latin1');
    if (!seen.includes('\r\n\r\n')) return;
    socket.write(head);
    body(socket);
  });
}

/** Write `chunk` as fast as the peer reads, until the socket goes. */
function endless(socket: net.Socket, chunk: Buffer): void {
  const pump = () => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', pump);
  pump();
}

/** Run `work` while sampling this process's RSS: how much it grew at most, and how long it took. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; grewBy: number; ms: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, grewBy: peak - before, ms: performance.now() - started };
  } finally {
    clearInterval(sampler);
  }
}

const TIMEOUT_MS = 3_000;

describe('an HTTP GET costs a small fixed amount, whatever the listener sends', () => {
  it.each(['gzip', 'deflate', 'br'] as const)('a %s bomb inflates only to the cap; the page comes back truncated', async (encoding) => {
    const bomb = bombs[encoding];
    const port = await listen((socket) =>
      afterRequest(socket, `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: ${encoding}\r\nContent-Length: ${bomb.length}\r\n\r\n`, (s) =>
        s.end(bomb),
      ),
    );
    const { result, grewBy, ms } = await measured(() => httpGet(directDial('127.0.0.1', port), '127.0.0.1', port, '/', TIMEOUT_MS));
    expect(result).toMatchObject({ status: 200 });
    if (!('status' in result)) throw new Error('no page');
    expect(result.body.length).toBe(HTTP_LIMITS.decodedBodyBytes);
    expect(result.body).toMatch(/^\0+$/);
    expect(result.truncated).toMatch(/cut off at 512 KiB decoded/);
    expect(ms).toBeLessThan(TIMEOUT_MS);
    // Uncapped, the gzip bomb's first 256 KiB alone inflate to 256 MiB.
    expect(grewBy).toBeLessThan(48 * MiB);
  });

  it('an endless body is read up to the raw cap, then the connection is dropped', async () => {
    const port = await listen((socket) =>
      afterRequest(socket, 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<title>x</title>', (s) => endless(s, Buffer.alloc(64 * 1024, 'a'))),
    );
    const { result, grewBy, ms } = await measured(() => httpGet(directDial('127.0.0.1', port), '127.0.0.1', port, '/', TIMEOUT_MS));
    if (!('status' in result)) throw new Error(`no page: ${result.error}`);
    expect(result.body.startsWith('<title>x</title>')).toBe(true);
    expect(result.body.length).toBe(HTTP_LIMITS.rawBodyBytes);
    expect(result.truncated).toMatch(/cut off at 256 KiB read/);
    expect(ms).toBeLessThan(TIMEOUT_MS);
    expect(grewBy).toBeLessThan(48 * MiB);
  });

  it('an endless chunked gzip stream is cut at the cap too', async () => {
    const member = gzipSync(Buffer.alloc(MiB));
    const port = await listen((socket) =>
      afterRequest(socket, 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', (s) =>
        endless(s, Buffer.concat([Buffer.from(`${member.length.toString(16)}\r\n`), member, Buffer.from('\r\n')])),
      ),
    );
    const { result, ms } = await measured(() => httpGet(directDial('127.0.0.1', port), '127.0.0.1', port, '/', TIMEOUT_MS));
    if (!('status' in result)) throw new Error(`no page: ${result.error}`);
    expect(result.body.length).toBeLessThanOrEqual(HTTP_LIMITS.decodedBodyBytes);
    expect(result.truncated).toMatch(/cut off/);
    expect(ms).toBeLessThan(TIMEOUT_MS);
  });

  it('a body that drips a byte at a time ends at the timeout as a truncated page, not a failure', async () => {
    const port = await listen((socket) =>
      afterRequest(socket, 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<title>OpenClaw Control</title>', (s) => {
        const drip = setInterval(() => (s.destroyed ? clearInterval(drip) : s.write('.')), 20);
        s.on('close', () => clearInterval(drip));
      }),
    );
    const { result, ms } = await measured(() => httpGet(directDial('127.0.0.1', port), '127.0.0.1', port, '/', 1_000));
    if (!('status' in result)) throw new Error(`no page: ${result.error}`);
    expect(result.body).toMatch(/^<title>OpenClaw Control<\/title>\.+$/);
    expect(result.truncated).toBe('the body was still coming after 1000 ms');
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(2_000);
  });

  it('a head that never ends is refused at the header cap', async () => {
    const port = await listen((socket) => afterRequest(socket, 'HTTP/1.1 200 OK\r\n', (s) => endless(s, Buffer.from(`X-Junk: ${'j'.repeat(1000)}\r\n`))));
    const { result, ms } = await measured(() => httpGet(directDial('127.0.0.1', port), '127.0.0.1', port, '/', TIMEOUT_MS));
    expect(result).toMatchObject({ error: expect.stringMatching(/GET \/: .*(header|Header)/) as unknown as string });
    expect(ms).toBeLessThan(TIMEOUT_MS);
  });

  it('a whole small gzip page still decodes, untruncated', async () => {
    const page = gzipSync('<title>OpenClaw Control</title>');
    const port = await listen((socket) =>
      afterRequest(socket, `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${page.length}\r\n\r\n`, (s) => s.end(page)),
    );
    const result = await httpGet(directDial('127.0.0.1', port), '127.0.0.1', port, '/', TIMEOUT_MS);
    expect(result).toEqual({ status: 200, headers: expect.any(Object) as unknown, body: '<title>OpenClaw Control</title>' });
  });
});

describe('a WebSocket exchange reads a small fixed amount', () => {
  it('a listener that floods frames after the challenge is cut off at the byte cap', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    const frame = JSON.stringify({ type: 'event', event: 'tick', payload: 'x'.repeat(500 * 1024) });
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n' } }));
      ws.on('message', () => {
        const flood = () => {
          while (ws.readyState === ws.OPEN && ws.bufferedAmount < 4 * MiB) ws.send(frame);
          if (ws.readyState === ws.OPEN) setTimeout(flood, 1);
        };
        flood();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close();
      },
    });
    const port = (server.address() as net.AddressInfo).port;
    const { result, ms } = await measured(() => connectOnce(directDial('127.0.0.1', port), '127.0.0.1', port, { minProtocol: 3, maxProtocol: 4 }, TIMEOUT_MS));
    expect(result.challenge).toBe(true);
    expect(result.error).toMatch(new RegExp(`more than ${WS_MAX_BYTES / 1024} KiB: cut off`));
    expect(ms).toBeLessThan(TIMEOUT_MS);
  });
});

describe('the fingerprint goes on past a hostile page', () => {
  it('a gzip bomb on every path: the probe finishes, and its evidence says the page was truncated', async () => {
    const bomb = bombs.gzip;
    const port = await listen((socket) =>
      afterRequest(socket, `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`, (s) =>
        s.end(bomb),
      ),
    );
    const { result, grewBy, ms } = await measured(() => fingerprint(directDial('127.0.0.1', port), '127.0.0.1', port, { timeoutMs: TIMEOUT_MS }));
    expect(result.detected).toBe(false);
    expect(result.evidence[0]).toMatch(/^GET \/healthz → 200 \(page truncated: cut off at 512 KiB decoded/);
    expect(result.evidence[1]).toMatch(/^GET \/ → 200 \(page truncated: cut off at 512 KiB decoded/);
    expect(result.evidence[2]).toMatch(/^WebSocket connect \(protocol 999\) → /);
    expect(ms).toBeLessThan(2 * TIMEOUT_MS);
    expect(grewBy).toBeLessThan(64 * MiB);
  });
});
