import type { Door, DoorListen, DoorProblem, SourceLocation } from '../../snapshot/types.js';

/**
 * nginx's config as doors: every `proxy_pass` (http and stream) with the listeners of its
 * server block, what it does with X-Forwarded-For and the authentication in front of it.
 * Pure: the files' text in (from `nginx -T`, or read one by one), doors and problems out.
 * Semantics from the nginx docs (reference/doors.md §1.1).
 */

export interface NginxDirective {
  name: string;
  args: string[];
  file: string;
  line: number;
  block?: NginxDirective[];
}

export class NginxSyntaxError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * The tokens of a file in one native pass, white space left out but for newlines (which count
 * lines): a whole plain directive on one line (`listen 80;`, `proxy_set_header Connection
 * "upgrade";`, `server {`: words with one space between them, each plain (a `$` but no `${`) or
 * quoted without escapes or white space, `;` or `{` after, then the newline if nothing else
 * follows), which is most of any real config; `}` (with its newline likewise); a newline; `;`;
 * `{`; a `#` comment; a quoted string (backslash escapes); a bare word (with its `${var}`s,
 * braces kept; quotes inside it are its own characters); or, matching nothing else, an unclosed
 * quote or `${`, which makes the text one for parseNginxExact.
 */
const PLAIN_WORD = String.raw`(?:(?:[^\s;{}$"'#]|\$(?!\{))+|"[^"\\\s]*"|'[^'\\\s]*')`;
const TOKENS = new RegExp(
  String.raw`${PLAIN_WORD}(?: ${PLAIN_WORD})* ?[;{][ \t\r]*\n?|\}[ \t\r]*\n?|\n|[;{]|#[^\n]*|"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|(?:[^\s;{}$"']|\$\{[^}]*\}|\$(?!\{))(?:[^\s;{}$]|\$\{[^}]*\}|\$(?!\{))*|\$\{|["']`,
  'g',
);
const [NL, SEMI, OPEN, CLOSE, HASH, DQUOTE, SQUOTE, SPACE_CODE, TAB, CR] = ['\n', ';', '{', '}', '#', '"', "'", ' ', '\t', '\r'].map((c) => c.charCodeAt(0));

interface ParseState {
  file: string;
  stack: NginxDirective[][];
  /** Words of a directive not ended yet (only when it is not one plain token). */
  words: string[];
  wordLine: number;
  line: number;
}

/**
 * Tokenise and nest one file: words, quoted strings, `;`, `{`, `}`, `#` comments. A well-formed
 * file is cut into tokens by one regex, a plain directive with its newline one token, so
 * readToken runs about once per line. Anything else, a syntax error above all, is read again by
 * parseNginxExact, which says what is wrong and where. The two agree on every text
 * (test/unit/collect/nginx-parse.test.ts).
 *
 * Why so: a CLI run is always cold. Interpreted, each step of a loop costs thousands of
 * instructions, and a loop V8 finds hot it compiles with TurboFan, which cost more than the
 * parse itself (200 sites of `nginx -T`, 110 kB: ~95 M instructions with a token per word and
 * white space and the loop in this function, ~70 M so).
 */
export function parseNginxFile(text: string, file: string): NginxDirective[] {
  const root: NginxDirective[] = [];
  const st: ParseState = { file, stack: [root], words: [], wordLine: 0, line: 1 };
  const tokens = text.match(TOKENS) ?? [];
  for (let k = 0; k < tokens.length; k++) if (!readToken(st, tokens[k]!)) return parseNginxExact(text, file);
  if (st.words.length > 0 || st.stack.length > 1) return parseNginxExact(text, file);
  return root;
}

/** A directive ends: `;`, or `{` opening its block. */
function endDirective(st: ParseState, name: string, args: string[], line: number, opens: boolean): void {
  const d: NginxDirective = { name, args, file: st.file, line };
  st.stack[st.stack.length - 1]!.push(d);
  if (opens) st.stack.push((d.block = []));
}

/** The directive of the words gathered so far ends. */
function endWords(st: ParseState, opens: boolean): void {
  endDirective(st, st.words[0]!, st.words.slice(1), st.wordLine, opens);
  st.words = [];
}

/**
 * One token into the tree: false where the text is not well formed. The common tokens (a plain
 * directive, `}`, a newline) are read first; the rest below, in this function too: V8 makes a
 * function hot sooner the smaller it is against what each call runs.
 */
