import { posix } from 'node:path';
import type { DockerContainer, Door, DoorKind, DoorProblem, SourceLocation } from '../../snapshot/types.js';
import { globToRegExp, isGlob, nginxDoors, nginxIncludes, parseNginxFile, resolveIncludePath } from './nginx.js';
import { caddyConfigArgs, caddyDoors } from './caddy.js';
import { haproxyConfigArgs, haproxyDoors } from './haproxy.js';
import { adaptCaddyfile } from './caddy-adapt.js';
import { listContainerDir, readContainerFile } from './container-files.js';

/**
 * The config of a reverse proxy that runs in a container (nginx, Caddy, HAProxy), read from the
 * files its mounts bring in from the host, and parsed by the same parsers as a proxy of the
 * host. The doors come out as the container sees them (its own ports, names on its networks);
 * containers.ts puts them on the host. Every file that could not be read is a DoorProblem
 * naming the container and the path, so the published port is `unknown`, never a silent pass.
 */

export type ContainerProxy = 'nginx' | 'caddy' | 'haproxy';

const PROXIES: readonly ContainerProxy[] = ['nginx', 'caddy', 'haproxy'];

/** The image's repository without registry, owner or tag: "docker.io/library/nginx:1.27-alpine" → "nginx". */
function imageName(image: string): string {
  return (image.split('@')[0]!.split('/').pop() ?? '').split(':')[0]!;
}

/** The proxy a container runs, by a word of its command (entrypoint scripts pass it on) or its image's name. */
export function containerProxyOf(c: Pick<DockerContainer, 'command' | 'image'>): ContainerProxy | undefined {
  for (const word of c.command) {
    const name = word.split('/').pop() ?? '';
    if ((PROXIES as readonly string[]).includes(name)) return name as ContainerProxy;
  }
  const image = imageName(c.image);
  return PROXIES.find((p) => image === p || image.startsWith(`${p}-`));
}

/** The proxy's own argv: from its program's word on (an entrypoint script before it is dropped). */
function proxyArgv(c: DockerContainer, kind: ContainerProxy): string[] {
  const at = c.command.findIndex((w) => (w.split('/').pop() ?? '') === kind);
  return at < 0 ? [kind] : c.command.slice(at);
}

export interface ContainerProxyRead {
  doors: Door[];
  problems: DoorProblem[];
  read: string[];
}

/** Files read, by their path in the container, and where each is on the host (for evidence). */
class Files {
  readonly text = new Map<string, string>();
  readonly host = new Map<string, string>();
  constructor(
    readonly c: DockerContainer,
    readonly kind: DoorKind,
    readonly problems: DoorProblem[],
    readonly socketPath: string | undefined,
  ) {}

  problem(source: string, detail: string, line?: number): void {
    this.problems.push({ kind: this.kind, source: this.host.get(source) ?? source, ...(line !== undefined ? { line } : {}), detail });
  }

  /** Read one file; a failure is a problem saying who wanted it (FROM) and why it could not be read. */
  async read(path: string, from?: { file: string; line: number }): Promise<boolean> {
    if (this.text.has(path)) return true;
    const got = await readContainerFile(this.c, path, this.socketPath);
    if (got.status === 'ok') {
      this.text.set(path, got.data.text);
      this.host.set(path, got.data.hostPath);
      return true;
    }
    const wanted = from ? `${this.host.get(from.file) ?? from.file}:${from.line} includes ${path}` : `${this.kind} runs with ${path}`;
    this.problem(path, `container ${this.c.name}: ${wanted}, which could not be read: ${got.detail}`, undefined);
    return false;
  }

  /** Every file a pattern names in the container (a glob is listed in its directory: mounted, or the container's own). */
  async readPattern(pattern: string, from: { file: string; line: number }): Promise<string[]> {
    if (!isGlob(pattern)) return (await this.read(pattern, from)) ? [pattern] : [];
    const dir = posix.dirname(pattern);
    const listed = isGlob(dir) ? undefined : await listContainerDir(this.c, dir, this.socketPath);
    if (listed?.status !== 'ok') {
      const why = listed ? listed.detail : 'a pattern with wildcards in its directories';
      const at = `${this.host.get(from.file) ?? from.file}:${from.line}`;
      this.problem(from.file, `container ${this.c.name}: ${at} includes ${pattern}, which clawmoat cannot list: ${why}`, from.line);
      return [];
    }
    const names = listed.data;
    const re = globToRegExp(pattern);
    const paths = names
      .map((n) => `${dir.replace(/\/$/, '')}/${n}`)
      .filter((p) => re.test(p))
      .sort();
    const read: string[] = [];
    for (const p of paths) if (await this.read(p, from)) read.push(p);
    return read;
  }

  /** A place in a container file, as the host path a user can open. */
  where(l: SourceLocation): SourceLocation {
    return { ...l, file: this.host.get(l.file) ?? l.file };
  }
}

