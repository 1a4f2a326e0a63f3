import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { unifiedDiff } from '../../../../src/harden/edit/diff.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/harden');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** The lines a diff removes and adds, without the "-"/"+" and without line endings. */
export function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of unifiedDiff('f', before, after, { context: 0 }).split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++')) continue;
    if (line.startsWith('-')) removed.push(line.slice(1).replace(/\r$/, ''));
    else if (line.startsWith('+')) added.push(line.slice(1).replace(/\r$/, ''));
  }
  return { removed, added };
}

export function expectChanges(before: string, after: string, removed: string[], added: string[]): void {
  expect(changedLines(before, after)).toEqual({ removed, added });
}

/** Lines that hold only a comment (or a block comment's inside), in order. */
export function commentLines(text: string, marker: 'json5' | 'yaml'): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  return marker === 'yaml' ? lines.filter((l) => l.startsWith('#')) : lines.filter((l) => /^(\/\/|\/\*|\*)/.test(l));
}

/** Every comment line of `before` is still in `after`, in the same order. */
export function expectCommentsKept(before: string, after: string, marker: 'json5' | 'yaml'): void {
  const kept = commentLines(after, marker);
  let i = 0;
  for (const line of commentLines(before, marker)) {
    const at = kept.indexOf(line, i);
    expect(at, `comment line lost: ${line}`).toBeGreaterThanOrEqual(0);
    i = at + 1;
  }
}
