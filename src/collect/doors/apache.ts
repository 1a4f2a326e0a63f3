import type { Door, DoorListen, DoorProblem, SourceLocation } from '../../snapshot/types.js';

/**
 * Apache httpd as doors: `Listen`, `<VirtualHost>`, `ProxyPass` (also inside `<Location>`,
 * and to `balancer://` members), `RewriteRule … [P]` (reference/doors.md §1.3). mod_proxy_http
 * appends to X-Forwarded-For unless `ProxyAddHeaders Off`.
 */

export function apacheConfigArgs(argv: readonly string[]): { config: string; serverRoot: string } {
  let config: string | undefined;
  let serverRoot: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '-f') config = argv[++i];
    else if (argv[i] === '-d') serverRoot = argv[++i];
  }
  const debian = (argv[0] ?? '').endsWith('apache2');
  serverRoot ??= debian ? '/etc/apache2' : '/etc/httpd';
  config ??= debian ? 'apache2.conf' : 'conf/httpd.conf';
  return { config: config.startsWith('/') ? config : `${serverRoot}/${config}`, serverRoot };
}

interface Line {
  words: string[];
  at: SourceLocation;
}

/** Logical lines (backslash continuations joined), comments dropped, quoted words kept whole. */
function lines(text: string, file: string): Line[] {
  const out: Line[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let line = raw[i]!;
    while (line.endsWith('\\') && i + 1 < raw.length) line = line.slice(0, -1) + raw[++i]!;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const words = [...trimmed.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    out.push({ words, at: { file, line: start + 1 } });
  }
  return out;
}

export function apacheIncludes(text: string, file: string, serverRoot: string): { pattern: string; optional: boolean; line: number }[] {
  return lines(text, file)
    .filter((l) => /^include(optional)?$/i.test(l.words[0]!))
    .map((l) => {
      const p = l.words[1] ?? '';
      return { pattern: p.startsWith('/') ? p : `${serverRoot}/${p}`, optional: /optional/i.test(l.words[0]!), line: l.at.line };
    });
}

function listenOf(words: string[]): { address: string; port: number } | undefined {
  const arg = words[1] ?? '';
  if (/^\d+$/.test(arg)) return { address: '::', port: Number(arg) };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(arg);
  return m ? { address: m[1] ?? m[2]!, port: Number(m[3]) } : undefined;
}

function urlTarget(url: string): Door['upstream'] | undefined {
  const unix = /^unix:([^|]+)\|/.exec(url);
  if (unix) return { unix: unix[1]! };
  const m = /^(https?|wss?|h2c?):\/\/(?:\[([^\]]+)\]|([^/:]+))(?::(\d+))?/i.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const port = m[4] ? Number(m[4]) : scheme === 'https' || scheme === 'wss' || scheme === 'h2' ? 443 : 80;
  return { host: m[2] ?? m[3]!, port };
}

interface Scope {
  auth: Door['auth'];
  authType?: Line;
  addHeaders: boolean;
  vhost?: { addresses: { address: string; port: number }[]; names: string[]; tls: boolean };
}

