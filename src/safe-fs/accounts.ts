import { readFileSync } from 'node:fs';

/**
 * The groups a uid belongs to, from /etc/passwd (its primary group) and /etc/group (its
 * supplementary ones). Both are root-owned, so reading them as root is safe. A bare uid
 * with no account (the lab's hostile user) belongs to no group.
 */

let cache: Map<number, Set<number>> | undefined;

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch {
    return [];
  }
}

function load(): Map<number, Set<number>> {
  const byUid = new Map<number, Set<number>>();
  const names = new Map<string, number>();
  for (const line of readLines('/etc/passwd')) {
    const [name, , uid, gid] = line.split(':');
    if (!name || uid === undefined || gid === undefined) continue;
    names.set(name, Number(uid));
    byUid.set(Number(uid), new Set([Number(gid)]));
  }
  for (const line of readLines('/etc/group')) {
    const [, , gid, members] = line.split(':');
    if (gid === undefined || !members) continue;
    for (const member of members.split(',')) {
      const uid = names.get(member.trim());
      if (uid !== undefined) byUid.get(uid)?.add(Number(gid));
    }
  }
  return byUid;
}

export function groupsOf(uid: number): Set<number> {
  cache ??= load();
  return cache.get(uid) ?? new Set();
}
