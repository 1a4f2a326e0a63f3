import { isDeepStrictEqual } from 'node:util';
import JSON5 from 'json5';
import { parseJson5 } from '../../openclaw/config-parse.js';
import { EditError } from './errors.js';
import { spansLines } from './json5-tokens.js';
import { detectStyle, formatKey, formatValue, type Json5Style, type JsonValue } from './json5-style.js';
import { lastMember, objectAt, parseTree, type Member, type ObjectNode, type Tree, type ValueNode } from './json5-tree.js';
import { applyPatches, indentOf, lineStart, positionOf, type Patch } from './text.js';

/**
 * Edits an OpenClaw config (JSON5) the way a careful person would by hand: only the
 * value or the key in question changes; comments, key order, quoting, blank lines and
 * line endings stay as the user wrote them, and a new key copies the style around it.
 *
 * Why our own editor and not a library: jsonc-parser keeps comments but not bare keys or
 * single quotes; comment-json and json5 rewrite the whole file; jju and golden-fleece are
 * unmaintained; @croct/json5-parser (the best candidate) rejects valid JSON5 that json5
 * accepts ("\x41" escapes, line continuations, escaped identifiers) and, with duplicate
 * keys, edits the first one while json5 (and so OpenClaw) reads the last, which would
 * leave a "fixed" gateway exposed. Here json5 itself decides whether the text is valid and
 * what it means; a small lossless tokenizer only finds where things are. Every result is
 * parsed again with json5 and must equal the intended object, or nothing is returned.
 *
 * `$include`: these functions edit the text they are given. Which file defines a key is
 * the caller's choice; `locateJson5Path` tells it whether the key is written here and
 * which `$include`s on the way might define it instead.
 */

export type { JsonValue } from './json5-style.js';

interface Document {
  text: string;
  value: Record<string, unknown>;
  tree: Tree;
}

/** json5 stores "__proto__" as an own key, but a plain assignment would not: keep such paths out. */
function checkPath(path: readonly string[], what: string): void {
  if (path.length === 0) throw new TypeError(`${what} needs a key path`);
  if (path.includes('__proto__')) throw new TypeError(`${what}: "__proto__" is not a key this editor writes`);
}

function load(text: string): Document {
  const parsed = parseJson5(text);
  if (!parsed.ok) throw new EditError(`not valid JSON5: ${parsed.message}`, 'parse', parsed.line, parsed.column);
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EditError('the config must be a JSON5 object', 'not-object', 1);
  }
  return { text, value: value as Record<string, unknown>, tree: parseTree(text) };
}

function lineOfToken(doc: Document, token: number): number {
  return positionOf(doc.text, doc.tree.tokens[token]!.start).line;
}

function tokenText(doc: Document, index: number): string {
  const t = doc.tree.tokens[index]!;
  return doc.text.slice(t.start, t.end);
}

/** The text from a value's first token to its last. */
function valueSpan(doc: Document, node: ValueNode): { start: number; end: number } {
  return { start: doc.tree.tokens[node.open]!.start, end: doc.tree.tokens[node.close]!.end };
}

function hasNewlineBetween(doc: Document, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (doc.tree.tokens[i]!.kind === 'newline') return true;
  return false;
}

/** Whether only spaces come before this token on its line. */
function startsLine(doc: Document, token: number): boolean {
  for (let i = token - 1; i >= 0; i--) {
    const kind = doc.tree.tokens[i]!.kind;
    if (kind === 'newline') return true;
    if (kind !== 'space') return false;
  }
  return true;
}

/**
 * After `token`, the spaces and comments that stay on its line. Returns the index of the
 * first token past them: a newline, the end, or something else on the same line.
 */
function skipSameLineTrivia(doc: Document, token: number): number {
  let i = token + 1;
  for (; i < doc.tree.tokens.length; i++) {
    const t = doc.tree.tokens[i]!;
    if (t.kind === 'space' || t.kind === 'line-comment') continue;
    if (t.kind === 'block-comment' && !spansLines(doc.text, t)) continue;
    break;
  }
  return i;
}

