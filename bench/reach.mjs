#!/usr/bin/env node
// How fast is the full reachability matrix, and how does it grow with the ruleset?
//
//  1. Snapshots of one lab host (16 real listeners; zones loopback, internet, LAN, tailnet) with
//     generated rulesets of 1k, 10k and 100k rules — kube-proxy, UFW and Docker chains in
//     iptables-save form, and a native nftables variant as `nft -j` JSON (bench/lib/rulesets.mjs,
//     seeded: the same bytes on every run) — and with the large corpus rulesets, read in place
//     from ../shared/corpus/netfilter/large (CLAWMOAT_CORPUS overrides ../shared/corpus/netfilter).
//     Each is timed as `clawmoat reach --json --snapshot S` with hyperfine, and in process
//     (bench/lib/model-time.mjs: read + matrix without Node's start-up), and profiled.
//  2. The same answer found actively: the 10k ruleset loaded into a real namespace H with real
//     listeners and clients in internet/LAN/tailnet namespaces; `clawmoat reach --json` in H
//     (collect + analyse) against `nmap -sT` from every zone, in one hyperfine run. nmap's
//     open/closed/filtered is checked against every cell of the matrix.
//  3. Whether a host with the largest ruleset can be collected at all (not timed).
// Results: bench/results/reach.md and reach.json, and the README between the bench:reach markers.
// Machines are shared and noisy: compare ratios, not absolute times.
//
//   node bench/reach.mjs [--runs 10] [--sizes 1000,10000,100000] [--no-nmap] [--no-readme]
//
// CLAWMOAT_BENCH_DIST=DIR times another build's dist/ (say, of a clean checkout while src/ is
// being edited), CLAWMOAT_BENCH_CODE="commit abc1234" names it in the results.
//
// Needs: root (network namespaces), hyperfine, nmap, iptables-nft, nft, `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, nftJsonOf, sh } from './lib/lab.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { generateIptables, generateNft } from './lib/rulesets.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('--runs', '10'));
const warmup = 2;
const sizes = arg('--sizes', '1000,10000,100000').split(',').map(Number);
const withNmap = !process.argv.includes('--no-nmap');
const writeReadme = !process.argv.includes('--no-readme');
// CLAWMOAT_BENCH_DIST: time another build (e.g. of a clean checkout) instead of this tree's dist/.
const dist = resolve(process.env.CLAWMOAT_BENCH_DIST ?? join(root, 'dist'));
const cli = join(dist, 'clawmoat.mjs');
const modelTime = join(root, 'bench/lib/model-time.mjs');
const corpusRoot = process.env.CLAWMOAT_CORPUS ?? resolve(root, '../shared/corpus/netfilter');
const corpusDir = join(corpusRoot, 'large');
const NMAP_SIZE = 10000;

