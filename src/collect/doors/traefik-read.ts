import type { Collected, DockerState, DoorProblem, DoorsState } from '../../snapshot/types.js';
import { readerFor, type OwnerReader } from '../owner-read.js';
import { cwdOf, processIds, readEnviron, userOf } from '../proc.js';
import { flattenEnv, flattenFile, flattenFlags, TraefikConfigError, type Settings } from './traefik-config.js';
import { traefikDoors, traefikStatic, traefikStaticCandidates } from './traefik.js';

/**
 * Read a running Traefik: its static file (the first that exists where Traefik looks), else its
 * flags, else its TRAEFIK_* environment; then the file provider's files and, for the Docker
 * provider, the labels the Docker collector read from the Engine API. Every file goes through
 * the safe reader; what cannot be read is a problem naming it, and the model makes Traefik's
 * sockets unknown.
 */

const DYNAMIC = /\.(toml|ya?ml)$/i;
/** How deep below the file provider's directory clawmoat walks (the collection script's round walks as deep). */
export const MAX_DEPTH = 4;

type Reader = Pick<OwnerReader, 'read' | 'list'>;

function problemOf(pid: number, error: unknown, fallback: string): DoorProblem {
  if (error instanceof TraefikConfigError)
    return {
      kind: 'traefik',
      pid,
      source: error.file,
      ...(error.line !== undefined ? { line: error.line } : {}),
      detail: `traefik (pid ${pid}): ${error.file} does not parse: ${error.message}`,
    };
  return { kind: 'traefik', pid, source: fallback, detail: `traefik (pid ${pid}): ${fallback}: ${(error as Error).message}` };
}

async function readStatic(pid: number, argv: string[], state: DoorsState, read: Reader['read']): Promise<{ settings: Settings; source: string } | undefined> {
  const cwd = await cwdOf(pid);
  const environ = await readEnviron(pid);
  const env = environ.status === 'ok' ? environ.data : {};
  const home = env.HOME ?? (await userOf(pid))?.home;
  for (const path of traefikStaticCandidates(argv, cwd, { ...(home ? { home } : {}), ...(env.XDG_CONFIG_HOME ? { xdg: env.XDG_CONFIG_HOME } : {}) })) {
    const text = await read(path);
    if (text.status !== 'ok') {
      if (text.reason === 'not-found') continue;
      state.problems.push({ kind: 'traefik', pid, source: path, detail: `traefik (pid ${pid}) may use ${path}, which could not be read: ${text.detail}` });
      return undefined;
    }
    try {
      return { settings: flattenFile(text.data, path), source: path };
    } catch (error) {
      state.problems.push(problemOf(pid, error, path));
      return undefined;
    }
  }
  const flags = flattenFlags(argv);
  if (flags.size > 0) return { settings: flags, source: 'its command-line flags' };
  if (environ.status !== 'ok') {
    state.problems.push({
      kind: 'traefik',
      pid,
      source: `/proc/${pid}/environ`,
      detail: `traefik (pid ${pid}) has no config file or flags, and its environment (TRAEFIK_* variables) could not be read: ${environ.detail}`,
    });
    return undefined;
  }
  return { settings: flattenEnv(env), source: 'its TRAEFIK_* environment variables' };
}

