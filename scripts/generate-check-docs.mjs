#!/usr/bin/env node
// Writes docs/checks.md from the checks' metadata and case tables (run after `npm run build`).
// `--check` exits 1 when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { CHECKS } from '../dist/checks/catalogue.js';
import { renderCheckDocs } from '../dist/checks/docs.js';

const target = new URL('../docs/checks.md', import.meta.url);
const text = renderCheckDocs(CHECKS);
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error('docs/checks.md is stale: run `npm run docs`');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
