import { detectEol, indentOf } from './text.js';
import type { Tree, ValueNode } from './json5-tree.js';

/**
 * How a JSON5 file is written, learnt from the file itself, so that a key we add looks
 * like the keys around it: the same indent unit, quotes, key quoting, trailing commas
 * and line endings. With no evidence (an empty file) it falls back to what OpenClaw's
 * docs show: two spaces, double quotes, bare keys, trailing commas.
 */

export interface Json5Style {
  eol: '\n' | '\r\n';
  indentUnit: string;
  quote: '"' | "'";
  bareKeys: boolean;
  keyQuote: '"' | "'";
  trailingCommas: boolean;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

interface Counts {
  single: number;
  double: number;
  bare: number;
  keySingle: number;
  keyDouble: number;
  trailing: number;
  noTrailing: number;
  unit?: string;
}

function hasNewlineBetween(tree: Tree, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (tree.tokens[i]!.kind === 'newline') return true;
  return false;
}

function survey(text: string, tree: Tree, node: ValueNode, counts: Counts): void {
  if (node.kind === 'scalar') {
    const c = text[tree.tokens[node.open]!.start];
    if (c === "'") counts.single++;
    else if (c === '"') counts.double++;
    return;
  }
  const entries = node.kind === 'object' ? node.members : node.items;
  const multiline = hasNewlineBetween(tree, node.open, node.close);
  const last = entries[entries.length - 1];
  if (multiline && last) {
    if (last.comma >= 0) counts.trailing++;
    else counts.noTrailing++;
    if (counts.unit === undefined) {
      const first = node.kind === 'object' ? node.members[0]!.keyToken : node.items[0]!.value.open;
      const outer = indentOf(text, tree.tokens[node.open]!.start);
      const inner = indentOf(text, tree.tokens[first]!.start);
      if (inner.length > outer.length && inner.startsWith(outer)) counts.unit = inner.slice(outer.length);
    }
  }
  if (node.kind === 'object') {
    for (const m of node.members) {
      const c = text[tree.tokens[m.keyToken]!.start];
      if (c === "'") counts.keySingle++;
      else if (c === '"') counts.keyDouble++;
      else counts.bare++;
      survey(text, tree, m.value, counts);
    }
  } else for (const item of node.items) survey(text, tree, item.value, counts);
}

export function detectStyle(text: string, tree: Tree): Json5Style {
  const counts: Counts = { single: 0, double: 0, bare: 0, keySingle: 0, keyDouble: 0, trailing: 0, noTrailing: 0 };
  survey(text, tree, tree.root, counts);
  const quoted = counts.keySingle + counts.keyDouble;
  return {
    eol: detectEol(text),
    indentUnit: counts.unit ?? '  ',
    quote: counts.single > counts.double ? "'" : '"',
    bareKeys: counts.bare > 0 ? counts.bare >= quoted : quoted === 0,
    keyQuote: counts.keySingle > counts.keyDouble ? "'" : counts.keyDouble > 0 ? '"' : counts.single > counts.double ? "'" : '"',
    trailingCommas: counts.trailing + counts.noTrailing === 0 ? true : counts.trailing >= counts.noTrailing,
  };
}

export function quoteString(value: string, quote: '"' | "'"): string {
  let out = quote;
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // Control characters, and U+2028/2029, which json5 warns about inside strings.
    else if (code < 0x20 || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + quote;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(['true', 'false', 'null', 'Infinity', 'NaN']);

export function formatKey(key: string, style: Json5Style): string {
  return style.bareKeys && IDENTIFIER.test(key) && !RESERVED.has(key) ? key : quoteString(key, style.keyQuote);
}

/**
 * A value written at a given indent: objects on several lines when `multiline`, else on
 * one (`{ a: 1 }`); arrays always on one line.
 */
export function formatValue(value: JsonValue, style: Json5Style, indent: string, multiline: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoteString(value, style.quote);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write the number ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, style, indent, false)).join(', ')}]`;
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  const pairs = keys.map((k) => `${formatKey(k, style)}: ${formatValue(value[k]!, style, indent + style.indentUnit, multiline)}`);
  if (!multiline) return `{ ${pairs.join(', ')} }`;
  const inner = indent + style.indentUnit;
  return `{${style.eol}${pairs.map((p) => inner + p).join(`,${style.eol}`)}${style.trailingCommas ? ',' : ''}${style.eol}${indent}}`;
}
