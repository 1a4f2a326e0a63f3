import { posix } from 'node:path';
import type { Collected, DockerContainer } from '../../snapshot/types.js';
import { listDir, readSafe, tryRealpath, unavailable, ok } from '../host.js';
import { listBakedDir, readBakedFile } from './container-archive.js';

/**
 * A file as a container sees it, read on the host: through the mount that holds it (a bind
 * mount's source is a host path, often in the compose directory of the gateway's user), with
 * the hostile-user rules of safe-fs (regular files only, capped, only what the path's owners
 * could read). Never through /proc/PID/root, whose symlinks would lead into the host. A file
 * under no mount is baked into the image: read through the Engine API (container-archive.ts)
 * when clawmoat has the daemon's socket, else the reader says why not.
 */

/** The mount whose destination holds PATH, the deepest first (a file bound inside a bound directory wins). */
export function mountOf(c: DockerContainer, path: string): { source: string; destination: string; rest: string } | undefined {
  const held = c.mounts
    .filter((m) => (m.type === 'bind' || m.type === 'volume') && m.source !== '' && m.destination.startsWith('/'))
    .filter((m) => path === m.destination || path.startsWith(`${m.destination.replace(/\/$/, '')}/`))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  if (!held) return undefined;
  return { source: held.source, destination: held.destination, rest: path.slice(held.destination.replace(/\/$/, '').length).replace(/^\//, '') };
}

/** Where PATH of the container is on the host, when a mount holds it. */
export function hostPathOf(c: DockerContainer, path: string): string | undefined {
  const m = mountOf(c, posix.normalize(path));
  return m ? (m.rest === '' ? m.source : `${m.source.replace(/\/$/, '')}/${m.rest}`) : undefined;
}

export interface ContainerFile {
  text: string;
  /** The file's path on the host, for evidence a user can open; `NAME:PATH` (docker cp's notation) for a file of the image. */
  hostPath: string;
}

/**
 * Read PATH of container C from the host. A symlink below the mount's source that leads out of
 * it is refused: inside the container it resolves in the container's root, so the host file it
 * names is not the one the proxy reads (and the user who owns the directory chose it).
 */
export async function readContainerFile(c: DockerContainer, path: string, socketPath?: string): Promise<Collected<ContainerFile>> {
  const mount = mountOf(c, posix.normalize(path));
  if (!mount) {
    if (!socketPath)
      return unavailable(
        'error',
        `${path} in container ${c.name} is not on a mount (it is baked into the image ${c.image}), and the Docker socket is not known`,
      );
    const baked = await readBakedFile(socketPath, c, posix.normalize(path));
    return baked.status === 'ok' ? ok({ text: baked.data, hostPath: `${c.name}:${path}` }) : baked;
  }
  const hostPath = mount.rest === '' ? mount.source : `${mount.source.replace(/\/$/, '')}/${mount.rest}`;
  const read = await readSafe(hostPath);
  if (!read.ok)
    return unavailable(read.reason === 'not-found' ? 'not-found' : read.reason === 'permission-denied' ? 'permission-denied' : 'error', read.detail);
  if (mount.rest !== '') {
    const base = (await tryRealpath(mount.source)) ?? mount.source;
    if (read.identity.real !== base && !read.identity.real.startsWith(`${base.replace(/\/$/, '')}/`)) {
      return unavailable(
        'error',
        `${hostPath} (${path} in container ${c.name}) is a symbolic link out of the mounted ${mount.source} (to ${read.identity.real}); in the container it resolves elsewhere, so clawmoat does not follow it`,
      );
    }
  }
  return ok({ text: read.data.toString('utf8'), hostPath });
}

/** The names in directory DIR of the container (none when it is not a directory), or why they could not be listed. */
export async function listContainerDir(c: DockerContainer, dir: string, socketPath?: string): Promise<Collected<string[]>> {
  const host = hostPathOf(c, dir);
  if (host !== undefined) return ok(await listDir(host));
  if (!socketPath)
    return unavailable('error', `${dir} in container ${c.name} is not on a mount (it is baked into the image ${c.image}), and the Docker socket is not known`);
  return listBakedDir(socketPath, c, posix.normalize(dir));
}
