import fc from 'fast-check';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { firstValueAt, locationsFor, nodeAt, scanKeyLocations } from '../../../src/openclaw/config-locate.js';

const F = '/c/openclaw.json';

function at(text: string, path: string): [number, number] | undefined {
  const loc = nodeAt(scanKeyLocations(text, F), path)?.at;
  return loc ? [loc.line, loc.column!] : undefined;
}

describe('scanKeyLocations', () => {
  const text = [
    '// OpenClaw config',
    '{',
    '  /* a { block } comment',
    '     spanning lines with "quotes" */',
    '  gateway: {',
    '    \'bind\': "lan", // trailing { comment',
    '    "port": 18789,',
    '    auth: { mode: "token", token: "a}b\\"c{" },',
    '    controlUi: { allowedOrigins: ["https://a", { nested: 1 }], },',
    '  },',
    '}',
  ].join('\n');

  it.each([
    ['gateway', 5, 3],
    ['gateway.bind', 6, 5],
    ['gateway.port', 7, 5],
    ['gateway.auth', 8, 5],
    ['gateway.auth.mode', 8, 13],
    ['gateway.auth.token', 8, 28],
    ['gateway.controlUi', 9, 5],
    ['gateway.controlUi.allowedOrigins', 9, 18],
  ])('%s is at %i:%i', (path, line, column) => {
    expect(at(text, path)).toEqual([line, column]);
  });

  it('records array elements as items, not as keys', () => {
    const node = nodeAt(scanKeyLocations(text, F), 'gateway.controlUi.allowedOrigins')!;
    expect(node.children).toBeUndefined();
    expect(node.items?.map((i) => [i.at?.line, i.at?.column])).toEqual([
      [9, 35],
      [9, 48],
    ]);
    expect(node.items?.[1]?.children?.get('nested')?.at).toMatchObject({ line: 9, column: 50 });
  });

  it('decodes escapes in quoted and unquoted keys', () => {
    const t = '{"a\\"b": 1, \'c\\\'d\': 2, \\u0061x: 3, "\\u0067ateway": {bind: 1}}';
    const root = scanKeyLocations(t, F);
    expect([...root.children!.keys()]).toEqual(['a"b', "c'd", 'ax', 'gateway']);
    expect(nodeAt(root, 'gateway.bind')?.at).toMatchObject({ line: 1, column: 53 });
  });

  it('keeps the last of duplicate keys, as JSON5 does', () => {
    expect(at('{gateway: {bind: 1,\n bind: 2}}', 'gateway.bind')).toEqual([2, 2]);
  });

  it('counts lines like json5: CRLF is one line, a lone CR is not a line', () => {
    expect(at('{\r\n a: {\r\n  b: 1 }}', 'a.b')).toEqual([3, 3]);
    expect(at('{\r a: 1}', 'a')).toEqual([1, 4]);
  });

  it('handles identifiers with $ and _ and keys that look like numbers or literals', () => {
    const root = scanKeyLocations('{$include: "x", _a: null, true: 1, "1": 2}', F);
    expect([...root.children!.keys()]).toEqual(['$include', '_a', 'true', '1']);
  });

  it('survives garbage without throwing', () => {
    for (const t of ['', '}', ']]]{', '{a:', '"unterminated', '/* open', '{a: {b: [1, {c', '/', '{a: 1} {b: 2}']) {
      expect(() => scanKeyLocations(t, F)).not.toThrow();
    }
    expect([...scanKeyLocations('{a: 1} {b: 2}', F).children!.keys()]).toEqual(['a']);
  });

  it('finds where the first value starts', () => {
    expect(firstValueAt('// c\n  /* d */ [1]', F)).toEqual({ file: F, line: 2, column: 11 });
    expect(firstValueAt('', F)).toEqual({ file: F, line: 1, column: 1 });
  });

  it('reports only tracked paths that exist', () => {
    const loc = locationsFor(scanKeyLocations('{gateway: {bind: "lan", other: 1}}', F));
    expect(loc).toEqual({ gateway: { file: F, line: 1, column: 2 }, 'gateway.bind': { file: F, line: 1, column: 12 } });
  });

  // Any object json5 can write, the scanner places every key on its own text.
  it('points every key of a stringified object at that key (property)', () => {
    const key = fc.stringMatching(/^[A-Za-z_$][\w$]{0,6}$|^[ -~]{0,6}$/);
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.constant(null), tie('obj'), fc.array(tie('node'), { maxLength: 3 })),
      obj: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    })).obj;
    fc.assert(
      fc.property(tree, fc.constantFrom(0, 2, '\t'), fc.constantFrom<'"' | "'">('"', "'"), (obj, space, quote) => {
        const text = JSON5.stringify(obj, { space, quote });
        const lines = text.split('\n');
        const root = scanKeyLocations(text, F);
        const check = (value: unknown, prefix: string[]): void => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
          for (const [k, v] of Object.entries(value)) {
            const path = [...prefix, k];
            let node = root;
            for (const seg of path) node = node.children!.get(seg)!;
            const { line, column } = node.at!;
            const rest = lines[line - 1]!.slice(column! - 1);
            expect(rest.startsWith(JSON5.stringify(k, { quote })) || rest.startsWith(k)).toBe(true);
            check(v, path);
          }
        };
        check(obj, []);
      }),
      { numRuns: 300 },
    );
  });
});
