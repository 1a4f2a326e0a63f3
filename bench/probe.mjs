#!/usr/bin/env node
// How fast is `clawmoat probe` from two zones, against nmap -sT asking the same question?
//
// A lab host H (network namespace) with 13 plain listeners and a real OpenClaw gateway (the
// release in .cache/openclaw, `--bind lan`, token auth), some of them bound to 127.0.0.1 or to
// one address, some DROPped or REJECTed by iptables in H; two clients, internet and LAN, in
// namespaces on veth links (bench/lib/lab.mjs). In one hyperfine run:
//   - `clawmoat probe --netns INET --netns LAN --json`, run inside H (it starts an agent in each
//     namespace, collects H's snapshot meanwhile, then probes from both at once), with the default
//     --timeout (2000 ms), with --timeout matched to what nmap waits before it calls a port
//     filtered (measured here), and with that wait fixed (--no-adaptive-timeout): what the
//     adaptive timeout buys, apart from the rest;
//   - `nmap -sT -Pn -n -p <the same ports> <H's same addresses>` from both namespaces at once.
// Every target's answer is checked: clawmoat open / refused / timeout against nmap open / closed /
// filtered, and the gateway's fingerprint (version, auth). Then where clawmoat's time goes:
// a timeline of traced runs (strace: process starts, connects, the job's hand-over, exits), the parts timed alone,
// the fingerprint timed in process, and CPU profiles of the CLI and of the agent.
// Results: bench/results/probe.md and probe.json, and the README between the bench:probe markers.
// Machines are shared and noisy: compare ratios, not absolute times.
//
//   node bench/probe.mjs [--runs 10] [--no-readme]
//
// CLAWMOAT_BENCH_DIST=DIR times another build's dist/, CLAWMOAT_BENCH_CODE names it.
// Needs: root (network namespaces), hyperfine, nmap, strace, iptables, `npm run build`, and the
// OpenClaw release in .cache/openclaw (test/system/lab/install-openclaw.sh puts it there).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, sh } from './lib/lab.mjs';
import { openclawInstalled, startGateway } from './lib/openclaw.mjs';
import { summariseProfile } from './lib/profile.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('--runs', '10'));
const warmup = 2;
const writeReadme = !process.argv.includes('--no-readme');
const dist = resolve(process.env.CLAWMOAT_BENCH_DIST ?? join(root, 'dist'));
const cli = join(dist, 'clawmoat.mjs');
// The same code unbundled (tsc output): its profiles name src/ files.
const cliUnbundled = join(dist, 'cli/main.js');
// The namespace agent: its own bundle, and unbundled; a build without them runs the CLI's hidden command.
const agentCmd = existsSync(join(dist, 'probe-agent.mjs')) ? [join(dist, 'probe-agent.mjs')] : [cli, 'probe-agent'];
const agentCmdUnbundled = existsSync(join(dist, 'probe/agent-main.js')) ? [join(dist, 'probe/agent-main.js')] : [cliUnbundled, 'probe-agent'];
const fingerprintTime = join(root, 'bench/lib/fingerprint-time.mjs');
const predictTime = join(root, 'bench/lib/predict-time.mjs');
const node = process.execPath;
/** Rounds of the nmap wait measurement, profiled runs. */
const WAIT_ROUNDS = 3;
const PROFILE_RUNS = 3;

