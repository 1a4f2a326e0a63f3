import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type YAMLMap } from 'yaml';
import { interpolate } from './interpolate.js';
import type { ComposeError, ComposeWarning } from './types.js';

/**
 * Walks the YAML syntax tree (not the plain JS value) so every value keeps its position.
 * Resolves aliases and `<<` merge keys itself, interpolates the string values it is asked
 * for, and collects problems instead of throwing.
 */

export interface Entry {
  key: string;
  keyNode: Node;
  /** null for a key with no value (`image:`). */
  value: Node | null;
}

export interface Position {
  line: number;
  column: number;
}

// Merges deeper than this are either a mistake or a self-referencing anchor.
const MAX_MERGE_DEPTH = 16;

function asNode(value: unknown): Node | null {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value) ? value : null;
}

export class Reader {
  readonly warnings: ComposeWarning[] = [];
  error: ComposeError | undefined;
  private readonly warned = new Set<string>();
  // Each mapping's entries are computed once, so repeated merges of one anchor stay linear.
  private readonly entryCache = new WeakMap<YAMLMap, Entry[]>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly env: Record<string, string>,
  ) {}

  position(node: Node | null | undefined): Position {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  /** Follows an alias to the node it names. */
  resolve(value: unknown): Node | null {
    const node = asNode(value);
    if (node !== null && isAlias(node)) return asNode(node.resolve(this.doc));
    return node;
  }

  /** What the file pulls in and the model does not follow. */
  readonly notFollowed: ComposeWarning[] = [];

  unresolved(node: Node | null | undefined, message: string): void {
    this.notFollowed.push({ line: this.position(node).line, message });
  }

  /** Records a problem that would make compose refuse the file; the first one becomes `error`. */
  fail(node: Node | null | undefined, message: string): void {
    const { line, column } = this.position(node);
    if (this.error === undefined) this.error = { line, column, message };
    else this.warn(node, message);
  }

  /** A note that does not stop compose; `at` is a node or a line number. */
  warn(at: Node | number | null | undefined, message: string): void {
    const line = typeof at === 'number' ? at : at?.range ? this.position(at).line : undefined;
    const key = `${line ?? ''}\u0000${message}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnings.push(line === undefined ? { message } : { line, message });
  }

  /** The entries of a mapping, with `<<` merges applied: keys written in the mapping win, then earlier merges. */
  entries(map: YAMLMap, depth = 0): Entry[] {
    const cached = this.entryCache.get(map);
    if (cached) return cached;
    if (depth > MAX_MERGE_DEPTH) {
      this.fail(map, 'merge keys ("<<") nested too deeply');
      return [];
    }
    const explicit = new Set<string>();
    for (const pair of map.items) {
      const key = this.keyOf(pair.key);
      if (key !== undefined && !isMergeKey(pair.key)) explicit.add(key);
    }
    const out: Entry[] = [];
    const taken = new Set<string>();
    for (const pair of map.items) {
      const keyNode = asNode(pair.key);
      if (isMergeKey(pair.key)) {
        const target = this.resolve(pair.value);
        const sources = isSeq(target) ? target.items.map((item) => this.resolve(item)) : [target];
        for (const source of sources) {
          if (!isMap(source)) {
            this.fail(asNode(pair.value) ?? keyNode, '"<<" must merge a mapping or a list of mappings');
            continue;
          }
          for (const entry of this.entries(source, depth + 1)) {
            if (explicit.has(entry.key) || taken.has(entry.key)) continue;
            taken.add(entry.key);
            out.push(entry);
          }
        }
        continue;
      }
      const key = this.keyOf(pair.key);
      if (key === undefined || keyNode === null) {
        this.warn(keyNode, 'a mapping key that is not a scalar is ignored');
        continue;
      }
      taken.add(key);
      out.push({ key, keyNode, value: asNode(pair.value) });
    }
    this.entryCache.set(map, out);
    return out;
  }

  /**
   * A scalar as a string, interpolated when YAML read it as a string (compose does not
   * interpolate numbers or booleans). Undefined for a missing or null value, and for a
   * collection, which is recorded as a problem.
   */
  text(value: Node | null | undefined, what: string): string | undefined {
    const node = this.resolve(value);
    if (node === null) return undefined;
    if (!isScalar(node)) {
      this.fail(node, `${what} must be a single value, not a ${isMap(node) ? 'mapping' : 'list'}`);
      return undefined;
    }
    const v = node.value;
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'string') return typeof v === 'symbol' ? (v.description ?? '') : String(v);
    return this.interpolate(node, v, what);
  }

  interpolate(node: Node, template: string, what: string): string | undefined {
    const result = interpolate(template, this.env);
    for (const name of result.unset) this.warn(node, `variable "${name}" is not set; ${what} uses an empty string in its place`);
    if (result.error !== undefined) {
      this.fail(node, `${what}: ${result.error}`);
      return undefined;
    }
    return result.value;
  }

  /** A variable of the environment compose runs in, or undefined when unset. */
  lookup(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.env, name) ? this.env[name] : undefined;
  }

  private keyOf(key: unknown): string | undefined {
    if (key === null || key === undefined) return '';
    if (!isScalar(key)) return undefined;
    const v = key.value;
    if (v === null || v === undefined) return '';
    return typeof v === 'symbol' ? (v.description ?? '') : String(v);
  }
}

/** A plain `<<` key: with `merge: true` the yaml package reads it as a symbol, a quoted "<<" stays a string. */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}
