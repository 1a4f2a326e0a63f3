import { parse as parseToml, TomlError } from 'smol-toml';
import { parseDocument } from 'yaml';
import type { Door, DoorProblem } from '../../snapshot/types.js';

/**
 * frp's client (frpc): `[[proxies]]` in frpc.toml (or YAML/JSON), `[name]` sections in the
 * legacy frpc.ini. A `tcp` proxy opens remotePort on the frps server, which binds 0.0.0.0 by
 * default (proxyBindAddr); frps's config is not on this host, so the door is `unknown`
 * (reference/doors.md §2.3).
 */

export function frpConfigPath(argv: readonly string[], cwd: string | undefined): string {
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '-c' || argv[i] === '--config') return abs(argv[i + 1] ?? '', cwd);
    if (argv[i]!.startsWith('--config=')) return abs(argv[i]!.slice(9), cwd);
    if (argv[i]!.startsWith('-c=')) return abs(argv[i]!.slice(3), cwd);
  }
  return abs('frpc.ini', cwd);
}

function abs(path: string, cwd: string | undefined): string {
  return path.startsWith('/') || !cwd ? path : `${cwd}/${path}`;
}

/**
 * frpc.toml through smol-toml (its objects have no prototype: a hostile `__proto__.x = 1` stays a
 * key of the file). TOML values carry no positions: the Nth `[[proxies]]` header is the Nth proxy's line.
 */
function parseFrpToml(text: string): { value: Record<string, unknown>; proxyLines: number[] } {
  let value: Record<string, unknown>;
  try {
    value = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw Object.assign(new Error((error as Error).message.split('\n')[0]), { line: error instanceof TomlError ? error.line : undefined });
  }
  const proxyLines: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (/^\s*\[\[\s*proxies\s*\]\]/.test(line)) proxyLines.push(index + 1);
  });
  return { value, proxyLines };
}

function parseIni(text: string): { sections: Map<string, Record<string, string>>; lines: Map<string, number> } {
  const sections = new Map<string, Record<string, string>>();
  const lines = new Map<string, number>();
  let current: Record<string, string> | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/^\s*[#;].*$/, '').trim();
    if (!line) return;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = {};
      sections.set(section[1]!, current);
      lines.set(section[1]!, index + 1);
      return;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && current) current[kv[1]!] = kv[2]!;
  });
  return { sections, lines };
}

interface Proxy {
  name: string;
  type: string;
  localIP: string;
  localPort: number;
  remotePort?: number;
  customDomains: string[];
  httpUser: boolean;
  line?: number;
}

export function frpDoors(text: string, path: string, pid?: number): { doors: Door[]; problems: DoorProblem[] } {
  const problems: DoorProblem[] = [];
  const problem = (detail: string, line?: number) =>
    problems.push({ kind: 'frp', tunnel: true, ...(pid !== undefined ? { pid } : {}), source: path, ...(line !== undefined ? { line } : {}), detail });
  let server = '';
  const proxies: Proxy[] = [];
  if (/\.ini$/.test(path)) {
    const { sections, lines } = parseIni(text);
    const common = sections.get('common') ?? {};
    server = `${common.server_addr ?? '0.0.0.0'}:${common.server_port ?? 7000}`;
    for (const [name, s] of sections) {
      if (name === 'common' || s.role === 'visitor') continue;
      proxies.push({
        name,
        type: s.type ?? 'tcp',
        localIP: s.local_ip ?? '127.0.0.1',
        localPort: Number(s.local_port),
        ...(s.remote_port ? { remotePort: Number(s.remote_port) } : {}),
        customDomains: (s.custom_domains ?? '')
          .split(',')
          .map((d) => d.trim())
          .filter(Boolean),
        httpUser: Boolean(s.http_user),
        ...(lines.has(name) ? { line: lines.get(name)! } : {}),
      });
    }
  } else {
    let value: Record<string, unknown>;
    let lineOf: (index: number) => number | undefined = () => undefined;
    try {
      if (/\.toml$/.test(path)) {
        const parsed = parseFrpToml(text);
        value = parsed.value;
        lineOf = (index) => parsed.proxyLines[index];
      } else {
        const doc = parseDocument(text);
        if (doc.errors.length > 0) throw Object.assign(new Error(doc.errors[0]!.message.split('\n')[0]), { line: doc.errors[0]!.linePos?.[0].line });
        value = (doc.toJS() ?? {}) as Record<string, unknown>;
      }
    } catch (error) {
      problem(`frpc config ${path} does not parse: ${(error as Error).message}`, (error as { line?: number }).line);
      return { doors: [], problems };
    }
    server = `${String(value.serverAddr ?? '0.0.0.0')}:${String(value.serverPort ?? 7000)}`;
    for (const [index, p] of ((Array.isArray(value.proxies) ? value.proxies : []) as Record<string, unknown>[]).entries()) {
      const line = lineOf(index);
      proxies.push({
        name: String(p.name ?? ''),
        type: String(p.type ?? 'tcp'),
        localIP: String(p.localIP ?? '127.0.0.1'),
        localPort: Number(p.localPort),
        ...(p.remotePort !== undefined ? { remotePort: Number(p.remotePort) } : {}),
        customDomains: Array.isArray(p.customDomains) ? p.customDomains.map(String) : [],
        httpUser: Boolean(p.httpUser),
        ...(line !== undefined ? { line } : {}),
      });
    }
  }
  const host = server.replace(/:\d+$/, '');
  const doors: Door[] = [];
  for (const p of proxies) {
    if (p.type === 'udp' || p.type === 'sudp') continue;
    if (!Number.isInteger(p.localPort)) {
      problem(`frp proxy "${p.name}" in ${path} has no localPort clawmoat can read`, p.line);
      continue;
    }
    let remote: Door['remote'];
    if (p.type === 'stcp' || p.type === 'xtcp') {
      remote = {
        url: `${p.type}://${host} (visitors only)`,
        port: p.localPort,
        audience: 'remote-host',
        gate: `only frp visitors holding proxy "${p.name}"'s secretKey connect; who holds it is not visible here`,
      };
    } else if (p.type === 'http' || p.type === 'https') {
      const domain = p.customDomains[0] ?? host;
      remote = {
        url: `${p.type}://${domain}`,
        port: p.type === 'https' ? 443 : 80,
        audience: 'internet',
        gate: `frps on ${host} serves ${p.customDomains.join(', ') || 'its subdomain'} on its vhost port; frps's config is not on this host`,
      };
    } else {
      remote = {
        url: `tcp://${host}:${p.remotePort ?? '?'}`,
        port: p.remotePort ?? 0,
        audience: 'internet',
        gate: `frps on ${host} binds remotePort ${p.remotePort ?? '?'} on its proxyBindAddr (0.0.0.0, public, unless its config says otherwise); frps's config is not on this host`,
      };
    }
    const door: Door = {
      kind: 'frp',
      remote,
      upstream: { host: p.localIP, port: p.localPort },
      via: `frp proxy "${p.name}" (${p.type}) → ${p.localIP}:${p.localPort}`,
      layer: p.type === 'http' || p.type === 'https' ? 'http' : 'tcp',
      forwardedFor: p.type === 'http' ? 'unknown' : 'none',
      auth: p.httpUser ? [{ text: 'httpUser/httpPassword (frp basic auth)', ...(p.line ? { location: { file: path, line: p.line } } : {}) }] : [],
    };
    if (p.line !== undefined) door.location = { file: path, line: p.line };
    if (pid !== undefined) door.pid = pid;
    doors.push(door);
  }
  return { doors, problems };
}