// ------------------------------------------------------------------------------------------------
// Preflight

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) fail('run as root: the lab is network namespaces');
for (const tool of ['hyperfine', 'nmap', 'strace', 'ip', 'iptables-restore', 'ip6tables-restore', 'ss']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    fail(`${tool} is not installed`);
  }
}
if (!openclawInstalled()) fail('no OpenClaw in .cache/openclaw: run `bash test/system/lab/install-openclaw.sh` once');
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}
for (const built of [cli, cliUnbundled, join(dist, 'probe/fingerprint.js')]) {
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
const ownBuild = dist === join(root, 'dist');
const dirty = git(['status', '--porcelain', 'src']).split('\n').filter(Boolean).length;
const code = ownBuild
  ? { dist, what: `commit ${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ` with ${dirty} uncommitted src/ change(s)` : ''}` }
  : { dist, what: process.env.CLAWMOAT_BENCH_CODE ?? `the build in ${dist}` };

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'cmbench-probe-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const home = join(work, 'home');
mkdirSync(home);
// An empty HOME and no Docker daemon: the lab host is H, not this machine's user or dockerd.
const env = { ...process.env, HOME: home, NO_COLOR: '1', DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}`, CLAWMOAT_BENCH_DIST: dist };
const log = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/**
 * hyperfine, in rounds of at most 2 runs per command (as bench/reach.mjs): on a shared machine a
 * burst of someone else's work then meets every command alike. Warm-ups run in the first round.
 */
function hyperfine(commands, { name, runs: r = runs, warmup: w = warmup, ignoreFailure = false }) {
  const rounds = [];
  for (let left = r; left > 0; left -= 2) rounds.push(Math.min(2, left));
  const raw = [];
  const times = commands.map(() => []);
  rounds.forEach((n, k) => {
    const exported = join(work, `${name}-${k}.json`);
    const args = [
      '--warmup',
      String(k === 0 ? w : 0),
      '--runs',
      String(n),
      '-N',
      '--export-json',
      exported,
      '--style',
      k === 0 ? 'basic' : 'none',
      ...(ignoreFailure ? ['-i'] : []),
    ];
    for (const c of commands) args.push('-n', c.name, c.command);
    execFileSync('hyperfine', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const out = JSON.parse(readFileSync(exported, 'utf8'));
    raw.push(out);
    out.results.forEach((x, i) => times[i].push(...x.times.map((t) => t * 1000)));
  });
  writeFileSync(join(root, `bench/results/probe-${name}.raw.json`), `${JSON.stringify(raw, null, 1)}\n`);
  return commands.map((c, i) => ({
    name: c.name,
    command: c.shown ?? c.command,
    median: median(times[i]),
    min: Math.min(...times[i]),
    max: Math.max(...times[i]),
    mean: times[i].reduce((a, b) => a + b, 0) / times[i].length,
    runs: times[i].length,
    times: times[i].map((t) => Math.round(t * 10) / 10),
  }));
}

// ------------------------------------------------------------------------------------------------
// 1. The lab

/** H's listeners besides the gateway; `reply` is what each does with a connection (bench/lib/lab.mjs). */
const LISTENERS = [
  { host: '0.0.0.0', port: 22, reply: 'banner', what: 'SSH banner, as sshd' },
  { host: '0.0.0.0', port: 25, reply: 'close', what: 'REJECTed from the internet' },
  { host: '0.0.0.0', port: 80, reply: 'http', what: 'a web server' },
  { host: '0.0.0.0', port: 443, reply: 'close', what: 'closes at once' },
  { host: '::', port: 8080, reply: 'http', what: 'dual-stack web app' },
  { host: '0.0.0.0', port: 5432, reply: 'close', what: 'DROPped from the internet' },
  { host: '0.0.0.0', port: 9100, reply: 'http', what: 'DROPped from the internet' },
  { host: '0.0.0.0', port: 3306, reply: 'close', what: 'DROPped from everywhere' },
  { host: '192.168.1.10', port: 3000, reply: 'http', what: 'bound to the LAN address' },
  { host: '198.51.100.10', port: 9090, reply: 'http', what: 'bound to the public address' },
  { host: '127.0.0.1', port: 6379, reply: 'close', what: 'loopback only' },
  { host: '127.0.0.1', port: 2379, reply: 'close', what: 'loopback only' },
  { host: '127.0.0.1', port: 11211, reply: 'close', what: 'loopback only, and DROPped' },
];
const GATEWAY_PORT = 18789;
const RULES_V4 = [
  '*filter',
  ':INPUT ACCEPT [0:0]',
  ':FORWARD ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -p tcp -m tcp --dport 3306 -j DROP',
  '-A INPUT -p tcp -m tcp --dport 11211 -j DROP',
  '-A INPUT -i eth0 -p tcp -m tcp --dport 5432 -j DROP',
  '-A INPUT -i eth0 -p tcp -m tcp --dport 9100 -j DROP',
  '-A INPUT -i eth0 -p tcp -m tcp --dport 25 -j REJECT --reject-with icmp-port-unreachable',
  'COMMIT',
  '',
].join('\n');
const RULES_V6 = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT', ''].join('\n');

log('lab: namespaces H, inet, lan; listeners and iptables rules in H');
const lab = await createLab({ interfaces: ['eth0', 'eth1'], listeners: LISTENERS });
lab.loadIptables(RULES_V4, RULES_V6);
log('lab: starting the OpenClaw gateway in H (--bind lan, token auth) and waiting for /readyz');
const gateway = await startGateway(lab.h, { port: GATEWAY_PORT });
log(`lab: gateway ${gateway.version} ready after ${fmt(gateway.readyMs)}, listening on ${gateway.ports().join(', ')}`);
// The clients send from the addresses clawmoat's zones assume (as bench/reach.mjs does).
const reachOut = JSON.parse(sh('ip', ['netns', 'exec', lab.h, node, cli, 'reach', '--json'], { env }));
lab.setClients(reachOut.zones);
const A = lab.clients.eth0;
const B = lab.clients.eth1;
const zoneOf = { [A]: 'internet', [B]: 'LAN' };
const H = lab.h;

// ------------------------------------------------------------------------------------------------
// 2. The commands

/** `fixed`: --no-adaptive-timeout, every silent port waits the whole --timeout (as before the adaptive wait). */
const probeArgv = (timeout, fixed = false) => [
  'ip',
  'netns',
  'exec',
  H,
  node,
  cli,
  'probe',
  '--netns',
  A,
  '--netns',
  B,
  '--json',
  ...(timeout ? ['--timeout', String(timeout)] : []),
  ...(fixed ? ['--no-adaptive-timeout'] : []),
];
const shown = (argv) =>
  argv
    .join(' ')
    .replaceAll(H, 'H')
    .replaceAll(A, 'INET')
    .replaceAll(B, 'LAN')
    .replaceAll(node, 'node')
    .replaceAll(cli, 'dist/clawmoat.mjs')
    .replaceAll(dist, 'dist');

/** One clawmoat probe run: its report and exit code. */
function probeOnce(timeout, fixed = false) {
  const argv = probeArgv(timeout, fixed);
  const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`clawmoat probe exited with ${r.status}: ${r.stderr.trim()}`);
  const report = JSON.parse(r.stdout);
  if (report.errors.length > 0) throw new Error(`clawmoat probe: ${report.errors.map((e) => `${e.vantage}: ${e.message}`).join('; ')}`);
  return { status: r.status, report };
}

log('check: clawmoat probe, default timeout');
const firstCheck = probeOnce();
const ports = [...new Set(firstCheck.report.results.map((r) => r.port))].sort((a, b) => a - b);
const addresses = [...new Set(firstCheck.report.results.map((r) => r.address))].sort();
const nmapArgv = ['nmap', '-sT', '-Pn', '-n', '-p', ports.join(','), ...addresses];
log(`targets: ${ports.length} ports × ${addresses.length} addresses (${addresses.join(', ')}) from each of 2 zones`);

/** Both nmaps at once, as clawmoat probes both zones at once (a shell script); `{ns}` in `extra` and `out` is the zone's namespace. */
function nmapBothScript(extra = '', out = '/dev/null') {
  const one = (ns) => `ip netns exec ${ns} ${[...nmapArgv, extra].filter(Boolean).join(' ')} >${out}`.replaceAll('{ns}', ns);
  return `${one(A)} & ${one(B)} & wait`;
}
const nmapBoth = () => `sh -c '${nmapBothScript()}'`;
function nmapStates() {
  execFileSync('sh', ['-c', nmapBothScript(`-oX ${work}/check-{ns}.xml`)], { env });
  const states = new Map();
  const elapsed = {};
  for (const ns of [A, B]) {
    const xml = readFileSync(join(work, `check-${ns}.xml`), 'utf8');
    elapsed[zoneOf[ns]] = Number(/elapsed="([\d.]+)"/.exec(xml)?.[1] ?? NaN) * 1000;
    for (const host of xml.split('<host ').slice(1)) {
      const addr = /<address addr="([^"]+)"/.exec(host)?.[1];
      for (const m of host.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([a-z|]+)"/g)) states.set(`${zoneOf[ns]} ${addr}:${m[1]}`, m[2]);
    }
  }
  return { states, elapsed };
}

// ------------------------------------------------------------------------------------------------
// 3. How long nmap waits before it calls a port filtered: from its first probe of a filtered
// port (--packet-trace) to the end of the scan (its own elapsed, same clock), both zones at once.

log(`nmap's wait for filtered ports (-d --packet-trace, ${WAIT_ROUNDS} rounds, both zones at once)`);
const waits = { internet: [], LAN: [] };
const probesPerFiltered = { internet: [], LAN: [] };
for (let k = 0; k < WAIT_ROUNDS; k++) {
  execFileSync('sh', ['-c', nmapBothScript(`-d --packet-trace -oX ${work}/wait-{ns}.xml`, `${work}/wait-{ns}.txt`)], { env });
  for (const ns of [A, B]) {
    const xml = readFileSync(join(work, `wait-${ns}.xml`), 'utf8');
    const trace = readFileSync(join(work, `wait-${ns}.txt`), 'utf8');
    const elapsed = Number(/elapsed="([\d.]+)"/.exec(xml)?.[1]) * 1000;
    const filtered = [];
    for (const host of xml.split('<host ').slice(1)) {
      const addr = /<address addr="([^"]+)"/.exec(host)?.[1];
      for (const m of host.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="filtered"/g)) filtered.push(`${addr}:${m[1]}`);
    }
    const conns = new Map();
    for (const m of trace.matchAll(/^CONN \(([\d.]+)s\) TCP \S+ > ([\d.]+:\d+) /gm)) conns.set(m[2], [...(conns.get(m[2]) ?? []), Number(m[1]) * 1000]);
    if (filtered.length === 0) continue;
    waits[zoneOf[ns]].push(Math.max(...filtered.map((t) => elapsed - Math.min(...(conns.get(t) ?? [elapsed])))));
    probesPerFiltered[zoneOf[ns]].push(median(filtered.map((t) => conns.get(t)?.length ?? 0)));
  }
}
const nmapWait = Object.fromEntries(Object.entries(waits).map(([z, w]) => [z, median(w)]));
const matched = Math.ceil(Math.max(...Object.values(nmapWait)) / 10) * 10;
log(
  `nmap waits ${Object.entries(nmapWait)
    .map(([z, w]) => `${fmt(w)} (${z})`)
    .join(', ')} with ${median(Object.values(probesPerFiltered).flat())} probes per filtered port: matched --timeout ${matched}`,
);

