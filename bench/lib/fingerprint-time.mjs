#!/usr/bin/env node
// The in-process cost of fingerprinting one listener (src/probe/fingerprint.ts: the GETs and
// WebSocket exchanges `clawmoat probe` makes on an open port), with the built modules (dist/;
// CLAWMOAT_BENCH_DIST names another build). bench/probe.mjs runs it inside a client namespace:
//
//   node bench/lib/fingerprint-time.mjs HOST PORT RUNS   → one JSON line: { times, exchanges, detected, version, auth }
//
// The first call (which also compiles the code) is left out of `times`.
import { pathToFileURL } from 'node:url';

const dist = process.env.CLAWMOAT_BENCH_DIST ? pathToFileURL(`${process.env.CLAWMOAT_BENCH_DIST}/`) : new URL('../../dist/', import.meta.url);
const [{ fingerprint }, { directDial }] = await Promise.all([import(new URL('probe/fingerprint.js', dist).href), import(new URL('probe/dial.js', dist).href)]);
const [host, portText, runsText] = process.argv.slice(2);
const port = Number(portText);
const runs = Number(runsText ?? 5);
const times = [];
let last;
for (let i = 0; i <= runs; i++) {
  const t = performance.now();
  last = await fingerprint(directDial(host, port), host, port, { timeoutMs: 2000 });
  if (i > 0) times.push(Math.round((performance.now() - t) * 10) / 10);
}
console.log(
  JSON.stringify({ times, exchanges: last.evidence.length, evidence: last.evidence, detected: last.detected, version: last.version, auth: last.auth }),
);
