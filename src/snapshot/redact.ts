import type { RedactedSecret } from './types.js';

/**
 * Redaction happens at collection time, so a secret never reaches a snapshot, a
 * report or a log. Two layers: structural redaction where we know the shape
 * (config keys, env names, argv flags), and a SecretVault that remembers every
 * secret value it saw and scrubs it from anything serialised later, as a net
 * for the places structure does not cover (free text, odd formats).
 */

/** Names whose values are secrets: tokens, passwords, API keys and the like. */
const SECRET_NAME = /(token|password|passwd|secret|api[_-]?key|apikey|private[_-]?key|credential|auth[_-]?key|cookie|session[_-]?key)/i;
/** Names that look secret but hold a mode or a path, not a secret. */
const NOT_SECRET_NAME = /(mode|file|path|ttl|timeout|enabled|length|header|scopes|policy|type)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

/** argv flags whose next argument (or `=value`) is a secret. */
const SECRET_FLAGS = new Set(['--token', '--password', '--api-key', '--secret', '--gateway-token', '--auth-token']);

export const REDACTED_TEXT = '[REDACTED]';

export function redactedSecret(value: string, from?: string): RedactedSecret {
  return from ? { $redacted: true, length: value.length, from } : { $redacted: true, length: value.length };
}

export function isRedactedSecret(value: unknown): value is RedactedSecret {
  return typeof value === 'object' && value !== null && (value as { $redacted?: unknown }).$redacted === true;
}

/** Minimum length for the vault to scrub a value: shorter strings would erase ordinary words. */
const MIN_SCRUB_LENGTH = 6;

export class SecretVault {
  private readonly secrets = new Set<string>();

  remember(value: string): void {
    const trimmed = value.trim();
    if (trimmed.length >= MIN_SCRUB_LENGTH) this.secrets.add(trimmed);
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Replace every remembered secret inside a string. */
  scrubText(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED_TEXT);
    }
    return out;
  }

  /** Deep copy of a JSON value with every remembered secret scrubbed from its strings. */
  scrub<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return scrubValue(value, (s) => this.scrubText(s)) as T;
  }
}

function scrubValue(value: unknown, scrubText: (s: string) => string): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, scrubText));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, scrubText);
    return out;
  }
  return value;
}

/** Redact secret flags in an argv: `--token X`, `--token=X`, `--password X`. */
export function redactArgv(argv: string[], vault?: SecretVault): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag.startsWith('--') && (SECRET_FLAGS.has(flag) || isSecretName(flag.slice(2)))) {
      if (eq > 0) {
        vault?.remember(arg.slice(eq + 1));
        out.push(`${flag}=${REDACTED_TEXT}`);
      } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
        vault?.remember(argv[i + 1]!);
        out.push(arg, REDACTED_TEXT);
        i++;
      } else {
        out.push(arg);
      }
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Redact `NAME=value` environment entries whose name is secret. */
export function redactEnvEntry(entry: string, vault?: SecretVault): string {
  const eq = entry.indexOf('=');
  if (eq <= 0) return entry;
  const name = entry.slice(0, eq);
  if (!isSecretName(name)) return entry;
  vault?.remember(entry.slice(eq + 1));
  return `${name}=${REDACTED_TEXT}`;
}

/**
 * Redact secrets in free text whose shape we know only loosely: unit files
 * (`Environment=OPENCLAW_GATEWAY_TOKEN=...`, `ExecStart=... --token X`), .env
 * files, YAML (`OPENCLAW_GATEWAY_TOKEN: x`, `- TOKEN=x`) and JSON-ish
 * (`"token": "x"`). Values that are variable references (`${VAR}`) are kept:
 * they name where the secret lives without revealing it.
 */
export function redactText(text: string, vault?: SecretVault): string {
  const keep = (value: string): boolean => /^\$\{?[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}?$/.test(value) || value === '';
  const hide = (value: string): string => {
    const unquoted = value.replace(/^(["'])(.*)\1$/, '$2');
    if (keep(unquoted)) return value;
    vault?.remember(unquoted);
    return value.startsWith('"') ? `"${REDACTED_TEXT}"` : value.startsWith("'") ? `'${REDACTED_TEXT}'` : REDACTED_TEXT;
  };
  // NAME=value (env files, `- NAME=value` YAML items) and nested ones (`Environment=NAME=value` in units).
  const assignments = (input: string): string =>
    input.replace(/([A-Za-z_][A-Za-z0-9_]*)=("[^"\n]*"|'[^'\n]*'|[^\s"'\n]+)/g, (_match, name: string, value: string) =>
      isSecretName(name) ? `${name}=${hide(value)}` : `${name}=${assignments(value)}`,
    );
  let out = assignments(text);
  out = out.replace(
    // key: value (YAML) and "key": "value" (JSON, JSON5)
    /(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1([ \t]*:[ \t]*)("[^"\n]*"|'[^'\n]*'|[^\s,#{}[\]\n][^,#\n]*?)(\s*(?:,|#|\n|$))/g,
    (match, quote: string, name: string, sep: string, value: string, tail: string) =>
      isSecretName(name) ? `${quote}${name}${quote}${sep}${hide(value.trimEnd())}${tail}` : match,
  );
  out = out.replace(/(--[A-Za-z][A-Za-z0-9-]*)(=|\s+)("[^"\n]*"|'[^'\n]*'|[^\s"'\n]+)/g, (match, flag: string, sep: string, value: string) =>
    SECRET_FLAGS.has(flag) || isSecretName(flag.slice(2)) ? `${flag}${sep}${hide(value)}` : match,
  );
  return vault ? vault.scrubText(out) : out;
}

/**
 * Redact a parsed config object: every string under a secret-named key becomes
 * a RedactedSecret. `from` records where a substituted value came from.
 */
export function redactObject(
  value: unknown,
  vault?: SecretVault,
  origins?: (path: string) => string | undefined,
  path = '',
): unknown {
  if (Array.isArray(value)) return value.map((v, i) => redactObject(v, vault, origins, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (typeof v === 'string' && isSecretName(key)) {
        vault?.remember(v);
        out[key] = redactedSecret(v, origins?.(childPath));
      } else {
        out[key] = redactObject(v, vault, origins, childPath);
      }
    }
    return out;
  }
  return value;
}