// ------------------------------------------------------------------------------------------------
// 4. Same answers? Every target from each zone: clawmoat's observation against nmap's state.

const EXPECT = { open: 'open', refused: 'closed', timeout: 'filtered', error: 'error' };
function compare(report, states) {
  const agree = [];
  const differ = [];
  const seen = new Set();
  for (const r of report.results) {
    const zone = zoneOf[r.vantage.replace(/^netns:/, '')];
    const key = `${zone} ${r.address}:${r.port}`;
    seen.add(key);
    const theirs = states.get(key) ?? 'not scanned';
    (EXPECT[r.observed] === theirs ? agree : differ).push(`${key}: clawmoat ${r.observed}, nmap ${theirs}`);
  }
  for (const [key, st] of states) if (!seen.has(key)) differ.push(`${key}: not probed by clawmoat, nmap ${st}`);
  return { agree: agree.length, total: agree.length + differ.length, differences: differ };
}
function gatewayFingerprints(report) {
  return report.results
    .filter((r) => r.port === GATEWAY_PORT)
    .map((r) => ({
      zone: zoneOf[r.vantage.replace(/^netns:/, '')],
      address: r.address,
      observed: r.observed,
      detected: r.openclaw.detected,
      product: r.openclaw.product,
      version: r.openclaw.version,
      protocol: r.openclaw.protocol,
      auth: r.openclaw.auth,
      evidence: r.openclaw.evidence,
    }));
}
/** How long the silent ports were waited for, each attempt, and how many attempts (adaptive: 2). */
function waitsOf(report) {
  const t = report.results.filter((r) => r.observed === 'timeout');
  return {
    timeoutMs: [...new Set(t.map((r) => r.timeoutMs))].sort((a, b) => a - b),
    attempts: [...new Set(t.map((r) => r.attempts ?? 1))],
    totalMs: t.length ? Math.max(...t.map((r) => r.ms)) : 0,
    detail: t[0]?.detail,
  };
}
const counts = (report) => {
  const c = {};
  for (const r of report.results) c[r.observed] = (c[r.observed] ?? 0) + 1;
  return c;
};
function check(label) {
  const nmap = nmapStates();
  const out = {};
  for (const [variant, timeout, fixed] of [
    ['default', undefined, false],
    ['matched', matched, false],
    ['fixed', matched, true],
  ]) {
    const { status, report } = variant === 'default' && label === 'before' ? firstCheck : probeOnce(timeout, fixed);
    const cmp = compare(report, nmap.states);
    out[variant] = {
      exitCode: status,
      ...cmp,
      observed: counts(report),
      waits: waitsOf(report),
      mismatches: report.results.filter((r) => r.mismatch).map((r) => `${r.vantage} ${r.address}:${r.port} observed ${r.observed}, predicted ${r.predicted}`),
      gateway: gatewayFingerprints(report),
      report,
    };
    log(
      `check ${label}, clawmoat ${variant} timeout: nmap agrees on ${cmp.agree}/${cmp.total} targets${cmp.differences.length ? `; differences:\n  ${cmp.differences.join('\n  ')}` : ''}`,
    );
  }
  out.nmapElapsed = nmap.elapsed;
  out.nmapStates = Object.fromEntries(nmap.states);
  return out;
}
const before = check('before');
const gw = before.matched.gateway;
log(
  `gateway fingerprint: ${gw.map((g) => `${g.zone} ${g.address}: ${g.detected ? `${g.product} ${g.version}, protocol ${g.protocol}, auth ${g.auth}` : 'not detected'}`).join('; ')}`,
);

