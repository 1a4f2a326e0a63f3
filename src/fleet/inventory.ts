import { posix } from 'node:path';

/**
 * The name a fleet knows a host by: its inventory name, the file it was read from (`collect --via`
 * writes `HOST.json` for each inventory host), never the hostname its snapshot declares. A host
 * chooses what it declares, so a declared name could take another host's Prometheus series or
 * baseline; a file name is the operator's. Pure.
 */

/** `dir/web.json` → `web` (and `web.out`, a raw collection output, → `web`). */
function stem(file: string): string {
  return posix.basename(file).replace(/\.(json|out)$/, '') || file;
}

/**
 * Each file's name, unique by construction: the stem when no other file has it, else the path
 * without `.json` or `.out`, else the path itself; a file given twice gets `#2`, `#3`. Every name is
 * checked against every final name, so no rename can land on another host's name.
 */
export function inventoryNames(files: readonly string[]): string[] {
  const count = (names: readonly string[]) => names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const stems = files.map(stem);
  const stemCount = count(stems);
  let names = files.map((f, i) => (stemCount.get(stems[i]!)! === 1 ? stems[i]! : f.replace(/\.(json|out)$/, '')));
  const nameCount = count(names);
  names = names.map((n, i) => (nameCount.get(n)! === 1 ? n : files[i]!));
  const taken = new Set<string>();
  return names.map((n) => {
    let name = n;
    for (let k = 2; taken.has(name); k++) name = `${n}#${k}`;
    taken.add(name);
    return name;
  });
}
