import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { parseJson5 } from '../../../src/openclaw/config-parse.js';

describe('parseJson5', () => {
  it('accepts comments, trailing commas, unquoted keys and single quotes', () => {
    expect(parseJson5("// c\n{a: 'x', /* c */ b: [1, 2,], }")).toEqual({ ok: true, value: { a: 'x', b: [1, 2] } });
  });

  it.each([
    ['', 1, 1, 'invalid end of input'],
    ['{', 1, 2, 'invalid end of input'],
    ['{\n  gateway: {\n    bind: "lan"\n    port: 18789,\n  },\n}', 4, 5, "invalid character 'p'"],
    ['{a: 1,,}', 1, 7, "invalid character ','"],
    ['{\n  "a": tru }', 2, 11, "invalid character ' '"],
    // json5 has already counted the newline when it complains about it: 2:0, shown as 2:1.
    ['{a: "x\ny"}', 2, 1, "invalid character '\\n'"],
    ['{\r\n  a: 1\r\n  b: 2\r\n}', 3, 3, "invalid character 'b'"],
  ])('%j fails at %i:%i', (text, line, column, message) => {
    expect(parseJson5(text)).toEqual({ ok: false, line, column, message });
  });

  it('keeps json5 quiet about U+2028 in strings', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const outer = console.warn;
    expect(parseJson5('{a: "x\u2028y"}')).toEqual({ ok: true, value: { a: 'x\u2028y' } });
    expect(warn).not.toHaveBeenCalled();
    expect(console.warn).toBe(outer);
    warn.mockRestore();
  });

  it('never throws and always gives a line and column >= 1 (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const r = parseJson5(text);
        if (!r.ok) {
          expect(r.line).toBeGreaterThanOrEqual(1);
          expect(r.column).toBeGreaterThanOrEqual(1);
          expect(r.message).not.toMatch(/^JSON5:| at \d+:\d+$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
