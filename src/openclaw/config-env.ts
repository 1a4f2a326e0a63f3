import { isPlainObject } from './config-types.js';
import { setOwn } from '../snapshot/set-own.js';

/**
 * The environment a config is substituted with, and the substitution itself,
 * as OpenClaw does it: `${VAR}` with VAR matching [A-Z_][A-Z0-9_]*, `$${VAR}`
 * for a literal `${VAR}`, and an unset or empty VAR leaves the text as written
 * (OpenClaw warns and starts anyway).
 */

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

// dotenv's grammar: `[export ]NAME=value` or `NAME: value`; values may be
// quoted with ', " or ` (and then span lines); `#` starts a comment outside quotes.
const DOTENV_LINE = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/gm;

/** Parse a .env file the way the dotenv package does. Later duplicates win, as there. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const source = text.replace(/\r\n?/g, '\n');
  for (const match of source.matchAll(DOTENV_LINE)) {
    const name = match[1]!;
    let value = (match[2] ?? '').trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    }
    setOwn(out, name, value);
  }
  return out;
}

/**
 * Layer environments: the first layer that defines a name wins, because OpenClaw
 * loads each .env without overriding what is already set.
 */
export function layerEnv(...layers: Record<string, string | undefined>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) {
      if (value !== undefined && !Object.hasOwn(out, name)) setOwn(out, name, value);
    }
  }
  return out;
}

/**
 * The config's own `env` block (`env.vars.NAME` and `env.NAME` strings) fills
 * names still unset before substitution, so `${NAME}` can refer to it.
 * Returns the names it filled.
 */
export function applyConfigEnvBlock(config: Record<string, unknown>, env: Record<string, string>): string[] {
  const block = config.env;
  if (!isPlainObject(block)) return [];
  const entries: [string, unknown][] = [];
  if (isPlainObject(block.vars)) entries.push(...Object.entries(block.vars));
  for (const [name, value] of Object.entries(block)) if (name !== 'vars' && name !== 'shellEnv') entries.push([name, value]);
  const filled: string[] = [];
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || !ENV_NAME.test(name) || env[name]?.trim()) continue;
    setOwn(env, name, value);
    filled.push(name);
  }
  return filled;
}

export interface StringSubstitution {
  text: string;
  /** Names substituted, in order of appearance. */
  used: string[];
  /** Names referenced but unset or empty: their `${NAME}` is left in the text. */
  missing: string[];
}

export function substituteString(value: string, env: Record<string, string | undefined>): StringSubstitution {
  const result: StringSubstitution = { text: value, used: [], missing: [] };
  if (!value.includes('$')) return result;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    // $${NAME} -> the literal ${NAME}
    if (value[i + 1] === '$' && value[i + 2] === '{') {
      const end = value.indexOf('}', i + 3);
      if (end >= 0 && ENV_NAME.test(value.slice(i + 3, end))) {
        out += value.slice(i + 1, end + 1);
        i = end;
        continue;
      }
    }
    if (value[i + 1] === '{') {
      const end = value.indexOf('}', i + 2);
      const name = end >= 0 ? value.slice(i + 2, end) : '';
      if (ENV_NAME.test(name)) {
        const replacement = env[name];
        if (replacement === undefined || replacement === '') {
          out += value.slice(i, end + 1);
          if (!result.missing.includes(name)) result.missing.push(name);
        } else {
          out += replacement;
          if (!result.used.includes(name)) result.used.push(name);
        }
        i = end;
        continue;
      }
    }
    out += c;
  }
  result.text = out;
  return result;
}

export interface Substitution {
  value: unknown;
  /** Key path ("gateway.auth.token", "a.b[0]") → the names substituted into its string. */
  used: Map<string, string[]>;
  /** Key path → names it referenced that are unset. */
  missing: Map<string, string[]>;
}

/** `${VAR}` in every string of a config value; key paths use redactObject's format. */
export function substituteEnv(value: unknown, env: Record<string, string | undefined>): Substitution {
  const used = new Map<string, string[]>();
  const missing = new Map<string, string[]>();
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      const s = substituteString(node, env);
      if (s.used.length) used.set(path, s.used);
      if (s.missing.length) missing.set(path, s.missing);
      return s.text;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}[${i}]`));
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) setOwn(out, key, walk(child, path ? `${path}.${key}` : key));
      return out;
    }
    return node;
  };
  return { value: walk(value, ''), used, missing };
}
