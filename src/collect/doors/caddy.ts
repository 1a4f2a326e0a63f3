import type { Door, DoorListen, DoorProblem, SourceLocation } from '../../snapshot/types.js';
import { isPortRange, portRange, UNEXPANDED_RANGE } from './port-range.js';

/**
 * Caddy v2 as doors, from the JSON config `caddy adapt` prints (or a JSON config as is):
 * apps.http.servers.*.listen, routes → reverse_proxy → upstreams[].dial (reference/doors.md
 * §1.2). A site's hostname is only a Host matcher: the socket binds every address.
 */

export function caddyConfigArgs(argv: readonly string[], cwd: string | undefined): { config?: string; adapter?: string; why: string } {
  let config: string | undefined;
  let adapter: string | undefined;
  let resume = false;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--config' || flag === '-config') config = inline ?? argv[++i];
    else if (flag === '--adapter' || flag === '-adapter') adapter = inline ?? argv[++i];
    else if (flag === '--resume') resume = true;
  }
  if (resume) return { why: '--resume loads the last config saved through the admin API' };
  if (config) return { config: config.startsWith('/') || !cwd ? config : `${cwd}/${config}`, ...(adapter ? { adapter } : {}), why: '' };
  // With no --config, caddy run reads the Caddyfile in its working directory, if any.
  if (cwd) return { config: `${cwd}/Caddyfile`, adapter: adapter ?? 'caddyfile', why: '' };
  return { why: 'no --config, and its working directory is not visible' };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function caddyListen(text: string): { address: string; port: number } | undefined {
  return caddyListens(text)[0];
}

/** A Caddy listen address: every port of a range (":8000-8010"); none for UDP, a unix socket, or a range clawmoat does not expand. */
export function caddyListens(text: string): { address: string; port: number }[] {
  const bare = text.replace(/^(tcp[46]?|udp[46]?)\//, '');
  if (/^udp/.test(text) || bare.startsWith('unix')) return [];
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)(?:-(\d+))?$/.exec(bare);
  if (!m) return [];
  const host = m[1] ?? m[2] ?? '';
  const address = host === '' ? '::' : host === 'localhost' ? '127.0.0.1' : host;
  return portRange(Number(m[3]), m[4] === undefined ? undefined : Number(m[4])).map((port) => ({ address, port }));
}

function dialOf(dial: string): Door['upstream'] | undefined {
  if (dial.startsWith('unix/')) return { unix: dial.slice(5) };
  const hp = caddyListen(dial);
  return hp ? { host: hp.address === '::' ? 'localhost' : hp.address, port: hp.port } : undefined;
}

/**
 * The Caddyfile line that names an upstream, for evidence (the JSON has no lines): the first line
 * with the directive's word that names the dial (or its port), else the first with the word.
 * The lines with each word are found once per Caddyfile, not once per upstream.
 */
function caddyfileLines(text: string): (dial: string, word: RegExp) => number | undefined {
  const lines = text.split('\n');
  const withWord = new Map<string, number[]>();
  return (dial, word) => {
    let candidates = withWord.get(word.source);
    if (!candidates) {
      candidates = [];
      lines.forEach((l, index) => {
        if (word.test(l)) candidates!.push(index);
      });
      withWord.set(word.source, candidates);
    }
    const port = dial.split(':').pop() ?? '';
    const index = candidates.find((k) => lines[k]!.includes(dial) || (port !== '' && lines[k]!.includes(`:${port}`))) ?? candidates[0];
    return index === undefined ? undefined : index + 1;
  };
}

interface Walk {
  listens: DoorListen[];
  /** Unix sockets the server listens on ("unix//run/caddy.sock"). */
  unix: string[];
  hosts: string[];
  auth: Door['auth'];
  xff: Door['forwardedFor'];
  tls: boolean;
}

