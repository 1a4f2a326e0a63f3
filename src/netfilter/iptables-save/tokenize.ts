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

const QUOTE = 34;
const BACKSLASH = 92;

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * One pass over the character codes: an unquoted argument is one slice of the line, a quoted
 * one is assembled from the runs between escapes. A dump has a line per rule, so this loop is
 * the parser's innermost; it allocates only the tokens (a multi-megabyte line costs one pass).
 */
export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    if (isBlank(line.charCodeAt(i))) {
      i++;
      continue;
    }
    // An argument starts here; it ends at a blank, at the end of the line, or at a closing quote.
    let current = '';
    let quoted = false;
    let start = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (isBlank(c)) break;
      if (c !== QUOTE) {
        i++;
        continue;
      }
      current += line.slice(start, i);
      quoted = true;
      i++;
      start = i;
      for (;;) {
        if (i >= n) return { ok: false, tokens, message: 'unterminated quote' };
        const q = line.charCodeAt(i);
        if (q === QUOTE) {
          current += line.slice(start, i);
          i++;
          break;
        }
        if (q === BACKSLASH) {
          // A backslash escapes the next character, whatever it is.
          if (i + 1 >= n) return { ok: false, tokens, message: 'unterminated quote' };
          current += line.slice(start, i) + line.charAt(i + 1);
          i += 2;
          start = i;
          continue;
        }
        i++;
      }
      // A closing quote ends the argument, even when a non-blank follows it.
      break;
    }
    tokens.push({ text: quoted ? current : line.slice(start, i), quoted });
  }
  return { ok: true, tokens };
}
