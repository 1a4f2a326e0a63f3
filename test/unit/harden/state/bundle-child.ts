import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node 20 cannot run TypeScript: bundle state-child.ts (and the src it uses) into one .mjs. */
export async function bundleStateChild(outDir: string): Promise<string> {
  const outfile = join(outDir, 'state-child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./state-child.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}
