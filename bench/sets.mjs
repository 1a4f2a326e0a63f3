#!/usr/bin/env node
// Verdict maps and sets are looked up, not scanned (issue 15): the cost of one packet walk through
//  - a concatenated verdict map `ip saddr . tcp dport vmap @v` of 1k, 10k and 100k elements,
//  - an interval set `ip saddr @block drop` of 1k, 10k and 100k disjoint ranges,
// and what the paths through translations (every DNAT/REDIRECT landing on a listener, issue 15)
// add to the whole matrix of the generated 10k and 100k iptables rulesets of bench/reach.mjs,
// against another build (CLAWMOAT_BENCH_BASE=DIR: its dist/, e.g. /work/main/dist).
// In process, with the built modules (npm run build); no root needed. Results: bench/results/sets.md.
//
//   node bench/sets.mjs [--walks 2000]
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { generateIptables, LISTENERS } from './lib/rulesets.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const walks = Number(arg('--walks', '2000'));
const dist = pathToFileURL(`${join(root, 'dist')}/`);
const base = process.env.CLAWMOAT_BENCH_BASE ? pathToFileURL(`${resolve(process.env.CLAWMOAT_BENCH_BASE)}/`) : undefined;
// The snapshot builders are test data (test/fixtures/builders): bundled here once, not shipped in dist/.
const builders = join(mkdtempSync(join(tmpdir(), 'clawmoat-bench-sets-')), 'snapshot-builders.mjs');
await build({
  entryPoints: [join(root, 'test/fixtures/builders/snapshot.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: builders,
  logLevel: 'error',
});
const fixtures = await import(pathToFileURL(builders).href);
const load = async (d) => ({
  ...(await import(new URL('netfilter/nft-json/parse.js', d).href)),
  ...(await import(new URL('netfilter/simulate/index.js', d).href)),
  ...(await import(new URL('model/context.js', d).href)),
  ...fixtures,
});
const m = await load(dist);

const HOST = {
  addresses: [
    { iface: 'lo', address: '127.0.0.1', prefixlen: 8, family: 4 },
    { iface: 'eth0', address: '198.51.100.10', prefixlen: 24, family: 4 },
    { iface: 'eth1', address: '192.168.1.10', prefixlen: 24, family: 4 },
  ],
  routes: [{ family: 4, dst: 'default', gateway: '198.51.100.1', dev: 'eth0' }],
  sysctl: { 'net.ipv4.ip_forward': '1' },
};
const ip4 = (n) => `${10 + ((n >>> 24) & 0x7f)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const doc = (sets, rules) => ({
  nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { table: { family: 'inet', name: 't' } },
    ...sets.map((s) => ({ [s.kind]: { family: 'inet', table: 't', ...s.body } })),
    { chain: { family: 'inet', table: 't', name: 'input', type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
    ...rules.map((expr) => ({ rule: { family: 'inet', table: 't', chain: 'input', expr } })),
  ],
});
const saddr = { payload: { protocol: 'ip', field: 'saddr' } };
const dport = { payload: { protocol: 'tcp', field: 'dport' } };

function vmapRuleset(n) {
  const elem = Array.from({ length: n }, (_, i) => [{ concat: [ip4(i * 7 + 1), 1000 + (i % 50000)] }, { accept: null }]);
  return doc(
    [{ kind: 'map', body: { name: 'v', type: ['ipv4_addr', 'inet_service'], map: 'verdict', elem } }],
    [[{ vmap: { key: { concat: [saddr, dport] }, data: '@v' } }]],
  );
}
function intervalRuleset(n) {
  // Disjoint ranges of 4 addresses, 16 apart.
  const elem = Array.from({ length: n }, (_, i) => ({ range: [ip4(i * 16), ip4(i * 16 + 3)] }));
  return doc(
    [{ kind: 'set', body: { name: 'block', type: 'ipv4_addr', flags: ['interval'], elem } }],
    [[{ match: { op: '==', left: saddr, right: '@block' } }, { drop: null }], [{ accept: null }]],
  );
}

function time(json, packetOf) {
  const t0 = performance.now();
  const { ruleset } = m.parseNftJson(json);
  const t1 = performance.now();
  const sim = m.prepare(ruleset, HOST);
  const first = performance.now();
  const r0 = sim.simulate(packetOf(0));
  const t2 = performance.now();
  let ok = r0.disposition !== 'unknown';
  for (let i = 1; i <= walks; i++) ok = sim.simulate(packetOf(i)).disposition !== 'unknown' && ok;
  const t3 = performance.now();
  return { parse: t1 - t0, first: t2 - first, walk: (t3 - t2) / walks, ok };
}
const packet = (saddr, port) => ({ family: 'ip', iif: 'eth0', saddr, daddr: '198.51.100.10', protocol: 'tcp', sport: 40000, dport: port });

const rows = [];
for (const n of [1000, 10000, 100000]) {
  const v = time(vmapRuleset(n), (i) => packet(ip4(((i * 2654435761) % n) * 7 + 1), 1000 + (((i * 2654435761) % n) % 50000)));
  rows.push({ what: `\`ip saddr . tcp dport vmap @v\`, hashed elements`, n, ...v });
  const s = time(intervalRuleset(n), (i) => packet(ip4(((i * 2654435761) % (n * 16)) >>> 0), 22));
  rows.push({ what: '`ip saddr @block drop`, interval set (disjoint ranges)', n, ...s });
}

