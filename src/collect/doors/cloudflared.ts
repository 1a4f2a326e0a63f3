import { parseDocument } from 'yaml';
import type { Door, DoorProblem } from '../../snapshot/types.js';

/**
 * Outbound tunnels: cloudflared. No listener on this host; the far end is Cloudflare's edge,
 * which the whole internet reaches. Who gets through is decided there (Cloudflare Access), out
 * of this host's sight: such a door's cell is `unknown`, never `filtered`. A quick tunnel
 * (`tunnel --url`) has no Access at all (reference/doors.md §2.1).
 */

function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i]!.startsWith(`${name}=`)) return argv[i]!.slice(name.length + 1);
  }
  return undefined;
}

export function cloudflaredConfigPaths(argv: readonly string[], home: string | undefined): string[] {
  const explicit = flag(argv, '--config');
  if (explicit) return [explicit];
  const dirs = [
    ...(home ? [`${home}/.cloudflared`, `${home}/.cloudflare-warp`, `${home}/cloudflare-warp`] : []),
    '/etc/cloudflared',
    '/usr/local/etc/cloudflared',
  ];
  return dirs.flatMap((d) => [`${d}/config.yml`, `${d}/config.yaml`]);
}

function serviceTarget(service: string): { upstream: Door['upstream']; layer: Door['layer'] } | undefined {
  const unix = /^unix(?:\+tls)?:(.+)$/.exec(service);
  if (unix) return { upstream: { unix: unix[1]! }, layer: 'http' };
  const m = /^(https?|tcp|ssh|rdp|smb):\/\/(?:\[([^\]]+)\]|([^/:]+))(?::(\d+))?/.exec(service);
  if (!m) return undefined;
  const scheme = m[1]!;
  const port = m[4] ? Number(m[4]) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : scheme === 'ssh' ? 22 : NaN;
  if (!Number.isInteger(port)) return undefined;
  return { upstream: { host: m[2] ?? m[3]!, port }, layer: scheme.startsWith('http') ? 'http' : 'tcp' };
}

const ACCESS_GATE = (host: string) => `Cloudflare Access may guard ${host}: its policy lives at Cloudflare, not on this host`;

export function cloudflaredDoors(
  argv: readonly string[],
  config: { path: string; text: string } | undefined,
  pid?: number,
): { doors: Door[]; problems: DoorProblem[] } {
  const doors: Door[] = [];
  const problems: DoorProblem[] = [];
  const withPid = <T extends object>(x: T): T => (pid !== undefined ? { ...x, pid } : x);
  const url = flag(argv, '--url');
  const named = argv.includes('run') || flag(argv, '--token') !== undefined || flag(argv, '--token-file') !== undefined;
  if (url && !named) {
    // A quick tunnel: a random *.trycloudflare.com name, no account, no Access.
    const t = serviceTarget(url);
    if (t) {
      doors.push(
        withPid({
          kind: 'cloudflared',
          remote: { url: 'https://*.trycloudflare.com', port: 443, audience: 'internet' },
          upstream: t.upstream,
          via: `cloudflared tunnel --url ${url} (a quick tunnel: no Cloudflare Access)`,
          layer: t.layer,
          forwardedFor: 'append',
          auth: [],
        } as Door),
      );
    }
    return { doors, problems };
  }
  if (url) {
    const t = serviceTarget(url);
    if (t)
      doors.push(
        withPid({
          kind: 'cloudflared',
          remote: { url: 'https://(the tunnel’s routes)', port: 443, audience: 'internet', gate: ACCESS_GATE('the tunnel’s hostnames') },
          upstream: t.upstream,
          via: `cloudflared tunnel --url ${url} run`,
          layer: t.layer,
          forwardedFor: 'append',
          auth: [],
        } as Door),
      );
    return { doors, problems };
  }
  if (!config) {
    const token = flag(argv, '--token') !== undefined || flag(argv, '--token-file') !== undefined;
    problems.push(
      withPid({
        kind: 'cloudflared',
        tunnel: true,
        source: `/proc/${pid ?? '?'}/cmdline`,
        detail: token
          ? 'cloudflared runs a remotely managed tunnel (--token): its ingress rules live in the Cloudflare dashboard, not on this host (cloudflared serves them at http://localhost:20241/config)'
          : 'cloudflared runs a tunnel, but no config.yml was found where it looks: where it sends connections is not known',
      } as DoorProblem),
    );
    return { doors, problems };
  }
  const doc = parseDocument(config.text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    problems.push(
      withPid({
        kind: 'cloudflared',
        tunnel: true,
        source: config.path,
        ...(e.linePos ? { line: e.linePos[0].line } : {}),
        detail: `cloudflared config ${config.path} does not parse: ${e.message.split('\n')[0]}`,
      } as DoorProblem),
    );
    return { doors, problems };
  }
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : config.text.slice(0, offset).split('\n').length);
  const value = doc.toJS() as Record<string, unknown> | null;
  const ingress = doc.get('ingress') as { items?: { toJSON(): unknown; range?: [number, number, number] }[] } | undefined;
  const rules = Array.isArray(value?.ingress) ? (value.ingress as Record<string, unknown>[]) : [];
  if (rules.length === 0 && typeof value?.url === 'string') rules.push({ service: value.url });
  rules.forEach((rule, index) => {
    const service = String(rule.service ?? '');
    const t = serviceTarget(service);
    const line = lineOf(ingress?.items?.[index]?.range?.[0]);
    const location = line !== undefined ? { file: config.path, line } : undefined;
    if (!t) {
      if (!/^http_status:|^hello_world$|^bastion$/.test(service))
        problems.push(
          withPid({
            kind: 'cloudflared',
            tunnel: true,
            source: config.path,
            ...(line !== undefined ? { line } : {}),
            detail: `ingress rule ${index + 1} of ${config.path}: service "${service}" is not understood`,
          } as DoorProblem),
        );
      return;
    }
    const host = typeof rule.hostname === 'string' && rule.hostname !== '' ? rule.hostname : '*';
    const origin = (rule.originRequest ?? {}) as { access?: { required?: boolean; teamName?: string } };
    const auth: Door['auth'] = origin.access?.required
      ? [
          {
            text: `originRequest.access (cloudflared checks the Cloudflare Access token of team ${origin.access.teamName ?? '?'})`,
            ...(location ? { location } : {}),
          },
        ]
      : [];
    const catchAll = host === '*' && rule.path === undefined;
    const door: Door = {
      kind: 'cloudflared',
      remote: {
        url: `https://${host}${typeof rule.path === 'string' ? rule.path : ''}`,
        port: 443,
        audience: 'internet',
        gate: catchAll ? `${ACCESS_GATE('every hostname routed to this tunnel')} (a catch-all rule serves any of them)` : ACCESS_GATE(host),
      },
      upstream: t.upstream,
      via: `ingress ${host} → ${service}`,
      layer: t.layer,
      forwardedFor: t.layer === 'http' ? 'append' : 'none',
      auth,
    };
    if (location) door.location = location;
    if (host !== '*') door.serverNames = [host];
    if (pid !== undefined) door.pid = pid;
    doors.push(door);
  });
  return { doors, problems };
}
