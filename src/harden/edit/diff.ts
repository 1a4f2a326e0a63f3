import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/**
 * Unified diffs of a file before and after `clawmoat harden` edits it, for the plan the
 * user reviews. We use jsdiff (the `diff` package): it is what most of the npm world
 * diffs text with, has no dependencies and ships its own types, so a hand-written Myers
 * diff would only be more code to trust.
 *
 * Secrets (a new gateway token) must never reach the terminal or a log: `mask` replaces
 * each given string, also as it appears escaped inside a JSON5 string, by `<redacted>`
 * in the whole output, headers included.
 */

export const REDACTED = '<redacted>';

export interface DiffOptions {
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
  /** Strings to hide in the output. */
  mask?: readonly string[];
}

/** The forms a secret can take in a config file: as is, and escaped in a "…" or '…' string. */
function writtenForms(secret: string): string[] {
  const escape = (quote: string): string =>
    secret.replace(/[\\"'\n\r\t\u0000-\u001f\u2028\u2029]/g, (c) => {
      if (c === '\\') return '\\\\';
      if (c === '"' || c === "'") return c === quote ? `\\${c}` : c;
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    });
  return [secret, escape('"'), escape("'"), JSON.stringify(secret).slice(1, -1)];
}

/** Replaces every given secret in `text` by `<redacted>`; the longest first, so one secret inside another is hidden whole. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const forms = [...new Set(secrets.filter((s) => s !== '').flatMap(writtenForms))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) out = out.split(form).join(REDACTED);
  return out;
}

/**
 * A unified diff of one file, the empty string when the texts are equal. Headers are
 * git's ("--- a/etc/x", "+++ b/etc/x"), so `patch -p1` run from / would apply it.
 */
export function unifiedDiff(path: string, before: string, after: string, options: DiffOptions = {}): string {
  if (before === after) return '';
  const name = path.replace(/^\/+/, '');
  const patch = createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, {
    context: options.context ?? 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
  return options.mask ? maskSecrets(patch, options.mask) : patch;
}
