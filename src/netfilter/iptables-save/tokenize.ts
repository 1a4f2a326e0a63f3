/**
 * Splits one iptables-save / iptables-restore rule line into arguments the way
 * iptables-restore does (xshared.c add_param_to_argv), not the way a shell would:
 * only double quotes group, a backslash escapes the next character only inside quotes, a
 * closing quote ends the argument, and runs of blanks separate. iptables-save writes
 * `--comment "a \"b\""` with exactly this escaping, so reading it back this way is lossless.
 */

export interface Token {
  text: string;
  /** Came (partly) from a quoted string: a quoted "!" is a value, not the negation operator. */
  quoted: boolean;
}

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; tokens: Token[]; message: string };

const BLANK = /[ \t\n\r"]/g;
const QUOTED_SPECIAL = /["\\]/g;

export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  let current = '';
  let inToken = false;
  let quoted = false;
  let i = 0;
  const finish = (): void => {
    tokens.push({ text: current, quoted });
    current = '';
    inToken = false;
    quoted = false;
  };
  // Whole runs are appended at once (regex scans), so a multi-megabyte line costs one pass.
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === '"') {
      inToken = true;
      quoted = true;
      i++;
      for (;;) {
        QUOTED_SPECIAL.lastIndex = i;
        const m = QUOTED_SPECIAL.exec(line);
        if (!m) {
          current += line.slice(i);
          return { ok: false, tokens, message: 'unterminated quote' };
        }
        current += line.slice(i, m.index);
        if (m[0] === '"') {
          i = m.index + 1;
          finish();
          break;
        }
        // A backslash escapes the next character, whatever it is.
        if (m.index + 1 >= line.length) return { ok: false, tokens, message: 'unterminated quote' };
        current += line[m.index + 1] as string;
        i = m.index + 2;
      }
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inToken) finish();
      i++;
      continue;
    }
    BLANK.lastIndex = i;
    const m = BLANK.exec(line);
    const end = m ? m.index : line.length;
    current += line.slice(i, end);
    inToken = true;
    i = end;
  }
  if (inToken) finish();
  return { ok: true, tokens };
}