// ------------------------------------------------------------------------------------------------
// 5. The race, with a fifth command: the default run again under strace, each run writing its
// own trace (the timeline of section 6), so that traced and untraced runs meet the same load.
// strace stops the processes at execve, connect, read, write and exit only (--seccomp-bpf).

const traceDir = join(work, 'traces');
mkdirSync(traceDir);
const STRACE = ['strace', '-f', '-ttt', '-qq', '--seccomp-bpf', '-e', 'trace=execve,connect,read,write,exit_group', '-e', 'signal=none'];
log('hyperfine: clawmoat probe (default, matched and fixed --timeout) in H vs nmap -sT from both zones at once');
const raceCommands = [
  { name: 'clawmoat probe --json, default --timeout 2000 (adaptive)', argv: probeArgv() },
  { name: `clawmoat probe --json --timeout ${matched} (nmap's wait, adaptive)`, argv: probeArgv(matched) },
  { name: `clawmoat probe --json --timeout ${matched} --no-adaptive-timeout (nmap's wait, fixed)`, argv: probeArgv(matched, true) },
].map((c) => ({ ...c, command: c.argv.join(' '), shown: shown(c.argv) }));
raceCommands.push({ name: 'nmap -sT -Pn -n from both zones at once', command: nmapBoth(), shown: nmapBoth().replaceAll(A, 'INET').replaceAll(B, 'LAN') });
raceCommands.push({
  name: 'the same clawmoat, default --timeout, traced by strace (for the timeline)',
  command: `sh -c 'exec ${STRACE.join(' ')} -o $(mktemp -p ${traceDir} trace.XXXXXX) ${probeArgv().join(' ')}'`,
  shown: `strace ${STRACE.slice(1).join(' ')} -o FILE ${shown(probeArgv())}`,
});
// clawmoat exits 1 on a mismatch or an unauthenticated gateway: neither is expected here, but
// should the check runs have seen one, the timing goes on (and the results say so).
const raceExit = [before.default.exitCode, before.matched.exitCode, before.fixed.exitCode];
if (raceExit.some((c) => c !== 0))
  console.warn(`bench: clawmoat probe exited ${raceExit.join(', ')} in the checks (1: a mismatch or an unauthenticated gateway); timing anyway`);
const race = hyperfine(raceCommands, { name: 'race', ignoreFailure: raceExit.some((c) => c !== 0) });
const [ours, oursMatched, oursFixed, theirs, traced] = race;

// ------------------------------------------------------------------------------------------------
// 6. Where clawmoat's time goes

// 6a. Its parts, timed alone (the agent with the internet zone's job, as the CLI hands it over).
const jobOf = (ns, timeoutMs) => {
  const targets = before.matched.report.results.filter((r) => r.vantage === `netns:${ns}`).map((r) => ({ address: r.address, port: r.port }));
  const file = join(work, `job-${ns}-${timeoutMs}.json`);
  writeFileSync(file, JSON.stringify({ targets, settings: { timeoutMs, concurrency: 64, adaptiveTimeout: true } }));
  return file;
};
const emptyJob = join(work, 'job-empty.json');
writeFileSync(emptyJob, JSON.stringify({ targets: [], settings: { timeoutMs: matched, concurrency: 64 } }));
const jobA = jobOf(A, matched);
log('hyperfine: the parts of a probe run, alone');
const parts = hyperfine(
  [
    { name: 'node start-up (node -e 0, in H)', command: `ip netns exec ${H} ${node} -e 0` },
    { name: 'node + loading the CLI (clawmoat --version, in H)', command: `ip netns exec ${H} ${node} ${cli} --version` },
    { name: 'collecting H (clawmoat collect, in H)', command: `ip netns exec ${H} ${node} ${cli} collect -o ${join(work, 'collect.json')}` },
    { name: 'the agent with nothing to do (in INET)', command: `sh -c 'ip netns exec ${A} ${node} ${agentCmd.join(' ')} < ${emptyJob} >/dev/null'` },
    {
      name: `the agent with the internet zone's ${JSON.parse(readFileSync(jobA, 'utf8')).targets.length} targets, --timeout ${matched} (in INET)`,
      command: `sh -c 'ip netns exec ${A} ${node} ${agentCmd.join(' ')} < ${jobA} >/dev/null'`,
    },
    { name: 'nmap -sT of one open port (in INET)', command: `ip netns exec ${A} nmap -sT -Pn -n -p 80 ${addresses[0]}` },
  ].map((c) => ({
    ...c,
    shown: c.command
      .replaceAll(H, 'H')
      .replaceAll(A, 'INET')
      .replaceAll(node, 'node')
      .replaceAll(cli, 'dist/clawmoat.mjs')
      .replaceAll(dist, 'dist')
      .replaceAll(work, '$WORK'),
  })),
  { name: 'parts' },
);
const collectTimings = JSON.parse(readFileSync(join(work, 'collect.json'), 'utf8')).timings;

