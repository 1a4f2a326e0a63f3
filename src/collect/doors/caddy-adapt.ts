import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collected } from '../../snapshot/types.js';
import { hostFacts, run, unavailable, which } from '../host.js';

/**
 * `caddy adapt` for a Caddyfile whose text was read safely but whose path is not this host's
 * (a container's config): the text goes to a private temporary file, and caddy runs as nobody
 * with an empty environment, so an `import` or placeholder in it reads nothing of root's. An
 * `import` of another file of the container fails here, and the caller reports that.
 */

const NOBODY = 65534;

/** NAME stands for the temporary file in what caddy says (its errors name the file and line). */
export async function adaptCaddyfile(text: string, adapter: string, name: string): Promise<Collected<string>> {
  const binary = await which('caddy');
  if (!binary) return unavailable('not-installed', 'caddy is not on PATH, so a Caddyfile cannot be adapted');
  const dir = mkdtempSync(join(tmpdir(), 'clawmoat-caddy-'));
  try {
    const file = join(dir, 'Caddyfile');
    writeFileSync(file, text, { mode: 0o600 });
    const root = hostFacts().uid === 0;
    if (root) {
      chownSync(dir, NOBODY, NOBODY);
      chownSync(file, NOBODY, NOBODY);
    }
    chmodSync(dir, 0o700);
    const adapted = await run(binary, ['adapt', '--config', file, '--adapter', adapter], {
      timeoutMs: 10_000,
      ...(root ? { uid: NOBODY, gid: NOBODY } : {}),
      env: { HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent', XDG_DATA_HOME: '/nonexistent' },
    });
    return adapted.status === 'ok' ? adapted : { ...adapted, detail: adapted.detail.split(file).join(name).split(dir).join('(a temporary directory)') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
