#!/usr/bin/env node
// `prepare` (npm install in the clone, npm pack, and `npx clawmoat` inside the clone, which links
// the clone into npx's cache and runs this again): build only when dist/ is missing or older
// than what it is built from. A fresh clone builds once; the first `npx clawmoat` after
// `npm install` then costs no second build. `--force` (or CLAWMOAT_FORCE_BUILD=1) always builds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outputs = ['dist/clawmoat.mjs', 'dist/probe-agent.mjs', 'dist/report-html.mjs', 'dist/index.js', 'dist/index.d.ts'].map((p) => join(root, p));
const inputs = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle.mjs'].map((p) => join(root, p));

function newest(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stats.mtimeMs);
}

const oldestOutput = Math.min(...outputs.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)));
const force = process.argv.includes('--force') || process.env.CLAWMOAT_FORCE_BUILD === '1';
if (force || oldestOutput === 0 || Math.max(...inputs.map(newest)) > oldestOutput) {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
