import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { hostPort, type Dial } from './dial.js';

export type HttpAnswer = { status: number; headers: http.IncomingHttpHeaders; body: string } | { error: string; timedOut?: true };

/** Enough of any page we look at; a listener that streams forever is cut off here. */
const MAX_BODY = 256 * 1024;

/**
 * One GET, with no Origin, no cookies and no credentials. A listener that is not HTTP, that
 * closes mid-answer or that stalls ends as `{ error }` within `timeoutMs`.
 */
export function httpGet(dial: Dial, host: string, port: number, path: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(answer);
    };
    const request = http.request({
      createConnection: dial,
      host,
      port,
      path,
      method: 'GET',
      agent: false,
      headers: { Host: hostPort(host, port), 'User-Agent': 'clawmoat-probe (read-only; https://www.npmjs.com/package/clawmoat)', Accept: '*/*', Connection: 'close' },
    });
    const timer = setTimeout(() => finish({ error: `no complete HTTP answer to GET ${path} within ${timeoutMs} ms`, timedOut: true }), timeoutMs);
    request.once('error', (error) => finish({ error: `GET ${path}: ${error.message.split('\n')[0]}` }));
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
        else finish(decode(response, chunks));
      });
      response.once('end', () => finish(decode(response, chunks)));
      response.once('error', (error) => finish({ error: `GET ${path}: ${error.message}` }));
    });
    request.end();
  });
}

function decode(response: http.IncomingMessage, chunks: Buffer[]): HttpAnswer {
  let raw = Buffer.concat(chunks);
  if (response.headers['content-encoding'] === 'gzip') {
    try {
      raw = gunzipSync(raw);
    } catch {
      // A truncated gzip body: what was read is still a fingerprint-worthy status.
      raw = Buffer.alloc(0);
    }
  }
  return { status: response.statusCode ?? 0, headers: response.headers, body: raw.toString('utf8') };
}