// ------------------------------------------------------------------------------------------------
// Preflight

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) fail('run as root: the nmap comparison builds network namespaces (or pass --no-nmap, still as root for the base snapshot)');
for (const tool of ['hyperfine', 'nmap', 'ip', 'iptables-restore', 'ip6tables-restore', 'nft']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    fail(`${tool} is not installed`);
  }
}
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}
for (const built of [cli, join(dist, 'model/context.js')]) {
  if (!existsSync(built)) fail(`missing ${built}: run \`npm run build\``);
  if (dist === join(root, 'dist') && statSync(built).mtimeMs < newest(join(root, 'src')))
    console.warn(`bench: warning: ${built} is older than src/ (run \`npm run build\`): timing the build that is there`);
}
const git = (args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
// What was timed: this tree's build (HEAD plus any uncommitted src/ changes), or another build
// (CLAWMOAT_BENCH_DIST, described by CLAWMOAT_BENCH_CODE, e.g. "commit 3d46c7c").
const ownBuild = dist === join(root, 'dist');
const dirty = git(['status', '--porcelain', 'src']).split('\n').filter(Boolean).length;
const code = ownBuild
  ? { dist, what: `commit ${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ` with ${dirty} uncommitted src/ change(s)` : ''}` }
  : { dist, what: process.env.CLAWMOAT_BENCH_CODE ?? `the build in ${dist}` };

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'cmbench-reach-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const home = join(work, 'home');
mkdirSync(home);
// An empty HOME and no Docker daemon: the lab host is H, not this machine's user or dockerd.
const env = { ...process.env, HOME: home, NO_COLOR: '1', DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}`, CLAWMOAT_BENCH_DIST: dist };
const log = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const kRules = (n) => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(n));

/**
 * hyperfine, in rounds of at most 2 runs per command: hyperfine runs each command's runs back to
 * back, so on a shared machine a burst of someone else's work lands on one command; rounds
 * spread every command's runs over the whole measurement. Warm-ups run in the first round.
 */
function hyperfine(commands, { runs: r = runs, warmup: w = warmup, name }) {
  const rounds = [];
  for (let left = r; left > 0; left -= 2) rounds.push(Math.min(2, left));
  const raw = [];
  const times = commands.map(() => []);
  rounds.forEach((n, k) => {
    const exported = join(work, `${name}-${k}.json`);
    const args = ['--warmup', String(k === 0 ? w : 0), '--runs', String(n), '-N', '--export-json', exported, '--style', k === 0 ? 'basic' : 'none'];
    for (const c of commands) args.push('-n', c.name, c.command);
    execFileSync('hyperfine', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const out = JSON.parse(readFileSync(exported, 'utf8'));
    raw.push(out);
    out.results.forEach((x, i) => times[i].push(...x.times.map((t) => t * 1000)));
  });
  writeFileSync(join(root, `bench/results/reach-${name}.raw.json`), `${JSON.stringify(raw, null, 1)}\n`);
  return commands.map((c, i) => ({
    name: c.name,
    median: median(times[i]),
    min: Math.min(...times[i]),
    max: Math.max(...times[i]),
    mean: times[i].reduce((a, b) => a + b, 0) / times[i].length,
    runs: times[i].length,
    times: times[i].map((t) => Math.round(t * 10) / 10),
  }));
}

/** The matrix as `listener address:port @ zone → verdict`, from the CLI. */
function verdictsOf(snapshotFile) {
  const out = JSON.parse(sh(process.execPath, [cli, 'reach', '--json', '--snapshot', snapshotFile], { env }));
  return { zones: out.zones, cells: new Map(out.cells.map((c) => [`${c.listener.address}:${c.listener.port} @ ${c.zone.name}`, c.verdict])) };
}

function diffMatrices(a, b) {
  const out = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} vs ${b.get(k) ?? 'absent'}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: absent vs ${b.get(k)}`);
  return out;
}

// ------------------------------------------------------------------------------------------------
// 1. The lab host and its base snapshot (real sockets, interfaces, routes; empty ruleset)

log('lab: namespaces H, inet, lan, ts; listeners in H');
const lab = await createLab();
const baseFile = join(work, 'base.json');
sh('ip', ['netns', 'exec', lab.h, process.execPath, cli, 'collect', '-o', baseFile], { env });
const base = JSON.parse(readFileSync(baseFile, 'utf8'));
const baseMatrix = verdictsOf(baseFile);
lab.setClients(baseMatrix.zones);

function snapshotWith({ v4 = '', v6 = '', nft }) {
  const s = structuredClone(base);
  s.netfilter.iptablesSave = { status: 'ok', data: v4 };
  s.netfilter.ip6tablesSave = { status: 'ok', data: v6 };
  if (nft !== undefined) s.netfilter.nftRuleset = { status: 'ok', data: nft };
  delete s.netfilter.iptablesLegacySave;
  delete s.netfilter.ip6tablesLegacySave;
  return s;
}

// ------------------------------------------------------------------------------------------------
// 2. Snapshots

