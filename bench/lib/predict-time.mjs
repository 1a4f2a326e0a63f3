#!/usr/bin/env node
// The in-process cost of clawmoat probe's predictions (src/probe/predict.ts: the reach model's
// answer for each result), with the built modules (dist/; CLAWMOAT_BENCH_DIST names another build).
//
//   node bench/lib/predict-time.mjs SNAPSHOT SOURCE EXTRA_ROUTES ROUNDS
//     → one JSON line: { routes, addresses, targets, setupMs, perPredictionUs, ingressForUs }
//
// Each round predicts every planned target once from a client at SOURCE, as `clawmoat probe`
// does per vantage point; EXTRA_ROUTES adds that many /26 routes to the snapshot (a Kubernetes
// node with a route per pod block, say) to show how the cost grows with the routing table.
// ingressForUs is the same work without the simulator: predictions with the ruleset unknown.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const dist = process.env.CLAWMOAT_BENCH_DIST ? pathToFileURL(`${process.env.CLAWMOAT_BENCH_DIST}/`) : new URL('../../dist/', import.meta.url);
const [{ buildContext }, { predictor }, { planTargets }] = await Promise.all(
  ['model/context.js', 'probe/predict.js', 'probe/targets.js'].map((m) => import(new URL(m, dist).href)),
);
const [file, source, extraText, roundsText] = process.argv.slice(2);
const snapshot = JSON.parse(readFileSync(file, 'utf8'));
const extra = Number(extraText ?? 0);
const rounds = Number(roundsText ?? 5);
const dev = snapshot.network.interfaces.data.find((i) => i.name !== 'lo')?.name ?? 'eth0';
for (let k = 0; k < extra; k++) snapshot.network.routes.data.push({ family: 4, dst: `10.${(k >> 2) & 255}.${(k & 3) * 64}.0/26`, dev, table: 'main' });
const plan = planTargets(snapshot);

function measure(snap) {
  const t0 = performance.now();
  const predict = predictor(buildContext(snap));
  const setupMs = performance.now() - t0;
  predict(plan.targets[0].address, plan.targets[0].port, { kind: 'client', source }); // warm
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (const target of plan.targets) predict(target.address, target.port, { kind: 'client', source });
    times.push(((performance.now() - t) * 1000) / plan.targets.length);
  }
  times.sort((a, b) => a - b);
  return { setupMs, us: times[Math.floor(times.length / 2)] };
}
const full = measure(snapshot);
// Without a readable ruleset the predictor stops right after ingressFor: what is left is the route look-up.
const blind = structuredClone(snapshot);
for (const k of ['iptablesSave', 'ip6tablesSave', 'nftRuleset', 'iptablesLegacySave', 'ip6tablesLegacySave'])
  if (blind.netfilter[k]) blind.netfilter[k] = { status: 'error', reason: 'failed', detail: 'left out by predict-time.mjs' };
const routeOnly = measure(blind);
console.log(
  JSON.stringify({
    routes: snapshot.network.routes.data.length,
    addresses: snapshot.network.interfaces.data.reduce((n, i) => n + i.addresses.length, 0),
    targets: plan.targets.length,
    setupMs: Math.round(full.setupMs * 10) / 10,
    perPredictionUs: Math.round(full.us),
    ingressForUs: Math.round(routeOnly.us),
  }),
);
