/**
 * HTML built by tagged templates that escape by default: every interpolated value is text unless
 * it is already `Html` (made by this module). A container name or config value holding `<script>`
 * is therefore shown, never run, without each call site having to remember to escape it.
 */

/** Markup that is safe to insert as it is: only this module's functions make one. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Content = Html | string | number | boolean | null | undefined | readonly Content[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for an element or a quoted attribute. Control characters (an ESC in a process name) and
 * bidirectional overrides (U+202E, which would make "exe.txt" read as "txt.exe") are shown as
 * escapes, so what a hostile host wrote cannot disguise itself either.
 */
export function escapeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    .replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

function flatten(value: Content): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return (value as readonly Content[]).map(flatten).join('');
  return escapeText(String(value));
}

/** `html\`<td>${name}</td>\``: interpolations are escaped unless they are Html; arrays are joined; null, undefined and booleans render nothing. */
export function html(strings: TemplateStringsArray, ...values: Content[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += flatten(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup this module trusts as it is (the page's own CSS and script, never host data). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

export function join(items: readonly Content[], separator: Content = ''): Html {
  return new Html(items.map(flatten).join(flatten(separator)));
}
