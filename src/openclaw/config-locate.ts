import type { SourceLocation } from '../snapshot/types.js';
import type { LocNode } from './config-types.js';

/**
 * Where each key of a JSON5 document was written. A scanner, not a parser: it
 * follows nesting of objects and arrays through comments and strings, and
 * records the position of every key and array element. It runs on text json5
 * already accepted, but never throws on anything else either.
 *
 * Positions follow json5's own counting so they agree with its error messages:
 * 1-based, only "\n" starts a line, columns count UTF-16 units.
 */

/** Key paths whose location a check may cite as evidence. */
export const TRACKED_PATHS: readonly string[] = [
  'gateway',
  'gateway.mode',
  'gateway.bind',
  'gateway.port',
  'gateway.customBindHost',
  'gateway.auth',
  'gateway.auth.mode',
  'gateway.auth.token',
  'gateway.auth.password',
  'gateway.auth.allowTailscale',
  'gateway.tailscale',
  'gateway.tailscale.mode',
  'gateway.controlUi',
  'gateway.controlUi.allowedOrigins',
  'gateway.controlUi.dangerouslyDisableDeviceAuth',
  'gateway.controlUi.allowInsecureAuth',
  'gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback',
  'gateway.trustedProxies',
  'gateway.allowRealIpFallback',
  'gateway.tls.enabled',
];

type Frame =
  | { kind: 'object'; node: LocNode; state: 'key' | 'colon' | 'value' | 'after'; key: string; keyAt?: SourceLocation }
  | { kind: 'array'; node: LocNode; state: 'value' | 'after' };

type Token = { kind: 'punct'; char: string; at: SourceLocation } | { kind: 'word'; text: string; at: SourceLocation };

const PUNCT = new Set(['{', '}', '[', ']', ':', ',']);
const LINE_END = new Set(['\n', '\r', '\u2028', '\u2029']);

function isSpace(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return c === '\ufeff' || /\s/.test(c);
}

/** The value of \x, \u and single-character escapes; what else there is (\0, octal) never names a key we track. */
function unescapeChar(text: string, i: number): { value: string; length: number } {
  const c = text[i] ?? '';
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };
  if (c === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) return { value: String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16)), length: 3 };
  if (c === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return { value: String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16)), length: 5 };
  if (c === '\r' && text[i + 1] === '\n') return { value: '', length: 2 };
  if (LINE_END.has(c)) return { value: '', length: 1 };
  return { value: simple[c] ?? c, length: 1 };
}

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let column = 1;
  // Moves over text[i..end), keeping line and column right.
  const advanceTo = (end: number): void => {
    for (; i < end && i < text.length; i++) {
      if (text[i] === '\n') {
        line++;
        column = 1;
      } else column++;
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      advanceTo(i + 1);
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      let end = i + 2;
      while (end < text.length && !LINE_END.has(text[end]!)) end++;
      advanceTo(end);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      advanceTo(close < 0 ? text.length : close + 2);
      continue;
    }
    const at: SourceLocation = { file, line, column };
    if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', char: c, at });
      advanceTo(i + 1);
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') {
          const escaped = unescapeChar(text, j + 1);
          value += escaped.value;
          j += 1 + escaped.length;
        } else {
          value += text[j];
          j++;
        }
      }
      tokens.push({ kind: 'word', text: value, at });
      advanceTo(Math.min(j + 1, text.length));
      continue;
    }
    // Identifiers, numbers and literals: everything up to the next delimiter.
    let value = '';
    let j = i;
    while (j < text.length) {
      const d = text[j]!;
      if (PUNCT.has(d) || d === '"' || d === "'" || d === '/' || isSpace(d)) break;
      if (d === '\\' && text[j + 1] === 'u') {
        const escaped = unescapeChar(text, j + 1);
        value += escaped.value;
        j += 1 + escaped.length;
        continue;
      }
      value += d;
      j++;
    }
    if (j === i) {
      // A lone "/" that starts no comment: step over it so the scan always moves.
      advanceTo(i + 1);
      continue;
    }
    tokens.push({ kind: 'word', text: value, at });
    advanceTo(j);
  }
  return tokens;
}

