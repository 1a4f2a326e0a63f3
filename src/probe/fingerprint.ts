import { connectOnce, type WsExchange } from './gateway-ws.js';
import { httpGet, type HttpAnswer } from './http-get.js';
import { calver, isGatewayHealth, productOfPage, versionOfPage } from './page-signals.js';
import { tlsDial, type Dial } from './dial.js';
import type { AuthPosture, OpenclawFingerprint } from './types.js';

/**
 * Is this listener an OpenClaw gateway, which release, and does it demand credentials?
 * The sequence is the safe one from the reference (shared/reference/openclaw.md §4):
 *   1. GET /healthz   2. GET / (Control UI title, build id)   3. WebSocket connect.challenge
 *   4. connect with an impossible protocol range (the protocol version, before any auth)
 *   5. connect with no auth and no device (the auth posture)
 * plus, when step 5 cannot tell (since 2026 the gateway asks for a device identity before it
 * looks at credentials), GET /control-ui-config.json: 401 when gateway auth is on, 200 when off.
 * Nothing sent can act: only GETs and `connect`, never a device identity, never an Origin.
 */

/** A protocol nobody speaks: the gateway answers "protocol mismatch" before checking auth. */
const IMPOSSIBLE = { minProtocol: 999, maxProtocol: 999 };
/** What a client of today's gateways offers when it has no idea of the version. */
const PLAUSIBLE = { minProtocol: 3, maxProtocol: 4 };
/** A gateway still starting answers 1013 with retryAfterMs; wait this long at most in all. */
const STARTING_PATIENCE_MS = 5_000;

export interface FingerprintOptions {
  timeoutMs: number;
  /**
   * Speak TLS first (a door of the model terminates TLS here), with this SNI name when known.
   * Without it, plain HTTP is tried first, and TLS (no SNI) when the answer says the port wants it.
   */
  tls?: { servername?: string };
}

export async function fingerprint(dial: Dial, host: string, port: number, options: FingerprintOptions): Promise<OpenclawFingerprint> {
  if (options.tls) return fingerprintOver(dial, host, port, options.timeoutMs, options.tls, []);
  const evidence: string[] = [];
  const health = await httpGet(dial, host, port, '/healthz', options.timeoutMs);
  if (wantsTls(health)) {
    evidence.push(`GET /healthz → ${describe(health)}: the port speaks TLS, so again over TLS`);
    return fingerprintOver(dial, host, port, options.timeoutMs, {}, evidence);
  }
  return fingerprintOver(dial, host, port, options.timeoutMs, undefined, evidence, health);
}

/**
 * A plain-HTTP request to a TLS port: nginx and Caddy answer 400 and say so; others send a TLS
 * alert (not HTTP) or close. A timeout is not that: a silent listener stays silent over TLS too.
 */
function wantsTls(answer: HttpAnswer): boolean {
  if ('status' in answer)
    return answer.status === 400 && /plain HTTP request was sent to HTTPS|HTTP request to an HTTPS server|speaks? (TLS|SSL|HTTPS)/i.test(answer.body);
  return !answer.timedOut && /Parse Error|socket hang up|ECONNRESET|Expected HTTP/i.test(answer.error);
}

async function fingerprintOver(
  plain: Dial,
  address: string,
  port: number,
  timeoutMs: number,
  tls: { servername?: string } | undefined,
  evidence: string[],
  plainHealth?: HttpAnswer,
): Promise<OpenclawFingerprint> {
  const result: OpenclawFingerprint = { detected: false, version: null, auth: 'unknown', evidence };
  // Over TLS the Host header (and the WebSocket URL) name the door's server name: a proxy picks its server block by it.
  const dial = tls ? tlsDial(plain, tls.servername) : plain;
  // `host` names the server in the Host header and the WebSocket URL; connections go where `dial` takes them.
  const host = tls?.servername ?? address;
  if (tls) {
    result.tls = tls.servername ? { servername: tls.servername } : {};
    evidence.push(
      `TLS${tls.servername ? ` with SNI ${tls.servername}` : ' (no SNI name known)'}; the certificate is not verified (a fingerprint, not a trust decision)`,
    );
  }

  const health = plainHealth ?? (await httpGet(dial, address, port, '/healthz', timeoutMs, host));
  const healthy = 'status' in health && isGatewayHealth(health.status, health.body);
  evidence.push(`GET /healthz → ${describe(health)}${healthy ? ' (the gateway health answer)' : ''}`);
  if ('timedOut' in health) {
    // A listener that never answers HTTP will not answer WebSocket either.
    evidence.push('not HTTP: no further probes');
    return result;
  }

  const page = await httpGet(dial, address, port, '/', timeoutMs, host);
  // Forwarded headers from a proxy the gateway does not trust: OpenClaw's own refusal, and its own words.
  const attribution = 'status' in page && page.status === 403 && /proxy_attribution_required/.test(page.body);
  if (attribution) evidence.push('GET / → 403 proxy_attribution_required: OpenClaw refuses the forwarded headers of a proxy it does not trust');
  else if ('status' in page) {
    const product = productOfPage(page.body);
    const version = versionOfPage(page.body);
    if (product) result.product = product;
    if (version) result.version = version;
    evidence.push(
      `GET / → ${page.status}${product ? `, the ${product === 'openclaw' ? 'OpenClaw' : product === 'clawdbot' ? 'Clawdbot' : 'Moltbot'} Control UI` : ''}${version ? `, build ${version}` : ''}${truncation(page)}`,
    );
  } else evidence.push(`GET / → ${page.error}`);

  const mismatch = await connectOnce(dial, host, port, IMPOSSIBLE, timeoutMs);
  evidence.push(`WebSocket connect (protocol 999) → ${describeWs(mismatch)}`);
  const expected = Number(mismatch.response?.error?.details?.expectedProtocol);
  if (Number.isInteger(expected) && expected > 0) result.protocol = expected;
  result.detected = mismatch.challenge || result.product !== undefined || (healthy && attribution);
  if (!result.detected) return result;
  result.product ??= 'openclaw';

  const range = result.protocol ? { minProtocol: result.protocol, maxProtocol: result.protocol } : PLAUSIBLE;
  const posture = await connectWithoutCredentials(dial, host, port, range, timeoutMs, evidence);
  result.auth = posture.auth;
  if (posture.version) result.version = posture.version;
  if (posture.auth === 'unknown' && posture.deviceRequired) {
    const http = await httpAuthSignal(dial, address, port, timeoutMs, evidence, host);
    result.auth = http.auth;
    if (http.version) result.version ??= http.version;
  }
  return result;
}

