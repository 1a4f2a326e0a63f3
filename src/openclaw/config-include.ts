import { tryRealpath } from '../collect/host.js';
import { OWN_READS, type OwnerReader } from '../collect/owner-read.js';
import { dirname, isAbsolute, normalize, relative, resolve } from 'node:path';
import type { SourceLocation } from '../snapshot/types.js';
import { nestingExceededAt, scanKeyLocations } from './config-locate.js';
import { deepMergeLocated, emptyLocated } from './config-merge.js';
import { parseJson5 } from './config-parse.js';
import { ConfigAccessError, ConfigError, isPlainObject, type Located, type LocNode } from './config-types.js';
import { setOwn } from '../snapshot/set-own.js';

/**
 * `$include` as OpenClaw resolves it: a string or an array of strings at any
 * object level; the files are deep-merged in order and the keys beside
 * `$include` are merged over them. Paths are relative to the including file and
 * must stay, before and after following symlinks, inside the main config's
 * directory or an OPENCLAW_INCLUDE_ROOTS root.
 */

export const INCLUDE_KEY = '$include';
export const MAX_INCLUDE_DEPTH = 10;
export const MAX_INCLUDE_BYTES = 2 * 1024 * 1024;
/** Nesting levels per file; real configs use a handful. */
export const MAX_NESTING = 256;
const MAX_PATH_LENGTH = 4096;

export interface IncludeOptions {
  /** The directory of the main config: includes must stay inside it... */
  rootDir: string;
  /** ...or inside one of these (OPENCLAW_INCLUDE_ROOTS). */
  extraRoots?: string[];
  maxDepth?: number;
  maxBytes?: number;
  /** Whose rights the includes are read with (the gateway's owner, collect/owner-read.ts); clawmoat's own by default. */
  reader?: OwnerReader;
}

export interface IncludeResult {
  located: Located;
  /** Every include file read, in the order first read. */
  files: string[];
}

interface Context {
  file: string;
  depth: number;
  /** The files that included this one, the main config first: a repeat is a cycle. */
  chain: string[];
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

async function realOrSelf(path: string): Promise<string> {
  return (await tryRealpath(path)) ?? path;
}

class IncludeResolver {
  readonly files: string[] = [];
  private readonly roots: string[];
  private realRoots: string[] | undefined;
  private readonly maxDepth: number;
  private readonly maxBytes: number;
  private readonly reader: OwnerReader;

  constructor(options: IncludeOptions) {
    this.reader = options.reader ?? OWN_READS;
    this.roots = [normalize(options.rootDir), ...(options.extraRoots ?? []).map((r) => normalize(r))];
    this.maxDepth = options.maxDepth ?? MAX_INCLUDE_DEPTH;
    this.maxBytes = options.maxBytes ?? MAX_INCLUDE_BYTES;
  }

  async process(value: unknown, node: LocNode, ctx: Context): Promise<Located> {
    if (Array.isArray(value)) {
      const items: LocNode[] = [];
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const itemNode = node.items?.[i] ?? {};
        const processed = await this.process(value[i], itemNode, ctx);
        out.push(processed.value);
        items.push(withAt(processed.node, itemNode.at));
      }
      return { value: out, node: { items } };
    }
    if (!isPlainObject(value)) return { value, node: {} };
    if (!Object.hasOwn(value, INCLUDE_KEY)) return this.processObject(value, node, ctx);

    const includeNode = node.children?.get(INCLUDE_KEY) ?? {};
    const included = await this.resolveIncludeValue(value[INCLUDE_KEY], includeNode, ctx);
    const siblings = Object.keys(value).filter((k) => k !== INCLUDE_KEY);
    if (siblings.length === 0) return included;
    if (!isPlainObject(included.value)) {
      throw new ConfigError('keys beside $include need the included content to be an object', here(includeNode.at, ctx));
    }
    const rest: Record<string, unknown> = {};
    for (const key of siblings) setOwn(rest, key, value[key]);
    return deepMergeLocated(included, await this.processObject(rest, node, ctx));
  }

  private async processObject(value: Record<string, unknown>, node: LocNode, ctx: Context): Promise<Located> {
    const out: Record<string, unknown> = {};
    const children = new Map<string, LocNode>();
    for (const [key, child] of Object.entries(value)) {
      const childNode = node.children?.get(key) ?? {};
      const processed = await this.process(child, childNode, ctx);
      setOwn(out, key, processed.value);
      children.set(key, withAt(processed.node, childNode.at));
    }
    return { value: out, node: { children } };
  }

