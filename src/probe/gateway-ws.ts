import WebSocket from 'ws';
import { hostPort } from '../model/addresses.js';
import { cappedDial, type Dial } from './dial.js';

/** What one WebSocket exchange with a gateway came to. */
export interface WsExchange {
  /** The first frame, when it was an OpenClaw `connect.challenge` event. */
  challenge: boolean;
  /** The `res` frame that answered our `connect`, as sent. */
  response?: {
    ok?: boolean;
    payload?: Record<string, unknown>;
    error?: { code?: string; message?: string; details?: Record<string, unknown>; retryAfterMs?: number };
  };
  close?: { code: number; reason: string };
  /** Why the exchange did not get that far: not WebSocket, no challenge, a timeout… */
  error?: string;
}

export interface ConnectRange {
  minProtocol: number;
  maxProtocol: number;
}

/**
 * Open a WebSocket, wait for `connect.challenge`, send one `connect` with the given
 * protocol range and nothing else: no auth, no device identity (which would file a pairing
 * request), no Origin header (which would trip the browser-origin check). Then close.
 * `connect` is the only method this tool ever sends.
 */
/** One exchange reads at most this much off the wire (a frame at most WS_MAX_FRAME), whatever the listener sends. */
export const WS_MAX_BYTES = 2 * 1024 * 1024;
const WS_MAX_FRAME = 1024 * 1024;

export function connectOnce(dial: Dial, host: string, port: number, range: ConnectRange, timeoutMs: number): Promise<WsExchange> {
  return new Promise((resolve) => {
    const result: WsExchange = { challenge: false };
    let settled = false;
    const ws = new WebSocket(`ws://${hostPort(host, port)}/`, {
      // ws types it as net.Socket; any Duplex serves (an ssh -W stream, say).
      createConnection: cappedDial(dial, WS_MAX_BYTES, (why) => finish(why)) as unknown as WebSocket.ClientOptions['createConnection'],
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
      maxPayload: WS_MAX_FRAME,
      followRedirects: false,
      headers: { 'User-Agent': 'clawmoat-probe (read-only)' },
    });
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error && !result.response) result.error = error;
      // A quick, clean goodbye: the gateway logs it as a closed pre-connect socket.
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish(result.challenge ? `no answer to connect within ${timeoutMs} ms` : `no connect.challenge within ${timeoutMs} ms`),
      timeoutMs,
    );
    ws.on('unexpected-response', (_req, res) => finish(`HTTP ${res.statusCode} instead of a WebSocket upgrade`));
    ws.on('error', (error) => finish(`WebSocket: ${error.message.split('\n')[0]}`));
    ws.on('close', (code, reason) => {
      result.close = { code, reason: reason.toString('utf8').slice(0, 200) };
      finish(result.challenge ? undefined : `closed (${code}) before any connect.challenge`);
    });
    ws.on('message', (data) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        return finish('a frame that is not JSON: not an OpenClaw gateway');
      }
      if (!result.challenge) {
        if (frame.type !== 'event' || frame.event !== 'connect.challenge')
          return finish(`first frame was not connect.challenge (${String(frame.type)}/${String(frame.event)})`);
        result.challenge = true;
        ws.send(
          JSON.stringify({
            type: 'req',
            id: 'clawmoat-probe',
            method: 'connect',
            params: { ...range, client: { id: 'cli', version: '0.0.0', platform: 'linux', mode: 'cli' }, role: 'operator', scopes: [] },
          }),
        );
        return;
      }
      if (frame.type === 'res' && frame.id === 'clawmoat-probe') {
        result.response = frame as WsExchange['response'];
        finish();
      }
    });
  });
}