/** Where `token` stops, backing over trailing spaces: a new line goes there, before the line break. */
function endBeforeSpaces(doc: Document, stop: number): number {
  let i = stop - 1;
  while (i >= 0 && doc.tree.tokens[i]!.kind === 'space') i--;
  return doc.tree.tokens[i]!.end;
}

function finish(doc: Document, patches: Patch[], expected: unknown): string {
  const out = applyPatches(doc.text, patches);
  const check = parseJson5(out);
  if (!check.ok || !isDeepStrictEqual(check.value, expected)) {
    throw new EditError('the edited config did not read back as intended; nothing was changed', 'verify');
  }
  return out;
}

function withPath(value: Record<string, unknown>, path: readonly string[], leaf: JsonValue | undefined): unknown {
  const root = structuredClone(value);
  let node: Record<string, unknown> = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (leaf === undefined) delete node[last];
  else node[last] = structuredClone(leaf);
  return root;
}

function nested(path: readonly string[], value: JsonValue): JsonValue {
  let v = value;
  for (let i = path.length - 1; i >= 0; i--) v = { [path[i]!]: v };
  return v;
}

/** Whether an object is written over several lines (its first member, or its "}", on a later line than "{"). */
function isMultiline(doc: Document, object: ObjectNode): boolean {
  const first = object.members[0];
  return hasNewlineBetween(doc, object.open, first ? first.keyToken : object.close);
}

/** Adds `key: value` as the last member of `object`. */
function insertMember(doc: Document, style: Json5Style, object: ObjectNode, key: string, value: JsonValue, isRoot: boolean): Patch[] {
  const tokens = doc.tree.tokens;
  const openAt = tokens[object.open]!;
  const closeAt = tokens[object.close]!;
  const openIndent = indentOf(doc.text, openAt.start);
  const last = object.members[object.members.length - 1];
  const eol = style.eol;

  if (last) {
    const lastEnd = tokens[last.value.close]!.end;
    if (!isMultiline(doc, object)) {
      const member = `${formatKey(key, style)}: ${formatValue(value, style, openIndent, false)}`;
      if (last.comma >= 0) return [{ start: tokens[last.comma]!.end, end: tokens[last.comma]!.end, text: ` ${member},` }];
      return [{ start: lastEnd, end: lastEnd, text: `, ${member}` }];
    }
    const indent = startsLine(doc, last.keyToken) ? indentOf(doc.text, tokens[last.keyToken]!.start) : openIndent + style.indentUnit;
    const member = `${formatKey(key, style)}: ${formatValue(value, style, indent, true)}`;
    // The object's own habit decides the trailing comma of the new last member.
    const trailing = last.comma >= 0;
    const anchor = trailing ? last.comma : last.value.close;
    const stop = skipSameLineTrivia(doc, anchor);
    const at = endBeforeSpaces(doc, stop);
    const patches: Patch[] = [{ start: at, end: at, text: `${eol}${indent}${member}${trailing ? ',' : ''}` }];
    if (!trailing) patches.unshift({ start: lastEnd, end: lastEnd, text: ',' });
    return patches;
  }

  const indent = openIndent + style.indentUnit;
  const tc = style.trailingCommas ? ',' : '';
  const innerStart = openAt.end;
  const innerEnd = closeAt.start;
  const innerIsBlank = /^\s*$/.test(doc.text.slice(innerStart, innerEnd));
  if (hasNewlineBetween(doc, object.open, object.close)) {
    const member = `${formatKey(key, style)}: ${formatValue(value, style, indent, true)}`;
    if (startsLine(doc, object.close)) {
      // Before the line holding "}", so comments inside the empty object stay where they are.
      const at = lineStart(doc.text, closeAt.start);
      return [{ start: at, end: at, text: `${indent}${member}${tc}${eol}` }];
    }
    return [{ start: innerEnd, end: innerEnd, text: `${eol}${indent}${member}${tc}${eol}${openIndent}` }];
  }
  // "{}" inside a file written over several lines opens up; so does an empty root.
  const expand = isRoot || isMultiline(doc, doc.tree.root as ObjectNode);
  if (expand) {
    const member = `${formatKey(key, style)}: ${formatValue(value, style, indent, true)}`;
    const text = `${eol}${indent}${member}${tc}${eol}${openIndent}`;
    return innerIsBlank ? [{ start: innerStart, end: innerEnd, text }] : [{ start: innerEnd, end: innerEnd, text }];
  }
  const member = `${formatKey(key, style)}: ${formatValue(value, style, openIndent, false)}`;
  return innerIsBlank ? [{ start: innerStart, end: innerEnd, text: ` ${member} ` }] : [{ start: innerEnd, end: innerEnd, text: `${member} ` }];
}

