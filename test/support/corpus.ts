import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared netfilter corpus lives outside the repo (much of it comes from
 * other projects and is not ours to copy). Tests read it in place and say so
 * when it is absent. Override the location with CLAWMOAT_CORPUS.
 */
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const CORPUS_DIR = process.env.CLAWMOAT_CORPUS ?? resolve(repoRoot, '../shared/corpus/netfilter');
export const corpusAvailable = existsSync(CORPUS_DIR);
export const CORPUS_SKIP_REASON = `corpus not found at ${CORPUS_DIR} (set CLAWMOAT_CORPUS)`;

export function corpusFile(...parts: string[]): string {
  return readFileSync(join(CORPUS_DIR, ...parts), 'utf8');
}
