import type { RedactedSecret } from './types.js';
import { setOwn } from './set-own.js';

/**
 * Redaction happens at collection time, so a secret never reaches a snapshot, a
 * report or a log. Two layers: structural redaction where we know the shape
 * (config keys, env names, argv flags), and a SecretVault that remembers every
 * secret value it saw and scrubs it from anything serialised later, as a net
 * for the places structure does not cover (free text, odd formats).
 */

/**
 * Names whose values are secrets: tokens, passwords, API keys and the like, a name ending in a
 * KEY, PAT or DSN word (`BRAVE_SEARCH_KEY`, `GITHUB_PAT`, `SENTRY_DSN`, `key`), and webhooks
 * (a webhook URL is its own credential).
 */
const SECRET_NAME =
  /(token|password|passwd|secret|api[_-]?key|apikey|private[_-]?key|credential|auth[_-]?key|authorization|cookie|session[_-]?key|webhook|(?:^|[_.-])(?:key|pat|dsn)$)/i;
/** Names that look secret but hold a mode or a path, not a secret. */
const NOT_SECRET_NAME = /(mode|file|path|ttl|timeout|enabled|length|header|scopes|policy|type)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

/**
 * Values whose shape says "secret" whatever they are called (`OPENAI_KEY=sk-…`, `key: "sk-…"`):
 * provider API keys and bot tokens carry a fixed prefix. A name-only rule lets these through.
 */
const SECRET_SHAPE =
  /(?<![A-Za-z0-9_-])(?:sk-(?:proj-|ant-)?|[sr]k_(?:live|test)_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abeoprs]-|xapp-)[A-Za-z0-9_-]{8,}/g;

export function isSecretShaped(value: string): boolean {
  return new RegExp(`^(?:${SECRET_SHAPE.source})$`).test(value.trim());
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
  private readonly minLength: number;
  /** Every form to replace, longest secret first (values() order): worked out once, again after remember(). */
  private formsCache: string[] | undefined;

  /** `minLength`: the shortest value remembered (a vault that only gathers values for a mask may take any). */
  constructor(options: { minLength?: number } = {}) {
    this.minLength = options.minLength ?? MIN_SCRUB_LENGTH;
  }

  remember(value: string): void {
    const trimmed = value.trim();
    if (trimmed.length < Math.max(1, this.minLength) || trimmed === REDACTED_TEXT) return;
    this.secrets.add(trimmed);
    this.formsCache = undefined;
    // A multi-line secret (a YAML block scalar, a PEM key) is also hidden line by line: a diff shows it so.
    if (trimmed.includes('\n')) for (const line of trimmed.split('\n')) this.remember(line);
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Every remembered value, the longest first. */
  values(): string[] {
    return [...this.secrets].sort((a, b) => b.length - a.length);
  }

  /** Each secret as it is and as it appears escaped inside a JSON string, the longest secret first. */
  private forms(): string[] {
    this.formsCache ??= this.values().flatMap((secret) => [...new Set([secret, escapedInJson(secret)])]);
    return this.formsCache;
  }

  /**
   * Forget every remembered value that occurs, as it is or as JSON escapes it, in one of these
   * strings: the host's facts (fact-strings.ts), which a scrub must never rewrite. Returns the
   * lengths of the values forgotten (never the values), for the snapshot to say so.
   */
  spare(facts: Iterable<string>): number[] {
    if (this.secrets.size === 0) return [];
    // The facts as one text, searched natively once per form: a loop over thousands of facts is
    // cold interpreted JavaScript (250 doors: ~30 M instructions). A form without the separator
    // matches only inside one fact; a form holding it is looked for fact by fact.
    const list = [...facts];
    const joined = list.join('\0');
    const found: { secret: string; order: number; fact: number }[] = [];
    this.values().forEach((secret, order) => {
      let fact = -1;
      for (const form of new Set([secret, escapedInJson(secret)])) {
        const at = form.includes('\0') ? list.findIndex((f) => f.includes(form)) : factAt(list, joined.indexOf(form));
        if (at >= 0 && (fact < 0 || at < fact)) fact = at;
      }
      if (fact >= 0) found.push({ secret, order, fact });
    });
    // In the order a walk of the facts meets them: by the first fact holding one, then longest first.
    found.sort((a, b) => a.fact - b.fact || a.order - b.order);
    for (const { secret } of found) this.secrets.delete(secret);
    if (found.length > 0) this.formsCache = undefined;
    return found.map(({ secret }) => secret.length);
  }

  /** Replace every remembered secret inside a string, as it is and as it appears escaped in a JSON string. */
  scrubText(text: string): string {
    return replaceForms(text, this.forms());
  }

  /**
   * Deep copy of a JSON value with every remembered secret scrubbed from its strings; the value
   * itself when none of them occurs in it. Whether one occurs is read from the value serialised
   * once: a string holding a form serialises holding that form escaped (JSON escapes character by
   * character), so a form whose escaped text is absent from the serialisation is in no string.
   * A secret that itself holds the redaction mark could appear only after another is replaced:
   * then every form is kept.
   */
  scrub<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    const all = this.forms();
    const serialised = JSON.stringify(value) ?? '';
    const present = all.some((f) => f.includes(REDACTED_TEXT)) ? all : all.filter((f) => serialised.includes(escapedInJson(f)));
    if (present.length === 0) return value;
    return scrubValue(value, (s) => replaceForms(s, present)) as T;
  }
}