const inputs = [];
function addInput(entry, snapshot) {
  const file = join(work, `${entry.id}.json`);
  writeFileSync(file, JSON.stringify(snapshot));
  inputs.push({ ...entry, file, bytes: statSync(file).size });
}
let nmapRuleset;
for (const n of sizes) {
  log(`generate iptables-save ruleset, ${n} rules`);
  const g = generateIptables({ rules: n });
  if (n === NMAP_SIZE) nmapRuleset = g;
  addInput(
    {
      id: `iptables-${kRules(n)}`,
      family: 'iptables',
      label: 'generated iptables-save (kube-proxy + UFW + Docker)',
      size: n,
      rules: g.counts.rules,
      detail: g.counts,
    },
    snapshotWith({ v4: g.v4, v6: g.v6 }),
  );
}
for (const n of sizes) {
  log(`generate nftables ruleset, ${n} rules (nft -f, then nft -j list ruleset in a scratch namespace)`);
  const g = generateNft({ rules: n });
  addInput(
    { id: `nft-${kRules(n)}`, family: 'nft', label: 'generated nft JSON (native inet + ip nat tables)', size: n, rules: g.counts.rules },
    snapshotWith({ nft: nftJsonOf(g.text) }),
  );
}
const corpusNote = [];
if (!existsSync(corpusDir)) {
  corpusNote.push(`corpus absent (${corpusDir}): its large rulesets were not timed`);
  console.warn(`bench: ${corpusNote[0]}`);
} else {
  const read = (f) => readFileSync(join(corpusDir, f), 'utf8');
  const count = (t) => t.split('\n').filter((l) => l.startsWith('-A ')).length;
  const corpus = [
    {
      id: 'corpus-docker-1500ports',
      label: 'corpus large/docker20-noproxy-1500ports (iptables-save v4+v6)',
      v4: 'docker20-noproxy-1500ports.1-containers.iptables-save.txt',
      v6: 'docker20-noproxy-1500ports.1-containers.ip6tables-save.txt',
    },
    { id: 'corpus-ufw-large', label: 'corpus large/ufw-large (iptables-save v4+v6)', v4: 'ufw-large.iptables-save.txt', v6: 'ufw-large.ip6tables-save.txt' },
    { id: 'corpus-fw-large-nftables', label: 'corpus large/fw-large-nftables (nft JSON, 5000-element set)', nft: 'fw-large-nftables.nft.json' },
  ];
  for (const c of corpus) {
    const files = [c.v4, c.v6, c.nft].filter(Boolean);
    const missing = files.filter((f) => !existsSync(join(corpusDir, f)));
    if (missing.length > 0) {
      corpusNote.push(`corpus file(s) absent: ${missing.join(', ')}`);
      continue;
    }
    if (c.nft) {
      const json = JSON.parse(read(c.nft));
      addInput({ id: c.id, family: 'corpus', label: c.label, rules: json.nftables.filter((x) => x.rule).length }, snapshotWith({ nft: json }));
    } else {
      const v4 = read(c.v4);
      const v6 = read(c.v6);
      addInput({ id: c.id, family: 'corpus', label: c.label, rules: count(v4) + count(v6) }, snapshotWith({ v4, v6 }));
    }
  }
}

// ------------------------------------------------------------------------------------------------
// 3. The active scan: the 10k ruleset in H, clawmoat in H against nmap from every zone

