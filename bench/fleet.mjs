#!/usr/bin/env node
// `clawmoat fleet` over 10, 100 and 1,000 snapshots, beside one `clawmoat audit --snapshot`, in
// the same run: wall time and peak memory of each process (GNU time -v), medians of a few runs.
// The issue's target: the whole fleet analysed in under 10× one `audit --snapshot` per 100 hosts,
// growing linearly.
//
// The snapshots are captured, not written by hand: a lab host (bench/lib/lab.mjs: namespace H, its
// listeners, an OpenClaw gateway process listening on every address) is loaded with generated
// rulesets shaped like real hosts (bench/lib/rulesets.mjs: UFW, Docker, kube-proxy chains) of three
// sizes, and `clawmoat collect` reads it each time. The fleet is those captures, renamed host by
// host (hostname, collection time), in a mix like a real fleet's: most hosts small, a few large.
// With the corpus present (../shared/corpus/netfilter, CLAWMOAT_CORPUS overrides), a fourth kind of
// host carries a captured Docker 28 ruleset from it, read in place at run time.
//
//   sudo node bench/fleet.mjs [--runs 3] [--sizes 10,100,1000] [--no-readme]
//
// Needs: root (namespaces), `npm run build`, GNU time (/usr/bin/time), iptables-restore.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, onCleanup, sh, track } from './lib/lab.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { generateIptables, HOST, LISTENERS } from './lib/rulesets.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('--runs', '3'));
const sizes = arg('--sizes', '10,100,1000').split(',').map(Number);
const writeReadme = !process.argv.includes('--no-readme');
// --profile: also run the fleet of 100 once under V8's profiler (the unbundled dist/, mapped back to src/) and print where the time went.
const profile = process.argv.includes('--profile');
const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.clawmoat);
const corpusRoot = process.env.CLAWMOAT_CORPUS ?? resolve(root, '../shared/corpus/netfilter');

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) fail('run as root: the snapshots are captured from a lab host in a network namespace');
if (!existsSync(cli)) fail(`missing the build (npm run build): ${cli}`);
if (!existsSync('/usr/bin/time')) fail('missing GNU time (/usr/bin/time, Debian package time)');

const log = (m) => console.error(`bench: ${m}`);
const work = mkdtempSync(join(tmpdir(), 'clawmoat-bench-fleet-'));
// --keep: leave the snapshots (and the fleets made of them) for a look afterwards.
if (!process.argv.includes('--keep')) onCleanup(() => rmSync(work, { recursive: true, force: true }));
else console.error(`bench: keeping ${work}`);
const env = { ...process.env, NO_COLOR: '1' };

// ------------------------------------------------------------------------------------------------
// 1. Captured hosts: the lab host with a gateway, collected with rulesets of three sizes.

log('lab: namespace H with its listeners and an OpenClaw gateway process on 0.0.0.0:18789');
// No tailnet link here: the listener bound to the tailnet address has nowhere to bind.
const lab = await createLab({ interfaces: ['eth0', 'eth1'], listeners: LISTENERS.filter((l) => l.host !== HOST.tailscale0) });
const gwHome = join(work, 'gateway-home');
mkdirSync(join(gwHome, '.openclaw'), { recursive: true });
writeFileSync(join(gwHome, '.openclaw', 'openclaw.json'), '{ gateway: { bind: "lan", port: 18789, auth: { mode: "token" } } }\n');
const gateway = spawn(
  'ip',
  [
    'netns',
    'exec',
    lab.h,
    process.execPath,
    '-e',
    "process.title = 'openclaw-gateway'; require('node:net').createServer((s) => s.on('error', () => {})).listen(18789, '0.0.0.0');",
  ],
  { stdio: 'ignore', env: { PATH: process.env.PATH, HOME: gwHome } },
);
track(gateway.pid);
for (let i = 0; i < 50 && !sh('ip', ['netns', 'exec', lab.h, 'ss', '-Hltn', 'sport', '=', ':18789']).trim(); i++) await new Promise((r) => setTimeout(r, 100));

