import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Root's tools live in sbin, which a user's PATH often lacks.
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** PATH with the sbin directories added, for every command the lab runs. */
export function labPath(): string {
  const dirs = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).filter(Boolean);
  return [...dirs, ...SBIN.filter((d) => !dirs.includes(d))].join(delimiter);
}

const cache = new Map<string, string | undefined>();

/** Absolute path of an executable on the lab PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  if (cache.has(name)) return cache.get(name);
  let found: string | undefined;
  for (const dir of labPath().split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {
      // Not here.
    }
  }
  cache.set(name, found);
  return found;
}

/** Like findBinary, but a missing binary is an error naming the package to install. */
export function binary(name: string): string {
  const found = findBinary(name);
  if (!found) throw new Error(`${name} is not installed (see .ci/run for the Debian packages the system tests need)`);
  return found;
}