let active;
if (withNmap && nmapRuleset) {
  log(`load the ${kRules(NMAP_SIZE)} ruleset into H (iptables-restore, nf_tables backend)`);
  lab.loadIptables(nmapRuleset.v4, nmapRuleset.v6);
  const liveFile = join(work, 'live.json');
  sh('ip', ['netns', 'exec', lab.h, process.execPath, cli, 'collect', '-o', liveFile], { env });
  const live = JSON.parse(readFileSync(liveFile, 'utf8'));
  const liveRules =
    (live.netfilter.iptablesSave.data ?? '').split('\n').filter((l) => l.startsWith('-A ')).length +
    (live.netfilter.ip6tablesSave.data ?? '').split('\n').filter((l) => l.startsWith('-A ')).length;
  inputs.push({
    id: `iptables-${kRules(NMAP_SIZE)}-collected`,
    family: 'collected',
    label: 'the 10k iptables ruleset as `clawmoat collect` read it from H (iptables-save + nft JSON)',
    size: NMAP_SIZE,
    rules: liveRules,
    file: liveFile,
    bytes: statSync(liveFile).size,
  });

  // The matrix clawmoat computes in H, as a user runs it.
  const liveOut = JSON.parse(sh('ip', ['netns', 'exec', lab.h, process.execPath, cli, 'reach', '--json'], { env }));
  const zones = liveOut.zones.filter((z) => z.kind === 'loopback' || lab.clients[z.interface]);
  const ports = [...new Set(liveOut.cells.map((c) => c.listener.port))].sort((a, b) => a - b);
  const scans = zones.map((z) => {
    // A client cannot put 127.0.0.1 on the wire (routing drops it as a martian, and the matrix says so).
    const targets = z.kind === 'loopback' ? z.targets[4] : z.targets[4].filter((a) => !a.startsWith('127.'));
    const ns = z.kind === 'loopback' ? lab.h : lab.clients[z.interface];
    return { zone: z.name, ns, targets, argv: ['nmap', '-sT', '-Pn', '-n', '-p', ports.join(','), ...targets] };
  });
  log('verify: nmap from every zone against the matrix');
  const portState = new Map();
  const nmapElapsed = {};
  for (const s of scans) {
    const xml = sh('ip', ['netns', 'exec', s.ns, ...s.argv, '-oX', '-']);
    nmapElapsed[s.zone] = Number(/elapsed="([\d.]+)"/.exec(xml)?.[1] ?? NaN) * 1000;
    for (const host of xml.split('<host ').slice(1)) {
      const addr = /<address addr="([^"]+)"/.exec(host)?.[1];
      for (const m of host.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([a-z|]+)"/g)) portState.set(`${s.zone}|${addr}|${m[1]}`, m[2]);
    }
  }
  const RANK = { open: 3, closed: 1, filtered: 0 };
  const agree = [];
  const differ = [];
  for (const cell of liveOut.cells) {
    const scan = scans.find((s) => s.zone === cell.zone.name);
    if (!scan) continue;
    let best;
    for (const t of scan.targets) {
      const st = portState.get(`${scan.zone}|${t}|${cell.listener.port}`) ?? 'missing';
      if (best === undefined || (RANK[st] ?? -1) > (RANK[best] ?? -1)) best = st;
    }
    const key = `${cell.listener.address}:${cell.listener.port} from ${cell.zone.name}`;
    (best === cell.verdict ? agree : differ).push(`${key}: clawmoat ${cell.verdict}, nmap ${best}`);
  }
  const liveVerdicts = new Map(liveOut.cells.map((c) => [`${c.listener.address}:${c.listener.port} @ ${c.zone.name}`, c.verdict]));
  log(`nmap agrees on ${agree.length}/${agree.length + differ.length} cells${differ.length ? `; differences:\n  ${differ.join('\n  ')}` : ''}`);

  log(`hyperfine: clawmoat reach --json in H vs nmap -sT from ${scans.length} zones`);
  const nmapScript = scans.map((s) => `ip netns exec ${s.ns} ${s.argv.join(' ')} >/dev/null`).join('; ');
  const timed = hyperfine(
    [
      { name: 'clawmoat reach --json (collect + analyse, in H)', command: `ip netns exec ${lab.h} ${process.execPath} ${cli} reach --json` },
      { name: `nmap -sT -Pn -n, ${scans.length} zones one after another`, command: `sh -c '${nmapScript}'` },
    ],
    { name: 'active', warmup: 1 },
  );
  active = {
    rules: liveRules,
    cells: liveOut.cells.length,
    comparedCells: agree.length + differ.length,
    agree: agree.length,
    differences: differ,
    scans: scans.map((s) => ({
      zone: s.zone,
      command: `ip netns exec <${s.zone === 'loopback' ? 'H' : 'client'}> ${s.argv.join(' ')}`,
      elapsedMs: nmapElapsed[s.zone],
    })),
    hyperfine: timed,
    ratio: timed[1].median / timed[0].median,
    bestRatio: timed[1].min / timed[0].min,
    liveVerdicts,
    collectTimings: live.timings,
  };
}
// Can a 100k-rule host be read at all? (Not timed: iptables-save and nft -j are the kernel's and nft's work.)
let liveLarge;
const largest = Math.max(...sizes);
if (withNmap && largest >= 100000) {
  log(`load the ${kRules(largest)} ruleset into H and collect it`);
  const g = generateIptables({ rules: largest });
  const t0 = Date.now();
  lab.loadIptables(g.v4, g.v6);
  const restoreMs = Date.now() - t0;
  const file = join(work, 'live-large.json');
  sh('ip', ['netns', 'exec', lab.h, process.execPath, cli, 'collect', '-o', file], { env });
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const status = (c) =>
    c.status === 'ok' ? `ok (${(c.data.length ?? JSON.stringify(c.data).length).toLocaleString('en-US')} bytes)` : `${c.reason}: ${c.detail}`;
  const matrix = verdictsOf(file);
  const counts = {};
  for (const v of matrix.cells.values()) counts[v] = (counts[v] ?? 0) + 1;
  liveLarge = {
    rules: g.counts.rules,
    restoreMs,
    netfilterCollectorMs: snap.timings.netfilter,
    iptablesSave: status(snap.netfilter.iptablesSave),
    nftRuleset: status(snap.netfilter.nftRuleset),
    verdicts: counts,
  };
  log(`collected: iptables-save ${liveLarge.iptablesSave}; nft -j ${liveLarge.nftRuleset}`);
}
log('lab: removing namespaces');
lab.destroy();

