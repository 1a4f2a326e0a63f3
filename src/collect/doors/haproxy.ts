import type { Door, DoorListen, DoorProblem, SourceLocation } from '../../snapshot/types.js';
import { isPortRange, portRange, UNEXPANDED_RANGE } from './port-range.js';

/**
 * HAProxy as doors: each frontend's (or listen section's) `bind` lines, the backends it
 * uses (`default_backend`, `use_backend`), their `server` lines (reference/doors.md §1.4).
 * HAProxy has no dump command: the files named by `-f` are parsed.
 */

export function haproxyConfigArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '-f') out.push(argv[++i] ?? '');
    else if (argv[i]!.startsWith('-f') && argv[i]!.length > 2) out.push(argv[i]!.slice(2));
  }
  return out.length > 0 ? out.filter(Boolean) : ['/etc/haproxy/haproxy.cfg'];
}

interface Line {
  words: string[];
  at: SourceLocation;
}

interface Section {
  type: string;
  name: string;
  at: SourceLocation;
  lines: Line[];
}

const SECTIONS = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'userlist',
  'peers',
  'resolvers',
  'mailers',
  'program',
  'http-errors',
  'ring',
  'cache',
]);

function sections(files: Map<string, string>): Section[] {
  const out: Section[] = [];
  for (const [file, text] of files) {
    let current: Section | undefined;
    text.split('\n').forEach((raw, index) => {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (!line) return;
      const words = line.split(/\s+/);
      const at = { file, line: index + 1 };
      if (SECTIONS.has(words[0]!)) {
        current = { type: words[0]!, name: words[1] ?? '', at, lines: [] };
        out.push(current);
        // "listen NAME ADDR:PORT" (old form) binds too.
        if (words[0] === 'listen' && words[2]) current.lines.push({ words: ['bind', ...words.slice(2)], at });
        return;
      }
      current?.lines.push({ words, at });
    });
  }
  return out;
}

export function haproxyBind(text: string): { address: string; port: number }[] {
  return text.split(',').flatMap((part) => {
    const p = part.replace(/^(ipv4@|ipv6@|tcp@|tcp4@|tcp6@)/, '');
    if (/^(unix@|abns@|fd@|sockpair@|\/)/.test(p)) return [];
    const m = /^(.*):(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) return [];
    let host = m[1]!.replace(/^\[|\]$/g, '');
    if (host === '' || host === '*') host = '0.0.0.0';
    const address = host;
    return portRange(Number(m[2]), m[3] === undefined ? undefined : Number(m[3])).map((port) => ({ address, port }));
  });
}

/** The unix socket paths of a `bind` or `server` address: `unix@/run/x.sock`, a bare absolute path, or `abns@name` (abstract: "@name"). */
export function haproxyUnixPaths(text: string): string[] {
  return text.split(',').flatMap((part) => {
    if (part.startsWith('abns@')) return [`@${part.slice(5)}`];
    // unix@ may name a relative path (under unix-bind prefix); a bare word is a path only when absolute.
    if (part.startsWith('unix@')) return [part.slice(5)];
    return part.startsWith('/') ? [part] : [];
  });
}

const find = (lines: Line[], word: string) => lines.filter((l) => l.words[0] === word);

