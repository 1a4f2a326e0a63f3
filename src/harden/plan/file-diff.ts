import { unifiedDiff } from '../edit/diff.js';

/** The diff a plan shows for one file: named after it, secrets masked. */
export function fileDiff(path: string, before: string, after: string, mask: readonly string[] = []): string {
  return unifiedDiff(path, before, after, { mask });
}
