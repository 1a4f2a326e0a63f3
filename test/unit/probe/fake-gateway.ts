import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';

/**
 * A stand-in gateway on 127.0.0.1 that replays what a real one said (test/fixtures/openclaw/,
 * captured from `openclaw gateway run` in the lab), with answers that can be swapped for those
 * of other releases. It records everything the probe sends, so manners can be asserted.
 */

export interface Capture {
  http: Record<string, { status: number; contentType?: string; body: string }>;
  ws: Record<'impossible' | 'plausible', { frames: Record<string, unknown>[]; close: { code: number; reason: string } }>;
}

export function loadCapture(name: string): Capture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/openclaw/${name}.json`, import.meta.url), 'utf8')) as Capture;
}

export interface Recorded {
  http: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  upgrades: http.IncomingHttpHeaders[];
  frames: Record<string, unknown>[];
}

export interface FakeGateway {
  port: number;
  recorded: Recorded;
  close(): Promise<void>;
}

export async function startFakeGateway(capture: Capture, options: { startingFor?: number } = {}): Promise<FakeGateway> {
  const recorded: Recorded = { http: [], upgrades: [], frames: [] };
  let starting = options.startingFor ?? 0;
  const server = http.createServer((req, res) => {
    recorded.http.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const answer = capture.http[req.url ?? ''] ?? capture.http['/'];
    if (!answer) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' }).end(answer.body);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    recorded.upgrades.push(req.headers);
    const challenge = capture.ws.plausible.frames[0];
    ws.send(JSON.stringify(challenge));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { params?: { minProtocol?: number } };
      recorded.frames.push(frame as Record<string, unknown>);
      if (starting > 0) {
        starting--;
        ws.send(
          JSON.stringify({
            type: 'res',
            id: 'clawmoat-probe',
            ok: false,
            error: { code: 'UNAVAILABLE', message: 'gateway starting; retry shortly', retryable: true, retryAfterMs: 50 },
          }),
        );
        ws.close(1013, 'gateway starting');
        return;
      }
      const script = frame.params?.minProtocol === 999 ? capture.ws.impossible : capture.ws.plausible;
      for (const f of script.frames.slice(1)) ws.send(JSON.stringify(f));
      ws.close(script.close.code, script.close.reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    recorded,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