/** The parsers name container paths; evidence names the host files they came from. */
function onHostFiles(result: { doors: Door[]; problems: DoorProblem[] }, files: Files): { doors: Door[]; problems: DoorProblem[] } {
  const doors = result.doors.map((d) => {
    const out: Door = { ...d, auth: d.auth.map((a) => (a.location ? { ...a, location: files.where(a.location) } : a)) };
    if (d.location) out.location = files.where(d.location);
    if (d.forwardedForLocation) out.forwardedForLocation = files.where(d.forwardedForLocation);
    if (d.listen) out.listen = d.listen.map((l) => (l.location ? { ...l, location: files.where(l.location) } : l));
    if (d.listenUnix) out.listenUnix = d.listenUnix.map((l) => (l.location ? { ...l, location: files.where(l.location) } : l));
    return out;
  });
  const problems = result.problems.map((p) => ({ ...p, source: files.host.get(p.source) ?? p.source, detail: `container ${files.c.name}: ${p.detail}` }));
  return { doors, problems };
}

/** nginx's -c and -p, from the words after the program (nginx -g 'daemon off;' -c /etc/nginx/nginx.conf). */
function nginxMain(argv: readonly string[]): string {
  let conf: string | undefined;
  let prefix: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '-c') conf = argv[++i];
    else if (argv[i] === '-p') prefix = argv[++i];
  }
  if (!conf) return '/etc/nginx/nginx.conf';
  return conf.startsWith('/') || !prefix ? conf : `${prefix.replace(/\/$/, '')}/${conf}`;
}

async function readNginx(c: DockerContainer, problems: DoorProblem[], socketPath?: string): Promise<ContainerProxyRead> {
  const main = nginxMain(proxyArgv(c, 'nginx'));
  const files = new Files(c, 'nginx', problems, socketPath);
  if (!(await files.read(main))) return { doors: [], problems, read: [] };
  const confDir = posix.dirname(main);
  const queue = [main];
  while (queue.length > 0 && files.text.size < 2000) {
    const file = queue.shift()!;
    let tree;
    try {
      tree = parseNginxFile(files.text.get(file)!, file);
    } catch {
      continue; // nginxDoors reports it, with its line.
    }
    for (const inc of nginxIncludes(tree)) {
      queue.push(...(await files.readPattern(resolveIncludePath(inc.args[0] ?? '', confDir), { file: inc.file, line: inc.line })));
    }
  }
  const result = onHostFiles(nginxDoors({ files: files.text, main, confDir, root: true }), files);
  return { doors: result.doors, problems: [...problems, ...result.problems], read: [`nginx config of container ${c.name} from ${files.host.get(main)}`] };
}

async function readCaddy(c: DockerContainer, problems: DoorProblem[], socketPath?: string): Promise<ContainerProxyRead> {
  const args = caddyConfigArgs(proxyArgv(c, 'caddy'), undefined);
  const files = new Files(c, 'caddy', problems, socketPath);
  if (!args.config) {
    files.problem(`container ${c.name}`, `container ${c.name}: caddy runs without a config file clawmoat can see (${args.why}); its routes cannot be read`);
    return { doors: [], problems, read: [] };
  }
  if (!(await files.read(args.config))) return { doors: [], problems, read: [] };
  const text = files.text.get(args.config)!;
  const hostPath = files.host.get(args.config)!;
  let json = text;
  if (!(args.adapter === 'json' || (!args.adapter && /\.json$/.test(args.config)))) {
    const adapted = await adaptCaddyfile(text, args.adapter ?? 'caddyfile', hostPath);
    if (adapted.status !== 'ok') {
      files.problem(args.config, `container ${c.name}: the Caddyfile ${hostPath} (${args.config} in the container) could not be adapted: ${adapted.detail}`);
      return { doors: [], problems, read: [] };
    }
    json = adapted.data;
  }
  const result = onHostFiles(caddyDoors(json, { file: args.config, text }), files);
  return { doors: result.doors, problems: [...problems, ...result.problems], read: [`caddy config of container ${c.name} from ${hostPath}`] };
}

async function readHaproxy(c: DockerContainer, problems: DoorProblem[], socketPath?: string): Promise<ContainerProxyRead> {
  const files = new Files(c, 'haproxy', problems, socketPath);
  const paths = haproxyConfigArgs(proxyArgv(c, 'haproxy'));
  for (const p of paths) {
    // -f may name a directory: every *.cfg in it, in order.
    const listed = await listContainerDir(c, p, socketPath);
    const entries = (listed.status === 'ok' ? listed.data : []).filter((n) => n.endsWith('.cfg')).sort();
    if (entries.length > 0) for (const n of entries) await files.read(`${p.replace(/\/$/, '')}/${n}`, { file: p, line: 0 });
    else await files.read(p);
  }
  const result = onHostFiles(haproxyDoors(files.text), files);
  const read = [...files.host.values()];
  return {
    doors: result.doors,
    problems: [...problems, ...result.problems],
    read: read.length > 0 ? [`haproxy config of container ${c.name} from ${read.join(', ')}`] : [],
  };
}

/** The doors of proxy KIND running in container C, as the container sees them; SOCKETPATH (the Docker socket) reads the files no mount brings in. */
export function readContainerProxy(c: DockerContainer, kind: ContainerProxy, socketPath?: string): Promise<ContainerProxyRead> {
  const problems: DoorProblem[] = [];
  if (kind === 'nginx') return readNginx(c, problems, socketPath);
  if (kind === 'caddy') return readCaddy(c, problems, socketPath);
  return readHaproxy(c, problems, socketPath);
}
