/** Narrowing helpers for untrusted JSON: the input is `unknown` and must never make us throw. */

export type JsonObject = Record<string, unknown>;

export function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** libnftables-json wraps almost everything as `{ "<kind>": body }`. */
export function single(x: unknown): [string, unknown] | undefined {
  if (!isObject(x)) return undefined;
  const keys = Object.keys(x);
  if (keys.length !== 1) return undefined;
  const k = keys[0] as string;
  return [k, x[k]];
}

export function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

export function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

export function strList(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  return Array.isArray(x) ? x.filter((e): e is string => typeof e === 'string') : [];
}

/** Compact JSON for messages, bounded so a huge fuzzed value cannot blow up an error list. */
export function brief(x: unknown, max = 200): string {
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
