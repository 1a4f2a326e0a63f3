import JSON5 from 'json5';
import { isTrivia, tokenize, type Token } from './json5-tokens.js';

/**
 * The shape of a JSON5 document as token positions: which tokens open and close each
 * object, where each key and value starts and ends, and which comma follows it. That is
 * all an editor needs to splice; the values themselves are read with json5.
 */

export interface ObjectNode {
  kind: 'object';
  /** Token indexes of "{" and "}". */
  open: number;
  close: number;
  members: Member[];
}

export interface ArrayNode {
  kind: 'array';
  open: number;
  close: number;
  items: Item[];
}

export interface ScalarNode {
  kind: 'scalar';
  /** The value is this one token. */
  open: number;
  close: number;
}

export type ValueNode = ObjectNode | ArrayNode | ScalarNode;

export interface Item {
  value: ValueNode;
  /** Token index of the comma after the value, or -1. */
  comma: number;
}

export interface Member extends Item {
  /** The key as json5 reads it (quotes and escapes resolved). */
  key: string;
  keyToken: number;
}

export interface Tree {
  tokens: Token[];
  root: ValueNode;
}

class Cursor {
  i = 0;
  constructor(
    readonly text: string,
    readonly tokens: Token[],
  ) {}

  /** Index of the next token that is not trivia, skipping over trivia. */
  next(): number {
    while (this.i < this.tokens.length && isTrivia(this.tokens[this.i]!.kind)) this.i++;
    return this.i;
  }

  textOf(index: number): string {
    const t = this.tokens[index];
    return t === undefined ? '' : this.text.slice(t.start, t.end);
  }
}

function decodeKey(raw: string): string {
  // Let json5 decide what a quoted or escaped key means, so the two never disagree.
  if (raw.startsWith('"') || raw.startsWith("'")) return JSON5.parse<string>(raw);
  if (raw.includes('\\')) return Object.keys(JSON5.parse<Record<string, unknown>>(`{${raw}:0}`))[0] ?? raw;
  return raw;
}

function parseValue(c: Cursor): ValueNode {
  const at = c.next();
  const open = c.textOf(at);
  if (open === '{') return parseObject(c, at);
  if (open === '[') return parseArray(c, at);
  c.i = at + 1;
  return { kind: 'scalar', open: at, close: at };
}

function parseObject(c: Cursor, open: number): ObjectNode {
  c.i = open + 1;
  const members: Member[] = [];
  for (;;) {
    const at = c.next();
    if (at >= c.tokens.length) throw new Error('unterminated object');
    if (c.textOf(at) === '}') {
      c.i = at + 1;
      return { kind: 'object', open, close: at, members };
    }
    const key = decodeKey(c.textOf(at));
    c.i = at + 1;
    c.next(); // ":"
    c.i++;
    const value = parseValue(c);
    const after = c.next();
    const comma = c.textOf(after) === ',' ? after : -1;
    if (comma >= 0) c.i = comma + 1;
    members.push({ key, keyToken: at, value, comma });
  }
}

function parseArray(c: Cursor, open: number): ArrayNode {
  c.i = open + 1;
  const items: Item[] = [];
  for (;;) {
    const at = c.next();
    if (at >= c.tokens.length) throw new Error('unterminated array');
    if (c.textOf(at) === ']') {
      c.i = at + 1;
      return { kind: 'array', open, close: at, items };
    }
    const value = parseValue(c);
    const after = c.next();
    const comma = c.textOf(after) === ',' ? after : -1;
    if (comma >= 0) c.i = comma + 1;
    items.push({ value, comma });
  }
}

/** The tree of text json5 has already accepted. */
export function parseTree(text: string): Tree {
  const tokens = tokenize(text);
  const c = new Cursor(text, tokens);
  return { tokens, root: parseValue(c) };
}

/** The member json5 would read for `key`: with duplicate keys the last one wins. */
export function lastMember(object: ObjectNode, key: string): Member | undefined {
  for (let i = object.members.length - 1; i >= 0; i--) {
    const m = object.members[i]!;
    if (m.key === key) return m;
  }
  return undefined;
}

/** Follows object keys from the root; undefined when a key is missing or a value on the way is not an object. */
export function objectAt(tree: Tree, path: readonly string[]): ObjectNode | undefined {
  let node: ValueNode = tree.root;
  for (const key of path) {
    if (node.kind !== 'object') return undefined;
    const m = lastMember(node, key);
    if (!m) return undefined;
    node = m.value;
  }
  return node.kind === 'object' ? node : undefined;
}
