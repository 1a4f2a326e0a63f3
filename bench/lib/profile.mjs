// Summarise a V8 .cpuprofile (node --cpu-prof): where the time went, by function, with dist/
// paths mapped back to their src/ files. Self time = samples in the function itself; total =
// samples with the function anywhere on the stack.
import { readFileSync } from 'node:fs';

const IGNORED = new Set(['(idle)', '(program)']);

function where(frame, root) {
  let url = frame.url.replace(/^file:\/\//, '');
  if (url.startsWith(root)) url = url.slice(root.length);
  url = url.replace(/^dist\/(.*)\.js$/, 'src/$1.ts');
  return url;
}

/**
 * `{ totalMs, functions: [{ name, file, selfMs, selfPct, totalMs, totalPct }] }`, busiest
 * self time first; percentages are of the profile's non-idle time, or, with `within` (function
 * names), only of samples taken while one of those functions was on the stack.
 */
export function summariseProfile(file, root, within) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const perNode = new Map();
  for (let i = 0; i < prof.samples.length; i++) perNode.set(prof.samples[i], (perNode.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const self = new Map();
  const total = new Map();
  let busy = 0;
  const keyOf = (n) => `${n.callFrame.functionName || '(anonymous)'}\t${where(n.callFrame, root)}`;
  const inside = (id) => {
    for (let x = id; x !== undefined; x = parent.get(x)) if (within.includes(byId.get(x).callFrame.functionName)) return true;
    return false;
  };
  for (const [id, us] of perNode) {
    const node = byId.get(id);
    if (IGNORED.has(node.callFrame.functionName)) continue;
    if (within && !inside(id)) continue;
    busy += us;
    const k = keyOf(node);
    self.set(k, (self.get(k) ?? 0) + us);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const kk = keyOf(byId.get(x));
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + us);
    }
  }
  const functions = [...total.keys()].map((k) => {
    const [name, file] = k.split('\t');
    const s = self.get(k) ?? 0;
    const t = total.get(k) ?? 0;
    return { name, file, selfMs: s / 1000, selfPct: (100 * s) / busy, totalMs: t / 1000, totalPct: (100 * t) / busy };
  });
  functions.sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: busy / 1000, functions };
}
