#!/usr/bin/env node
// The collection script's cost over the programs it runs, inside a scratch
// network namespace of this bench's own holding a realistic ruleset (generated iptables rules,
// loaded with iptables-restore; 2,000 and 20,000 rules), the script printed by `clawmoat collect --print-script` under dash
// and under busybox sh, against the dump commands it runs (the same argv, one after another, under
// dash, output discarded), the three interleaved run by run. Target (issue 16): the script under
// 1.5x the dumps. The machine is shared and noisy: the ratio is the result, not the milliseconds.
// Beside the wall time: the CPU time of each command (its processes' user + system, from the
// `times` of bash, which reads getrusage to the millisecond where dash's counts 10 ms ticks) and
// how many programs the script starts (strace, when installed).
//
//   sudo node bench/collect-script.mjs [--runs 15] [--rules 2000,20000] [--before OLD/dist]
//
// --before: an earlier build's script (OLD/dist/collect/script/generate.js), run in the same
// interleaved rounds, so before and after share the machine's mood.
//
// Needs: root (ip netns), dash, busybox, bash, `npm run build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIptables } from './lib/rulesets.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('--runs', 15);
const rulesIndex = process.argv.indexOf('--rules');
const sizes = (rulesIndex > 0 ? process.argv[rulesIndex + 1] : '2000,20000').split(',').map(Number);
if (process.getuid?.() !== 0) {
  console.error('bench: run as root (the script runs in a network namespace this bench creates)');
  process.exit(2);
}
const { ALL_READS, generateScript, shQuote } = await import(join(root, 'dist/collect/script/generate.js'));
const beforeIndex = process.argv.indexOf('--before');
const beforeDist = beforeIndex > 0 ? resolve(process.argv[beforeIndex + 1]) : undefined;
const before = beforeDist ? await import(join(beforeDist, 'collect/script/generate.js')) : undefined;
const hasStrace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const rows = [];
let commands = [];
for (const rules of sizes) rows.push(...measure(rules));
const processes = execFileSync('sh', ['-c', 'ls -d /proc/[0-9]* | wc -l']).toString().trim();
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} (${runs} runs each, 2 warm-up, interleaved; medians), in a scratch namespace holding generated iptables rules (v4 and v6), ${processes} processes on the machine; ratios to the dump commands run alone on the same ruleset. CPU: the processes' user + system time (getrusage, 1 ms); programs: how many the command starts (execve, dumps included${hasStrace ? '' : '; strace not installed'}):`,
  '',
  '| rules | command | wall | × the dumps | CPU | × the dumps | programs |',
  '|---:|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.rules} | ${r.name} | ${r.median.toFixed(0)} ms | ${r.ratio.toFixed(2)} | ${r.cpu.toFixed(0)} ms | ${r.cpuRatio.toFixed(2)} | ${r.programs ?? '–'} |`,
  ),
  '',
  `Target: under 1.5×. The dumps: ${commands.map((a) => `\`${a.join(' ')}\``).join(', ')}.`,
  '',
];
writeFileSync(join(root, 'bench/results/collect-script.md'), lines.join('\n'));
process.stdout.write(`\n${lines.join('\n')}`);

function measure(rules) {
  const ns = `clawmoat-bench-collect-${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'clawmoat-collect-bench-'));
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const g = generateIptables({ rules });
    execFileSync('ip', ['netns', 'exec', ns, 'iptables-restore'], { input: g.v4 });
    execFileSync('ip', ['netns', 'exec', ns, 'ip6tables-restore'], { input: g.v6 });

    const script = join(work, 'collect.sh');
    writeFileSync(script, generateScript());
    const beforeScript = join(work, 'collect-before.sh');
    if (before) writeFileSync(beforeScript, before.generateScript());
    // The dumps: every command the declarations name, plus the sshd round's `sshd -T`, as the script runs them.
    commands = [...ALL_READS.flatMap((r) => r.commands ?? []).map((c) => c.argv), ['sshd', '-T']];
    const dumps = join(work, 'dumps.sh');
    writeFileSync(
      dumps,
      [
        'PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin"; LC_ALL=C; export PATH LC_ALL',
        ...commands.map((argv) => `${argv.map(shQuote).join(' ')} > /dev/null 2>&1 < /dev/null`),
        // Some fail here (no tailscale, sshd -T without /run/sshd): what counts is their time.
        'exit 0',
        '',
      ].join('\n'),
    );
    const out = join(work, 'out');
    // bash's `times` after the command: the CPU its processes used (the second line: children's
    // user and system), to the millisecond (dash's `times` counts 10 ms ticks, coarser than the
    // differences measured here). The wrapper itself is not counted: only its children are.
    const inNs = (cmd) => `ip netns exec ${ns} bash -c ${shQuote(`${cmd} > ${out}; times >&2`)}`;
    const measured = [
      ['the dump commands alone (dash)', `dash ${dumps}`],
      ['collection script (dash)', `dash ${script}`],
      ['collection script (busybox sh)', `busybox sh ${script}`],
      ...(before
        ? [
            ['collection script, before (dash)', `dash ${beforeScript}`],
            ['collection script, before (busybox sh)', `busybox sh ${beforeScript}`],
          ]
        : []),
    ];
    // Interleaved (dumps, dash, busybox, dumps, ...): on a shared machine a noisy minute then weighs
    // on all three alike, where running one command's runs after another's would pin it on one.
    const times = measured.map(() => []);
    const cpus = measured.map(() => []);
    for (let run = -2; run < runs; run++) {
      measured.forEach(([, cmd], i) => {
        const started = process.hrtime.bigint();
        const { stderr } = spawnSync('sh', ['-c', inNs(cmd)], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
        if (run < 0) return;
        times[i].push(Number(process.hrtime.bigint() - started) / 1e6);
        cpus[i].push(childrenCpu(stderr));
      });
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const medians = times.map(median);
    const cpu = cpus.map(median);
    return measured.map(([name, cmd], i) => ({
      rules,
      name,
      median: medians[i],
      ratio: medians[i] / medians[0],
      cpu: cpu[i],
      cpuRatio: cpu[i] / cpu[0],
      programs: programsStarted(ns, cmd),
    }));
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      // Already gone.
    }
    rmSync(work, { recursive: true, force: true });
  }
}

/** The children's CPU time from bash's `times` (its last line, "0m0.123s 0m0.045s"), in ms. */
function childrenCpu(stderr) {
  const line = stderr.trim().split('\n').pop() ?? '';
  const spans = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return spans.length === 2 ? spans[0] + spans[1] : NaN;
}

/** How many programs a command starts (successful execve, its own included), or undefined without strace. */
function programsStarted(ns, cmd) {
  if (!hasStrace) return undefined;
  const { stderr } = spawnSync(
    'ip',
    ['netns', 'exec', ns, 'strace', '-f', '-qq', '-z', '-e', 'trace=execve', '-e', 'signal=none', 'sh', '-c', `${cmd} > /dev/null 2>&1`],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  // The sh -c wrapper is one of them.
  return stderr.split('\n').filter((l) => l.includes('execve(')).length - 1;
}