  private async resolveIncludeValue(value: unknown, includeNode: LocNode, ctx: Context): Promise<Located> {
    if (typeof value === 'string') return this.loadFile(value, here(includeNode.at, ctx), ctx);
    if (Array.isArray(value)) {
      let merged = emptyLocated();
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const at = here(includeNode.items?.[i]?.at ?? includeNode.at, ctx);
        if (typeof item !== 'string') throw new ConfigError(`$include array item ${i} is a ${describe(item)}, not a path`, at);
        merged = deepMergeLocated(merged, await this.loadFile(item, at, ctx));
      }
      return merged;
    }
    throw new ConfigError(`$include must be a path or an array of paths, not a ${describe(value)}`, here(includeNode.at, ctx));
  }

  private async loadFile(includePath: string, at: SourceLocation, ctx: Context): Promise<Located> {
    if (includePath.trim() === '' || includePath.includes('\0') || includePath.length >= MAX_PATH_LENGTH) {
      throw new ConfigError('$include path is empty, too long or contains a NUL byte', at);
    }
    const resolved = normalize(isAbsolute(includePath) ? includePath : resolve(dirname(ctx.file), includePath));
    if (resolved.length >= MAX_PATH_LENGTH) throw new ConfigError(`$include path is too long once resolved: ${includePath}`, at);
    if (!this.roots.some((root) => isInside(root, resolved))) {
      throw new ConfigError(`$include ${includePath} escapes the config directory ${this.roots[0]} (and OPENCLAW_INCLUDE_ROOTS)`, at);
    }
    const real = await realOrSelf(resolved);
    this.realRoots ??= await Promise.all(this.roots.map(realOrSelf));
    if (!this.realRoots.some((root) => isInside(root, real))) {
      throw new ConfigError(`$include ${includePath} is a symlink to ${real}, outside the config directory and OPENCLAW_INCLUDE_ROOTS`, at);
    }
    if (ctx.chain.includes(resolved)) {
      throw new ConfigError(`circular $include: ${[...ctx.chain, resolved].join(' -> ')}`, at);
    }
    if (ctx.depth >= this.maxDepth) {
      throw new ConfigError(`$include nested more than ${this.maxDepth} levels deep at ${includePath}`, at);
    }
    const text = await this.readIncluded(includePath, resolved, at);
    if (!this.files.includes(resolved)) this.files.push(resolved);
    const parsed = parseJson5(text);
    if (!parsed.ok) {
      throw new ConfigError(`included file is not valid JSON5: ${parsed.message}`, { file: resolved, line: parsed.line, column: parsed.column });
    }
    const deep = nestingExceededAt(text, resolved, MAX_NESTING);
    if (deep) throw new ConfigError(`included file nests deeper than ${MAX_NESTING} levels`, deep);
    const node = scanKeyLocations(text, resolved);
    return this.process(parsed.value, node, { file: resolved, depth: ctx.depth + 1, chain: [...ctx.chain, resolved] });
  }

  private async readIncluded(includePath: string, resolved: string, at: SourceLocation): Promise<string> {
    const read = await this.reader.readSafe(resolved, { maxBytes: this.maxBytes });
    if (read.ok) return read.data.toString('utf8');
    switch (read.reason) {
      case 'not-found':
        throw new ConfigError(`$include file not found: ${includePath} (${resolved})`, at);
      case 'not-regular':
      case 'too-large':
        throw new ConfigError(`$include ${includePath}: ${read.detail}`, at);
      case 'permission-denied':
        throw new ConfigAccessError(`${read.detail} (included from ${at.file}:${at.line})`, 'permission-denied');
      default:
        throw new ConfigAccessError(`${read.detail} (included from ${at.file}:${at.line})`, 'error');
    }
  }
}

function withAt(node: LocNode, at: SourceLocation | undefined): LocNode {
  return at ? { ...node, at } : node;
}

/** Where to point an error: the $include key, or the top of the including file when unknown. */
function here(at: SourceLocation | undefined, ctx: Context): SourceLocation {
  return at ?? { file: ctx.file, line: 1, column: 1 };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Resolve every $include under a parsed main config. Throws ConfigError or ConfigAccessError. */
export async function resolveIncludes(mainPath: string, value: unknown, node: LocNode, options: IncludeOptions): Promise<IncludeResult> {
  const resolver = new IncludeResolver(options);
  const main = normalize(mainPath);
  const located = await resolver.process(value, node, { file: main, depth: 0, chain: [main] });
  return { located, files: resolver.files };
}