// ------------------------------------------------------------------------------------------------
// 4. Same matrix everywhere? (generated rulesets of every size and both syntaxes admit the same)

const reference = verdictsOf(inputs[0].file);
const consistency = [];
for (const input of inputs.filter((i) => i.family !== 'corpus')) {
  input.verdicts = input === inputs[0] ? reference.cells : verdictsOf(input.file).cells;
  const d = diffMatrices(reference.cells, input.verdicts);
  if (d.length > 0) consistency.push(`${input.id} differs from ${inputs[0].id}: ${d.join('; ')}`);
}
if (active) {
  const d = diffMatrices(reference.cells, active.liveVerdicts);
  if (d.length > 0) consistency.push(`the matrix computed live in H differs from the snapshot's: ${d.join('; ')}`);
}
for (const c of consistency) console.warn(`bench: ${c}`);

// ------------------------------------------------------------------------------------------------
// 5. Time every snapshot: the CLI (hyperfine) and the model in process

log(`hyperfine: clawmoat reach --json --snapshot, ${inputs.length} snapshots`);
const cliTimes = hyperfine(
  [
    { name: 'startup', command: `${process.execPath} ${cli} --version` },
    ...inputs.map((i) => ({ name: i.id, command: `${process.execPath} ${cli} reach --json --snapshot ${i.file}` })),
  ],
  { name: 'snapshots' },
);
const startup = cliTimes[0];
for (const [k, input] of inputs.entries()) input.cli = cliTimes[k + 1];

log(`in process: ${runs} fresh processes per snapshot, round robin (bench/lib/model-time.mjs)`);
const samplesOf = new Map(inputs.map((i) => [i, []]));
// Round robin, so a burst of load on the shared machine hits every size alike.
for (let k = 0; k < runs; k++) for (const input of inputs) samplesOf.get(input).push(JSON.parse(sh(process.execPath, [modelTime, input.file], { env })));
for (const input of inputs) {
  const samples = samplesOf.get(input);
  input.cells = samples[0].cells;
  input.parsedRules = samples[0].rules;
  input.verdictCounts = samples[0].verdicts;
  input.parseErrors = samples[0].parseErrors;
  input.model = Object.fromEntries(['read', 'context', 'reach', 'json', 'total', 'cpu'].map((p) => [p, median(samples.map((s) => s[p]))]));
  input.model.parseAndMatrix = median(samples.map((s) => s.context + s.reach));
  // The best run: the cost with the least interference from other work on the machine.
  input.model.best = Math.min(...samples.map((s) => s.context + s.reach));
}