/** The index of the fact of LIST (joined by one character) that position AT of the joined text is in; -1 for -1. */
function factAt(list: readonly string[], at: number): number {
  if (at < 0) return -1;
  let end = 0;
  for (let k = 0; k < list.length; k++) {
    end += list[k]!.length + 1;
    if (at < end) return k;
  }
  return -1;
}

function escapedInJson(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function replaceForms(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED_TEXT);
  return out;
}

function scrubValue(value: unknown, scrubText: (s: string) => string): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, scrubText));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, scrubValue(v, scrubText));
    return out;
  }
  return value;
}

/** Is this argv word a flag whose value is a secret (`--token`, `--gateway-password`)? */
export function isSecretFlag(flag: string): boolean {
  return flag.startsWith('--') && (SECRET_FLAGS.has(flag) || isSecretName(flag.slice(2)));
}

/**
 * `scheme://user:password@host`, or a userinfo without a colon (`https://KEY@o1.ingest.sentry.io/1`,
 * `https://TOKEN@github.com/…`), wherever a URL sits in a value (a config string, `DB_URL=…`, an
 * argv word). The password may hold `#` and `@` (`redis://:pa#ss@cache`): the userinfo runs to the
 * last `@` before the host. A user name stays (it says who); a colon-less userinfo is a credential
 * unless it reads as a login name.
 */
