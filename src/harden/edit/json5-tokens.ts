/**
 * A lossless tokenizer for JSON5: every character of the input belongs to exactly one
 * token, trivia (spaces, line breaks, comments) included, so an editor can find what
 * surrounds a key and splice text without disturbing anything else.
 *
 * It runs only on text that json5 itself has accepted, so it can be forgiving: it never
 * validates, it only cuts.
 */

export type TokenKind = 'space' | 'newline' | 'line-comment' | 'block-comment' | 'punct' | 'string' | 'word';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

const PUNCT = new Set(['{', '}', '[', ']', ':', ',']);
const LINE_BREAKS = new Set(['\n', '\r', '\u2028', '\u2029']);

function isSpace(c: string): boolean {
  // JSON5 white space: tab, VT, FF, space, NBSP, BOM and the other Unicode space separators.
  return c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === '\u00a0' || c === '\ufeff' || /\p{Zs}/u.test(c);
}

export function isTrivia(kind: TokenKind): boolean {
  return kind === 'space' || kind === 'newline' || kind === 'line-comment' || kind === 'block-comment';
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number): void => {
    tokens.push({ kind, start: i, end });
    i = end;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (LINE_BREAKS.has(c)) {
      push('newline', c === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1);
    } else if (isSpace(c)) {
      let j = i + 1;
      while (j < text.length && isSpace(text[j]!)) j++;
      push('space', j);
    } else if (c === '/' && text[i + 1] === '/') {
      let j = i + 2;
      while (j < text.length && !LINE_BREAKS.has(text[j]!)) j++;
      push('line-comment', j);
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      push('block-comment', close < 0 ? text.length : close + 2);
    } else if (PUNCT.has(c)) {
      push('punct', i + 1);
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? (text[j + 1] === '\r' && text[j + 2] === '\n' ? 3 : 2) : 1;
      push('string', Math.min(j + 1, text.length));
    } else {
      // Identifiers, numbers and literals run to the next delimiter. A "/" never occurs
      // inside one in valid JSON5, so it is a delimiter too.
      let j = i + 1;
      while (j < text.length) {
        const d = text[j]!;
        if (PUNCT.has(d) || d === '"' || d === "'" || d === '/' || LINE_BREAKS.has(d) || isSpace(d)) break;
        j++;
      }
      push('word', j);
    }
  }
  return tokens;
}

/** Whether a comment token runs over more than one line. */
export function spansLines(text: string, token: Token): boolean {
  for (let i = token.start; i < token.end; i++) if (LINE_BREAKS.has(text[i]!)) return true;
  return false;
}
