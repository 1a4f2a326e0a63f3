import { isMap, isSeq, parse, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { EditError } from './errors.js';
import { lineEnd, lineStart, nextLineStart, positionOf, type Patch } from './text.js';

/**
 * Text patches for a YAML document, placed with the positions the yaml package records on
 * its nodes. yaml's own `Document.toString()` keeps comments but re-lays out the whole
 * file (indents, spacing, quoting, line width), so a one-line fix would show up as a
 * diff of the whole file; patching spans keeps every other byte as it was.
 */

function range(node: Node): [number, number, number] {
  const r = node.range;
  if (!r) throw new EditError('a YAML node without a position', 'unsupported');
  return r;
}

export function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** Where a node's own text ends: block collections stop at their last value, before trailing comments and line breaks. */
export function contentEnd(node: Node): number {
  if (isMap(node) && !node.flow) {
    const last = node.items[node.items.length - 1];
    if (last) return pairEnd(last);
  }
  if (isSeq(node) && !node.flow) {
    const last = node.items[node.items.length - 1] as Node | undefined;
    if (last) return contentEnd(last);
  }
  return range(node)[1];
}

function pairEnd(pair: Pair): number {
  const key = pair.key as Node;
  const value = pair.value as Node | null;
  if (value && value.range && range(value)[1] > range(key)[1]) return contentEnd(value);
  return range(key)[1];
}

function isBlank(s: string): boolean {
  return /^[ \t]*$/.test(s);
}

/** Offset of the "-" of a block sequence's item: after the previous item, past blank lines and comments. */
function dashOf(text: string, seq: YAMLSeq, index: number): number {
  let i = index === 0 ? range(seq)[0] : contentEnd(seq.items[index - 1] as Node);
  while (i < text.length) {
    const c = text[i]!;
    if (c === '-') return i;
    if (c === '#') i = lineEnd(text, i);
    else i++;
  }
  throw new EditError('cannot find the "-" of a list item', 'unsupported', positionOf(text, range(seq)[0]).line);
}

/** Removes block list items with their lines (and same-line comments); comment lines between them stay. */
export function removeBlockItems(text: string, seq: YAMLSeq, indexes: readonly number[]): Patch[] {
  return indexes.map((index) => {
    const dash = dashOf(text, seq, index);
    const start = lineStart(text, dash);
    if (!isBlank(text.slice(start, dash))) {
      throw new EditError('a list item that shares its line with something else', 'unsupported', positionOf(text, dash).line);
    }
    return { start, end: nextLineStart(text, contentEnd(seq.items[index] as Node)), text: '' };
  });
}

/** A flow list ("[a, b]") written again with some items left out, each kept item as written. */
export function rewriteFlowItems(text: string, seq: YAMLSeq, keep: (index: number) => boolean): Patch {
  const [start, end] = range(seq);
  const kept: string[] = [];
  seq.items.forEach((item, index) => {
    const node = item as Node;
    if ((node as { anchor?: string }).anchor || (node as { tag?: string }).tag) {
      throw new EditError('a flow list item with an anchor or a tag', 'unsupported', positionOf(text, range(node)[0]).line);
    }
    if (keep(index)) kept.push(text.slice(range(node)[0], range(node)[1]));
  });
  return { start, end, text: `[${kept.join(', ')}]` };
}

/** Removes one `key: value` of a block mapping, with its lines. */
export function removeBlockPair(text: string, pair: Pair): Patch {
  const keyStart = range(pair.key as Node)[0];
  const start = lineStart(text, keyStart);
  if (!isBlank(text.slice(start, keyStart))) {
    throw new EditError('a key that shares its line with something else', 'unsupported', positionOf(text, keyStart).line);
  }
  return { start, end: nextLineStart(text, pairEnd(pair)), text: '' };
}

/**
 * After a key whose value is now empty ("ports:" once its items are gone): " []" after
 * the colon, and after an anchor or tag the list carried ("ports: &p" → "ports: &p []").
 */
export function emptyListAfterKey(text: string, pair: Pair): Patch {
  const colon = text.indexOf(':', range(pair.key as Node)[1]);
  const props = /^(?:[ \t]+[&!][^\s]*)*/.exec(text.slice(colon + 1))?.[0] ?? '';
  const at = colon + 1 + props.length;
  return { start: at, end: at, text: ' []' };
}

/**
 * Adds lines at the end of a block mapping, at its keys' indentation: `lines[0]` is the
 * new key, later lines are already indented relative to it.
 */
export function appendToBlockMap(text: string, map: YAMLMap, lines: readonly string[], eol: string): Patch {
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  if (!first || !last) throw new EditError('an empty mapping', 'unsupported');
  const indent = ' '.repeat(column(text, range(first.key as Node)[0]));
  const at = lineEnd(text, pairEnd(last));
  return { start: at, end: at, text: lines.map((l) => `${eol}${indent}${l}`).join('') };
}

/** Adds `- item` after the last item of a block list, at its "-" column. */
export function appendToBlockSeq(text: string, seq: YAMLSeq, item: string, eol: string): Patch {
  const index = seq.items.length - 1;
  const dash = dashOf(text, seq, index);
  const at = lineEnd(text, contentEnd(seq.items[index] as Node));
  return { start: at, end: at, text: `${eol}${' '.repeat(column(text, dash))}- ${item}` };
}

/** Adds an entry before the closing bracket of a flow list or mapping ("[a]" → "[a, b]"). */
export function appendToFlow(node: YAMLSeq | YAMLMap, entry: string): Patch {
  const last = node.items[node.items.length - 1];
  if (!last) {
    const [start, end] = range(node);
    return { start, end, text: isSeq(node) ? `[${entry}]` : `{ ${entry} }` };
  }
  const at = isSeq(node) ? contentEnd(last as Node) : pairEnd(last as Pair);
  return { start: at, end: at, text: `, ${entry}` };
}

/** Lines under a key that has no value yet ("networks:"), indented one step past the key. */
export function fillEmptyKey(text: string, pair: Pair, lines: readonly string[], step: number, eol: string): Patch {
  const key = pair.key as Node;
  const indent = ' '.repeat(column(text, range(key)[0]) + step);
  const at = lineEnd(text, range(key)[1]);
  return { start: at, end: at, text: lines.map((l) => `${eol}${indent}${l}`).join('') };
}

/**
 * A string scalar written in the style of the one it replaces: single quotes stay single,
 * a plain string stays plain when YAML reads it back the same, anything else is
 * double-quoted (so a port number that becomes "127.0.0.1::18789" is quoted).
 */
export function scalarSource(value: string, original: Scalar, inFlow: boolean): string {
  if (original.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (original.type === 'PLAIN' && typeof original.value === 'string' && /^[^\s#'"&*!|>%@`,[\]{}-][^\s#]*$/.test(value)) {
    const flowSafe = !inFlow || !/[,[\]{}]/.test(value);
    if (flowSafe && !value.includes(': ') && parse(value, { schema: 'core' }) === value) return value;
  }
  return JSON.stringify(value);
}