/**
 * Sets the value at a key path, creating the objects on the way (`gateway`, then
 * `gateway.auth`). Setting a value that is already there returns the text unchanged.
 * A value on the path that is not an object is an EditError: replacing, say, a string
 * `gateway` with an object would throw away what the user wrote.
 */
export function setJson5Path(text: string, path: readonly string[], value: JsonValue): string {
  checkPath(path, 'setJson5Path');
  const doc = load(text);
  const style = detectStyle(text, doc.tree);
  const expected = withPath(doc.value, path, value);
  let object = doc.tree.root as ObjectNode;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const member = lastMember(object, key);
    if (!member) {
      const rest = path.slice(i + 1);
      return finish(doc, insertMember(doc, style, object, key, nested(rest, value), object === doc.tree.root), expected);
    }
    if (i === path.length - 1) {
      const span = valueSpan(doc, member.value);
      const current: unknown = JSON5.parse(doc.text.slice(span.start, span.end));
      // structuredClone gives the value plain prototypes, as json5's objects have.
      if (isDeepStrictEqual(current, structuredClone(value))) return text;
      const indent = indentOf(doc.text, doc.tree.tokens[member.keyToken]!.start);
      const multiline = member.value.kind === 'object' ? hasNewlineBetween(doc, member.value.open, member.value.close) : isMultiline(doc, object);
      return finish(doc, [{ ...span, text: formatValue(value, style, indent, multiline) }], expected);
    }
    if (member.value.kind !== 'object') {
      const where = path.slice(0, i + 1).join('.');
      throw new EditError(`"${where}" is ${describe(doc, member.value)}, not an object; edit it by hand`, 'not-object', lineOfToken(doc, member.keyToken));
    }
    object = member.value;
  }
  return text;
}

function describe(doc: Document, node: ValueNode): string {
  if (node.kind === 'array') return 'a list';
  const raw = tokenText(doc, node.open);
  if (raw.startsWith('"') || raw.startsWith("'")) return 'a string';
  return raw === 'null' ? 'null' : raw === 'true' || raw === 'false' ? 'a boolean' : 'a number';
}

