#!/usr/bin/env node
// The in-process cost of `clawmoat reach --json --snapshot FILE`, phase by phase, with the
// built modules (dist/, the same code the CLI bundles; CLAWMOAT_BENCH_DIST names another build). One fresh process = one cold run, as
// the CLI pays it; bench/reach.mjs runs this several times and takes medians.
//
//   node bench/lib/model-time.mjs SNAPSHOT   → one JSON line: { load, read, context, reach, json, total, cpu, rules, cells, verdicts }
import { pathToFileURL } from 'node:url';

// CLAWMOAT_BENCH_DIST: another build's dist/ (bench/reach.mjs passes its own).
const dist = process.env.CLAWMOAT_BENCH_DIST ? pathToFileURL(`${process.env.CLAWMOAT_BENCH_DIST}/`) : new URL('../../dist/', import.meta.url);
const t0 = performance.now();
const [{ readSnapshot }, { buildContext }] = await Promise.all([import(new URL('snapshot/io.js', dist).href), import(new URL('model/context.js', dist).href)]);
const t1 = performance.now();
const snapshot = await readSnapshot(process.argv[2]);
const t2 = performance.now();
const cpu0 = process.cpuUsage();
// Everything derived from the snapshot, the netfilter parse (iptables-save, nft JSON) first of all.
const ctx = buildContext(snapshot);
const t3 = performance.now();
const matrix = ctx.reach();
const t4 = performance.now();
// CPU time of the model (all of the process's threads: V8 compiles and collects garbage on helpers).
const cpu = process.cpuUsage(cpu0);
const text = JSON.stringify({ schemaVersion: 1, zones: matrix.zones, cells: matrix.cells, limitations: matrix.limitations }, null, 2);
const t5 = performance.now();
let rules = 0;
for (const table of ctx.netfilter.ruleset.tables) for (const chain of table.chains) rules += chain.rules.length;
const verdicts = {};
for (const c of matrix.cells) verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1;
const ms = (x) => Math.round(x * 10) / 10;
process.stdout.write(
  `${JSON.stringify({ load: ms(t1 - t0), read: ms(t2 - t1), context: ms(t3 - t2), reach: ms(t4 - t3), json: ms(t5 - t4), total: ms(t5 - t1), cpu: ms((cpu.user + cpu.system) / 1000), rules, cells: matrix.cells.length, verdicts, bytes: text.length, parseErrors: ctx.netfilter.errors.length })}\n`,
);