// The matrix of the generated iptables rulesets: this build against the base build.
async function matrixTime(mod, n) {
  const g = generateIptables({ rules: n });
  const snap = mod.compose(
    mod.withInterface('eth1', '192.168.1.10', 24),
    mod.withInterface('tailscale0', '100.101.102.103', 10),
    mod.withIptables(g.v4, g.v6),
    mod.withSockets(...LISTENERS.map((l, i) => mod.tcpListener(l.host, l.port, 100 + i, 'bench'))),
  )(mod.baselineSnapshot());
  const times = [];
  let cells;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    cells = mod.buildContext(structuredClone(snap)).reach().cells;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    median: times[2],
    best: times[0],
    cells: cells.length,
    open: cells.filter((c) => c.verdict === 'open').length,
    translated: cells.filter((c) => c.destinationPort !== undefined).length,
  };
}
const matrices = [];
const b = base ? await load(base) : undefined;
for (const n of [10000, 100000]) {
  const mine = await matrixTime(m, n);
  const theirs = b ? await matrixTime(b, n) : undefined;
  matrices.push({ n, mine, theirs });
}

const f = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`);
let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {}
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)}, commit ${commit}, on this machine (shared, load average ${loadavg()[0].toFixed(1)}); \`node bench/sets.mjs\`, in process with dist/. One packet walk = the whole path of one first packet (prerouting, routing, input) through a ruleset whose input chain holds the map or set; ${walks} walks with packets spread over the elements.`,
  '',
  '| lookup | elements | parse | first walk (builds the index) | per walk after |',
  '|:--|--:|--:|--:|--:|',
  ...rows.map((r) => `| ${r.what} | ${r.n.toLocaleString('en')} | ${f(r.parse)} | ${f(r.first)} | **${f(r.walk)}**${r.ok ? '' : ' (unknown!)'} |`),
  '',
  'The whole matrix with the paths through translations (every DNAT/REDIRECT landing on a listener is tried from the ports it is met on), generated kube-proxy + UFW + Docker rulesets of bench/reach.mjs, in process (buildContext + reach, median of 5 / best):',
  '',
  `| rules | cells | this build | ${b ? `base (${process.env.CLAWMOAT_BENCH_BASE})` : 'base: not given (CLAWMOAT_BENCH_BASE)'} | cells open through a translation |`,
  '|--:|--:|--:|--:|--:|',
  ...matrices.map(
    (x) =>
      `| ${x.n.toLocaleString('en')} | ${x.mine.cells} | ${f(x.mine.median)} / ${f(x.mine.best)} | ${x.theirs ? `${f(x.theirs.median)} / ${f(x.theirs.best)}` : '-'} | ${x.mine.translated} |`,
  ),
  '',
];
writeFileSync(join(root, 'bench/results/sets.md'), `${lines.join('\n')}`);
console.log(lines.join('\n'));