export function haproxyDoors(files: Map<string, string>, pid?: number): { doors: Door[]; problems: DoorProblem[] } {
  const doors: Door[] = [];
  const problems: DoorProblem[] = [];
  const all = sections(files);
  const backends = new Map(all.filter((s) => s.type === 'backend' || s.type === 'listen').map((s) => [s.name, s]));
  // Unix paths as the host sees them: `unix-bind prefix` goes before every bind path, and a
  // server's path is opened after HAProxy chroots, so it lies under the chroot (Debian's default
  // config has `chroot /var/lib/haproxy`). Abstract sockets (abns@) have no path to move.
  const global = all.find((s) => s.type === 'global')?.lines ?? [];
  const chroot = find(global, 'chroot')[0]?.words[1]?.replace(/\/+$/, '') ?? '';
  const unixBind = find(global, 'unix-bind')[0]?.words;
  const bindPrefix = unixBind && unixBind[1] === 'prefix' ? (unixBind[2] ?? '') : '';
  const onHost = (path: string, prefix: string) => (path.startsWith('@') ? path : `${prefix}${path}`);
  let defaults: Line[] = [];
  for (const s of all) {
    if (s.type === 'defaults') {
      defaults = s.lines;
      continue;
    }
    if (s.type !== 'frontend' && s.type !== 'listen') continue;
    const listens: DoorListen[] = [];
    const listenUnix: NonNullable<Door['listenUnix']> = [];
    let tls = false;
    for (const b of find(s.lines, 'bind')) {
      if (b.words.includes('ssl')) tls = true;
      for (const part of (b.words[1] ?? '').split(',')) {
        const bound = haproxyBind(part);
        for (const hp of bound) listens.push({ ...hp, location: b.at });
        const paths = haproxyUnixPaths(part);
        for (const path of paths) listenUnix.push({ path: onHost(path, bindPrefix), location: b.at });
        if (bound.length > 0 || paths.length > 0 || /^(fd@|sockpair@|quic[46]?@|udp[46]?@)/.test(part)) continue;
        problems.push({
          kind: 'haproxy',
          ...(pid !== undefined ? { pid } : {}),
          source: b.at.file,
          line: b.at.line,
          detail: isPortRange(part)
            ? `bind ${part} at ${b.at.file}:${b.at.line}: ${UNEXPANDED_RANGE}`
            : `bind ${part} at ${b.at.file}:${b.at.line}: an address clawmoat cannot read`,
        });
      }
    }
    if (listens.length === 0 && listenUnix.length === 0) continue;
    const used = new Set<string>();
    if (s.type === 'listen') used.add(s.name);
    for (const l of [...find(s.lines, 'default_backend'), ...find(s.lines, 'use_backend')]) {
      const name = l.words[1] ?? '';
      if (name.includes('%[')) {
        problems.push({
          kind: 'haproxy',
          ...(pid !== undefined ? { pid } : {}),
          source: l.at.file,
          line: l.at.line,
          detail: `${l.words.join(' ')} at ${l.at.file}:${l.at.line} picks its backend per request: clawmoat cannot tell where it leads`,
        });
        continue;
      }
      used.add(name);
    }
    const frontLines = [...defaults, ...s.lines];
    for (const name of used) {
      const backend = backends.get(name);
      if (!backend) {
        problems.push({
          kind: 'haproxy',
          ...(pid !== undefined ? { pid } : {}),
          source: s.at.file,
          line: s.at.line,
          detail: `${s.type} ${s.name} (${s.at.file}:${s.at.line}) uses backend ${name}, which is not in the config read`,
        });
        continue;
      }
      const lines = backend === s ? frontLines : [...frontLines, ...backend.lines];
      // The last `mode` wins: defaults, then frontend, then backend.
      const mode = find(lines, 'mode').at(-1)?.words[1] ?? 'tcp';
      const forwardfor = lines.find((l) => l.words[0] === 'option' && l.words[1] === 'forwardfor');
      const setXff = lines.find(
        (l) => l.words[0] === 'http-request' && /^(set|add)-header$/.test(l.words[1] ?? '') && (l.words[2] ?? '').toLowerCase() === 'x-forwarded-for',
      );
      let forwardedFor: Door['forwardedFor'] = 'none';
      let xffAt: SourceLocation | undefined;
      if (mode === 'http' && setXff) {
        forwardedFor = setXff.words[1] === 'set-header' ? 'overwrite' : 'append';
        xffAt = setXff.at;
      } else if (mode === 'http' && forwardfor) {
        // option forwardfor adds one more line and keeps the client's: append.
        forwardedFor = 'append';
        xffAt = forwardfor.at;
      }
      const auth: Door['auth'] = lines
        .filter(
          (l) =>
            (l.words[0] === 'http-request' && l.words[1] === 'auth') ||
            ((l.words[0] === 'tcp-request' || l.words[0] === 'http-request') &&
              /reject|deny/.test(l.words.join(' ')) &&
              /\bsrc\b|!\{ ?src/.test(l.words.join(' '))),
        )
        .map((l) => ({ text: l.words.join(' '), location: l.at }));
      for (const server of find(backend.lines, 'server')) {
        const target = server.words[2] ?? '';
        const [hp] = haproxyBind(target);
        const [unix] = haproxyUnixPaths(target);
        if (!hp && unix === undefined) {
          problems.push({
            kind: 'haproxy',
            ...(pid !== undefined ? { pid } : {}),
            source: server.at.file,
            line: server.at.line,
            detail: `server ${target} at ${server.at.file}:${server.at.line}: an address clawmoat cannot read`,
          });
          continue;
        }
        const door: Door = {
          kind: 'haproxy',
          listen: listens,
          upstream: hp ? { host: hp.address === '0.0.0.0' ? '127.0.0.1' : hp.address, port: hp.port } : { unix: onHost(unix!, chroot) },
          via: `${s.type} ${s.name} → ${backend === s ? '' : `backend ${backend.name} `}server ${server.words.slice(1, 3).join(' ')}`,
          location: server.at,
          layer: mode === 'http' ? 'http' : 'tcp',
          forwardedFor,
          auth,
        };
        if (listenUnix.length > 0) door.listenUnix = listenUnix;
        if (xffAt) door.forwardedForLocation = xffAt;
        if (tls) door.tls = true;
        if (pid !== undefined) door.pid = pid;
        doors.push(door);
      }
    }
  }
  return { doors, problems };
}