export function apacheDoors(files: Map<string, string>, main: string, serverRoot: string, pid?: number): { doors: Door[]; problems: DoorProblem[] } {
  const doors: Door[] = [];
  const problems: DoorProblem[] = [];
  // Includes spliced in place, in file order.
  const flat: Line[] = [];
  const seen = new Set<string>();
  const splice = (file: string, depth: number) => {
    const text = files.get(file);
    if (text === undefined || seen.has(file) || depth > 20) return;
    seen.add(file);
    for (const l of lines(text, file)) {
      if (/^include(optional)?$/i.test(l.words[0]!)) {
        const p = l.words[1] ?? '';
        const full = p.startsWith('/') ? p : `${serverRoot}/${p}`;
        const re = new RegExp(
          `^${full
            .replace(/\/$/, '')
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]')}(/[^/]+)?$`,
        );
        for (const f of [...files.keys()].filter((k) => re.test(k)).sort()) splice(f, depth + 1);
        continue;
      }
      flat.push(l);
    }
  };
  splice(main, 0);
  const listens: DoorListen[] = [];
  for (const l of flat) {
    if (l.words[0]!.toLowerCase() !== 'listen') continue;
    const hp = listenOf(l.words);
    if (hp) listens.push({ ...hp, location: l.at });
  }
  const balancers = new Map<string, { target: Door['upstream']; at: SourceLocation }[]>();
  {
    let inProxy: string | undefined;
    for (const l of flat) {
      const w0 = l.words[0]!.toLowerCase();
      if (w0.startsWith('<proxy')) inProxy = (l.words[1] ?? '').replace(/>$/, '');
      else if (w0 === '</proxy>') inProxy = undefined;
      else if (w0 === 'balancermember') {
        const target = urlTarget(l.words[1] ?? '');
        const name = inProxy ?? '';
        if (target) balancers.set(name, [...(balancers.get(name) ?? []), { target, at: l.at }]);
      }
    }
  }
  const stack: Scope[] = [{ auth: [], addHeaders: true }];
  const emit = (scope: Scope, url: string, via: string, at: SourceLocation) => {
    const targets = url.startsWith('balancer://') ? (balancers.get(url.replace(/\/$/, '')) ?? balancers.get(url) ?? []).map((b) => b.target) : [urlTarget(url)];
    if (targets.length === 0 || targets.some((t) => !t || ('host' in t && /[$%{]/.test(t.host)))) {
      problems.push({
        kind: 'apache',
        ...(pid !== undefined ? { pid } : {}),
        source: at.file,
        line: at.line,
        detail: `${via} at ${at.file}:${at.line}: a target clawmoat cannot read`,
      });
      return;
    }
    const front = scope.vhost
      ? scope.vhost.addresses.flatMap((a) => (a.address === '*' || a.address === '_default_' ? listens.filter((l) => l.port === a.port) : [{ ...a }]))
      : listens;
    for (const upstream of targets as Door['upstream'][]) {
      const door: Door = {
        kind: 'apache',
        listen: front,
        upstream,
        via,
        location: at,
        layer: /^wss?:/i.test(url) ? 'http' : 'http',
        forwardedFor: scope.addHeaders ? 'append' : 'none',
        auth: scope.auth,
      };
      if (scope.vhost?.names.length) door.serverNames = scope.vhost.names;
      if (scope.vhost?.tls) door.tls = true;
      if (pid !== undefined) door.pid = pid;
      doors.push(door);
    }
  };
  let location: string | undefined;
  for (const l of flat) {
    const w0 = l.words[0]!.toLowerCase();
    const top = stack.at(-1)!;
    if (w0.startsWith('</')) {
      if (stack.length > 1 && !/^<\/(ifmodule|ifdefine|ifversion|if|else|elseif)>/i.test(w0)) stack.pop();
      if (w0 === '</location>' || w0 === '</locationmatch>') location = undefined;
      continue;
    }
    if (w0.startsWith('<')) {
      if (/^<(ifmodule|ifdefine|ifversion|if|else|elseif)\b/i.test(w0)) continue;
      const next: Scope = { ...top, auth: [...top.auth] };
      if (w0 === '<virtualhost') {
        const addresses = l.words
          .slice(1)
          .map((w) => w.replace(/>$/, ''))
          .filter(Boolean)
          .flatMap((a) => {
            const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+|\*)$/.exec(a);
            return m && m[3] !== '*' ? [{ address: m[1] ?? m[2]!, port: Number(m[3]) }] : [];
          });
        next.vhost = { addresses, names: [], tls: false };
      }
      if (w0 === '<location' || w0 === '<locationmatch') location = (l.words[1] ?? '').replace(/>$/, '');
      stack.push(next);
      continue;
    }
    switch (w0) {
      case 'servername':
      case 'serveralias':
        top.vhost?.names.push(...l.words.slice(1));
        break;
      case 'sslengine':
        if (top.vhost && /^on$/i.test(l.words[1] ?? '')) top.vhost.tls = true;
        break;
      case 'proxyaddheaders':
        top.addHeaders = !/^off$/i.test(l.words[1] ?? '');
        break;
      case 'authtype':
        top.authType = l;
        break;
      case 'require': {
        const rest = l.words.slice(1).join(' ');
        if (/^(valid-user|user|group)\b/.test(rest) && top.authType)
          top.auth.push({ text: `AuthType ${top.authType.words[1] ?? ''}; Require ${rest}`, location: l.at });
        else if (/^(ip|host)\b/.test(rest)) top.auth.push({ text: `Require ${rest}`, location: l.at });
        break;
      }
      case 'proxypass':
      case 'proxypassmatch': {
        const [a, b] = l.words.slice(1);
        const url = location !== undefined && b === undefined ? a : b;
        if (!url || url === '!') break;
        emit(top, url, l.words.join(' '), l.at);
        break;
      }
      case 'rewriterule': {
        const flags = l.words[3] ?? '';
        if (!/[[,]P[\],]/.test(flags)) break;
        emit(top, l.words[2] ?? '', l.words.join(' '), l.at);
        break;
      }
      default:
        break;
    }
  }
  return { doors, problems };
}
