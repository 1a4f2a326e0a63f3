#!/usr/bin/env node
// Writes the README's generated parts: the sample output (a real run of the built CLI on
// test/fixtures/readme/host.json) and the checks table (from the catalogue). Run after
// `npm run build`. `--check` exits 1, changing nothing, when the README is stale.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHECKS } from '../dist/checks/catalogue.js';
import { SAMPLE_ARGS, renderChecksTable, renderSample, replaceMarked } from './readme-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../dist/clawmoat.mjs', import.meta.url));

/** The audit exits 1 on findings; its output is what is wanted either way. */
function runSample() {
  try {
    return execFileSync(process.execPath, [cli, ...SAMPLE_ARGS], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  } catch (error) {
    if (error.status === 1 && error.stdout) return error.stdout;
    throw error;
  }
}

const path = new URL('../README.md', import.meta.url);
const current = readFileSync(path, 'utf8');
let next = replaceMarked(current, 'readme:sample', renderSample(runSample()));
next = replaceMarked(next, 'readme:checks', renderChecksTable(CHECKS));
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('README.md is stale: run `npm run docs` (scripts/readme.mjs)');
    process.exit(1);
  }
} else if (next !== current) writeFileSync(path, next);
