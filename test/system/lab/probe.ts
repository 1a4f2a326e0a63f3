import type { Netns } from './netns.js';

/**
 * Connections made from inside a namespace: a Node process cannot switch namespaces
 * itself, so a one-line Node script runs there (the same Node that runs the tests,
 * so the lab needs no curl or nc).
 */

const TCP = `
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port), timeout: Number(ms) });
let data = '';
const done = (state) => { process.stdout.write(JSON.stringify({ state, data })); s.destroy(); process.exit(0); };
s.on('connect', () => setTimeout(() => done('open'), Math.min(Number(ms), 1000)));
s.on('data', (chunk) => { data += chunk; done('open'); });
s.on('timeout', () => done('timeout'));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code));
`;

const HTTP = `
const [url, ms] = process.argv.slice(1);
// Exit once answered: an aborted fetch can leave its SYN retrying, which keeps Node alive for minutes.
const done = (o) => process.stdout.write(JSON.stringify(o), () => process.exit(0));
fetch(url, { signal: AbortSignal.timeout(Number(ms)) })
  .then(async (r) => done({ status: r.status, body: await r.text() }))
  .catch((e) => done({ error: String(e.cause?.code ?? e.name) }));
`;

export interface TcpResult {
  /** open, refused, timeout (a drop), or error:CODE. */
  state: string;
  /** What the server said first, within a second (an SSH banner, say). */
  data: string;
}

export async function tcpConnect(from: Netns, host: string, port: number, timeoutMs = 2_000): Promise<TcpResult> {
  const { stdout } = await from.exec(process.execPath, ['-e', TCP, host, String(port), String(timeoutMs)], { timeoutMs: timeoutMs + 5_000 });
  return JSON.parse(stdout) as TcpResult;
}

export interface HttpResult {
  status?: number;
  body?: string;
  error?: string;
}

export async function httpGet(from: Netns, url: string, timeoutMs = 2_000): Promise<HttpResult> {
  const { stdout } = await from.exec(process.execPath, ['-e', HTTP, url, String(timeoutMs)], { timeoutMs: timeoutMs + 5_000 });
  return JSON.parse(stdout) as HttpResult;
}