const PROFILE_RUNS = 3;
log(`profiles (node --cpu-prof, ${PROFILE_RUNS} runs each, merged)`);
/** Sum several summaries function by function. */
function merged(summaries) {
  const by = new Map();
  for (const sum of summaries) {
    for (const f of sum.functions) {
      const k = `${f.name}\t${f.file}`;
      const m = by.get(k) ?? { name: f.name, file: f.file, selfMs: 0, totalMs: 0 };
      m.selfMs += f.selfMs;
      m.totalMs += f.totalMs;
      by.set(k, m);
    }
  }
  const totalMs = summaries.reduce((a, x) => a + x.totalMs, 0);
  return { totalMs, functions: [...by.values()].sort((a, b) => b.selfMs - a.selfMs) };
}
const profiles = [];
for (const id of [
  `iptables-${kRules(10000)}`,
  `iptables-${kRules(100000)}`,
  `nft-${kRules(100000)}`,
  `iptables-${kRules(NMAP_SIZE)}-collected`,
  'corpus-fw-large-nftables',
]) {
  const input = inputs.find((i) => i.id === id);
  if (!input) continue;
  const within = [];
  const wholes = [];
  for (let k = 0; k < PROFILE_RUNS; k++) {
    const dir = join(work, `prof-${id}-${k}`);
    sh(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, modelTime, input.file], { env });
    const file = join(dir, readdirSync(dir)[0]);
    // Only what runs inside the model (buildContext + computeReach), as in the table.
    within.push(summariseProfile(file, `${resolve(dist, '..')}/`, ['buildContext', 'computeReach']));
    wholes.push(summariseProfile(file, `${resolve(dist, '..')}/`));
  }
  const summary = merged(within);
  const whole = merged(wholes);
  const total = (name, file = 'src/') => summary.functions.filter((f) => f.name === name && f.file.startsWith(file)).reduce((a, f) => a + f.totalMs, 0);
  const pct = (ms) => (100 * ms) / summary.totalMs;
  profiles.push({
    id,
    runs: PROFILE_RUNS,
    modelMs: summary.totalMs / PROFILE_RUNS,
    parsePct: pct(total('buildNetfilterView')),
    iptablesParserPct: pct(total('parseIptablesSave')),
    nftParserPct: pct(total('parseNftJson')),
    // Rules are parsed when a packet first reaches them (src/netfilter/*/chain-rules.ts), inside the matrix.
    ruleParsePct: pct(total('parseLine', 'src/netfilter/iptables-save/chain-rules') + total('decode', 'src/netfilter/nft-json/chain-rules')),
    keysPct: pct(total('textKeys') + total('jsonKeys')),
    matrixPct: pct(total('computeReach')),
    simulatePct: pct(total('simulate')),
    gcPctOfProcess: (100 * (whole.functions.find((f) => f.name === '(garbage collector)')?.selfMs ?? 0)) / whole.totalMs,
    hot: summary.functions
      .filter((f) => f.file.startsWith('src/'))
      .slice(0, 8)
      .map((f) => ({
        name: f.name,
        file: f.file,
        selfMs: Math.round((f.selfMs / PROFILE_RUNS) * 10) / 10,
        selfPctOfModel: Math.round(pct(f.selfMs) * 10) / 10,
      })),
  });
}

// ------------------------------------------------------------------------------------------------
// 6. Results

const date = new Date().toISOString().slice(0, 10);
const load = loadavg()[0].toFixed(1);
const nproc = Number(sh('nproc', []).trim());
const gen = inputs.filter((i) => i.family === 'iptables' || i.family === 'nft');
const growth = (family, metric) => {
  const rows = gen.filter((i) => i.family === family).sort((a, b) => a.rules - b.rules);
  return rows.slice(1).map((r, k) => {
    const prev = rows[k];
    return {
      from: prev.id,
      to: r.id,
      rulesRatio: r.rules / prev.rules,
      timeRatio: metric(r) / metric(prev),
      usPerAddedRule: (1000 * (metric(r) - metric(prev))) / (r.rules - prev.rules),
    };
  });
};
const modelMs = (i) => i.model.parseAndMatrix;
const modelBest = (i) => i.model.best;
const cliMs = (i) => i.cli.median;
const cliBest = (i) => i.cli.min;
const modelCpu = (i) => i.model.cpu;
const growthText = (family) => {
  const best = growth(family, modelBest);
  const cpu = growth(family, modelCpu);
  return growth(family, modelMs)
    .map(
      (g, k) =>
        `${kRules(gen.find((i) => i.id === g.from).rules)}→${kRules(gen.find((i) => i.id === g.to).rules)} ×${g.timeRatio.toFixed(1)} (best runs ×${best[k].timeRatio.toFixed(1)}, CPU time ×${cpu[k].timeRatio.toFixed(1)}; ${best[k].usPerAddedRule.toFixed(0)} µs per added rule)`,
    )
    .join(', ');
};

const tableRows = inputs.map((i) => {
  const prev = gen.filter((g) => g.family === i.family && g.rules < i.rules).sort((a, b) => b.rules - a.rules)[0];
  const grow = prev ? `×${(modelMs(i) / modelMs(prev)).toFixed(1)} / ×${(modelBest(i) / modelBest(prev)).toFixed(1)}` : '';
  return `| ${i.label} | ${i.rules.toLocaleString('en-US')} | ${i.cells} | ${fmt(i.cli.median)} / ${fmt(i.cli.min)} | **${fmt(modelMs(i))}** / ${fmt(modelBest(i))} | ${fmt(i.model.context)} + ${fmt(i.model.reach)} | ${fmt(modelCpu(i))} | ${((1000 * modelBest(i)) / i.rules).toFixed(0)} | ${grow} |`;
});

