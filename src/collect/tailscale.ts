import type { Collected, TailscaleState } from '../snapshot/types.js';
import { ok, run, unavailable, which } from './host.js';
import type { ScriptReads } from './script/declare.js';

/** Tailscale: the node's state and its Serve/Funnel configuration, when installed. */

const STATUS_KEYS = ['Version', 'BackendState', 'TailscaleIPs', 'MagicDNSSuffix', 'CurrentTailnet'];
const SELF_KEYS = ['HostName', 'DNSName', 'TailscaleIPs', 'Online', 'OS', 'Tags'];

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in source) out[key] = source[key];
  return out;
}

/** Keep only what the checks use: the peer list is large and names other people's machines. */
export function summariseStatus(json: unknown): Record<string, unknown> {
  if (!json || typeof json !== 'object') return {};
  const status = json as Record<string, unknown>;
  const summary = pick(status, STATUS_KEYS);
  if (status.Self && typeof status.Self === 'object') summary.Self = pick(status.Self as Record<string, unknown>, SELF_KEYS);
  return summary;
}

/**
 * The CLI talks to tailscaled over its socket; with the daemon down it prints "failed to connect
 * to local tailscaled; it doesn't appear to be running" (or the socket's ENOENT / ECONNREFUSED).
 */
export function daemonDown(detail: string): boolean {
  return /failed to connect to local tailscaled|tailscaled.*(not running|doesn't appear to be running)|tailscaled\.sock.*(no such file|connection refused)/i.test(
    detail,
  );
}

/** `tailscale serve status --json` prints `null` when nothing is served: an empty ServeConfig. */
export function summariseServe(json: unknown): Record<string, unknown> {
  return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
}

async function runJson(binary: string, args: string[], shape: (j: unknown) => Record<string, unknown>): Promise<Collected<Record<string, unknown>>> {
  const result = await run(binary, args, { timeoutMs: 2000 });
  if (result.status !== 'ok') {
    if (result.reason === 'error' && daemonDown(result.detail))
      return unavailable('not-running', `tailscaled is not running (tailscale ${args.join(' ')}: ${result.detail.replace(/^.*?: /, '').split(';')[0]})`);
    return result;
  }
  try {
    return ok(shape(JSON.parse(result.data || '{}')));
  } catch (error) {
    return unavailable('error', `tailscale ${args.join(' ')} printed invalid JSON: ${(error as Error).message}`);
  }
}

export async function collectTailscale(): Promise<Collected<TailscaleState>> {
  const binary = await which('tailscale');
  if (!binary) return unavailable('not-installed', 'tailscale is not installed');
  const [status, serve] = await Promise.all([
    runJson(binary, ['status', '--json'], summariseStatus),
    runJson(binary, ['serve', 'status', '--json'], summariseServe),
  ]);
  // One clear line when the daemon is down, rather than the same failure twice.
  if (status.status !== 'ok' && status.reason === 'not-running') return unavailable('not-running', `${status.detail}; Serve and Funnel were not checked`);
  return ok({ binary, status, serve });
}

/** What collectTailscale reads, for the collection script. */
export const TAILSCALE_READS: ScriptReads = {
  which: ['tailscale'],
  commands: [
    { argv: ['tailscale', 'status', '--json'], timeoutMs: 2000 },
    { argv: ['tailscale', 'serve', 'status', '--json'], timeoutMs: 2000 },
  ],
};