/** The patches that take one member out of its object. */
function removeMember(doc: Document, object: ObjectNode, index: number): Patch[] {
  const tokens = doc.tree.tokens;
  const m = object.members[index]!;
  const prev: Member | undefined = object.members[index - 1];
  const keyStart = tokens[m.keyToken]!.start;
  const tail = m.comma >= 0 ? m.comma : m.value.close;
  const stop = skipSameLineTrivia(doc, tail);
  const stopToken = tokens[stop];
  const ownLines = startsLine(doc, m.keyToken) && (stopToken === undefined || stopToken.kind === 'newline');
  if (ownLines) {
    // The member's lines go, its trailing comment with them; comment lines above it stay.
    const patches: Patch[] = [{ start: lineStart(doc.text, keyStart), end: stopToken ? stopToken.end : doc.text.length, text: '' }];
    // The last member had no trailing comma: the one before it loses its comma too, keeping the object's style.
    if (m.comma < 0 && prev && prev.comma >= 0) patches.push({ start: tokens[prev.comma]!.start, end: tokens[prev.comma]!.end, text: '' });
    return patches;
  }
  if (m.comma >= 0) {
    // "a: 1, b: 2" → "b: 2": the member, its comma and the spaces after it.
    let end = m.comma + 1;
    while (tokens[end]?.kind === 'space') end++;
    return [{ start: keyStart, end: tokens[end - 1]!.end, text: '' }];
  }
  const valueEnd = tokens[m.value.close]!.end;
  if (prev && prev.comma >= 0) return [{ start: tokens[prev.comma]!.start, end: valueEnd, text: '' }];
  return [{ start: keyStart, end: valueEnd, text: '' }];
}

/** "{ }" or "{\n}" left by a removal becomes "{}"; an object holding comments is left alone. */
function collapseEmpty(text: string, path: readonly string[]): string {
  const tree = parseTree(text);
  const object = objectAt(tree, path);
  if (!object || object.members.length > 0) return text;
  const start = tree.tokens[object.open]!.end;
  const end = tree.tokens[object.close]!.start;
  if (start === end || !/^\s*$/.test(text.slice(start, end))) return text;
  return text.slice(0, start) + text.slice(end);
}

/**
 * Removes a key path. Every occurrence of a duplicated key goes (json5 reads the last one,
 * so removing only that would bring an earlier one back). A path that is not there, or
 * runs through something that is not an object, leaves the text unchanged. Objects on
 * the way are kept, even when left empty.
 */
export function removeJson5Path(text: string, path: readonly string[]): string {
  checkPath(path, 'removeJson5Path');
  let doc = load(text);
  const expected = withPath(doc.value, path, undefined);
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1]!;
  let parent = objectAt(doc.tree, parentPath);
  if (!parent || !lastMember(parent, key)) return text;
  // One occurrence at a time, each on freshly read text, so comma fixes never collide.
  while (parent) {
    const index = parent.members.findIndex((m) => m.key === key);
    if (index < 0) break;
    const next = applyPatches(doc.text, removeMember(doc, parent, index));
    doc = { text: next, value: doc.value, tree: parseTree(next) };
    parent = objectAt(doc.tree, parentPath);
  }
  const collapsed = collapseEmpty(doc.text, parentPath);
  return finish({ ...doc, text: collapsed, tree: parseTree(collapsed) }, [], expected);
}

export type Json5PathLocation =
  | { found: true; line: number; column: number }
  | {
      found: false;
      /**
       * `$include` directives on objects along the path, nearest last: the key may come
       * from one of these files. `at` is the object's key path.
       */
      includes: { at: string[]; files: string[]; line: number }[];
    };

/** Where a key path is written in this text, or which `$include`s might define it. */
export function locateJson5Path(text: string, path: readonly string[]): Json5PathLocation {
  const doc = load(text);
  const includes: { at: string[]; files: string[]; line: number }[] = [];
  let node: ValueNode = doc.tree.root;
  for (let i = 0; i < path.length; i++) {
    if (node.kind !== 'object') break;
    const include = lastMember(node, '$include');
    if (include) {
      const span = valueSpan(doc, include.value);
      const files: unknown = JSON5.parse(doc.text.slice(span.start, span.end));
      const list = (Array.isArray(files) ? files : [files]).filter((f): f is string => typeof f === 'string');
      includes.push({ at: path.slice(0, i), files: list, line: lineOfToken(doc, include.keyToken) });
    }
    const member = lastMember(node, path[i]!);
    if (!member) break;
    if (i === path.length - 1) return { found: true, ...positionOf(doc.text, doc.tree.tokens[member.keyToken]!.start) };
    node = member.value;
  }
  return { found: false, includes };
}