/** The file provider's dynamic configuration: one file, or every .toml/.yml/.yaml in a directory (and below), merged. */
async function readDynamic(
  pid: number,
  file: { filename?: { value: string }; directory?: { value: string } },
  state: DoorsState,
  { read, list }: Reader,
): Promise<Settings> {
  const out: Settings = new Map();
  const paths: string[] = [];
  // As Traefik's file provider: every entry of the directory, a subdirectory (not a symbolic link to one) walked in turn.
  const walk = async (dir: string, depth: number): Promise<void> => {
    const listed = await list(dir);
    if (listed.status !== 'ok') {
      state.problems.push({
        kind: 'traefik',
        pid,
        source: dir,
        detail: `traefik (pid ${pid}) reads routes from every file in ${dir}, which could not be listed: ${listed.detail}; its routes are unknown until clawmoat can list it`,
      });
      return;
    }
    for (const entry of [...listed.data].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = `${dir}/${entry.name}`;
      if (!entry.dir) {
        if (DYNAMIC.test(entry.name)) paths.push(path);
      } else if (depth < MAX_DEPTH) await walk(path, depth + 1);
      else
        state.problems.push({
          kind: 'traefik',
          pid,
          source: path,
          detail: `traefik (pid ${pid}) reads routes from ${path}, deeper than the ${MAX_DEPTH} levels of directories clawmoat follows`,
        });
    }
  };
  if (file.filename) paths.push(file.filename.value);
  else if (file.directory) await walk(file.directory.value.replace(/\/$/, ''), 0);
  for (const path of paths) {
    const text = await read(path);
    if (text.status !== 'ok') {
      state.problems.push({
        kind: 'traefik',
        pid,
        source: path,
        detail: `traefik (pid ${pid}) reads routes from ${path}, which could not be read: ${text.detail}`,
      });
      continue;
    }
    if (text.data.includes('{{')) {
      state.problems.push({ kind: 'traefik', pid, source: path, detail: `traefik (pid ${pid}): ${path} is a Go template, which clawmoat does not render` });
      continue;
    }
    try {
      flattenFile(text.data, path, out);
    } catch (error) {
      state.problems.push(problemOf(pid, error, path));
    }
  }
  state.read.push(`traefik file provider ${paths.join(', ') || '(no files)'} (pid ${pid})`);
  return out;
}

export async function readTraefik(pid: number, argv: string[], state: DoorsState, docker: Promise<Collected<DockerState>> | undefined): Promise<void> {
  // Its config and argv name the files: read only what Traefik's owner could (owner-read.ts).
  const reader = readerFor(pid, 'traefik');
  const found = await readStatic(pid, argv, state, reader.read);
  if (!found) return;
  state.read.push(`traefik static configuration from ${found.source} (pid ${pid})`);
  const { config, problems } = traefikStatic(found.settings, found.source);
  for (const detail of problems) state.problems.push({ kind: 'traefik', pid, source: found.source, detail: `traefik (pid ${pid}): ${detail}` });
  for (const p of config.unread)
    state.problems.push({
      kind: 'traefik',
      pid,
      source: found.source,
      detail: `traefik (pid ${pid}) also takes routes from its ${p} provider, which clawmoat does not read`,
    });
  const dynamic = config.file ? await readDynamic(pid, config.file, state, reader) : undefined;
  let containers;
  if (config.docker) {
    const d = docker ? await docker : undefined;
    // Traefik's default endpoint is the local socket; one elsewhere is a daemon clawmoat did not read.
    const endpoint = config.docker.endpoint?.replace(/^unix:\/\//, '');
    if (d?.status === 'ok' && endpoint !== undefined && endpoint !== '/var/run/docker.sock' && endpoint !== d.data.endpoint.replace(/^unix:\/\//, ''))
      state.problems.push({
        kind: 'traefik',
        pid,
        source: found.source,
        detail: `traefik (pid ${pid}) routes by the labels of the Docker daemon at ${config.docker.endpoint}, not the one clawmoat read (${d.data.endpoint})`,
      });
    else if (d?.status === 'ok') containers = d.data.containers;
    else
      state.problems.push({
        kind: 'traefik',
        pid,
        source: found.source,
        detail: `traefik (pid ${pid}) routes to Docker containers by their labels, and the Docker Engine API could not be read${d ? `: ${d.detail}` : ''}`,
      });
  }
  const result = traefikDoors(config, dynamic, containers, pid);
  state.doors.push(...result.doors);
  state.problems.push(...result.problems.map((p) => ({ kind: 'traefik' as const, pid, ...p })));
}
