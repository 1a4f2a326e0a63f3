import type { ParseError } from './model.js';

/**
 * The errors of a rule parsed after the scan (rules are parsed when first read), with where a
 * parse of the whole input at once would have reported them: after the first `errorsBefore`
 * errors of the scan, and, among rules placed there, in input order (`at`: a line, an index).
 */
export interface LateErrors {
  errorsBefore: number;
  at: number;
  errors: ParseError[];
}

/** The scan's errors with every late rule's errors put back in place. */
export function interleave(scan: readonly ParseError[], late: readonly LateErrors[]): ParseError[] {
  if (late.length === 0) return scan.slice();
  const sorted = late.slice().sort((a, b) => a.errorsBefore - b.errorsBefore || a.at - b.at);
  const out: ParseError[] = [];
  let r = 0;
  for (let k = 0; k <= scan.length; k++) {
    for (; r < sorted.length && (sorted[r] as LateErrors).errorsBefore === k; r++) out.push(...(sorted[r] as LateErrors).errors);
    if (k < scan.length) out.push(scan[k] as ParseError);
  }
  return out;
}
