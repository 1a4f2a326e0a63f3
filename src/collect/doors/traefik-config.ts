import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { parse as parseToml, TomlError } from 'smol-toml';

/**
 * Traefik's configuration, in every form it takes, as one flat map of dotted keys: the form
 * Traefik itself reads from CLI flags (`--entrypoints.web.address=:80`), environment variables
 * (`TRAEFIK_ENTRYPOINTS_WEB_ADDRESS`) and Docker labels (`traefik.http.routers.r.rule`), and the
 * one its YAML and TOML files flatten to. Keys are matched case-insensitively, as Traefik does
 * (its parser lowercases them); each entry keeps its key as written and, from a file, its line.
 */

export interface Setting {
  /** The key as written: "entryPoints.websecure.address". */
  key: string;
  value: string;
  file?: string;
  line?: number;
}

/** Lowercased dotted key → setting. A list item is a numeric segment: "…servers.0.url". */
export type Settings = Map<string, Setting>;

export class TraefikConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

function put(out: Settings, key: string, value: string, file?: string, line?: number): void {
  const s: Setting = { key, value };
  if (file !== undefined) s.file = file;
  if (line !== undefined) s.line = line;
  out.set(key.toLowerCase(), s);
}

/** A YAML file, with the line of every value. Throws TraefikConfigError with the line of the first error. */
function flattenYaml(text: string, file: string, out: Settings): void {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new TraefikConfigError(e.message.split('\n')[0]!, file, e.linePos?.[0].line);
  }
  const lineOf = (n: Node | null | undefined) => (n?.range ? counter.linePos(n.range[0]).line : undefined);
  const walk = (node: unknown, prefix: string): void => {
    if ((isMap(node) || isSeq(node)) && node.items.length === 0) {
      // `tls: {}` still turns TLS on, `services: []` still names a kind of service: keep the key.
      if (prefix) put(out, prefix, '', file, lineOf(node));
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, prefix ? `${prefix}.${k}` : k);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${prefix}.${i}`));
    } else if (isScalar(node)) {
      put(out, prefix, node.value === null ? '' : String(node.value), file, lineOf(node));
    } else if (node === null || node === undefined) {
      // `tls:` with nothing under it still turns TLS on: keep the key.
      if (prefix) put(out, prefix, '', file);
    }
  };
  walk(doc.contents, '');
}

/**
 * A TOML file. smol-toml gives values, not positions; the line is the first one, after the
 * previous match of the same key, that sets this key (best effort: the evidence names it).
 */
function flattenToml(text: string, file: string, out: Settings): void {
  let value: Record<string, unknown>;
  try {
    value = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const line = error instanceof TomlError ? error.line : undefined;
    throw new TraefikConfigError((error as Error).message.split('\n')[0]!, file, line);
  }
  const lines = text.split('\n');
  const cursor = new Map<string, number>();
  const lineOf = (leaf: string): number | undefined => {
    const re = new RegExp(`^\\s*"?${leaf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`, 'i');
    const from = cursor.get(leaf.toLowerCase()) ?? 0;
    for (let i = from; i < lines.length; i++) {
      if (re.test(lines[i]!)) {
        cursor.set(leaf.toLowerCase(), i + 1);
        return i + 1;
      }
    }
    return undefined;
  };
  const walk = (v: unknown, prefix: string, leaf: string): void => {
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x !== 'object' || x === null)) {
        const line = lineOf(leaf);
        v.forEach((x, i) => put(out, `${prefix}.${i}`, String(x), file, line));
      } else v.forEach((x, i) => walk(x, `${prefix}.${i}`, leaf));
    } else if (v && typeof v === 'object' && !(v instanceof Date)) {
      const entries = Object.entries(v);
      if (entries.length === 0 && prefix) put(out, prefix, '', file);
      for (const [k, x] of entries) walk(x, prefix ? `${prefix}.${k}` : k, k);
    } else {
      put(out, prefix, String(v), file, lineOf(leaf));
    }
  };
  walk(value, '', '');
}

/** A Traefik file (static or dynamic), by its extension as Traefik decides: .toml, else YAML. */
export function flattenFile(text: string, file: string, out: Settings = new Map()): Settings {
  if (/\.toml$/i.test(file)) flattenToml(text, file, out);
  else flattenYaml(text, file, out);
  return out;
}

/** `--entrypoints.web.address=:80` and `--entrypoints.web.address :80`; `--api.insecure` alone is true. */
export function flattenFlags(argv: readonly string[]): Settings {
  const out: Settings = new Map();
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      value = next !== undefined && !next.startsWith('-') ? (i++, next) : 'true';
    }
    put(out, m[1]!, value);
  }
  return out;
}

/** TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80 → entrypoints.web.address (a name with "_" is ambiguous; Traefik splits on "_" too). */
export function flattenEnv(env: Record<string, string>): Settings {
  const out: Settings = new Map();
  for (const [k, v] of Object.entries(env)) {
    if (!/^TRAEFIK_/.test(k)) continue;
    put(out, k.slice(8).toLowerCase().replace(/_/g, '.'), v);
  }
  return out;
}

/** `traefik.http.routers.r.rule` labels of one container, without the `traefik.` prefix. */
export function flattenLabels(labels: Record<string, string>): Settings {
  const out: Settings = new Map();
  for (const [k, v] of Object.entries(labels)) if (/^traefik\./i.test(k)) put(out, k.slice(8), v);
  return out;
}

/** The names under a prefix: children(s, "http.routers") → ["openclaw", …] (lowercased). */
export function children(s: Settings, prefix: string): string[] {
  const p = `${prefix.toLowerCase()}.`;
  const names = new Set<string>();
  for (const key of s.keys()) if (key.startsWith(p)) names.add(key.slice(p.length).split('.')[0]!);
  return [...names];
}

export function get(s: Settings, key: string): Setting | undefined {
  return s.get(key.toLowerCase());
}

/** Is anything set at or under this key? (`tls: {}` and `tls.certResolver` both mean TLS.) */
export function has(s: Settings, key: string): boolean {
  const k = key.toLowerCase();
  for (const key2 of s.keys()) if (key2 === k || key2.startsWith(`${k}.`)) return true;
  return false;
}

/** A list: numbered items from a file, or one comma-separated value from a flag or label. */
export function list(s: Settings, key: string): Setting[] {
  const one = get(s, key);
  if (one && one.value !== '') return one.value.split(',').map((v) => ({ ...one, value: v.trim() }));
  const items: Setting[] = [];
  for (let i = 0; ; i++) {
    const item = get(s, `${key}.${i}`);
    if (!item) break;
    items.push(item);
  }
  return items;
}

export function isTrue(s: Settings, key: string): boolean {
  return /^true$/i.test(get(s, key)?.value ?? '');
}