interface Posture {
  auth: AuthPosture;
  version?: string;
  /** The gateway asked for a device before looking at credentials: the answer says nothing of auth. */
  deviceRequired?: boolean;
}

async function connectWithoutCredentials(
  dial: Dial,
  host: string,
  port: number,
  range: { minProtocol: number; maxProtocol: number },
  timeoutMs: number,
  evidence: string[],
): Promise<Posture> {
  const deadline = Date.now() + STARTING_PATIENCE_MS;
  for (;;) {
    const exchange = await connectOnce(dial, host, port, range, timeoutMs);
    evidence.push(`WebSocket connect (protocol ${range.minProtocol}-${range.maxProtocol}, no credentials, no device) → ${describeWs(exchange)}`);
    const response = exchange.response;
    if (response?.ok === true && response.payload?.type === 'hello-ok') {
      const server = response.payload.server as { version?: unknown } | undefined;
      const version = calver(server?.version);
      return version ? { auth: 'open', version } : { auth: 'open' };
    }
    const error = response?.error;
    const message = error?.message ?? exchange.close?.reason ?? '';
    if (
      /^unauthorized: (gateway (token|password)|tailscale|trusted[_ -]proxy|too many failed)/i.test(message) ||
      /^AUTH_/.test(String(error?.details?.code ?? ''))
    )
      return { auth: 'enforced' };
    if (error?.code === 'NOT_PAIRED' || /device identity required|requires device identity/i.test(message)) return { auth: 'unknown', deviceRequired: true };
    const retryAfter = Number(error?.retryAfterMs ?? 0);
    if ((error?.code === 'UNAVAILABLE' || exchange.close?.code === 1013) && Date.now() + retryAfter < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(100, retryAfter)));
      continue;
    }
    return { auth: 'unknown' };
  }
}

/** The Control UI bootstrap config sits behind gateway HTTP auth: 401 with auth on, 200 (with serverVersion) without. */
async function httpAuthSignal(dial: Dial, host: string, port: number, timeoutMs: number, evidence: string[], authority = host): Promise<Posture> {
  for (const path of ['/control-ui-config.json', '/__openclaw/control-ui-config.json']) {
    const answer = await httpGet(dial, host, port, path, timeoutMs, authority);
    evidence.push(`GET ${path} → ${describe(answer)}`);
    if (!('status' in answer)) continue;
    if (answer.status === 401 || answer.status === 403) return { auth: 'enforced' };
    if (answer.status === 200) {
      try {
        const config = JSON.parse(answer.body) as { serverVersion?: unknown };
        const version = calver(config.serverVersion);
        return version ? { auth: 'none', version } : { auth: 'none' };
      } catch {
        // An HTML fallback page, not the config: this path tells nothing.
      }
    }
  }
  return { auth: 'unknown' };
}

function describe(answer: HttpAnswer): string {
  return 'status' in answer ? `${answer.status}${truncation(answer)}` : answer.error;
}

/** A page read only in part says so: what follows was judged on its first bytes. */
function truncation(answer: HttpAnswer): string {
  return 'truncated' in answer && answer.truncated ? ` (page truncated: ${answer.truncated})` : '';
}

function describeWs(exchange: WsExchange): string {
  const parts: string[] = [];
  if (exchange.challenge) parts.push('connect.challenge');
  const r = exchange.response;
  if (r?.ok === true) parts.push(`ok ${String(r.payload?.type ?? '')}`.trim());
  else if (r?.error) parts.push(`${r.error.code ?? 'error'} "${r.error.message ?? ''}"`);
  if (exchange.close) parts.push(`close ${exchange.close.code}${exchange.close.reason ? ` "${exchange.close.reason}"` : ''}`);
  if (exchange.error) parts.push(exchange.error);
  return parts.join(', ') || 'nothing';
}
