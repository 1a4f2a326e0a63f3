import type { PortRange } from '../model.js';
import type { Parsed } from '../addr.js';

function port(text: string, fallback: number): number | undefined {
  if (text === '') return fallback;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/**
 * `80`, `1000:2000`, `:1024`, `1024:` (iptables' open-ended ranges). Service names are not
 * resolved: iptables-save always prints numbers, and /etc/services is host state.
 */
export function parsePortRange(text: string, separator = ':'): Parsed<PortRange> {
  const at = text.indexOf(separator);
  if (at < 0) {
    const p = text === '' ? undefined : port(text, 0);
    return p === undefined ? { ok: false, message: `not a port: ${JSON.stringify(text)}` } : { ok: true, value: { from: p, to: p } };
  }
  const from = port(text.slice(0, at), 0);
  const to = port(text.slice(at + 1), 65535);
  if (from === undefined || to === undefined || from > to) return { ok: false, message: `not a port range: ${JSON.stringify(text)}` };
  return { ok: true, value: { from, to } };
}

/** multiport's `22,80,8000:8100`. */
export function parsePortList(text: string): Parsed<PortRange[]> {
  const ranges: PortRange[] = [];
  for (const part of text.split(',')) {
    const r = parsePortRange(part);
    if (!r.ok) return r;
    ranges.push(r.value);
  }
  return { ok: true, value: ranges };
}
