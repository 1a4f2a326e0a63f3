/**
 * Variable interpolation with docker compose's rules:
 *   $$ → $;  $VAR;  ${VAR};  ${VAR:-d} (unset or empty → d);  ${VAR-d} (unset → d);
 *   ${VAR:?msg} / ${VAR?msg} (missing → error);  ${VAR:+alt} / ${VAR+alt} (set → alt).
 * Defaults nest (`${A:-${B:-x}}`). Any other `$` is an invalid template, as in compose.
 *
 * The template is parsed in full first, so a syntax error anywhere is reported even in a
 * branch that is not taken; values are then looked up lazily, so an unset variable inside
 * an unused default does not raise a warning.
 */

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

type Part = { kind: 'text'; text: string } | { kind: 'var'; name: string; op?: Operator; arg: Part[] };

export interface Interpolated {
  value: string;
  /** Variables that were read but not set and had no default, in order, without repeats. */
  unset: string[];
  /** Set when compose would refuse the value: bad `$` syntax or a missing required variable. */
  error?: string;
}

// Two-character operators first, so ":-" is not read as ":" followed by "-".
const OPERATORS: readonly Operator[] = [':-', ':?', ':+', '-', '?', '+'];

// Defaults nested deeper than this are not written by people; the bound keeps recursion safe.
const MAX_DEPTH = 32;

class TemplateError extends Error {}

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && /[_A-Za-z]/.test(c);
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[_A-Za-z0-9]/.test(c);
}

function readName(s: string, start: number): number {
  let i = start;
  while (isNameChar(s[i])) i++;
  return i;
}

/** Parses from `start` to the end of `s`, or (inBraces) to the `}` that closes the current `${`. */
function parseParts(s: string, start: number, inBraces: boolean, depth: number): { parts: Part[]; end: number } {
  if (depth > MAX_DEPTH) throw new TemplateError('interpolation nested too deeply');
  const parts: Part[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  let i = start;
  while (i < s.length) {
    const c = s[i];
    if (inBraces && c === '}') {
      flush();
      return { parts, end: i };
    }
    if (c !== '$') {
      text += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      text += '$';
      i += 2;
    } else if (isNameStart(next)) {
      flush();
      const end = readName(s, i + 1);
      parts.push({ kind: 'var', name: s.slice(i + 1, end), arg: [] });
      i = end;
    } else if (next === '{') {
      flush();
      const nameStart = i + 2;
      if (!isNameStart(s[nameStart])) throw new TemplateError(`"\${" must be followed by a variable name`);
      const nameEnd = readName(s, nameStart);
      const name = s.slice(nameStart, nameEnd);
      if (s[nameEnd] === '}') {
        parts.push({ kind: 'var', name, arg: [] });
        i = nameEnd + 1;
        continue;
      }
      const op = OPERATORS.find((o) => s.startsWith(o, nameEnd));
      if (op === undefined) {
        throw new TemplateError(s[nameEnd] === undefined ? `unclosed "\${${name}"` : `unexpected "${s[nameEnd]}" after "\${${name}"`);
      }
      const inner = parseParts(s, nameEnd + op.length, true, depth + 1);
      parts.push({ kind: 'var', name, op, arg: inner.parts });
      i = inner.end + 1;
    } else {
      throw new TemplateError(
        next === undefined ? 'a lone "$" at the end (write "$$" for a literal "$")' : `"$" followed by "${next}" (write "$$" for a literal "$")`,
      );
    }
  }
  if (inBraces) throw new TemplateError('unclosed "${"');
  flush();
  return { parts, end: i };
}

function evaluate(parts: Part[], env: Record<string, string>, unset: string[]): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const isSet = Object.prototype.hasOwnProperty.call(env, part.name);
    const value = isSet ? (env[part.name] ?? '') : '';
    const nonEmpty = isSet && value !== '';
    const arg = (): string => evaluate(part.arg, env, unset);
    switch (part.op) {
      case undefined:
        if (!isSet && !unset.includes(part.name)) unset.push(part.name);
        out += value;
        break;
      case ':-':
        out += nonEmpty ? value : arg();
        break;
      case '-':
        out += isSet ? value : arg();
        break;
      case ':?':
      case '?':
        if (part.op === ':?' ? !nonEmpty : !isSet) {
          const message = arg();
          throw new TemplateError(`required variable ${part.name} is missing a value${message === '' ? '' : `: ${message}`}`);
        }
        out += value;
        break;
      case ':+':
        out += nonEmpty ? arg() : '';
        break;
      case '+':
        out += isSet ? arg() : '';
        break;
    }
  }
  return out;
}

export function interpolate(template: string, env: Record<string, string>): Interpolated {
  const unset: string[] = [];
  try {
    const { parts } = parseParts(template, 0, false, 0);
    return { value: evaluate(parts, env, unset), unset };
  } catch (e) {
    if (e instanceof TemplateError) return { value: '', unset, error: e.message };
    throw e;
  }
}
