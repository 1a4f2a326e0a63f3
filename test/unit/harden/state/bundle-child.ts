import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node 20 cannot run TypeScript: bundle state-child.ts (or `entry`, and the src it uses) into one .mjs. */
export async function bundleStateChild(outDir: string, entry = new URL('./state-child.ts', import.meta.url)): Promise<string> {
  const outfile = join(outDir, `${fileURLToPath(entry).replace(/^.*\//, '').replace(/\.ts$/, '')}.mjs`);
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}
