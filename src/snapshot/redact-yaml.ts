import { Parser, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Scalar } from 'yaml';
import { REDACTED_TEXT, SecretVault, isReference, isSecretFlag, isSecretName, redactText } from './redact.js';

/**
 * Secrets out of a YAML file (a compose file), on the parsed document: the `yaml` library
 * gives each node's exact source range, so only the secret scalars' text is replaced and
 * everything else (comments, anchors, layout, other values) stays byte for byte. What is masked:
 *
 * - every scalar under a secret-named key (`OPENCLAW_GATEWAY_TOKEN:`, `password:`), in any
 *   style (plain, quoted, block `|`, `>-`, `|2+`), and under it when the value is a collection;
 * - an alias under a secret-named key: the anchored node it points to, wherever it is;
 * - `NAME=value` strings with a secret NAME (compose `environment:` lists);
 * - the value after a secret flag: `["--token", "X"]`, `- --password` then `- X`, and
 *   `--token X` / `--token=X` inside a command string;
 * - the password of `scheme://user:password@host` in any value, and all of these in comments.
 *
 * A masked scalar becomes the double-quoted string "[REDACTED]" (a JSON string is a valid YAML
 * double-quoted scalar in block and flow context alike), so the redacted file parses to the same
 * structure. A file that does not parse is masked line by line, as strictly as its text allows.
 */

export interface YamlRedaction {
  text: string;
  /** Set when the file was not valid YAML and was masked line by line: why, for the user. */
  fallback?: string;
}

/** Compose's own keys that hold names and file paths of secrets, not secret values. */
const SECRET_CONTAINERS = new Set(['secrets', 'configs']);

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The quoted replacement for a scalar, followed by as many line breaks as the source held:
 * every later line keeps its number, so findings still point at the right line of the real file.
 */
function replacementFor(source: string, value: string): string {
  return `${JSON.stringify(value)}${'\n'.repeat(source.split('\n').length - 1)}`;
}

class Redactor {
  /** Scalars masked whole. */
  private readonly whole = new Set<Scalar>();
  /** Scalars whose string value is rewritten (a NAME=value, a flag's value, a URL password inside). */
  private readonly partial = new Map<Scalar, string>();

  constructor(
    private readonly doc: Document,
    private readonly vault: SecretVault,
    private readonly text: string,
  ) {}

  run(): void {
    this.walk(this.doc.contents as Node | null, false);
  }

  edits(text: string): Edit[] {
    const out: Edit[] = [];
    for (const node of this.whole) {
      const [start, end] = node.range!;
      out.push({ start, end, text: replacementFor(text.slice(start, end), REDACTED_TEXT) });
    }
    for (const [node, value] of this.partial) {
      if (this.whole.has(node)) continue;
      const [start, end] = node.range!;
      out.push({ start, end, text: replacementFor(text.slice(start, end), value) });
    }
    return out;
  }

  /** Mask a scalar whole; a reference (`${VAR}`) or an empty value stays. */
  private mask(node: Scalar): void {
    if (!node.range || node.value === null || node.value === undefined) return;
    const value = String(node.value);
    if (isReference(value.trim())) return;
    this.vault.remember(value);
    // A value written over several lines (a folded block, a long quoted string) is also
    // remembered as written, line by line: that is how a diff of the raw file shows it.
    const lines = this.text.slice(node.range[0], node.range[1]).split('\n');
    if (lines.length > 1)
      for (const line of node.type?.startsWith('BLOCK') ? lines.slice(1) : lines) this.vault.remember(line.replace(/^\s*["']?|["']?\s*$/g, ''));
    this.whole.add(node);
  }

  /** Everything under a secret: each scalar, and the targets of aliases. */
  private maskAll(node: Node | null | undefined, seen = new Set<Node>()): void {
    if (!node || seen.has(node)) return;
    seen.add(node);
    if (isScalar(node)) this.mask(node);
    else if (isAlias(node)) this.maskAll(node.resolve(this.doc) as Node | undefined, seen);
    else if (isMap(node)) for (const pair of node.items) this.maskAll(pair.value as Node | null, seen);
    else if (isSeq(node)) for (const item of node.items) this.maskAll(item as Node | null, seen);
  }

  /** A string value that is not under a secret key: NAME=value, flags, URL passwords. */
  private rewrite(node: Scalar): void {
    if (typeof node.value !== 'string' || !node.range) return;
    const value = node.value;
    const assignment = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(value);
    let next: string;
    if (assignment && isSecretName(assignment[1]!)) {
      // The whole rest is the value: compose does not split "TOKEN=a b" on the space.
      if (isReference(assignment[2]!.trim())) return;
      this.vault.remember(assignment[2]!);
      next = `${assignment[1]}=${REDACTED_TEXT}`;
    } else {
      next = redactText(value, this.vault);
    }
    if (next !== value) this.partial.set(node, next);
  }

  private walk(node: Node | null | undefined, underSecret: boolean): void {
    if (!node) return;
    if (underSecret) {
      this.maskAll(node);
      return;
    }
    if (isScalar(node)) this.rewrite(node);
    else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const value = pair.value as Node | null;
        if (key !== undefined && SECRET_CONTAINERS.has(key) && isMap(value)) {
          // `secrets: { gateway_token: { file: … } }`: the keys are names, their values definitions.
          for (const named of value.items) this.walk(named.value as Node | null, false);
        } else if (key !== undefined && isSecretName(key) && !SECRET_CONTAINERS.has(key)) this.maskAll(value);
        else this.walk(value, false);
        // A complex key (`? [a, b]`) is data too.
        if (!isScalar(pair.key) && pair.key) this.walk(pair.key as Node, false);
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const item = node.items[i] as Node | null;
        const next = node.items[i + 1] as Node | null | undefined;
        this.walk(item, false);
        // ["--token", "X"] or `- --password` then `- X`: the next item is the secret.
        if (
          isScalar(item) &&
          typeof item.value === 'string' &&
          isSecretFlag(item.value.trim()) &&
          next &&
          !(isScalar(next) && String(next.value).startsWith('--'))
        ) {
          this.maskAll(next);
          i++;
        }
      }
    } else if (isPair(node)) this.walk(node.value as Node | null, false);
  }
}

/** Comments as [offset, text], from the concrete syntax tree. */
function comments(text: string): { offset: number; source: string }[] {
  const out: { offset: number; source: string }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      const t = v as { type?: unknown; offset?: unknown; source?: unknown };
      if (t.type === 'comment' && typeof t.offset === 'number' && typeof t.source === 'string') out.push({ offset: t.offset, source: t.source });
      for (const child of Object.values(v)) if (child && typeof child === 'object') walk(child);
    }
  };
  for (const token of new Parser().parse(text)) walk(token);
  return out;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The documents of a YAML text as plain values, or undefined when any has an error. */
