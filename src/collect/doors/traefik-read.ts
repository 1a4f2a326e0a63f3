import type { Collected, DockerState, DoorProblem, DoorsState } from '../../snapshot/types.js';
import { listDir, readText } from '../host.js';
import { cwdOf, readEnviron, userOf } from '../proc.js';
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

async function readStatic(pid: number, argv: string[], state: DoorsState): Promise<{ settings: Settings; source: string } | undefined> {
  const cwd = await cwdOf(pid);
  const environ = await readEnviron(pid);
  const env = environ.status === 'ok' ? environ.data : {};
  const home = env.HOME ?? (await userOf(pid))?.home;
  for (const path of traefikStaticCandidates(argv, cwd, { ...(home ? { home } : {}), ...(env.XDG_CONFIG_HOME ? { xdg: env.XDG_CONFIG_HOME } : {}) })) {
    const text = await readText(path);
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
async function readDynamic(pid: number, file: { filename?: { value: string }; directory?: { value: string } }, state: DoorsState): Promise<Settings> {
  const out: Settings = new Map();
  const paths: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const name of (await listDir(dir)).sort()) {
      if (DYNAMIC.test(name)) paths.push(`${dir}/${name}`);
      else if (depth < 4 && !name.includes('.')) await walk(`${dir}/${name}`, depth + 1);
    }
  };
  if (file.filename) paths.push(file.filename.value);
  else if (file.directory) await walk(file.directory.value.replace(/\/$/, ''), 0);
  for (const path of paths) {
    const text = await readText(path);
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
  const found = await readStatic(pid, argv, state);
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
  const dynamic = config.file ? await readDynamic(pid, config.file, state) : undefined;
  let containers;
  if (config.docker) {
    const d = docker ? await docker : undefined;
    if (d?.status === 'ok') containers = d.data.containers;
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
