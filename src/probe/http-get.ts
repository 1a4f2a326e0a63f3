import http from 'node:http';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { hostPort } from '../model/addresses.js';
import type { Dial } from './dial.js';

export type HttpAnswer =
  | {
      status: number;
      headers: http.IncomingHttpHeaders;
      body: string;
      /** Why the body is not the whole page (cut off at a cap, or still coming at the timeout); absent when it is. */
      truncated?: string;
    }
  | { error: string; timedOut?: true };

/**
 * What one GET may cost, whatever the listener sends (any local process can listen, and root
 * runs the probe): the response head (Node's parser refuses a larger one), the raw body read
 * off the wire, and the body once decoded. A page cut off at a cap is still a page: its status
 * and first bytes are fingerprint-worthy, and the answer says it was truncated.
 */
export const HTTP_LIMITS = {
  headerBytes: 16 * 1024,
  rawBodyBytes: 256 * 1024,
  decodedBodyBytes: 512 * 1024,
} as const;

/**
 * One GET, with no Origin, no cookies and no credentials. A listener that is not HTTP, that
 * closes mid-answer or that stalls before its head ends as `{ error }` within `timeoutMs`; one
 * whose body never ends (endless, a slow drip, a compression bomb) gives what was read by then,
 * at most HTTP_LIMITS, marked `truncated`. `authority`: the Host header's name, when it is not
 * `host` (a TLS door's server name, whose block a proxy picks by it).
 */
export function httpGet(dial: Dial, host: string, port: number, path: string, timeoutMs: number, authority = host): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    /** Set once the head is in: ends the body read early, and answers with what was read. */
    let cut: ((why: string) => void) | undefined;
    const finish = (answer: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(answer);
    };
    const request = http.request({
      // No `agent`: with `agent: false` Node makes an Agent of its own, which ignores createConnection
      // and connects to host:port itself (never through ssh -W, never through TLS).
      createConnection: dial,
      host,
      port,
      path,
      method: 'GET',
      maxHeaderSize: HTTP_LIMITS.headerBytes,
      headers: {
        Host: hostPort(authority, port),
        'User-Agent': 'clawmoat-probe (read-only; https://www.npmjs.com/package/clawmoat)',
        Accept: '*/*',
        Connection: 'close',
      },
    });
    const timer = setTimeout(() => {
      if (cut) cut(`the body was still coming after ${timeoutMs} ms`);
      else finish({ error: `no complete HTTP answer to GET ${path} within ${timeoutMs} ms`, timedOut: true });
    }, timeoutMs);
    // `on`, not `once`: a stream from a dial (ssh -W, TLS) can fail again after the parser has
    // (a banner that is not HTTP, then the stream torn down): an unheard 'error' would kill the process.
    request.on('error', (error) => {
      if (!cut) finish({ error: `GET ${path}: ${error.message.split('\n')[0]}` });
    });
    request.once('response', (response) => {
      const body = new BoundedBody(response.headers['content-encoding']);
      let ending = false;
      const end = (why?: string) => {
        if (ending) return;
        ending = true;
        // Read no more: the socket goes now, the decoder gets what it already has.
        response.removeAllListeners('data');
        request.destroy();
        void body
          .end(why)
          .then(({ text, truncated }) =>
            finish({ status: response.statusCode ?? 0, headers: response.headers, body: text, ...(truncated ? { truncated } : {}) }),
          );
      };
      cut = end;
      response.on('data', (chunk: Buffer) => {
        const full = body.write(chunk);
        if (full) end(full);
      });
      response.once('end', () => end());
      // Closed mid-answer: not a complete HTTP answer.
      response.on('error', (error) => {
        if (!ending) finish({ error: `GET ${path}: ${error.message}` });
      });
    });
    request.end();
  });
}

const KIB = (n: number) => `${Math.round(n / 1024)} KiB`;

/**
 * A response body read within HTTP_LIMITS: raw bytes up to rawBodyBytes, decoded (gzip,
 * deflate, br: streamed, so a bomb inflates only as far as the cap) up to decodedBodyBytes.
 */
class BoundedBody {
  private readonly raw: Buffer[] = [];
  private rawSize = 0;
  private readonly decoded: Buffer[] = [];
  private decodedSize = 0;
  private readonly decoder: Transform | undefined;
  private readonly decoderDone: Promise<string | undefined> | undefined;
  /** Why reading stopped early: the raw cap, or the decoded cap (which says more, so it wins). */
  private rawCut: string | undefined;
  private decodedCut: string | undefined;

  constructor(contentEncoding: string | undefined) {
    this.decoder = decoderFor((contentEncoding ?? '').trim().toLowerCase());
    const decoder = this.decoder;
    if (!decoder) return;
    this.decoderDone = new Promise((resolve) => {
      decoder.on('data', (chunk: Buffer) => {
        const room = HTTP_LIMITS.decodedBodyBytes - this.decodedSize;
        if (room <= 0) return;
        this.decoded.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        this.decodedSize += Math.min(chunk.length, room);
        if (chunk.length >= room) {
          this.decodedCut = `cut off at ${KIB(HTTP_LIMITS.decodedBodyBytes)} decoded (${contentEncoding ?? ''} body)`;
          decoder.destroy();
          resolve(undefined);
        }
      });
      decoder.once('end', () => resolve(undefined));
      decoder.once('close', () => resolve(undefined));
      decoder.once('error', (error) => resolve(`the ${contentEncoding ?? ''} body does not decode (${error.message})`));
    });
  }

  /** Take a chunk off the wire; a reason when the body must not be read further. */
  write(chunk: Buffer): string | undefined {
    const room = HTTP_LIMITS.rawBodyBytes - this.rawSize;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.rawSize += part.length;
    if (this.decoder) {
      if (!this.decoder.destroyed && part.length > 0) this.decoder.write(part);
    } else this.raw.push(part);
    if (chunk.length >= room) this.rawCut = `cut off at ${KIB(HTTP_LIMITS.rawBodyBytes)} read`;
    return this.decodedCut ?? this.rawCut;
  }

  /** The body as text, and why it is not whole (`why`: the caller's reason to stop early). */
  async end(why?: string): Promise<{ text: string; truncated?: string }> {
    let failed: string | undefined;
    if (this.decoder && this.decoderDone) {
      if (!this.decoder.destroyed) this.decoder.end();
      failed = await this.decoderDone;
    }
    // A body cut short does not decode to its end: that is the cut, not another fault.
    const truncated = this.decodedCut ?? this.rawCut ?? why ?? failed;
    const bytes = this.decoder ? Buffer.concat(this.decoded) : Buffer.concat(this.raw);
    return truncated ? { text: bytes.toString('utf8'), truncated } : { text: bytes.toString('utf8') };
  }
}

/** A streaming decoder that yields what it can of a truncated body instead of failing on it. */
function decoderFor(encoding: string): Transform | undefined {
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: 16 * 1024 };
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(flush);
    case 'deflate':
      // RFC 9110's deflate is zlib-wrapped; createUnzip also takes a gzip body mislabelled deflate.
      return zlib.createUnzip(flush);
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, chunkSize: 16 * 1024 });
    default:
      // identity, none, or a coding we do not decode: the bytes as they came (still capped).
      return undefined;
  }
}