function structure(parsed: ReturnType<typeof parseAllDocuments>): unknown[] | undefined {
  const docs = Array.isArray(parsed) ? parsed : [];
  if (docs.some((d) => d.errors.length > 0)) return undefined;
  try {
    // The default alias limit: a billion-laughs file falls back to the line mask instead of eating memory.
    return docs.map((d) => d.toJS() as unknown);
  } catch {
    return undefined;
  }
}

/** Same shape: the same keys and lengths everywhere; scalars may differ. */
function sameShape(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameShape(x, b[i]));
  if (a instanceof Map || b instanceof Map) return a instanceof Map && b instanceof Map && a.size === b.size;
  if (a && typeof a === 'object') {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameShape((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return !(b && typeof b === 'object');
}

/** Redact a YAML text on its parsed documents; falls back to line masking when it does not parse. */
export function redactYaml(text: string, vault: SecretVault = new SecretVault()): YamlRedaction {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  const broken = list.find((d) => d.errors.length > 0);
  if (broken) {
    const line = broken.errors[0]!.linePos?.[0]?.line;
    return {
      text: redactYamlLines(text, vault),
      fallback: `not valid YAML${line ? ` (line ${line})` : ''}: every value after a secret-named key, and the lines under it, masked line by line`,
    };
  }
  const edits: Edit[] = [];
  for (const doc of list) {
    const r = new Redactor(doc, vault, text);
    r.run();
    edits.push(...r.edits(text));
  }
  for (const c of comments(text)) {
    const masked = redactText(c.source, vault);
    if (masked !== c.source) edits.push({ start: c.offset, end: c.offset + c.source.length, text: masked });
  }
  const out = applyEdits(text, edits);
  // The promise: the same structure. Should an edit ever break it, the strict line mask is the answer.
  const before = structure(docs);
  const after = structure(parseAllDocuments(out));
  if (!before || !after || !sameShape(before, after)) {
    return { text: redactYamlLines(text, vault), fallback: 'the redacted YAML did not keep its structure: masked line by line instead' };
  }
  return { text: out };
}

const KEY_LINE = /^(\s*)(-\s+)?(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\3\s*([:=])(\s*)(.*)$/;

/**
 * The strict fallback for text that does not parse as YAML: after a secret-named key
 * (`KEY: v`, `KEY=v`, `- KEY=v`) the rest of the line is masked, and so is every following
 * line indented deeper than the key (a block scalar, a nested map, a quoted value that runs
 * on); after a secret flag on a line of its own (`- --password`), the next line's value.
 * Every line also goes through redactText (URL passwords, flags, NAME=value).
 */
export function redactYamlLines(text: string, vault: SecretVault = new SecretVault()): string {
  const lines = text.split('\n');
  const indent = (line: string): number => /^\s*/.exec(line)![0].length;
  const maskLine = (line: string): string => {
    const lead = /^(\s*(?:-\s+)?)/.exec(line)![1]!;
    const rest = line.slice(lead.length);
    if (rest.trim() === '' || rest.trim().startsWith('#')) return line;
    vault.remember(rest);
    return `${lead}${JSON.stringify(REDACTED_TEXT)}`;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const key = KEY_LINE.exec(line);
    if (key && isSecretName(key[4]!) && !SECRET_CONTAINERS.has(key[4]!)) {
      const value = key[7]!.replace(/\s+#.*$/, '').trim();
      const head = line.slice(0, line.length - key[7]!.length);
      const blockIndicator = /^[|>][-+0-9]*$/.test(value);
      if (value !== '' && !blockIndicator && !isReference(value.replace(/^(["'])(.*)\1$/, '$2'))) {
        vault.remember(value.replace(/^(["'])(.*)\1$/, '$2'));
        lines[i] = `${head}${JSON.stringify(REDACTED_TEXT)}`;
      }
      // Deeper lines belong to the value (a block scalar, a nested map, a folded quoted string).
      const base = indent(line) + (key[2] ? key[2].length : 0);
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || indent(lines[i + 1]!) > base)) {
        i++;
        lines[i] = maskLine(lines[i]!);
      }
      continue;
    }
    const flag = /^\s*-\s+(["']?)(--[A-Za-z][A-Za-z0-9-]*)\1\s*$/.exec(line);
    if (flag && isSecretFlag(flag[2]!) && i + 1 < lines.length) {
      i++;
      lines[i] = maskLine(lines[i]!);
      continue;
    }
    lines[i] = redactText(line, vault);
  }
  return lines.join('\n');
}
