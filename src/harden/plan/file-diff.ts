import { unifiedDiff, REDACTED } from '../edit/diff.js';
import { rememberFileSecrets } from '../../snapshot/file-secrets.js';
import { SecretVault, redactText } from '../../snapshot/redact.js';

/**
 * The diff a plan shows for one file: named after it, secrets masked on every line (context,
 * `-` and `+`). Masked: the strings the caller names (a new token), every secret value the file
 * holds before and after (read by its format: the old token, remote.token, URL passwords,
 * `Environment=…TOKEN=…`, `--token X`, compose values), and, line by line, anything written
 * after a secret-named key or flag, so a value too short to mask by value is hidden too.
 */

/** Values shorter than this are masked only where they stand as a word of their own. */
const MIN_MASK_LENGTH = 4;

export function fileDiff(path: string, before: string, after: string, mask: readonly string[] = []): string {
  const vault = new SecretVault({ minLength: 1 });
  rememberFileSecrets(before, vault);
  rememberFileSecrets(after, vault);
  const values = vault.values();
  const diff = unifiedDiff(path, before, after, { mask: [...mask, ...values.filter((v) => v.length >= MIN_MASK_LENGTH)] });
  const short = values.filter((v) => v.length < MIN_MASK_LENGTH && /\w/.test(v));
  return maskDiffLines(diff, short);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each body line of a unified diff through the text rules; headers and hunk lines stay. */
export function maskDiffLines(diff: string, short: readonly string[] = []): string {
  const words = short.length > 0 ? new RegExp(`(?<![\\w-])(?:${short.map(escape).join('|')})(?![\\w-])`, 'g') : undefined;
  return diff
    .split('\n')
    .map((line) => {
      if (/^(---|\+\+\+|@@|\\) /.test(line) || line === '') return line;
      let body = redactText(line.slice(1)).replaceAll('[REDACTED]', REDACTED);
      if (words) body = body.replace(words, REDACTED);
      return line[0] + body;
    })
    .join('\n');
}
