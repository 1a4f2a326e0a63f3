/**
 * Text splicing shared by the JSON5 and the YAML editors. Both find byte spans with a
 * parser and then change only those spans, so everything else in the user's file
 * (comments, blank lines, quoting, key order) stays exactly as written.
 */

export interface Patch {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping patches; insertions at one offset keep the order given. */
export function applyPatches(text: string, patches: readonly Patch[]): string {
  const sorted = patches.map((p, i) => ({ p, i })).sort((a, b) => a.p.start - b.p.start || a.p.end - b.p.end || a.i - b.i);
  let out = '';
  let at = 0;
  for (const { p } of sorted) {
    if (p.start < at) throw new Error(`overlapping patches at offset ${p.start}`);
    out += text.slice(at, p.start) + p.text;
    at = p.end;
  }
  return out + text.slice(at);
}

/** The line ending the file mostly uses, so inserted lines match it. */
export function detectEol(text: string): '\n' | '\r\n' {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

/** Offset of the first character of the line holding `offset`. */
export function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** Offset just past the line break that ends the line holding `offset` (or the text's end). */
export function nextLineStart(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  if (text[i] === '\r' && text[i + 1] === '\n') return i + 2;
  return i < text.length ? i + 1 : i;
}

/** Offset of the line break that ends the line holding `offset` (or the text's end). */
export function lineEnd(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

/** The spaces and tabs a line starts with. */
export function indentOf(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/** 1-based line and column of an offset, counting "\n" as json5 and yaml do. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}
