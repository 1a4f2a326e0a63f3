import type { Snapshot } from '../../snapshot/types.js';

/**
 * The node's own tailnet addresses as `tailscale status --json` lists them (TailscaleIPs, else
 * Self.TailscaleIPs); none when the status was not read. The one place they are read: the zones,
 * the address classes and the Tailscale facts all take them from here.
 */
export function tailscaleStatusAddresses(snapshot: Snapshot): string[] {
  const ts = snapshot.tailscale;
  if (ts.status !== 'ok' || ts.data.status.status !== 'ok') return [];
  const status = ts.data.status.data;
  const listed = strings(status.TailscaleIPs);
  if (listed.length > 0) return listed;
  const self = status.Self;
  return self !== null && typeof self === 'object' && !Array.isArray(self) ? strings((self as Record<string, unknown>).TailscaleIPs) : [];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