export function caddyDoors(jsonText: string, source: { file: string; text: string; pid?: number }): { doors: Door[]; problems: DoorProblem[] } {
  const doors: Door[] = [];
  const problems: DoorProblem[] = [];
  const where = (line?: number): SourceLocation | undefined => (line !== undefined ? { file: source.file, line } : undefined);
  const lineOf = caddyfileLines(source.text);
  let config: Json | undefined;
  try {
    config = obj(JSON.parse(jsonText));
  } catch (error) {
    problems.push({
      kind: 'caddy',
      ...(source.pid !== undefined ? { pid: source.pid } : {}),
      source: source.file,
      detail: `the Caddy config of ${source.file} is not valid JSON: ${(error as Error).message}`,
    });
    return { doors, problems };
  }
  const servers = obj(obj(obj(config?.apps)?.http)?.servers) ?? {};
  const walk = (routes: unknown[], w: Walk): void => {
    let auth = [...w.auth];
    for (const r of routes) {
      const route = obj(r);
      if (!route) continue;
      const hosts = arr(route.match).flatMap((m) => arr(obj(m)?.host).map(String));
      const here: Walk = { ...w, hosts: hosts.length > 0 ? hosts : w.hosts, auth };
      for (const h of arr(route.handle)) {
        const handler = obj(h);
        if (!handler) continue;
        switch (handler.handler) {
          case 'subroute':
            walk(arr(handler.routes), here);
            break;
          case 'authentication': {
            const providers = Object.keys(obj(handler.providers) ?? {});
            const line = lineOf('', /basic_?auth/);
            const entry = { text: `authentication (${providers.join(', ') || 'provider'})`, ...(where(line) ? { location: where(line)! } : {}) };
            here.auth = [...here.auth, entry];
            // A route with no matcher guards everything after it in this list.
            if (!route.match) auth = [...auth, entry];
            break;
          }
          case 'reverse_proxy': {
            const dials = arr(handler.upstreams).map((u) => String(obj(u)?.dial ?? ''));
            if (handler.handle_response) {
              // forward_auth adapts to a reverse_proxy that only answers yes or no: an auth check, not a door.
              const line = lineOf(dials[0] ?? '', /forward_auth/);
              const entry = { text: `forward_auth ${dials.join(' ')}`, ...(where(line) ? { location: where(line)! } : {}) };
              here.auth = [...here.auth, entry];
              if (!route.match) auth = [...auth, entry];
              break;
            }
            const setXff = obj(obj(obj(handler.headers)?.request)?.set)?.['X-Forwarded-For'];
            const addXff = obj(obj(obj(handler.headers)?.request)?.add)?.['X-Forwarded-For'];
            const xff: Door['forwardedFor'] = addXff ? 'append' : setXff ? 'overwrite' : w.xff;
            for (const dial of dials) {
              const upstream = dialOf(dial);
              if (!upstream || dial.includes('{')) {
                problems.push({
                  kind: 'caddy',
                  ...(source.pid !== undefined ? { pid: source.pid } : {}),
                  source: source.file,
                  detail: `reverse_proxy to "${dial}" in ${source.file}: an upstream clawmoat cannot read (placeholder or dynamic)`,
                });
                continue;
              }
              const line = lineOf(dial, /reverse_proxy|to\s/);
              const door: Door = {
                kind: 'caddy',
                listen: w.listens,
                upstream,
                via: `reverse_proxy ${dial}`,
                layer: 'http',
                forwardedFor: xff,
                auth: here.auth,
              };
              const loc = where(line);
              if (loc) door.location = loc;
              if (w.unix.length > 0) door.listenUnix = w.unix.map((path) => ({ path }));
              if (here.hosts.length > 0) door.serverNames = here.hosts;
              if (w.tls) door.tls = true;
              if (source.pid !== undefined) door.pid = source.pid;
              doors.push(door);
            }
            break;
          }
          default:
            break;
        }
      }
    }
  };
  for (const [, s] of Object.entries(servers)) {
    const server = obj(s);
    if (!server) continue;
    const listens = arr(server.listen).flatMap((l) => {
      const found = caddyListens(String(l));
      if (found.length === 0 && isPortRange(String(l)))
        problems.push({
          kind: 'caddy',
          ...(source.pid !== undefined ? { pid: source.pid } : {}),
          source: source.file,
          detail: `listen ${String(l)} in ${source.file}: ${UNEXPANDED_RANGE}`,
        });
      return found;
    });
    const unix = arr(server.listen).flatMap((l) => {
      const m = /^unix\/([^|]+)/.exec(String(l));
      return m ? [m[1]!] : [];
    });
    // Caddy sets X-Forwarded-For from the peer (overwrite) unless the peer is a trusted proxy, whose header it extends.
    const xff: Door['forwardedFor'] = server.trusted_proxies ? 'append' : 'overwrite';
    const tls = Boolean(server.tls_connection_policies) || (listens.some((l) => l.port === 443) && !obj(server.automatic_https)?.disable);
    walk(arr(server.routes), { listens, unix, hosts: [], auth: [], xff, tls });
  }
  return { doors, problems };
}