const target = (n, budget) => {
  const i = inputs.find((x) => x.id === `iptables-${kRules(n)}`);
  if (!i) return undefined;
  return { n, budget, cli: cliMs(i), cliBest: cliBest(i), model: modelMs(i), modelBest: modelBest(i), modelCpu: modelCpu(i) };
};
const targets = [target(10000, 200), target(100000, 2000)].filter(Boolean);
const verdict = (ms, budget) => (ms <= budget ? 'met' : 'missed');
const targetText = targets
  .map(
    (t) =>
      `${kRules(t.n)} rules ≤ ${fmt(t.budget)}: **${verdict(t.cli, t.budget)}** by the CLI (median ${fmt(t.cli)}, best ${fmt(t.cliBest)}: ${verdict(t.cliBest, t.budget)}), **${verdict(t.model, t.budget)}** by the model alone (median ${fmt(t.model)}, best ${fmt(t.modelBest)}: ${verdict(t.modelBest, t.budget)}; CPU time ${fmt(t.modelCpu)}: ${verdict(t.modelCpu, t.budget)})`,
  )
  .join('; ');

const lines = [
  `Measured ${date}, ${code.what}, on this machine (shared, ${nproc} CPUs, other work running: load average ${load} at the end; hyperfine, ${runs} runs after ${warmup} warm-ups, in rounds of 2 so that every command meets the same bursts of load; \`npm run bench:reach\`, ${Math.round((Date.now() - started) / 60000)} min). Times are median / best run: on a loaded machine the best run is the cost with the least interference.`,
  '',
  `**The full matrix from a snapshot**: \`clawmoat reach --json --snapshot S\`, ${inputs[0].cells} cells (16 listeners × loopback, internet, LAN, tailnet). "Model" is the same work in process (bench/lib/model-time.mjs, ${runs} fresh processes per snapshot, round robin): reading the snapshot's rulesets and deriving the host model ("read", buildContext: every line or object of a ruleset is scanned, every chain and error found, but a rule itself is parsed only when a packet reaches it), then the matrix (computeReach, with the rules it parses); its CPU time counts every thread of the process (V8 compiles and collects garbage on helper threads) and is the figure least disturbed by other work. Node's start-up and loading the CLI (\`clawmoat --version\`) take ${fmt(startup.median)} / ${fmt(startup.min)} of each CLI run.`,
  '',
  '| ruleset | rules | cells | CLI | model | read + matrix (median) | model CPU time (median) | µs/rule (best) | model growth |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...tableRows,
  '',
  `Targets: ${targetText}.`,
  '',
  `Growth of the model's time with ×10 rules (linear would be ×10, less while fixed costs weigh): iptables ${growthText('iptables')}; nft ${growthText('nft')}. Every generated ruleset, of every size and in both syntaxes, gives the same ${inputs[0].cells}-cell matrix${consistency.length ? ' — except: ' + consistency.join('; ') : ''}.`,
];
if (corpusNote.length) lines.push('', corpusNote.join('; ') + '.');
if (active) {
  const [ours, theirs] = active.hyperfine;
  lines.push(
    '',
    `**The same answer found actively**: the ${kRules(NMAP_SIZE)} ruleset (${active.rules.toLocaleString('en-US')} rules) loaded with iptables-restore into namespace H, with the 16 listeners, and clients in internet, LAN and tailnet namespaces (veth), using the source addresses of clawmoat's zones. \`clawmoat reach --json\` runs in H (collect + analyse); \`nmap -sT -Pn -n -p <the 16 ports> <the zone's targets>\` runs from each zone (loopback: in H), one zone after another, in the same hyperfine run:`,
    '',
    '| command | median | min | max |',
    '|---|---:|---:|---:|',
    ...[ours, theirs].map((r) => `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} |`),
    '',
    `${active.ratio >= 1 ? `clawmoat is **${active.ratio.toFixed(1)}×** faster` : `nmap is **${(1 / active.ratio).toFixed(1)}×** faster`} (ratio of medians; ${active.bestRatio >= 1 ? `clawmoat ×${active.bestRatio.toFixed(1)}` : `nmap ×${(1 / active.bestRatio).toFixed(1)}`} best run to best run: nmap waits on timeouts and hardly varies, clawmoat is CPU-bound and suffers from the machine's load); clawmoat also answers for the zones' 127.0.0.1 and every rule on each path. nmap agrees with the matrix on **${active.agree}/${active.comparedCells}** cells${active.differences.length ? `; differences: ${active.differences.join('; ')}` : ''}.`,
    '',
    `nmap's time per zone (its own \`elapsed\`, from the checking scans): ${active.scans.map((x) => `${x.zone} ${fmt(x.elapsedMs)}`).join(', ')}; filtered ports cost it its timeouts, and run in parallel the scans would still take the slowest zone's ${fmt(Math.max(...active.scans.map((x) => x.elapsedMs)))}. clawmoat's collectors in H (parallel, from the snapshot's \`timings\`): ${Object.entries(
      active.collectTimings,
    )
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ')}, …`,
  );
}
if (liveLarge) {
  lines.push(
    '',
    `**Collecting a ${kRules(liveLarge.rules)}-rule host**: the ${liveLarge.rules.toLocaleString('en-US')}-rule ruleset loaded into H (iptables-restore took ${fmt(liveLarge.restoreMs)}), then \`clawmoat collect\` there: iptables-save ${liveLarge.iptablesSave.startsWith('ok') ? 'read' : '**not read**'} (${liveLarge.iptablesSave}); nft -j ${liveLarge.nftRuleset.startsWith('ok') ? 'read' : '**not read**'} (${liveLarge.nftRuleset}); the netfilter collector took ${fmt(liveLarge.netfilterCollectorMs)}. The matrix from that snapshot: ${Object.entries(
      liveLarge.verdicts,
    )
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}.`,
  );
}
if (profiles.length) {
  lines.push(
    '',
    `**Where the model's time goes** (\`node --cpu-prof\`, ${profiles[0].runs} in-process runs each, merged; % of the model's time, i.e. buildContext + computeReach):`,
    '',
  );
  for (const p of profiles) {
    const parsers = [
      p.iptablesParserPct >= 0.5 ? `iptables-save parser ${p.iptablesParserPct.toFixed(0)} %` : '',
      p.nftParserPct >= 0.5 ? `nft JSON parser ${p.nftParserPct.toFixed(0)} %` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const hot = p.hot
      .slice(0, 3)
      .map((f) => `${f.name} (\`${f.file}\`) ${f.selfPctOfModel.toFixed(0)} %`)
      .join(', ');
    lines.push(
      `- ${p.id} (${fmt(p.modelMs)} a run under the profiler): reading the rulesets ${p.parsePct.toFixed(0)} % (${parsers}), matrix ${p.matrixPct.toFixed(0)} % (packet walks ${p.simulatePct.toFixed(0)} %, of which parsing the rules packets reach ${p.ruleParsePct.toFixed(0)} % and index keys from rule text ${p.keysPct.toFixed(0)} %); garbage collection ${p.gcPctOfProcess.toFixed(0)} % of the process. Hottest, self time: ${hot}.`,
    );
  }
}
lines.push('');
const table = lines.join('\n');

const results = {
  date,
  machine: { loadavg: loadavg(), node: process.version, nproc },
  code,
  runs,
  warmup,
  startup,
  inputs: inputs.map(({ file, verdicts, ...rest }) => rest),
  growth: Object.fromEntries(
    ['iptables', 'nft'].flatMap((f) => [
      [`${f}Model`, growth(f, modelMs)],
      [`${f}ModelBest`, growth(f, modelBest)],
      [`${f}ModelCpu`, growth(f, modelCpu)],
      [`${f}Cli`, growth(f, cliMs)],
      [`${f}CliBest`, growth(f, cliBest)],
    ]),
  ),
  targets,
  consistency,
  corpus: corpusNote,
  active: active && (({ liveVerdicts, ...rest }) => rest)(active),
  liveLarge,
  profiles,
  durationS: Math.round((Date.now() - started) / 1000),
};
writeFileSync(join(root, 'bench/results/reach.json'), `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(join(root, 'bench/results/reach.md'), table);
if (writeReadme) {
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const marked = /(<!-- bench:reach -->\n)[\s\S]*?(<!-- \/bench:reach -->)/;
  if (marked.test(readme)) writeFileSync(readmePath, readme.replace(marked, `$1${table}$2`));
  else console.warn('bench: README.md has no <!-- bench:reach --> markers; not updated');
}
console.log(`\n${table}`);
log(`done in ${results.durationS} s`);