function readToken(st: ParseState, token: string): boolean {
  const c = token.charCodeAt(0);
  let e = token.length - 1;
  const newline = token.charCodeAt(e) === NL;
  if (newline && e === 0) {
    st.line++;
    return true;
  }
  if (newline) e--;
  for (let w = token.charCodeAt(e); w === SPACE_CODE || w === TAB || w === CR; w = token.charCodeAt(e)) e--;
  const last = token.charCodeAt(e);
  if (c === CLOSE) {
    if (st.words.length > 0 || st.stack.length === 1) return false;
    st.stack.pop();
  } else if ((last === SEMI || last === OPEN) && e > 0 && c !== HASH) {
    // A plain directive (no bare word, quoted string or comment ends in `;` or `{`); its quoted words hold no escapes.
    const parts = token.slice(0, token.charCodeAt(e - 1) === SPACE_CODE ? e - 1 : e).split(' ');
    if (token.indexOf('"') >= 0 || token.indexOf("'") >= 0) {
      for (let k = 0; k < parts.length; k++) {
        const q = parts[k]!.charCodeAt(0);
        if (q === DQUOTE || q === SQUOTE) parts[k] = parts[k]!.slice(1, -1);
      }
    }
    if (st.words.length === 0) {
      endDirective(st, parts.shift()!, parts, st.line, last === OPEN);
    } else {
      // The end of a directive whose first words were tokens of their own (a quoted string with a space, say).
      st.words.push(...parts);
      endWords(st, last === OPEN);
    }
  } else if (token.length === 1 && (c === SEMI || c === OPEN)) {
    if (st.words.length === 0) return false;
    endWords(st, c === OPEN);
  } else if (c === HASH) {
    // A comment.
  } else if (((c === DQUOTE || c === SQUOTE) && token.length === 1) || token === '${') {
    // A quote or a `${` that never closes.
    return false;
  } else {
    if (st.words.length === 0) st.wordLine = st.line;
    if (c === DQUOTE || c === SQUOTE) {
      const body = token.slice(1, -1);
      if (body.includes('\n')) st.line += newlines(body);
      st.words.push(body.includes('\\') ? body.replace(/\\([\s\S])/g, '$1') : body);
    } else {
      st.words.push(token);
    }
  }
  if (newline) st.line++;
  return true;
}