const URL_USERINFO = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:([^\s/?#@:'"`]*):([^\s/?'"`]*)|([^\s/?:'"`]+))@(?=[^\s@/?#'"`]*(?:[\s/?#'"`]|$))/g;

/** A colon-less userinfo kept as written: a lower-case login name (`git@`, `postgres@`), never a token's mix of cases and digits. */
const LOGIN_NAME = /^[a-z][a-z._-]{0,31}$/;

/** Query and fragment parameters whose value is a credential: secret names, and the short ones signed URLs use. */
const SECRET_PARAM = /^(?:sig|signature|code|auth|pass|pwd)$|[_-](?:sig|signature)$/i;

/** Webhook URLs whose path is the credential: Slack's (services, workflows, triggers) and Discord's. */
const WEBHOOK_PATH =
  /(?<![A-Za-z0-9.-])(https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/)([^\s?#'"`<>]+)|(?<![A-Za-z0-9.-])(https?:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/[0-9]+\/)([^\s/?#'"`<>]+)/g;

/** Where a URL ends in free text: white space, a quote, an angle bracket. */
const URL_END = /[\s'"`<>]/g;

/**
 * Mask the secrets a URL carries, in every URL of a string, remembering each: its userinfo's
 * password (or a colon-less userinfo), the values of secret-named query and fragment parameters
 * (`?key=`, `access_token=`, `sig=`, `#access_token=`), and a webhook URL's path.
 */
export function redactUrls(text: string, vault?: SecretVault): string {
  if (!text.includes('://')) return text;
  const hide = (value: string): string => {
    if (value === '' || value === REDACTED_TEXT) return value;
    vault?.remember(value);
    return REDACTED_TEXT;
  };
  let out = text.replace(URL_USERINFO, (match, scheme: string, user?: string, password?: string, bare?: string) => {
    if (bare !== undefined) return LOGIN_NAME.test(bare) ? match : `${scheme}${hide(bare)}@`;
    return `${scheme}${user}:${hide(password!)}@`;
  });
  out = out.replace(WEBHOOK_PATH, (_match, slack?: string, slackPath?: string, discord?: string, discordToken?: string) =>
    slack !== undefined ? `${slack}${hide(slackPath!)}` : `${discord}${hide(discordToken!)}`,
  );
  return maskUrlParameters(out, hide);
}

/**
 * The parameters after each URL's first `?` or `#`, up to where the URL ends; a URL nested in a
 * parameter's value (`?next=https://x?key=…`) is read with it. One pass: each URL is read from
 * its scheme to its end once, and the scan goes on after it.
 */
function maskUrlParameters(text: string, hide: (value: string) => string): string {
  const scheme = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\//g;
  let out = '';
  let done = 0;
  for (let m = scheme.exec(text); m; m = scheme.exec(text)) {
    URL_END.lastIndex = scheme.lastIndex;
    const end = URL_END.exec(text)?.index ?? text.length;
    const url = text.slice(m.index, end);
    const parameters = url.search(/[?#]/);
    if (parameters >= 0) {
      const masked = url
        .slice(parameters)
        .replace(/([?#&;])([^=?#&;]+)=([^?#&;(){}[\],]*)/g, (match, sep: string, name: string, value: string) =>
          isSecretParameter(name) ? `${sep}${name}=${hide(value)}` : match,
        );
      out += text.slice(done, m.index) + url.slice(0, parameters) + masked;
      done = end;
    }
    scheme.lastIndex = Math.max(end, scheme.lastIndex);
  }
  return out + text.slice(done);
}

function isSecretParameter(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // A malformed escape: the name as written.
  }
  return isSecretName(decoded) || SECRET_PARAM.test(decoded);
}

/** Redact secret flags in an argv: `--token X`, `--token=X`, `--password X`; and URL passwords in any word. */
export function redactArgv(argv: string[], vault?: SecretVault): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (isSecretFlag(flag)) {
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
    out.push(redactText(arg, vault));
  }
  return out;
}

/** Redact `NAME=value` environment entries whose name is secret (the whole rest is the value), and URL passwords in any. */
export function redactEnvEntry(entry: string, vault?: SecretVault): string {
  const eq = entry.indexOf('=');
  if (eq <= 0) return entry;
  const name = entry.slice(0, eq);
  if (!isSecretName(name)) return `${name}=${redactUrls(entry.slice(eq + 1), vault)}`;
  vault?.remember(entry.slice(eq + 1));
  return `${name}=${REDACTED_TEXT}`;
}

/** A value that only names where a secret lives (`$VAR`, `${VAR}`, `${VAR:?msg}`), or nothing at all: shown as is. */
export function isReference(value: string): boolean {
  // `<redacted>` is how a plan's diff shows a masked value (src/harden/edit/diff.ts).
  return (
    value === '' || value === REDACTED_TEXT || value === '<redacted>' || /^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*)?\})$/.test(value)
  );
}

/**
 * Redact secrets in free text whose shape we know only loosely: unit files
 * (`Environment=OPENCLAW_GATEWAY_TOKEN=...`, `Environment="TOKEN=a b"`, `ExecStart=... --token X`),
 * .env files, a line of YAML (`OPENCLAW_GATEWAY_TOKEN: x`, `- TOKEN=x`), JSON-ish
 * (`"token": "x"`) and URL userinfo anywhere. Values that are variable references
 * (`${VAR}`) are kept: they name where the secret lives without revealing it; a
 * reference with a default (`${VAR:-x}`) is not, as the default may be the secret.
 * Compose files are YAML and are redacted on the parsed document instead (redact-yaml.ts).
 */
export function redactText(text: string, vault?: SecretVault): string {
  const hide = (value: string): string => {
    const unquoted = value.replace(/^(["'])(.*)\1$/s, '$2');
    if (isReference(unquoted)) return value;
    vault?.remember(unquoted);
    return value.startsWith('"') ? `"${REDACTED_TEXT}"` : value.startsWith("'") ? `'${REDACTED_TEXT}'` : REDACTED_TEXT;
  };
  let out = redactUrls(text, vault);
  // A quoted assignment ("TOKEN=a b" in a unit's Environment=): the value runs to the closing quote.
  out = out.replace(
    /"([A-Za-z_][A-Za-z0-9_]*)=([^"\n]*)"|'([A-Za-z_][A-Za-z0-9_]*)=([^'\n]*)'/g,
    (match, n1?: string, v1?: string, n2?: string, v2?: string) => {
      const [name, value, quote] = n1 !== undefined ? [n1, v1!, '"'] : [n2!, v2!, "'"];
      if (!isSecretName(name) || isReference(value)) return match;
      vault?.remember(value);
      return `${quote}${name}=${REDACTED_TEXT}${quote}`;
    },
  );
  // NAME=value (env files, `- NAME=value` YAML items) and nested ones (`Environment=NAME=value` in units).
  out = maskAssignments(out, hide);
  // key: value (YAML) and "key": "value" (JSON, JSON5): a quoted value is the quoted string, wherever it sits (`{ token: "x" }`).
  const keyValue = (value: string, tail: string): RegExp =>
    new RegExp(`(?<![A-Za-z0-9_.-])(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\\1([ \\t]*:[ \\t]*)(${value})(${tail})`, 'g');
  const byKey = (match: string, quote: string, name: string, sep: string, value: string, tail: string): string =>
    isSecretName(name) ? `${quote}${name}${quote}${sep}${hide(value.trimEnd())}${tail}` : match;
  out = out.replace(keyValue(`"[^"\\n]*"|'[^'\\n]*'`, ''), byKey);
  out = out.replace(keyValue(`[^\\s,#{}[\\]\\n"'][^,#\\n]*?`, '\\s*(?:,|#|\\n|$)'), byKey);
  // ["--token", "X"] written on one line (a JSON or YAML flow list).
  out = out.replace(
    /(["'])(--[A-Za-z][A-Za-z0-9-]*)\1([ \t]*,[ \t]*)("[^"\n]*"|'[^'\n]*'|[^\s,\]\n]+)/g,
    (match, quote: string, flag: string, sep: string, value: string) =>
      isSecretFlag(flag) && !/^["']?-/.test(value) ? `${quote}${flag}${quote}${sep}${hide(value)}` : match,
  );
  out = out.replace(/\b(Bearer|Basic)([ \t]+)([A-Za-z0-9._~+/=-]{6,})/g, (match, scheme: string, sep: string, value: string) =>
    value === REDACTED_TEXT ? match : `${scheme}${sep}${hide(value)}`,
  );
  out = out.replace(
    /(?<![A-Za-z0-9-])(--[A-Za-z][A-Za-z0-9-]*)(=|[ \t]*\\\n[ \t]*|[ \t]+)("[^"\n]*"|'[^'\n]*'|[^\s"'\n]+)/g,
    (match, flag: string, sep: string, value: string) =>
      isSecretFlag(flag) && !(sep !== '=' && value.startsWith('-')) ? `${flag}${sep}${hide(value)}` : match,
  );
  // Whatever remains that is shaped like a provider key, under any name or none.
  out = out.replace(SECRET_SHAPE, (value) => hide(value));
  return vault ? vault.scrubText(out) : out;
}

/**
 * `NAME=value` anywhere in a text, a secret NAME's value hidden; a name of no secret is passed
 * over, so one nested in its value is still found (`Environment=TOKEN=x`). One pass, no
 * recursion, and each name is read from where it starts only: linear in the text, whatever it holds.
 */
function maskAssignments(input: string, hide: (value: string) => string): string {
  const names = /(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)=/g;
  const valueAt = /"[^"\n]*"|'[^'\n]*'|[^\s"'\n]+/y;
  // A parameter of a URL's query (`?key=x&region=eu`): its value ends where the next parameter starts.
  const parameterAt = /[^\s"'\n&#;]+/y;
  let out = '';
  let done = 0;
  for (let m = names.exec(input); m; m = names.exec(input)) {
    if (!isSecretName(m[1]!)) continue;
    const at = /[?&#;]/.test(input[m.index - 1] ?? '') ? parameterAt : valueAt;
    at.lastIndex = names.lastIndex;
    const value = at.exec(input);
    if (!value) continue;
    out += input.slice(done, names.lastIndex) + hide(value[0]);
    done = names.lastIndex = at.lastIndex;
  }
  return out + input.slice(done);
}

/**
 * Environment names whose values are known not to be secrets: a map of environment variables
 * (OpenClaw's `env`, `env.vars`, `skills.entries.*.env`) exists to hold API keys under any
 * name, so there every other value is one, as a process's environment is read.
 */
const NON_SECRET_ENV =
  /^(?:PATH|HOME|USER|LOGNAME|SHELL|PWD|LANG|LANGUAGE|TZ|TERM|TMPDIR|TEMP|TMP|HOSTNAME|NODE_ENV|DEBUG|NO_COLOR|FORCE_COLOR|LC_[A-Z]+|XDG_[A-Z_]+)$|_(?:PORT|HOST|BIND|DIR|URL|REGION|LEVEL)$/;

/** Is this name, in an environment map, one whose value is shown? */
function isShownEnvName(name: string): boolean {
  return !isSecretName(name) && (NON_SECRET_ENV.test(name) || NOT_SECRET_NAME.test(name));
}

/** Does the object at KEY (under a parent that is or is not an environment map) map environment names to values? */
function isEnvMap(key: string, parentIsEnv: boolean): boolean {
  return key === 'env' || (parentIsEnv && key === 'vars');
}

/**
 * Redact a parsed config object: every string or number under a secret-named key becomes
 * a RedactedSecret, as does every string of an environment map under a name not known to be
 * harmless, and the secrets of every URL in any other string are masked.
 * `from` records where a substituted value came from.
 */
export function redactObject(value: unknown, vault?: SecretVault, origins?: (path: string) => string | undefined, path = '', envMap = false): unknown {
  if (typeof value === 'string') return redactUrls(value, vault);
  if (Array.isArray(value)) return value.map((v, i) => redactObject(v, vault, origins, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const secret =
        (typeof v === 'string' || typeof v === 'number') &&
        (isSecretName(key) || (typeof v === 'string' && (isSecretShaped(v) || (envMap && !isShownEnvName(key)))));
      if (secret) {
        if (!isReference(String(v))) vault?.remember(String(v));
        setOwn(out, key, redactedSecret(String(v), origins?.(childPath)));
      } else {
        setOwn(out, key, redactObject(v, vault, origins, childPath, isEnvMap(key, envMap)));
      }
    }
    return out;
  }
  return value;
}
