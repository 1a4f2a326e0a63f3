import type { U32Test } from './model.js';

/**
 * iptables `-m u32 --u32 "…"` (xt_u32): `TEST && TEST …`; a test is `LOCATION = VALUE[:VALUE][,…]`;
 * a location is a number (a byte offset: the 4 bytes there, big-endian, from the network header)
 * followed by operators `& MASK`, `<< N`, `>> N`, `@ OFFSET` (move on by the value so far and read
 * 4 bytes at OFFSET from there). Numbers are decimal or 0x-hex. Returns undefined if the text is not that.
 */
export function parseU32(text: string): U32Test[] | undefined {
  const src = text.replace(/\s+/g, '');
  if (src === '') return undefined;
  const tests: U32Test[] = [];
  for (const part of src.split('&&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const ops = location(part.slice(0, eq));
    const ranges = rangesOf(part.slice(eq + 1));
    if (!ops || !ranges) return undefined;
    tests.push({ ops, ranges });
  }
  return tests.length > 0 && tests.length <= 11 ? tests : undefined;
}

const NUM = /^(0x[0-9a-f]+|\d+)/i;

function number(s: string): number | undefined {
  const m = NUM.exec(s);
  if (!m || m[0] !== s) return undefined;
  const n = Number(m[0]);
  return Number.isSafeInteger(n) && n >= 0 && n <= 0xffffffff ? n : undefined;
}

function location(s: string): U32Test['ops'] | undefined {
  const ops: U32Test['ops'] = [];
  let rest = s;
  const first = NUM.exec(rest);
  if (!first) return undefined;
  const start = number(first[0]);
  if (start === undefined) return undefined;
  ops.push({ op: 'at', value: start });
  rest = rest.slice(first[0].length);
  while (rest.length > 0) {
    const op = rest.startsWith('<<') ? '<<' : rest.startsWith('>>') ? '>>' : rest[0] === '&' ? '&' : rest[0] === '@' ? '@' : undefined;
    if (!op) return undefined;
    rest = rest.slice(op.length);
    const m = NUM.exec(rest);
    if (!m) return undefined;
    const value = number(m[0]);
    if (value === undefined || ((op === '<<' || op === '>>') && value > 31)) return undefined;
    ops.push({ op, value });
    rest = rest.slice(m[0].length);
    if (ops.length > 16) return undefined;
  }
  return ops;
}

function rangesOf(s: string): U32Test['ranges'] | undefined {
  const out: U32Test['ranges'] = [];
  for (const item of s.split(',')) {
    const [a, b, extra] = item.split(':');
    if (extra !== undefined) return undefined;
    const from = number(a ?? '');
    const to = b === undefined ? from : number(b);
    if (from === undefined || to === undefined || from > to) return undefined;
    out.push({ from, to });
  }
  return out.length > 0 && out.length <= 10 ? out : undefined;
}

/** Bytes of the packet from the network header, each with the bits known (mask 0xff = known). */
export interface KnownBytes {
  value: number[];
  known: number[];
}

/**
 * One test on KNOWN: true, false, or undefined with the reason (a byte it needs is not known).
 * The kernel reads 4 bytes at each position; an offset past the packet fails the match.
 */
export function evalU32(t: U32Test, bytes: KnownBytes, length: number): boolean | string {
  let base = 0;
  let value = 0;
  let known = 0;
  const read = (at: number): string | undefined => {
    const pos = base + at;
    if (pos < 0 || pos + 4 > length) return 'past the end';
    value = 0;
    known = 0;
    for (let i = 0; i < 4; i++) {
      value = ((value << 8) | (bytes.value[pos + i] ?? 0)) >>> 0;
      known = ((known << 8) | (bytes.known[pos + i] ?? 0)) >>> 0;
    }
    return undefined;
  };
  for (const op of t.ops) {
    switch (op.op) {
      case 'at': {
        const e = read(op.value);
        if (e) return false;
        break;
      }
      case '&':
        value = (value & op.value) >>> 0;
        // Bits the mask clears are known to be 0.
        known = (known | ~op.value) >>> 0;
        break;
      case '<<':
        value = (value << op.value) >>> 0;
        known = ((known << op.value) | ((1 << op.value) - 1)) >>> 0;
        break;
      case '>>':
        value = value >>> op.value;
        known = ((known >>> op.value) | (op.value === 0 ? 0 : ~(0xffffffff >>> op.value))) >>> 0;
        break;
      case '@': {
        if (known !== 0xffffffff) return 'an offset read from a field the snapshot does not know';
        base += value;
        const e = read(op.value);
        if (e) return false;
        break;
      }
    }
  }
  if (known === 0xffffffff) return t.ranges.some((r) => value >= r.from && value <= r.to);
  // Some bits unknown: decided only if every value they allow falls on one side.
  const fixed = (value & known) >>> 0;
  const free = ~known >>> 0;
  const lo = fixed;
  const hi = (fixed | free) >>> 0;
  if (t.ranges.some((r) => r.from <= lo && r.to >= hi)) return true;
  if (t.ranges.every((r) => r.to < lo || r.from > hi)) return false;
  return 'a field the snapshot does not know (a SYN\u2019s identification, checksum, sequence number, window or options)';
}