function newlines(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/** Characters of a bare word that need no second look (`$` may open `${var}`, whose braces stay in the word). */
const PLAIN = /[^\s;{}$"']+/y;

/** parseNginxFile a character at a time: the same tree, and on a syntax error its message and line. */
export function parseNginxExact(text: string, file: string): NginxDirective[] {
  const root: NginxDirective[] = [];
  const stack: NginxDirective[][] = [root];
  const parents: NginxDirective[] = [];
  let words: string[] = [];
  let wordLine = 0;
  let line = 1;
  let i = 0;
  const flush = (terminator: ';' | '{') => {
    if (words.length === 0) throw new NginxSyntaxError(`unexpected "${terminator}"`, file, line);
    const d: NginxDirective = { name: words[0]!, args: words.slice(1), file, line: wordLine };
    stack.at(-1)!.push(d);
    words = [];
    if (terminator === '{') {
      d.block = [];
      stack.push(d.block);
      parents.push(d);
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || /\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ';' || c === '{') {
      flush(c);
      i++;
    } else if (c === '}') {
      if (words.length > 0) throw new NginxSyntaxError(`unexpected "}" after "${words.join(' ')}" (missing ";")`, file, line);
      if (stack.length === 1) throw new NginxSyntaxError('unexpected "}"', file, line);
      stack.pop();
      parents.pop();
      i++;
    } else {
      if (words.length === 0) wordLine = line;
      let word = '';
      if (c === '"' || c === "'") {
        const quote = c;
        i++;
        while (i < text.length && text[i] !== quote) {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          if (text[i] === '\n') line++;
          word += text[i];
          i++;
        }
        if (i >= text.length) throw new NginxSyntaxError('unterminated string', file, line);
        i++;
      } else {
        // A run of plain characters at once (a regex test per character made 200 sites cost ~50 ms).
        PLAIN.lastIndex = i;
        const run = PLAIN.exec(text);
        if (run) {
          word += run[0];
          i += run[0].length;
        }
        while (i < text.length && !/[\s;{}]/.test(text[i]!)) {
          // `${var}` keeps its braces.
          if (text[i] === '$' && text[i + 1] === '{') {
            const end = text.indexOf('}', i);
            // Unclosed, the next word would start here again, for ever.
            if (end < 0) throw new NginxSyntaxError('unterminated "${"', file, line);
            word += text.slice(i, end + 1);
            i = end + 1;
            continue;
          }
          word += text[i];
          i++;
        }
      }
      words.push(word);
    }
  }
  if (words.length > 0) throw new NginxSyntaxError(`unexpected end of file, expecting ";" or "}" after "${words.join(' ')}"`, file, line);
  if (stack.length > 1)
    throw new NginxSyntaxError(`unexpected end of file, expecting "}" (the block at line ${parents.at(-1)!.line} is not closed)`, file, line);
  return root;
}

/** `nginx -T` prints every file it read after a `# configuration file PATH:` line. */
export function splitNginxDump(dump: string): Map<string, string> {
  const files = new Map<string, string>();
  const re = /^# configuration file (.+):$/gm;
  const marks = [...dump.matchAll(re)];
  marks.forEach((m, k) => {
    const start = m.index + m[0].length + 1;
    const end = k + 1 < marks.length ? marks[k + 1]!.index : dump.length;
    // -T adds one blank line after each file.
    const text = dump.slice(start, end);
    files.set(m[1]!, text.endsWith('\n\n') ? text.slice(0, -1) : text);
  });
  return files;
}

/** An include pattern as a RegExp over paths (nginx uses glob(3)). */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function resolveIncludePath(pattern: string, confDir: string): string {
  return pattern.startsWith('/') ? pattern : `${confDir.replace(/\/$/, '')}/${pattern}`;
}

interface Context {
  files: Map<string, string>;
  confDir: string;
  problems: DoorProblem[];
  pid?: number;
  parsed: Map<string, NginxDirective[]>;
}

function parsed(ctx: Context, file: string): NginxDirective[] | undefined {
  if (ctx.parsed.has(file)) return ctx.parsed.get(file);
  const text = ctx.files.get(file);
  if (text === undefined) return undefined;
  try {
    const tree = parseNginxFile(text, file);
    ctx.parsed.set(file, tree);
    return tree;
  } catch (error) {
    const e = error as NginxSyntaxError;
    ctx.problems.push(problem(ctx, e.file ?? file, e.line, `nginx config ${e.file ?? file} does not parse: ${e.message}`));
    ctx.parsed.set(file, []);
    return undefined;
  }
}

function problem(ctx: Context, source: string, line: number | undefined, detail: string): DoorProblem {
  const p: DoorProblem = { kind: 'nginx', source, detail };
  if (line !== undefined) p.line = line;
  if (ctx.pid !== undefined) p.pid = ctx.pid;
  return p;
}

/**
 * Replace every `include` by the directives of the files it names, in place order. A list with no
 * include anywhere below it is returned as it is, not copied (the doors only read the tree).
 */
function expand(ctx: Context, directives: NginxDirective[], depth = 0): NginxDirective[] {
  let out: NginxDirective[] | undefined;
  for (let k = 0; k < directives.length; k++) {
    const d = directives[k]!;
    if (d.name === 'include' && d.args[0] !== undefined) {
      out ??= directives.slice(0, k);
      const path = resolveIncludePath(d.args[0], ctx.confDir);
      const glob = isGlob(path) ? globToRegExp(path) : undefined;
      const matches = glob ? [...ctx.files.keys()].filter((f) => glob.test(f)).sort() : ctx.files.has(path) ? [path] : [];
      if (matches.length === 0 && !isGlob(path))
        ctx.problems.push(problem(ctx, d.file, d.line, `nginx includes ${path} (${d.file}:${d.line}), which could not be read`));
      if (depth > 20) {
        ctx.problems.push(problem(ctx, d.file, d.line, `nginx includes nest deeper than 20 at ${d.file}:${d.line}`));
        continue;
      }
      for (const m of matches) out.push(...expand(ctx, parsed(ctx, m) ?? [], depth + 1));
      continue;
    }
    const block = d.block && expand(ctx, d.block, depth);
    if (block !== d.block) (out ??= directives.slice(0, k)).push({ ...d, block: block! });
    else out?.push(d);
  }
  return out ?? directives;
}

const at = (d: NginxDirective): SourceLocation => ({ file: d.file, line: d.line });

/** The directives of one block that the doors read, found in one pass over it (in their order; the first where one counts). */
interface BlockFacts {
  listen: NginxDirective[];
  serverName: NginxDirective[];
  headers: NginxDirective[];
  access: NginxDirective[];
  authBasic?: NginxDirective;
  authRequest?: NginxDirective;
  ssl?: NginxDirective;
  proxyPass?: NginxDirective;
}

function factsOf(block: readonly NginxDirective[] | undefined): BlockFacts {
  const f: BlockFacts = { listen: [], serverName: [], headers: [], access: [] };
  for (const d of block ?? []) {
    switch (d.name) {
      case 'listen':
        f.listen.push(d);
        break;
      case 'server_name':
        f.serverName.push(d);
        break;
      case 'proxy_set_header':
        f.headers.push(d);
        break;
      case 'allow':
      case 'deny':
        f.access.push(d);
        break;
      case 'auth_basic':
        f.authBasic ??= d;
        break;
      case 'auth_request':
        f.authRequest ??= d;
        break;
      case 'ssl':
        f.ssl ??= d;
        break;
      case 'proxy_pass':
        f.proxyPass ??= d;
        break;
      default:
        break;
    }
  }
  return f;
}

/** The directives named NAME of a block, in order. */
function named(block: readonly NginxDirective[] | undefined, name: string): NginxDirective[] {
  const out: NginxDirective[] = [];
  for (const d of block ?? []) if (d.name === name) out.push(d);
  return out;
}

/** `listen` → address and port (ngx_http_core_module): no port means 80, a bare port means *:port (IPv4). */
export function nginxListen(arg: string, defaultPort = 80): { address: string; port: number } | undefined {
  if (arg.startsWith('unix:')) return undefined;
  let m = /^\[([^\]]+)\](?::(\d+))?$/.exec(arg);
  if (m) return { address: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
  if (/^\d+$/.test(arg)) return { address: '0.0.0.0', port: Number(arg) };
  m = /^([^:]+)(?::(\d+))?$/.exec(arg);
  if (!m) return undefined;
  const host = m[1] === '*' ? '0.0.0.0' : m[1] === 'localhost' ? '127.0.0.1' : m[1]!;
  return { address: host, port: m[2] ? Number(m[2]) : defaultPort };
}

interface Inherited {
  headers?: NginxDirective[];
  auth: { text: string; location: SourceLocation }[];
  authBasic?: NginxDirective;
  authRequest?: NginxDirective;
  access?: NginxDirective[];
}

/** What a level adds: proxy_set_header replaces the whole inherited set; auth_* and allow/deny likewise per kind. */
function inherit(parent: Inherited, block: BlockFacts): Inherited {
  const next: Inherited = { ...parent };
  if (block.headers.length > 0) next.headers = block.headers;
  if (block.authBasic) next.authBasic = block.authBasic;
  if (block.authRequest) next.authRequest = block.authRequest;
  if (block.access.length > 0) next.access = block.access;
  return next;
}

function authOf(i: Inherited): Door['auth'] {
  const out: Door['auth'] = [];
  if (i.authBasic && i.authBasic.args[0] !== 'off') out.push({ text: `auth_basic ${i.authBasic.args.join(' ')}`, location: at(i.authBasic) });
  if (i.authRequest && i.authRequest.args[0] !== 'off') out.push({ text: `auth_request ${i.authRequest.args.join(' ')}`, location: at(i.authRequest) });
  if (i.access && i.access.some((d) => d.name === 'deny' && d.args[0] === 'all')) {
    out.push({ text: i.access.map((d) => `${d.name} ${d.args.join(' ')}`).join('; '), location: at(i.access[0]!) });
  }
  return out;
}

function forwardedFor(i: Inherited): Pick<Door, 'forwardedFor' | 'forwardedForLocation'> {
  const xff = (i.headers ?? []).find((d) => d.args[0]?.toLowerCase() === 'x-forwarded-for');
  if (!xff) return { forwardedFor: 'none' };
  const value = xff.args.slice(1).join(' ');
  const mode = value === '' ? 'none' : /\$proxy_add_x_forwarded_for|\$http_x_forwarded_for/.test(value) ? 'append' : 'overwrite';
  return { forwardedFor: mode, forwardedForLocation: at(xff) };
}

type Upstreams = Map<string, { upstream: Door['upstream']; d: NginxDirective }[] | 'unknown'>;

function upstreamBlocks(block: readonly NginxDirective[], defaultPort: number): Upstreams {
  const map: Upstreams = new Map();
  for (const u of named(block, 'upstream')) {
    const servers: { upstream: Door['upstream']; d: NginxDirective }[] = [];
    let unknown = false;
    for (const s of named(u.block, 'server')) {
      const target = s.args[0] ?? '';
      if (target.startsWith('unix:')) {
        servers.push({ upstream: { unix: target.slice(5) }, d: s });
        continue;
      }
      const hp = nginxListen(target, defaultPort);
      if (hp) servers.push({ upstream: { host: hp.address, port: hp.port }, d: s });
      else unknown = true;
    }
    map.set(u.args[0] ?? '', unknown && servers.length === 0 ? 'unknown' : servers);
  }
  return map;
}

interface Target {
  upstream: Door['upstream'];
  location: SourceLocation;
}

function proxyTargets(ctx: Context, pass: NginxDirective, upstreams: Upstreams, stream: boolean): Target[] | undefined {
  const raw = pass.args[0] ?? '';
  if (raw.includes('$')) {
    ctx.problems.push(
      problem(ctx, pass.file, pass.line, `proxy_pass ${raw} at ${pass.file}:${pass.line} uses a variable: where it leads is decided per request`),
    );
    return undefined;
  }
  // A unix socket: "http://unix:/run/app.sock:/uri" in http, "unix:/run/app.sock" in stream; the path ends at ":".
  const unix = (stream ? /^unix:([^:]+)/ : /^https?:\/\/unix:([^:]+)/).exec(raw);
  if (unix) return [{ upstream: { unix: unix[1]! }, location: at(pass) }];
  const m = stream ? /^()(.*)$/.exec(raw)! : /^(https?):\/\/([^/]*)/.exec(raw);
  if (!m) {
    ctx.problems.push(problem(ctx, pass.file, pass.line, `proxy_pass ${raw} at ${pass.file}:${pass.line} is not understood`));
    return undefined;
  }
  const scheme = m[1] ?? '';
  const authority = m[2] ?? '';
  const named = upstreams.get(authority);
  if (named === 'unknown') {
    ctx.problems.push(
      problem(ctx, pass.file, pass.line, `the upstream "${authority}" of proxy_pass at ${pass.file}:${pass.line} has servers clawmoat does not understand`),
    );
    return undefined;
  }
  if (named) return named.map((s) => ({ upstream: s.upstream, location: at(pass) }));
  const defaultPort = scheme === 'https' ? 443 : 80;
  const hp = nginxListen(authority, defaultPort);
  if (!hp || (stream && !/:\d+$/.test(authority))) {
    ctx.problems.push(problem(ctx, pass.file, pass.line, `proxy_pass ${raw} at ${pass.file}:${pass.line} names no port clawmoat can read`));
    return undefined;
  }
  return [{ upstream: { host: hp.address, port: hp.port }, location: at(pass) }];
}

function serverListens(
  server: NginxDirective,
  facts: BlockFacts,
  root: boolean,
  stream: boolean,
): { listens: DoorListen[]; unix: NonNullable<Door['listenUnix']>; tls: boolean } {
  const listens: DoorListen[] = [];
  const unix: NonNullable<Door['listenUnix']> = [];
  let tls = false;
  for (const l of facts.listen) {
    if (l.args.includes('udp')) continue;
    if (l.args.includes('ssl') || l.args.includes('quic')) tls = true;
    const arg = l.args[0] ?? '';
    if (arg.startsWith('unix:')) {
      unix.push({ path: arg.slice(5), location: at(l) });
      continue;
    }
    const hp = nginxListen(arg);
    if (hp) listens.push({ ...hp, location: at(l) });
  }
  if (facts.ssl?.args[0] === 'on') tls = true;
  // No listen in an http server: *:80 as root, *:8000 otherwise (ngx_http_core_module). A server
  // listening on a unix socket alone has a listen: it takes no TCP port.
  if (facts.listen.length === 0 && !stream) listens.push({ address: '0.0.0.0', port: root ? 80 : 8000, location: at(server) });
  return { listens, unix, tls };
}

function locations(block: readonly NginxDirective[] | undefined, parent: Inherited, visit: (pass: NginxDirective, i: Inherited) => void): void {
  for (const d of block ?? []) {
    if (d.name === 'location' || d.name === 'if' || d.name === 'limit_except') {
      locations(d.block, inherit(parent, factsOf(d.block)), visit);
    } else if (d.name === 'proxy_pass') {
      visit(d, parent);
    }
  }
}

export interface NginxInput {
  /** Every file read, by absolute path. */
  files: Map<string, string>;
  main: string;
  /** Relative includes are resolved against this (the directory of the main file). */
  confDir?: string;
  pid?: number;
  /** nginx runs as root (listens without a port default to 80 rather than 8000). */
  root?: boolean;
}

export function nginxDoors(input: NginxInput): { doors: Door[]; problems: DoorProblem[] } {
  const ctx: Context = { files: input.files, confDir: input.confDir ?? input.main.replace(/\/[^/]*$/, ''), problems: [], parsed: new Map() };
  if (input.pid !== undefined) ctx.pid = input.pid;
  const doors: Door[] = [];
  const tree = parsed(ctx, input.main);
  if (!tree) {
    if (!input.files.has(input.main)) ctx.problems.push(problem(ctx, input.main, undefined, `nginx config ${input.main} could not be read`));
    return { doors, problems: ctx.problems };
  }
  const top = expand(ctx, tree);
  for (const section of top.filter((d) => (d.name === 'http' || d.name === 'stream') && d.block)) {
    const stream = section.name === 'stream';
    const upstreams = upstreamBlocks(section.block!, 80);
    const base = inherit({ auth: [] }, factsOf(section.block));
    for (const server of named(section.block, 'server')) {
      const facts = factsOf(server.block);
      const { listens, unix, tls } = serverListens(server, facts, input.root ?? true, stream);
      const serverNames = facts.serverName.flatMap((d) => d.args);
      const level = inherit(base, facts);
      const visit = (pass: NginxDirective, i: Inherited) => {
        for (const t of proxyTargets(ctx, pass, upstreams, stream) ?? []) {
          const door: Door = {
            kind: 'nginx',
            listen: listens,
            upstream: t.upstream,
            via: `proxy_pass ${pass.args.join(' ')}`,
            location: t.location,
            layer: stream ? 'tcp' : 'http',
            ...(stream ? { forwardedFor: 'none' as const } : forwardedFor(i)),
            auth: authOf(i),
          };
          if (unix.length > 0) door.listenUnix = unix;
          if (serverNames.length > 0) door.serverNames = serverNames;
          if (tls) door.tls = true;
          if (input.pid !== undefined) door.pid = input.pid;
          doors.push(door);
        }
      };
      if (stream) {
        if (facts.proxyPass) visit(facts.proxyPass, level);
      } else {
        locations(server.block, level, visit);
      }
    }
  }
  return { doors, problems: ctx.problems };
}

/** The `include` patterns of one file's text (for reading the files one by one, without nginx -T). */
export function nginxIncludes(tree: readonly NginxDirective[]): NginxDirective[] {
  return tree.flatMap((d) => (d.name === 'include' ? [d] : nginxIncludes(d.block ?? [])));
}

/**
 * `nginx -t`/`-T` errors: `nginx: [emerg] unexpected "}" in /etc/nginx/nginx.conf:12`, or with
 * nginx's own pid (`[emerg] 4421#4421: ...`), which is left out so two reads of one config agree.
 */
export function nginxErrorPlace(stderr: string): { file: string; line: number; message: string } | undefined {
  const m = /\[(?:emerg|crit|alert|error)\]\s+(?:\d+#\d+:\s+)?(.*?)\s+in\s+(\/\S+):(\d+)/.exec(stderr);
  return m ? { message: m[1]!, file: m[2]!, line: Number(m[3]) } : undefined;
}

/** nginx's log prefix (`2026/12/07 06:29:20 [emerg] 4421#4421: `) without its time and pid: the same config reads the same. */
export function withoutNginxLogStamp(text: string): string {
  return text.replace(/\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: /g, '$1 ');
}
