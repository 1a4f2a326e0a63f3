import { request } from 'node:http';
import { posix } from 'node:path';
import { parseTar } from 'nanotar';
import type { Collected, DockerContainer } from '../../snapshot/types.js';
import { currentHost, ok, unavailable } from '../host.js';

/**
 * Files baked into a container's image, read through the Engine API's archive endpoint
 * (`/containers/ID/archive?path=…`, what `docker cp` uses): dockerd resolves the path inside the
 * container's root, symlinks included, so nothing here walks the host's filesystem, and the tar
 * it answers is parsed in memory (nanotar), never extracted. Capped like every other read.
 */

const TIMEOUT_MS = 2500;
const MAX_BYTES = 4 * 1024 * 1024;
const MAX_LINKS = 8;
/** Go's os.FileMode type bits, as dockerd reports them in X-Docker-Container-Path-Stat: none set is a regular file. */
const MODE_DIR = 2 ** 31;
const MODE_TYPE = MODE_DIR | (2 ** 27) | (2 ** 26) | (2 ** 25) | (2 ** 24) | (2 ** 21) | (2 ** 19);

interface PathStat {
  mode: number;
  linkTarget: string;
}

type Answer = { status: number; stat?: PathStat; body: Buffer } | { error: string };

function call(socketPath: string, method: 'GET' | 'HEAD', c: DockerContainer, path: string): Promise<Answer> {
  const url = `/containers/${encodeURIComponent(c.id)}/archive?path=${encodeURIComponent(path)}`;
  return new Promise((resolve) => {
    const req = request({ socketPath, path: url, method, headers: { Host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) {
          req.destroy();
          resolve({ error: `over the ${MAX_BYTES}-byte limit for what clawmoat reads of an image` });
        } else chunks.push(chunk);
      });
      res.on('end', () => {
        const header = res.headers['x-docker-container-path-stat'];
        let stat: PathStat | undefined;
        try {
          const json = JSON.parse(Buffer.from(String(header ?? ''), 'base64').toString('utf8')) as { mode?: number; linkTarget?: string };
          stat = { mode: Number(json.mode ?? 0), linkTarget: String(json.linkTarget ?? '') };
        } catch {
          stat = undefined;
        }
        resolve({ status: res.statusCode ?? 0, ...(stat ? { stat } : {}), body: Buffer.concat(chunks) });
      });
    });
    req.on('error', (error) => resolve({ error: error.message }));
    req.setTimeout(TIMEOUT_MS, () => {
      req.destroy();
      resolve({ error: `the Docker API did not answer within ${TIMEOUT_MS} ms` });
    });
    req.end();
  });
}

/** What a path of the container is, links followed (dockerd names where each leads, in the container). */
async function statIn(socketPath: string, c: DockerContainer, path: string): Promise<{ path: string; stat: PathStat } | { missing: boolean; error: string }> {
  let at = path;
  for (let hop = 0; hop <= MAX_LINKS; hop++) {
    const answer = await call(socketPath, 'HEAD', c, at);
    if ('error' in answer) return { missing: false, error: answer.error };
    if (answer.status === 404) return { missing: true, error: `${at} does not exist in container ${c.name}` };
    if (answer.status !== 200 || !answer.stat) return { missing: false, error: `the Docker API answered ${answer.status} for ${at} in container ${c.name}` };
    if (!answer.stat.linkTarget || answer.stat.linkTarget === at) return { path: at, stat: answer.stat };
    at = posix.resolve(posix.dirname(at), answer.stat.linkTarget);
  }
  return { missing: false, error: `${path} in container ${c.name}: too many levels of symbolic links` };
}

/** A recording of another host has no image to read from. */
function recorded(c: DockerContainer, path: string): Collected<never> | undefined {
  if (!currentHost().dockerGet) return undefined;
  return unavailable('error', `${path} in container ${c.name} is in its own filesystem (its image, not a mount), which the collection script does not read`);
}

/** A regular file of container C that no mount brings in: its image's, or one it wrote (the nginx image renders templates into conf.d). */
export async function readBakedFile(socketPath: string, c: DockerContainer, path: string): Promise<Collected<string>> {
  const skip = recorded(c, path);
  if (skip) return skip;
  const found = await statIn(socketPath, c, path);
  if ('error' in found)
    return unavailable(found.missing ? 'not-found' : 'error', `${path} in the filesystem of container ${c.name} could not be read: ${found.error}`);
  if ((found.stat.mode & MODE_TYPE) !== 0) {
    return unavailable('error', `${path} in container ${c.name} is not a regular file; clawmoat reads only regular files`);
  }
  const answer = await call(socketPath, 'GET', c, found.path);
  if ('error' in answer || answer.status !== 200)
    return unavailable(
      'error',
      `${path} in the filesystem of container ${c.name} could not be read: ${'error' in answer ? answer.error : `the Docker API answered ${answer.status}`}`,
    );
  try {
    const entry = parseTar(Uint8Array.from(answer.body).buffer).find((e) => e.type === 'file');
    if (!entry) return unavailable('error', `${path} in container ${c.name}: the archive dockerd sent holds no regular file`);
    return ok(Buffer.from(entry.data ?? new Uint8Array()).toString('utf8'));
  } catch (error) {
    return unavailable('error', `${path} in container ${c.name}: the archive dockerd sent could not be read (${(error as Error).message})`);
  }
}

/** The names in a directory baked into the image of container C; an error says why not. */
export async function listBakedDir(socketPath: string, c: DockerContainer, dir: string): Promise<Collected<string[]>> {
  const skip = recorded(c, dir);
  if (skip) return skip;
  const found = await statIn(socketPath, c, dir);
  if ('error' in found)
    return found.missing ? ok([]) : unavailable('error', `${dir} in the filesystem of container ${c.name} could not be listed: ${found.error}`);
  if ((found.stat.mode & MODE_DIR) === 0) return ok([]);
  const answer = await call(socketPath, 'GET', c, found.path);
  if ('error' in answer || answer.status !== 200)
    return unavailable(
      'error',
      `${dir} in the filesystem of container ${c.name} could not be listed: ${'error' in answer ? answer.error : `the Docker API answered ${answer.status}`}`,
    );
  try {
    const base = posix.basename(found.path);
    const names = parseTar(Uint8Array.from(answer.body).buffer, { metaOnly: true })
      .map((e) => e.name.replace(/\/$/, ''))
      .filter((n) => n.startsWith(`${base}/`) && !n.slice(base.length + 1).includes('/'))
      .map((n) => n.slice(base.length + 1));
    return ok([...new Set(names)].sort());
  } catch (error) {
    return unavailable('error', `${dir} in container ${c.name}: the archive dockerd sent could not be read (${(error as Error).message})`);
  }
}