/** The location tree of a JSON5 text: the root node's `children` (object) or `items` (array). */
export function scanKeyLocations(text: string, file: string): LocNode {
  const root: LocNode = {};
  const stack: Frame[] = [];
  let rootTaken = false;

  // A value starts here: give it a node under whatever holds it; open a frame if it is a container.
  const startValue = (token: Token): void => {
    const top = stack[stack.length - 1];
    let node: LocNode;
    if (!top) {
      if (rootTaken) return;
      rootTaken = true;
      node = root;
    } else if (top.kind === 'object') {
      node = top.keyAt ? { at: top.keyAt } : {};
      top.node.children ??= new Map();
      top.node.children.set(top.key, node);
      top.state = 'after';
    } else {
      node = { at: token.at };
      top.node.items ??= [];
      top.node.items.push(node);
      top.state = 'after';
    }
    if (token.kind === 'punct' && token.char === '{') {
      node.children ??= new Map();
      stack.push({ kind: 'object', node, state: 'key', key: '' });
    } else if (token.kind === 'punct' && token.char === '[') {
      node.items ??= [];
      stack.push({ kind: 'array', node, state: 'value' });
    }
  };

  for (const token of tokenize(text, file)) {
    const top = stack[stack.length - 1];
    const expectsValue = !top ? !rootTaken : top.state === 'value';
    if (token.kind === 'word') {
      if (top?.kind === 'object' && top.state === 'key') {
        top.key = token.text;
        top.keyAt = token.at;
        top.state = 'colon';
      } else if (expectsValue) startValue(token);
      continue;
    }
    switch (token.char) {
      case '{':
      case '[':
        if (expectsValue) startValue(token);
        break;
      case '}':
        if (top?.kind === 'object') stack.pop();
        break;
      case ']':
        if (top?.kind === 'array') stack.pop();
        break;
      case ':':
        if (top?.kind === 'object' && top.state === 'colon') top.state = 'value';
        break;
      case ',':
        if (top?.kind === 'object' && top.state === 'after') top.state = 'key';
        else if (top?.kind === 'array' && top.state === 'after') top.state = 'value';
        break;
    }
  }
  return root;
}

/** The node at a dotted key path, following object keys only. */
export function nodeAt(root: LocNode, path: string): LocNode | undefined {
  let node: LocNode | undefined = root;
  for (const segment of path.split('.')) {
    node = node?.children?.get(segment);
    if (!node) return undefined;
  }
  return node;
}

/** Dotted path → where it was written, for the paths asked for that exist. */
export function locationsFor(root: LocNode, paths: readonly string[] = TRACKED_PATHS): Record<string, SourceLocation> {
  const out: Record<string, SourceLocation> = {};
  for (const path of paths) {
    const at = nodeAt(root, path)?.at;
    if (at) out[path] = { ...at };
  }
  return out;
}

/** Where the document's first value starts (for "the root must be an object"). */
export function firstValueAt(text: string, file: string): SourceLocation {
  return tokenize(text, file)[0]?.at ?? { file, line: 1, column: 1 };
}

/**
 * Where objects and arrays first nest deeper than `max`, if they do. Resolution
 * recurses per level; a bound here keeps absurd input from exhausting the stack.
 */
export function nestingExceededAt(text: string, file: string, max: number): SourceLocation | undefined {
  let depth = 0;
  for (const token of tokenize(text, file)) {
    if (token.kind !== 'punct') continue;
    if (token.char === '{' || token.char === '[') {
      if (++depth > max) return token.at;
    } else if (token.char === '}' || token.char === ']') depth = Math.max(0, depth - 1);
  }
  return undefined;
}