/** The share of each kind of host in the fleet, and its ruleset. */
const kinds = [
  { id: 'ufw-200', share: 0.6, rules: 200, label: 'a small host: ~200 rules (UFW, a few Docker ports)' },
  { id: 'docker-1k', share: 0.3, rules: 1000, label: 'a Docker host: ~1,000 rules' },
  { id: 'node-5k', share: 0.1, rules: 5000, label: 'a Kubernetes node: ~5,000 rules (kube-proxy)' },
];
const captured = new Map();
for (const kind of kinds) {
  const g = generateIptables({ rules: kind.rules, seed: kind.rules });
  lab.loadIptables(g.v4, g.v6);
  const file = join(work, `${kind.id}.json`);
  sh('ip', ['netns', 'exec', lab.h, process.execPath, cli, 'collect', '-o', file], { env });
  captured.set(kind.id, JSON.parse(readFileSync(file, 'utf8')));
  log(`captured ${kind.id}: ${(statSync(file).size / 1024).toFixed(0)} KiB`);
}
const dockerCorpus = join(corpusRoot, 'docker');
const corpusFile = existsSync(dockerCorpus)
  ? readdirSync(dockerCorpus, { recursive: true }).find((f) => /docker28.*iptables-save\.txt$/.test(String(f)))
  : undefined;
if (corpusFile) {
  // A captured Docker 28 host's own ruleset (raw-table drops, DOCKER-FORWARD), in the lab host's snapshot.
  const base = structuredClone(captured.get('docker-1k'));
  base.netfilter.iptablesSave = { status: 'ok', data: readFileSync(join(dockerCorpus, String(corpusFile)), 'utf8') };
  captured.set('corpus-docker28', base);
  kinds[1].share = 0.2;
  kinds.splice(2, 0, { id: 'corpus-docker28', share: 0.1, label: `a Docker 28 host (corpus: ${corpusFile})` });
  writeFileSync(join(work, 'corpus-docker28.json'), JSON.stringify(base));
}

/** The fleet of n: kinds by their share (round robin over a weighted list), one file per host. */
function fleetDir(n) {
  const dir = join(work, `fleet-${n}`);
  mkdirSync(dir);
  const wheel = kinds.flatMap((k) => Array(Math.round(k.share * 10)).fill(k.id));
  for (let i = 0; i < n; i++) {
    const s = structuredClone(captured.get(wheel[i % wheel.length]));
    const name = `host-${String(i + 1).padStart(4, '0')}`;
    s.host.hostname = name;
    s.collectedAt = new Date(Date.parse(s.collectedAt) + i * 1000).toISOString();
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(s));
  }
  return dir;
}

// ------------------------------------------------------------------------------------------------
// 2. Timing: /usr/bin/time -v around each process; medians of `runs`, rounds interleaved.