// 6b. A timeline of whole runs, from the traced runs of the race (warm-ups left out): process
// starts (execve), connects, the job written to the agents and read by them, exits.
function timeline(file) {
  const events = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (m) events.push({ pid: Number(m[1]), t: Number(m[2]) * 1000, what: m[3] });
  }
  const t0 = events[0].t;
  const mainPid = events[0].pid;
  const firstExec = new Map();
  const exits = new Map();
  const agents = [];
  for (const e of events) {
    if (e.what.startsWith('execve(')) {
      if (!firstExec.has(e.pid)) firstExec.set(e.pid, e.t);
      if (e.what.includes('probe-agent') && !agents.includes(e.pid)) agents.push(e.pid);
    }
    if (e.what.startsWith('exit_group(')) exits.set(e.pid, e.t);
  }
  const mainNode = Math.max(...events.filter((e) => e.pid === mainPid && e.what.startsWith('execve(')).map((e) => e.t));
  const agentSpawn = Math.min(...agents.map((p) => firstExec.get(p)));
  // The CLI writes each agent its job ({"targets":…}) once the model has planned them.
  const jobSent = Math.max(...events.filter((e) => e.pid === mainPid && /^write\(\d+, "\{\\"targets/.test(e.what)).map((e) => e.t));
  const collectors = [...firstExec.keys()].filter((p) => p !== mainPid && !agents.includes(p) && firstExec.get(p) < jobSent);
  const collectStart = Math.min(...collectors.map((p) => firstExec.get(p)));
  const collectEnd = Math.max(...collectors.map((p) => exits.get(p) ?? firstExec.get(p)));
  const perAgent = agents.map((p) => {
    const connects = events.filter((e) => e.pid === p && e.what.startsWith('connect(') && e.what.includes('sin_port='));
    const gw = connects.filter((e) => e.what.includes(`htons(${GATEWAY_PORT})`));
    // The agent reads stdin only once something is there: its first read is the job, when the
    // agent was waiting for it, or the moment the agent got ready, when the job was there first.
    const jobRead = events.find((e) => e.pid === p && e.what.startsWith('read(0,'))?.t ?? jobSent;
    return {
      zone: zoneOf[/"netns", "exec", "([^"]+)"/.exec(events.find((e) => e.pid === p && e.what.includes('probe-agent')).what)?.[1]],
      spawn: firstExec.get(p) - t0,
      jobReadAfterSent: jobRead - jobSent,
      jobToConnect: connects[0].t - jobRead,
      probing: exits.get(p) - connects[0].t,
      gatewayConnects: gw.length,
      gatewaySpan: gw.length ? gw[gw.length - 1].t - gw[0].t : 0,
      exit: exits.get(p) - t0,
    };
  });
  const lastAgentExit = Math.max(...agents.map((p) => exits.get(p)));
  const firstConnect = Math.min(...agents.map((p) => events.find((e) => e.pid === p && e.what.startsWith('connect(') && e.what.includes('sin_port=')).t));
  return {
    total: exits.get(mainPid) - t0,
    nodeExec: mainNode - t0,
    startup: agentSpawn - t0,
    agentSpawn: agentSpawn - t0,
    collectStart: collectStart - t0,
    collect: collectEnd - collectStart,
    collectors: collectors.length,
    model: jobSent - collectEnd,
    jobSent: jobSent - t0,
    agentLate: Math.max(...perAgent.map((a) => a.jobReadAfterSent)),
    handover: Math.max(...perAgent.map((a) => a.jobReadAfterSent + a.jobToConnect)),
    firstConnect: firstConnect - t0,
    probing: Math.max(...perAgent.map((a) => a.probing)),
    agentsDone: lastAgentExit - agentSpawn,
    after: exits.get(mainPid) - lastAgentExit,
    agents: perAgent,
  };
}
const traceFiles = readdirSync(traceDir)
  .map((f) => join(traceDir, f))
  .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
  .slice(warmup);
const traces = traceFiles.map(timeline);
const phase = (k) => median(traces.map((t) => t[k]));
const tl = Object.fromEntries(
  [
    'total',
    'nodeExec',
    'startup',
    'agentSpawn',
    'collectStart',
    'collect',
    'model',
    'jobSent',
    'agentLate',
    'handover',
    'firstConnect',
    'probing',
    'agentsDone',
    'after',
  ].map((k) => [k, phase(k)]),
);
tl.gatewaySpan = median(traces.flatMap((t) => t.agents.map((a) => a.gatewaySpan)));
tl.gatewayConnects = median(traces.flatMap((t) => t.agents.map((a) => a.gatewayConnects)));
log(
  `timeline (medians of ${traces.length} traced runs): start-up ${fmt(tl.startup)}, collect ${fmt(tl.collect)}, model ${fmt(tl.model)}, job to first connect ${fmt(tl.handover)} (agents late by ${fmt(tl.agentLate)}), probing ${fmt(tl.probing)}, after ${fmt(tl.after)}; total ${fmt(tl.total)}`,
);

// 6c. The fingerprint alone, in process, from the internet zone (warm: the first call is left out).
log('fingerprint round trips, in process, from INET');
const fingerprintCost = {};
for (const [label, port] of [
  ['OpenClaw gateway', GATEWAY_PORT],
  ['HTTP listener', 80],
  ['listener that closes at once', 443],
  ['SSH banner', 22],
]) {
  const out = JSON.parse(sh('ip', ['netns', 'exec', A, node, fingerprintTime, '198.51.100.10', String(port), '7'], { env }));
  fingerprintCost[label] = { port, median: median(out.times), min: Math.min(...out.times), exchanges: out.exchanges, detected: out.detected, auth: out.auth };
}

