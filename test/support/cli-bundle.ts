import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The CLI as users run it (the esbuild bundle of the current sources), built into a temp
 * directory of its own: tests never run a stale dist/, nor swap dist/ under another test.
 */
export function bundleCli(): { cli: string; dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'clawmoat-cli-'));
  // Readable by the unprivileged uid some cases run as.
  chmodSync(dir, 0o755);
  execFileSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), '--outdir', dir], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  return { cli: join(dir, 'clawmoat.mjs'), dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