/** One process under GNU time; exit 1 (findings at or above --fail-on) is a result, not an error. */
function timed(args) {
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`clawmoat ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return measure(r.stderr);
}
function measure(stderr) {
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  if (!wall || !rss || !user || !system) throw new Error(`cannot read GNU time's report:\n${stderr.slice(-2000)}`);
  // h:mm:ss or m:ss.ss
  const seconds = wall[1].split(':').reduce((t, part) => t * 60 + Number(part), 0);
  // CPU time (user + system): what the work cost, least disturbed by the other work on a shared machine.
  return { ms: seconds * 1000, cpuMs: (Number(user[1]) + Number(system[1])) * 1000, rssMiB: Number(rss[1]) / 1024 };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dirs = new Map(sizes.map((n) => [n, fleetDir(n)]));
// The default (--jobs: as many threads as CPUs, at most 8, the CLI's own among them, each with 64 files or more; src/fleet/pool.ts)
// and --jobs 1 (one thread), which is the work itself.
const rounds = { audit: new Map(kinds.map((k) => [k.id, []])), fleet: new Map(sizes.map((n) => [n, []])), oneThread: new Map(sizes.map((n) => [n, []])) };
for (let r = 0; r < runs; r++) {
  log(`round ${r + 1}/${runs}`);
  for (const k of kinds) rounds.audit.get(k.id).push(timed(['audit', '--snapshot', join(work, `${k.id}.json`), '--format', 'json', '--fail-on', 'none']));
  for (const n of sizes) {
    rounds.fleet.get(n).push(timed(['fleet', dirs.get(n), '--format', 'json', '-o', join(work, `out-${n}.json`), '--fail-on', 'none']));
    rounds.oneThread.get(n).push(timed(['fleet', dirs.get(n), '--format', 'json', '-o', join(work, `out-${n}-1.json`), '--fail-on', 'none', '--jobs', '1']));
  }
}
const summary = (list) => ({
  ms: median(list.map((x) => x.ms)),
  best: Math.min(...list.map((x) => x.ms)),
  cpuMs: median(list.map((x) => x.cpuMs)),
  rssMiB: Math.max(...list.map((x) => x.rssMiB)),
});
const audits = kinds.map((k) => ({ ...k, ...summary(rounds.audit.get(k.id)) }));
// One audit --snapshot of the fleet's average host: each kind's median, weighted by its share.
const oneAudit = audits.reduce((t, a) => t + a.share * a.ms, 0);
const oneAuditCpu = audits.reduce((t, a) => t + a.share * a.cpuMs, 0);
const fleets = sizes.map((n) => ({ n, ...summary(rounds.fleet.get(n)) }));
const oneThread = sizes.map((n) => ({ n, ...summary(rounds.oneThread.get(n)) }));
for (const f of fleets) {
  const report = readFileSync(join(work, `out-${f.n}.json`), 'utf8');
  const { hosts, unreadable } = JSON.parse(report);
  if (hosts.length !== f.n || unreadable.length !== 0) fail(`fleet of ${f.n}: ${hosts.length} hosts read, ${unreadable.length} unreadable`);
  if (readFileSync(join(work, `out-${f.n}-1.json`), 'utf8') !== report) fail(`fleet of ${f.n}: --jobs 1 gave another report`);
}

if (profile) {
  const n = sizes.includes(100) ? 100 : sizes[0];
  const profDir = join(work, 'prof');
  spawnSync(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', profDir, join(root, 'dist/cli/main.js'), 'fleet', dirs.get(n), '--format', 'json', '-o', '/dev/null', '--fail-on', 'none'],
    { env },
  );
  const p = summariseProfile(join(profDir, readdirSync(profDir)[0]), `${root}/`);
  const line = (f) => `  ${f.selfPct.toFixed(1).padStart(5)} % self ${f.totalPct.toFixed(1).padStart(5)} % total  ${f.name} (${f.file})`;
  console.error(`bench: profile of fleet over ${n} hosts, ${p.totalMs.toFixed(0)} ms busy; by self time:`);
  for (const f of p.functions.slice(0, 25)) console.error(line(f));
  console.error('bench: by total time:');
  for (const f of [...p.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, 40)) console.error(line(f));
}

// ------------------------------------------------------------------------------------------------
// 3. Results

/** The threads the default --jobs runs at n files, as src/fleet/pool.ts decides (64 files or more each). */
const threadsAt = (n) => {
  const t = Math.min(Math.min(cpus().length, 8), Math.floor(n / 64));
  return t < 2 ? 'one thread' : `${t} threads: this one and ${t - 1} worker${t > 2 ? 's' : ''}`;
};
const fmt = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const per100 = (f) => (f.ms / f.n) * 100;
const per100Cpu = (f) => (f.cpuMs / f.n) * 100;
const at100 = fleets.find((f) => f.n === 100) ?? fleets.at(-1);
const ratio = per100(at100) / oneAudit;
const at100one = oneThread.find((f) => f.n === at100.n);
const ratioOne = per100(at100one) / oneAudit;
const ratioCpu = per100Cpu(at100one) / oneAuditCpu;
const ratioCpuDefault = per100Cpu(at100) / oneAuditCpu;
// The issue's measure is the whole fleet (the largest one run) per 100 hosts; at 100 hosts the start-up and V8's warm-up weigh more.
const whole = fleets.at(-1);
const wholeOne = oneThread.find((f) => f.n === whole.n) ?? whole;
const ratioWhole = per100(whole) / oneAudit;
const ratioWholeCpu = per100Cpu(whole) / oneAuditCpu;
const ratioWholeCpuOne = per100Cpu(wholeOne) / oneAuditCpu;
const growth = fleets
  .slice(1)
  .map(
    (f, i) =>
      `${fleets[i].n} → ${f.n} hosts: ×${(f.ms / fleets[i].ms).toFixed(1)} wall, ×${(f.cpuMs / fleets[i].cpuMs).toFixed(1)} CPU, ×${(f.rssMiB / fleets[i].rssMiB).toFixed(1)} memory`,
  );
const commit = (() => {
  try {
    return sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']).trim();
  } catch {
    return 'unknown';
  }
})();
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)}, commit ${commit}, on this machine (${cpus().length} CPUs, shared: load average ${loadavg()[0].toFixed(1)} at the end; ${runs} runs of each, rounds interleaved; GNU time -v; medians, best run in brackets, peak RSS the largest of the runs).`,
  '',
  `The fleet: ${kinds.map((k) => `${Math.round(k.share * 100)} % ${k.label}`).join('; ')}; each captured from the lab host by \`clawmoat collect\`.`,
  '',
  '| command | hosts | wall time | per 100 hosts | CPU time | CPU per 100 hosts | peak RSS |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...audits.map((a) => `| \`audit --snapshot\` (${a.id}) | 1 | ${fmt(a.ms)} (${fmt(a.best)}) | | ${fmt(a.cpuMs)} | | ${a.rssMiB.toFixed(0)} MiB |`),
  `| one \`audit --snapshot\`, the fleet's average host | 1 | ${fmt(oneAudit)} | | ${fmt(oneAuditCpu)} | | |`,
  ...[
    ...fleets.map((f) => [f, `fleet DIR --format json\` (default: ${threadsAt(f.n)}`]),
    ...oneThread.map((f) => [f, 'fleet DIR --format json --jobs 1\` (one thread']),
  ].map(
    ([f, what]) =>
      `| \`${what}) | ${f.n.toLocaleString('en-US')} | ${fmt(f.ms)} (${fmt(f.best)}) | ${fmt(per100(f))} | ${fmt(f.cpuMs)} | ${fmt(per100Cpu(f))} | ${f.rssMiB.toFixed(0)} MiB |`,
  ),
  '',
  `Fleet per 100 hosts / one audit --snapshot: **${ratio.toFixed(1)}×** in wall time (default --jobs; ${ratioOne.toFixed(1)}× in one thread), **${ratioCpu.toFixed(1)}×** in CPU time in one thread (user + system, least disturbed by other work; ${ratioCpuDefault.toFixed(1)}× with the default --jobs, whose workers each compile the analysis again). The whole fleet (${whole.n.toLocaleString('en-US')} hosts) per 100 hosts / one audit --snapshot: **${ratioWhole.toFixed(1)}×** in wall time (default --jobs), **${ratioWholeCpu.toFixed(1)}×** in CPU time (${ratioWholeCpuOne.toFixed(1)}× in one thread). Target: under 10×. Growth (default --jobs): ${growth.join('; ')}.`,
  '',
].join('\n');
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/fleet.md'), `# clawmoat fleet: time and memory by fleet size\n\n\`sudo node bench/fleet.mjs\`\n\n${table}`);
process.stdout.write(table);
if (writeReadme) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:fleet -->';
  const end = '<!-- /bench:fleet -->';
  if (text.includes(start) && text.includes(end)) writeFileSync(readme, text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), `${start}\n${table}${end}`));
  else log(`README.md has no ${start} … ${end} section: not updated`);
}
// The lab's listener and gateway processes would keep Node alive: the exit hook kills them and removes the namespaces.
process.exit(0);