// 6d. The predictions alone, in process (bench/lib/predict-time.mjs), with H's snapshot as
// collected, and with 500 routes more: what each result costs, and the route look-up in it.
log("predictions, in process, with H's routes and with 500 more");
const internetSource = reachOut.zones.find((z) => z.interface === 'eth0')?.source?.[4] ?? '198.51.100.20';
const predictCost = [0, 500].map((extra) => ({
  extra,
  ...JSON.parse(sh(node, [predictTime, join(work, 'collect.json'), internetSource, String(extra), '9'], { env })),
}));

// 6e. CPU profiles (sampled every 100 µs): the CLI in H (its agents are not profiled: node 20
// refuses --cpu-prof in NODE_OPTIONS) and the agent alone with the internet zone's job. Bundled
// (what users run: start-up costs) and unbundled (tsc output: names the src/ files).
log(`profiles (node --cpu-prof, ${PROFILE_RUNS} runs each)`);
function merged(summaries) {
  const by = new Map();
  for (const sum of summaries) {
    for (const f of sum.functions) {
      const k = `${f.name}\t${f.file}`;
      const m = by.get(k) ?? { name: f.name, file: f.file, selfMs: 0, totalMs: 0 };
      m.selfMs += f.selfMs / summaries.length;
      m.totalMs += f.totalMs / summaries.length;
      by.set(k, m);
    }
  }
  const totalMs = summaries.reduce((a, x) => a + x.totalMs, 0) / summaries.length;
  return { totalMs, functions: [...by.values()].sort((a, b) => b.selfMs - a.selfMs) };
}
/** `bundled`: what users run (start-up costs); else the tsc output, whose profiles name the src/ files. */
function profile(kind, bundled) {
  const all = [];
  for (let k = 0; k < PROFILE_RUNS; k++) {
    const dir = join(work, `prof-${kind}-${bundled ? 'bundle' : 'tsc'}-${k}`);
    const prof = `--cpu-prof --cpu-prof-interval 100 --cpu-prof-dir ${dir}`;
    const script =
      kind === 'cli'
        ? `ip netns exec ${H} ${node} ${prof} ${bundled ? cli : cliUnbundled} probe --netns ${A} --netns ${B} --json >/dev/null`
        : `ip netns exec ${A} ${node} ${prof} ${(bundled ? agentCmd : agentCmdUnbundled).join(' ')} < ${jobA} >/dev/null`;
    execFileSync('sh', ['-c', script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    all.push(summariseProfile(join(dir, readdirSync(dir)[0]), `${resolve(dist, '..')}/`));
  }
  return merged(all);
}
const r1 = (x) => Math.round(x * 10) / 10;
const totalOf = (s, name, file) => s.functions.filter((f) => f.name === name && (!file || f.file === file)).reduce((a, f) => a + f.totalMs, 0);
const selfOf = (s, names) => s.functions.filter((f) => names.includes(f.name)).reduce((a, f) => a + f.selfMs, 0);
const COMPILE = ['compileSourceTextModule', 'compileForInternalLoader', 'compileFunction', 'wrapSafe'];
const top = (s, n = 8) => s.functions.slice(0, n).map((f) => ({ name: f.name, file: f.file, selfMs: r1(f.selfMs), totalMs: r1(f.totalMs) }));
/** Inclusive time of named src/ functions (unbundled profile). */
const named = (s, list) => list.map(([name, file, label]) => ({ name, file, label, totalMs: r1(totalOf(s, name, file)) }));
const cliBundle = profile('cli', true);
const agentBundle = profile('agent', true);
const cliTsc = profile('cli', false);
const agentTsc = profile('agent', false);
const profiles = {
  cli: {
    busyMs: r1(cliBundle.totalMs),
    compileMs: r1(selfOf(cliBundle, COMPILE)),
    gcMs: r1(selfOf(cliBundle, ['(garbage collector)'])),
    collectMs: r1(totalOf(cliBundle, 'collectSnapshot')),
    buildContextMs: r1(totalOf(cliBundle, 'buildContext')),
    runProbeMs: r1(totalOf(cliBundle, 'runProbe')),
    spawnMs: r1(totalOf(cliBundle, 'spawn', 'node:child_process')),
    top: top(cliBundle),
    probeFunctions: named(cliTsc, [
      ['runProbe', 'src/probe/run.ts', 'runProbe, all of it'],
      ['planTargets', 'src/probe/targets.ts', 'planning the targets'],
      ['predictor', 'src/probe/predict.ts', "the predictor's set-up (zones, simulator; while the agents probe)"],
      ['(anonymous)', 'src/probe/predict.ts', 'the predictions with their route look-ups, one per result'],
      ['toResult', 'src/probe/run.ts', 'building the results'],
      ['startNetnsAgent', 'src/probe/vantage/netns.ts', 'spawning the agents'],
      ['run', 'src/probe/vantage/netns.ts', 'handing them their jobs, reading their lines'],
    ]),
  },
  agent: {
    busyMs: r1(agentBundle.totalMs),
    compileMs: r1(selfOf(agentBundle, COMPILE)),
    gcMs: r1(selfOf(agentBundle, ['(garbage collector)'])),
    probeFromHereMs: r1(totalOf(agentBundle, 'probeFromHere')),
    top: top(agentBundle),
    probeFunctions: named(agentTsc, [
      ['probeFromHere', 'src/probe/vantage/local.ts', 'probeFromHere, all of it'],
      ['probeConnect', 'src/probe/connect.ts', 'the connects (adaptive waits, retries)'],
      ['sourceTowards', 'src/probe/vantage/local.ts', 'source address look-ups'],
      ['fingerprint', 'src/probe/fingerprint.ts', 'fingerprints'],
      ['httpGet', 'src/probe/http-get.ts', 'of which the GETs'],
      ['connectOnce', 'src/probe/gateway-ws.ts', 'of which the WebSocket exchanges'],
    ]),
  },
};

// ------------------------------------------------------------------------------------------------
// 7. The answers again, after all the runs (the gateway must still answer the same), then clean up

const after = check('after');
log('lab: stopping the gateway, removing namespaces');
await gateway.stop();
lab.destroy();

// ------------------------------------------------------------------------------------------------
// 8. Results

const date = new Date().toISOString().slice(0, 10);
const load = loadavg()[0].toFixed(1);
const nproc = Number(sh('nproc', []).trim());
const ratio = (x) => theirs.median / x.median;
const bestRatio = (x) => theirs.min / x.min;
const faster = (r) => (r >= 1 ? `clawmoat **${r.toFixed(2)}×** as fast as nmap` : `nmap **${(1 / r).toFixed(2)}×** as fast as clawmoat`);
const met = (x) => (ratio(x) >= 1 ? 'met' : 'missed');
const targetsPerZone = before.default.report.results.length / 2;
const answers = (c) => `${c.agree}/${c.total}`;
const VARIANTS = ['default', 'matched', 'fixed'];
const checks = [before, after].flatMap((c) => VARIANTS.map((v) => c[v]));
const allAgree = checks.every((c) => c.differences.length === 0);
const g0 = before.default.gateway[0];
const fpSame = checks.every((c) => c.gateway.every((g) => g.detected && g.version === g0.version && g.auth === g0.auth));
const obs = before.default.observed;
const mismatches = [...new Set(checks.flatMap((c) => c.mismatches))];
const overhead = median(traces.map((t) => t.total - t.probing));
const w = before.default.waits;
const waitText = (x) => (x.timeoutMs.length ? `${x.attempts.join(' or ')} connect(s) of ${x.timeoutMs.join(' or ')} ms` : 'no silent port');

const lines = [
  `Measured ${date}, ${code.what}, on this machine (shared, ${nproc} CPUs, other work running: load average ${load} at the end; hyperfine, ${runs} runs after ${warmup} warm-ups, in rounds of 2 so that every command meets the same bursts of load; \`npm run bench:probe\`, ${Math.round((Date.now() - started) / 60000)} min). Times are median / best run.`,
  '',
  `**The lab**: host namespace H with eth0 198.51.100.10/24 (internet: default route) and eth1 192.168.1.10/24 (LAN), ${LISTENERS.length} plain listeners and a real OpenClaw ${gateway.version} gateway (\`--bind lan\`, token auth) on ${GATEWAY_PORT}; ${LISTENERS.filter((l) => l.host === '127.0.0.1').length} listeners on 127.0.0.1, one on each address alone, iptables in H DROPping 3306 and 11211 from everywhere and 5432 and 9100 from the internet, REJECTing 25 from the internet. Clients in two namespaces on veth links, INET and LAN. clawmoat probes ${ports.length} ports × ${addresses.length} addresses = ${targetsPerZone} targets from each zone (${Object.entries(
    obs,
  )
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')}, both zones together) and fingerprints every open one; nmap scans the same ports on the same addresses.`,
  '',
  '| command | median | min | max |',
  '|---|---:|---:|---:|',
  ...race.map((r) => `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} |`),
  '',
  `\`${ours.command}\` (run in H) against \`${theirs.command}\`. nmap waits **${Object.entries(nmapWait)
    .map(([z, x]) => `${fmt(x)} (${z})`)
    .join(
      ', ',
    )}** before it calls a port filtered (from its first probe of one to the end of its scan, \`--packet-trace\`, median of ${WAIT_ROUNDS}; ${median(Object.values(probesPerFiltered).flat())} probes per filtered port), hence the matched \`--timeout ${matched}\`. \`--timeout\` is the upper bound of clawmoat's wait: once other ports on the same address have answered, a silent port gets ${waitText(w)} (in the default run's results: "${w.detail}"; the last silent port was given up ${fmt(w.totalMs)} after its first connect), with \`--timeout ${matched}\` ${waitText(before.matched.waits)}; with \`--no-adaptive-timeout\` ${waitText(before.fixed.waits)}, as before the adaptive wait.`,
  '',
  `Target (at least as fast as nmap): **${met(ours)}** with the default timeout (${faster(ratio(ours))}, ratio of medians; best runs ${faster(bestRatio(ours)).replaceAll('**', '')}), **${met(oursMatched)}** with the matched one (${faster(ratio(oursMatched))}; best runs ${faster(bestRatio(oursMatched)).replaceAll('**', '')}); with the matched wait fixed (\`--no-adaptive-timeout\`, what start-up and the rest cost on top of nmap's own wait) ${faster(ratio(oursFixed)).replaceAll('**', '')} (best runs ${faster(bestRatio(oursFixed)).replaceAll('**', '')}).`,
  '',
  `**Same answers**: clawmoat's open / refused / timeout against nmap's open / closed / filtered, target by target from each zone: **${answers(before.default)}** (default timeout), **${answers(before.matched)}** (matched) and **${answers(before.fixed)}** (matched, fixed) before the timed runs, ${answers(after.default)}, ${answers(after.matched)} and ${answers(after.fixed)} after them${allAgree ? '' : `; differences: ${[...new Set(checks.flatMap((c) => c.differences))].join('; ')}`}. clawmoat's own check against the reach model: ${mismatches.length === 0 ? 'no mismatch' : `mismatches: ${mismatches.join('; ')}`}. **Plus the fingerprint**, which nmap -sT does not give: the gateway was recognised from both zones on both addresses in every check run: ${g0.product} **${g0.version}**, protocol ${g0.protocol}, auth **${g0.auth}**${fpSame ? '' : ' (but not the same in every run: see probe.json)'} (${g0.evidence.length} exchanges: ${g0.evidence.join('; ')}).`,
  '',
  `**Where clawmoat's time goes**: a timeline of the ${traces.length} traced runs of the race (default \`--timeout\` under strace, which stops the processes only at execve, connect, read, write and exit; medians; ${fmt(tl.total)} traced against ${fmt(ours.median)} untraced in the same rounds):`,
  '',
  '| phase | time | measured from → to |',
  '|---|---:|---|',
  `| start-up of the CLI in H | ${fmt(tl.startup)} | \`ip netns exec H node …\` → the namespace agents are spawned, the probe command's first act |`,
  `| collecting H's snapshot | ${fmt(tl.collect)} | first → last collector command (${median(traces.map((t) => t.collectors))} commands, from ${fmt(tl.collectStart)}) |`,
  `| model (buildContext, targets) | ${fmt(tl.model)} | last collector → the targets are written to the agents (at ${fmt(tl.jobSent)}) |`,
  `| the agents' start-up (spawned at ${fmt(tl.agentSpawn)}, in parallel with the two rows above) | hidden when 0 ms: ${fmt(tl.agentLate)} | the job written → read by the agent (slower agent; an agent not yet ready reads it late) |`,
  `| the job → the first connects | ${fmt(tl.handover)} | the job written → the agent's first connect (slower agent) |`,
  `| probing (connects, waits, retries, fingerprints) | ${fmt(tl.probing)} | first connect → agent exit (slower agent); the gateway's ${tl.gatewayConnects} fingerprint connections span ${fmt(tl.gatewaySpan)} |`,
  `| predictions, report, exit | ${fmt(tl.after)} | last agent exit → exit (the predictor was set up while the agents probed) |`,
  '',
  `Everything but the probing itself — ${fmt(overhead)} a run — is what clawmoat costs beyond waiting on the network; nmap's own fixed cost (one open port) is ${fmt(parts[5].median)}.`,
  '',
  'Each part alone (same hyperfine rounds):',
  '',
  '| part | median | min |',
  '|---|---:|---:|',
  ...parts.map((r) => `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)} |`),
  '',
  `Collectors in H (parallel, the snapshot's \`timings\`): ${Object.entries(collectTimings)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ')}, …. The fingerprint in process, warm, from INET (median / best of 7): ${Object.entries(fingerprintCost)
    .map(([k, v]) => `${k} ${fmt(v.median)} / ${fmt(v.min)} (${v.exchanges} exchanges)`)
    .join(', ')}.`,
  '',
  `**Predictions** (in process, bench/lib/predict-time.mjs, median of 9 rounds over the ${predictCost[0].targets} targets from INET's source): ${predictCost.map((p) => `with ${p.routes} routes${p.extra ? ` (${p.extra} /26 routes added)` : " (H's own)"}, ${p.perPredictionUs} µs a result, ${p.ingressForUs} µs of them the route look-up alone (ruleset left out)`).join('; ')}; set-up ${fmt(predictCost[0].setupMs)}.`,
  '',
  `**CPU** (\`node --cpu-prof\`, mean of ${PROFILE_RUNS} profiled runs): the CLI in H is busy ${fmt(profiles.cli.busyMs)} of its run — compiling code ${fmt(profiles.cli.compileMs)}, collecting ${fmt(profiles.cli.collectMs)}, buildContext ${fmt(profiles.cli.buildContextMs)}, runProbe ${fmt(profiles.cli.runProbeMs)}, spawning processes ${fmt(profiles.cli.spawnMs)}, GC ${fmt(profiles.cli.gcMs)}; an agent is busy ${fmt(profiles.agent.busyMs)} — compiling code ${fmt(profiles.agent.compileMs)}, GC ${fmt(profiles.agent.gcMs)}, probeFromHere ${fmt(profiles.agent.probeFromHereMs)}. In src/probe/ (unbundled build, inclusive): ${profiles.cli.probeFunctions.map((f) => `${f.label} ${f.totalMs.toFixed(1)} ms`).join(', ')}; in the agent: ${profiles.agent.probeFunctions.map((f) => `${f.label} ${f.totalMs.toFixed(1)} ms`).join(', ')}.`,
  '',
];
const table = lines.join('\n');

const strip = (c) =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v && typeof v === 'object' && 'report' in v ? (({ report, ...rest }) => rest)(v) : v]));
const results = {
  date,
  machine: { loadavg: loadavg(), node: process.version, nproc },
  code,
  runs,
  warmup,
  lab: {
    listeners: LISTENERS,
    gateway: { port: GATEWAY_PORT, version: gateway.version, readyMs: gateway.readyMs },
    iptables: RULES_V4,
    ports,
    addresses,
    targetsPerZone,
  },
  nmap: { argv: nmapArgv, waitMs: nmapWait, waitRounds: waits, probesPerFiltered },
  matchedTimeoutMs: matched,
  race: race.map((r) => ({ ...r, ratioNmapOverThis: theirs.median / r.median, bestRatioNmapOverThis: theirs.min / r.min })),
  target: { default: met(ours), matched: met(oursMatched), fixed: met(oursFixed) },
  checks: { before: strip(before), after: strip(after) },
  reports: { default: before.default.report, matched: before.matched.report, fixed: before.fixed.report },
  timeline: { medians: tl, runs: traces },
  parts,
  collectTimings,
  fingerprintCost,
  predictCost,
  profiles,
  durationS: Math.round((Date.now() - started) / 1000),
};
writeFileSync(join(root, 'bench/results/probe.json'), `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(join(root, 'bench/results/probe.md'), table);
if (writeReadme) {
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const marked = /(<!-- bench:probe -->\n)[\s\S]*?(<!-- \/bench:probe -->)/;
  if (marked.test(readme)) writeFileSync(readmePath, readme.replace(marked, `$1${table}$2`));
  else console.warn('bench: README.md has no <!-- bench:probe --> markers; not updated');
}
console.log(`\n${table}`);
log(`done in ${results.durationS} s`);
