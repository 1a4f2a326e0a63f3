#!/usr/bin/env node
// Times the README's quick start on a fresh clone: `npm install` builds dist/ once, then the
// first `npx clawmoat audit` (npm links the clone into an empty npx cache and runs `prepare`
// there), later `npx` runs, and the bundled CLI alone. Also the first run as it was before
// scripts/prepare.mjs (CLAWMOAT_FORCE_BUILD=1: `prepare` rebuilt on every fresh npx cache).
//
//   node bench/quickstart.mjs [--runs 10]
//
// Needs hyperfine (apt-get install hyperfine) and git. The clone gets this repo's node_modules
// by symlink and a private npm cache: no registry is asked. Writes bench/results/quickstart.md
// and the README's <!-- bench:quickstart --> table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 10;
const work = mkdtempSync(join(tmpdir(), 'clawmoat-quickstart-'));
const ms = (s) => (s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);

try {
  const clone = join(work, 'clone');
  execFileSync('git', ['clone', '--quiet', root, clone]);
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: clone, encoding: 'utf8' }).trim();
  const cache = join(work, 'npm-cache');
  const env = { ...process.env, npm_config_cache: cache, npm_config_offline: 'true', npm_config_update_notifier: 'false', NO_COLOR: '1' };
  // What `npm install` runs for the package itself once its dependencies are in place.
  const started = process.hrtime.bigint();
  execFileSync('npm', ['run', 'prepare'], { cwd: clone, env, stdio: 'ignore' });
  const install = Number(process.hrtime.bigint() - started) / 1e9;

  const audit = 'audit --format json --fail-on none';
  const exported = join(work, 'hyperfine.json');
  const clearNpx = `rm -rf ${join(cache, '_npx')}`;
  execFileSync(
    'hyperfine',
    [
      '--runs',
      String(runs),
      '-i',
      '--export-json',
      exported,
      '-N',
      '--prepare',
      clearNpx,
      '-n',
      'first `npx clawmoat audit` after install (empty npx cache)',
      `npx clawmoat ${audit}`,
      '--prepare',
      'true',
      '-n',
      'later `npx clawmoat audit`',
      `npx clawmoat ${audit}`,
      '--prepare',
      'true',
      '-n',
      '`node dist/clawmoat.mjs audit` (no npm)',
      `node dist/clawmoat.mjs ${audit}`,
    ],
    { cwd: clone, env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const results = JSON.parse(readFileSync(exported, 'utf8')).results;
  const before = join(work, 'before.json');
  execFileSync(
    'hyperfine',
    [
      '--runs',
      String(Math.min(runs, 3)),
      '-i',
      '--export-json',
      before,
      '-N',
      '--prepare',
      clearNpx,
      '-n',
      'first `npx clawmoat audit` as before (prepare rebuilt every time)',
      `npx clawmoat ${audit}`,
    ],
    { cwd: clone, env: { ...env, CLAWMOAT_FORCE_BUILD: '1' }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  results.push(...JSON.parse(readFileSync(before, 'utf8')).results);
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)}, commit ${commit}, on this machine (a fresh \`git clone\`; hyperfine, ${runs} runs, the last row ${Math.min(runs, 3)}). \`npm install\`'s build in the clone took ${ms(install)}.`,
    '',
    '| command | median | min | max |',
    '|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.command} | ${ms(r.median)} | ${ms(r.min)} | ${ms(r.max)} |`),
    '',
  ].join('\n');
  writeFileSync(join(root, 'bench/results/quickstart.md'), `# Quick start: the first run\n\n${table}`);
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const marked = /(<!-- bench:quickstart -->\n)[\s\S]*?(<!-- \/bench:quickstart -->)/;
  if (marked.test(readme)) writeFileSync(readmePath, readme.replace(marked, `$1${table}$2`));
  console.log(`\n${table}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
