import { parseDocument } from 'yaml';
import type { Door, DoorProblem } from '../../snapshot/types.js';

/**
 * ngrok: an outbound tunnel to ngrok's edge, public unless a policy there (traffic policy,
 * OAuth, an IP restriction) says otherwise; those live at ngrok or in a file whose effect we
 * do not evaluate, so such a door is `unknown`. Basic auth is the door's own auth, seen here
 * (reference/doors.md §2.2). Config v2 (`tunnels`) and v3 (`endpoints`).
 */

export function ngrokConfigPaths(argv: readonly string[], home: string | undefined): string[] {
  const explicit: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') explicit.push(...(argv[i + 1] ?? '').split(','));
    else if (argv[i]!.startsWith('--config=')) explicit.push(...argv[i]!.slice(9).split(','));
  }
  if (explicit.length > 0) return explicit.filter(Boolean);
  return home ? [`${home}/.config/ngrok/ngrok.yml`, `${home}/.ngrok2/ngrok.yml`] : [];
}

function addrTarget(addr: string): Door['upstream'] | undefined {
  const text = addr.replace(/^(https?|tcp|tls):\/\//, '').replace(/\/.*$/, '');
  if (/^\d+$/.test(text)) return { host: 'localhost', port: Number(text) };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (m) return { host: m[1] ?? m[2]!, port: Number(m[3]) };
  return /^https?:\/\/[^:/]+$/.test(addr) ? { host: addr.replace(/^https?:\/\//, ''), port: addr.startsWith('https') ? 443 : 80 } : undefined;
}

interface TunnelSpec {
  name: string;
  proto: string;
  addr: string;
  url?: string;
  basicAuth: boolean;
  gates: string[];
  line?: number;
}

function door(spec: TunnelSpec, via: string, file: string | undefined, pid: number | undefined): Door | undefined {
  const upstream = addrTarget(spec.addr);
  if (!upstream) return undefined;
  const url = spec.url
    ? /^\w+:\/\//.test(spec.url)
      ? spec.url
      : `https://${spec.url}`
    : spec.proto === 'tcp'
      ? 'tcp://(an ngrok TCP address)'
      : 'https://(a random ngrok domain)';
  const d: Door = {
    kind: 'ngrok',
    remote: {
      url,
      port: Number(/:(\d+)$/.exec(url)?.[1] ?? (spec.proto === 'tcp' ? 0 : 443)),
      audience: 'internet',
      ...(spec.gates.length > 0 ? { gate: `${spec.gates.join(', ')} decide who gets through, at ngrok's edge` } : {}),
    },
    upstream,
    via,
    layer: spec.proto === 'tcp' || spec.proto === 'tls' ? 'tcp' : 'http',
    forwardedFor: spec.proto === 'tcp' || spec.proto === 'tls' ? 'none' : 'unknown',
    auth: spec.basicAuth ? [{ text: 'basic auth (ngrok)', ...(file && spec.line ? { location: { file, line: spec.line } } : {}) }] : [],
  };
  if (file && spec.line) d.location = { file, line: spec.line };
  if (pid !== undefined) d.pid = pid;
  return d;
}

export function ngrokDoors(
  argv: readonly string[],
  config: { path: string; text: string } | undefined,
  pid?: number,
): { doors: Door[]; problems: DoorProblem[] } {
  const doors: Door[] = [];
  const problems: DoorProblem[] = [];
  const sub = argv.findIndex((a, i) => i > 0 && /^(http|tcp|tls|start|service)$/.test(a));
  const command = sub > 0 ? argv[sub]! : '';
  if (command === 'http' || command === 'tcp' || command === 'tls') {
    const spec: TunnelSpec = { name: command, proto: command, addr: '', basicAuth: false, gates: [] };
    for (let i = sub + 1; i < argv.length; i++) {
      const a = argv[i]!;
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      const value = () => inline ?? argv[++i] ?? '';
      if (name === '--url' || name === '--domain' || name === '--hostname' || name === '--subdomain') spec.url = value();
      else if (name === '--basic-auth') {
        value();
        spec.basicAuth = true;
      } else if (name === '--oauth' || name === '--oidc') spec.gates.push(`${name} ${value()}`);
      else if (name === '--traffic-policy-file' || name === '--policy-file') spec.gates.push(`the traffic policy in ${value()}`);
      else if (name === '--cidr-allow' || name === '--cidr-deny') spec.gates.push(`${name} ${value()}`);
      else if (
        name === '--authtoken' ||
        name === '--config' ||
        name === '--region' ||
        name === '--log' ||
        name === '--log-level' ||
        name === '--log-format' ||
        name === '--host-header' ||
        name === '--api-key'
      ) {
        if (inline === undefined) i++;
      } else if (!a.startsWith('-') && spec.addr === '') spec.addr = a;
    }
    const d = door(spec, `ngrok ${command} ${spec.addr}${spec.url ? ` --url ${spec.url}` : ''}`, undefined, pid);
    if (d) doors.push(d);
    return { doors, problems };
  }
  if (!config) {
    problems.push({
      kind: 'ngrok',
      tunnel: true,
      ...(pid !== undefined ? { pid } : {}),
      source: `/proc/${pid ?? '?'}/cmdline`,
      detail: `ngrok runs (${argv
        .slice(1)
        .filter((a) => !/token|auth/i.test(a))
        .join(' ')}) but its config was not found: where it sends connections is not known`,
    });
    return { doors, problems };
  }
  const doc = parseDocument(config.text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    problems.push({
      kind: 'ngrok',
      tunnel: true,
      ...(pid !== undefined ? { pid } : {}),
      source: config.path,
      ...(e.linePos ? { line: e.linePos[0].line } : {}),
      detail: `ngrok config ${config.path} does not parse: ${e.message.split('\n')[0]}`,
    });
    return { doors, problems };
  }
  const value = (doc.toJS() ?? {}) as Record<string, unknown>;
  const lines = config.text.split('\n');
  const lineOf = (name: string) => {
    const i = lines.findIndex((l) => new RegExp(`^\\s*(-\\s*)?(name:\\s*)?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:?\\s*$`).test(l));
    return i < 0 ? undefined : i + 1;
  };
  const wanted = command === 'start' ? argv.slice(sub + 1).filter((a) => !a.startsWith('-')) : [];
  const everything = command !== 'start' || argv.includes('--all');
  const specs: TunnelSpec[] = [];
  for (const [name, t] of Object.entries((value.tunnels ?? {}) as Record<string, Record<string, unknown>>)) {
    const gates: string[] = [];
    if (t.oauth) gates.push('an OAuth policy');
    if (t.oidc) gates.push('an OIDC policy');
    if (t.ip_restriction || t.cidr_allow) gates.push('an IP restriction');
    if (t.traffic_policy || t.policy) gates.push('a traffic policy');
    const spec: TunnelSpec = { name, proto: String(t.proto ?? 'http'), addr: String(t.addr ?? ''), basicAuth: Boolean(t.basic_auth), gates };
    const url = t.url ?? t.domain ?? t.hostname ?? t.subdomain;
    if (typeof url === 'string') spec.url = url;
    const line = lineOf(name);
    if (line !== undefined) spec.line = line;
    specs.push(spec);
  }
  for (const e of (Array.isArray(value.endpoints) ? value.endpoints : []) as Record<string, unknown>[]) {
    const name = String(e.name ?? '');
    const upstream = (e.upstream ?? {}) as Record<string, unknown>;
    const spec: TunnelSpec = {
      name,
      proto: String(e.url ?? '').startsWith('tcp') ? 'tcp' : 'http',
      addr: String(upstream.url ?? ''),
      basicAuth: false,
      gates: e.traffic_policy ? ['a traffic policy'] : [],
    };
    if (typeof e.url === 'string') spec.url = e.url;
    const line = lineOf(name);
    if (line !== undefined) spec.line = line;
    specs.push(spec);
  }
  for (const spec of specs) {
    if (!everything && !wanted.includes(spec.name)) continue;
    const d = door(spec, `ngrok tunnel "${spec.name}" → ${spec.addr}`, config.path, pid);
    if (d) doors.push(d);
    else
      problems.push({
        kind: 'ngrok',
        tunnel: true,
        ...(pid !== undefined ? { pid } : {}),
        source: config.path,
        ...(spec.line ? { line: spec.line } : {}),
        detail: `ngrok tunnel "${spec.name}" in ${config.path}: upstream "${spec.addr}" is not understood`,
      });
  }
  return { doors, problems };
}
