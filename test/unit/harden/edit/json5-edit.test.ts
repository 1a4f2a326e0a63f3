import fc from 'fast-check';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { DANGEROUS_CONFIG_KEYS } from '../../../../src/model/dangerous-keys.js';
import { unifiedDiff } from '../../../../src/harden/edit/diff.js';
import { EditError } from '../../../../src/harden/edit/errors.js';
import { locateJson5Path, removeJson5Path, setJson5Path } from '../../../../src/harden/edit/json5-edit.js';
import { crlf, expectChanges, expectCommentsKept, fixture } from './helpers.js';

type Obj = Record<string, unknown>;

function parse(text: string): Obj {
  return JSON5.parse<Obj>(text);
}

function gatewayOf(text: string): Obj {
  return parse(text)['gateway'] as Obj;
}

function editError(fn: () => unknown): EditError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EditError) return e;
    throw e;
  }
  throw new Error('expected an EditError');
}

const ANNOTATED = fixture('openclaw.annotated.json5');
const TOKEN = 'f3b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';

describe.each([
  ['LF', ANNOTATED],
  ['CRLF', crlf(ANNOTATED)],
])('the annotated config (%s line endings)', (endings, before) => {
  it('sets gateway.bind on its own line, keeping the comment above it', () => {
    const after = setJson5Path(before, ['gateway', 'bind'], 'loopback');
    expectChanges(before, after, ["    bind: 'lan',"], ["    bind: 'loopback',"]);
    expectCommentsKept(before, after, 'json5');
    expect(gatewayOf(after)['bind']).toBe('loopback');
    expect(parse(after)).toEqual({ ...parse(before), gateway: { ...gatewayOf(before), bind: 'loopback' } });
  });

  it('sets auth mode and token in the existing auth block, in its quote style', () => {
    let after = setJson5Path(before, ['gateway', 'auth', 'mode'], 'token');
    after = setJson5Path(after, ['gateway', 'auth', 'token'], TOKEN);
    expectChanges(before, after, ["      mode: 'none',"], ["      mode: 'token',", `      token: '${TOKEN}',`]);
    expectCommentsKept(before, after, 'json5');
    expect(gatewayOf(after)['auth']).toEqual({ mode: 'token', token: TOKEN });
  });

  it('removes a dangerous flag with its line and trailing comment; the comment line above stays', () => {
    const after = removeJson5Path(before, ['gateway', 'controlUi', 'dangerouslyDisableDeviceAuth']);
    expectChanges(before, after, ['      dangerouslyDisableDeviceAuth: true, // "fixes" pairing'], []);
    expectCommentsKept(before, after, 'json5');
    expect(after).toContain('// Copied from a forum post, do not know why.');
    expect((gatewayOf(after)['controlUi'] as Obj)['dangerouslyDisableDeviceAuth']).toBeUndefined();
  });

  it('removes every dangerous key the reference names, and nothing else', () => {
    let after = before;
    for (const key of DANGEROUS_CONFIG_KEYS) after = removeJson5Path(after, key.path);
    expectChanges(before, after, ['      dangerouslyDisableDeviceAuth: true, // "fixes" pairing', '      dangerouslyAllowHostHeaderOriginFallback: true,'], []);
    expect(gatewayOf(after)['controlUi']).toEqual({ enabled: true, allowedOrigins: ['http://localhost:18789', 'http://127.0.0.1:18789'] });
  });

  it('keeps its line endings', () => {
    const after = setJson5Path(before, ['gateway', 'auth', 'token'], TOKEN);
    if (endings === 'CRLF') expect(after.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    else expect(after).not.toContain('\r');
  });

  it('is idempotent: an edit already made changes nothing', () => {
    const once = setJson5Path(setJson5Path(before, ['gateway', 'bind'], 'loopback'), ['gateway', 'auth', 'mode'], 'token');
    expect(setJson5Path(once, ['gateway', 'bind'], 'loopback')).toBe(once);
    expect(setJson5Path(once, ['gateway', 'auth', 'mode'], 'token')).toBe(once);
    const removed = removeJson5Path(before, ['gateway', 'controlUi', 'dangerouslyDisableDeviceAuth']);
    expect(removeJson5Path(removed, ['gateway', 'controlUi', 'dangerouslyDisableDeviceAuth'])).toBe(removed);
    expect(setJson5Path(before, ['gateway', 'mode'], 'local')).toBe(before);
  });
});

describe('setJson5Path', () => {
  it("creates the gateway block in a file that has none, in the file's style (tabs, quoted keys, no trailing commas)", () => {
    const before = fixture('openclaw.no-gateway.json5');
    let after = setJson5Path(before, ['gateway', 'bind'], 'loopback');
    expectChanges(before, after, ['\t"channels": {}'], ['\t"channels": {},', '\t"gateway": {', '\t\t"bind": "loopback"', '\t}']);
    after = setJson5Path(after, ['gateway', 'auth', 'mode'], 'token');
    expect(after).toContain('\t"gateway": {\n\t\t"bind": "loopback",\n\t\t"auth": {\n\t\t\t"mode": "token"\n\t\t}\n\t}\n}');
    expectCommentsKept(before, after, 'json5');
    expect(parse(after)['gateway']).toEqual({ bind: 'loopback', auth: { mode: 'token' } });
  });

  it("writes into plain JSON as JSON (OpenClaw's own writes look like this)", () => {
    const before = fixture('openclaw.plain.json');
    const after = setJson5Path(before, ['gateway', 'auth', 'token'], TOKEN);
    // The old "}" of controlUi now closes auth: the diff adds the lines above it.
    expectChanges(before, after, [], ['    },', '    "auth": {', `      "token": "${TOKEN}"`]);
    expect(JSON.parse(after)).toEqual(JSON5.parse(after));
  });

  it('sets a key beside $include: OpenClaw merges sibling keys over the included files', () => {
    const before = fixture('openclaw.gateway-include.json5');
    const after = setJson5Path(before, ['gateway', 'bind'], 'loopback');
    expectChanges(before, after, [], ["    bind: 'loopback',"]);
    expect(gatewayOf(after)).toEqual({ $include: ['./gateway.base.json5', './gateway.local.json5'], port: 18789, bind: 'loopback' });
  });

  it('edits the last of duplicate keys, the one json5 and OpenClaw read', () => {
    const before = fixture('openclaw.duplicate.json5');
    const after = setJson5Path(before, ['gateway', 'bind'], 'tailnet');
    expectChanges(before, after, ["    bind: 'lan', // json5 reads this one"], ["    bind: 'tailnet', // json5 reads this one"]);
    expect(gatewayOf(after)['bind']).toBe('tailnet');
  });

  it.each([
    ['{}', '{\n  gateway: {\n    bind: "loopback",\n  },\n}'],
    ['{a: 1}', '{a: 1, gateway: { bind: "loopback" }}'],
    ["{ a: 'x', }", "{ a: 'x', gateway: { bind: 'loopback' }, }"],
    ['{ gateway: {} }', '{ gateway: { bind: "loopback" } }'],
    ['{\n  gateway: {},\n}\n', '{\n  gateway: {\n    bind: "loopback",\n  },\n}\n'],
    ['{\n  gateway: { mode: "local" },\n}\n', '{\n  gateway: { mode: "local", bind: "loopback" },\n}\n'],
    ['{\n  a: 1\n}', '{\n  a: 1,\n  gateway: {\n    bind: "loopback"\n  }\n}'],
    ['{\n  gateway: {\n    // nothing yet\n  },\n}\n', '{\n  gateway: {\n    // nothing yet\n    bind: "loopback",\n  },\n}\n'],
    ['{\n  gateway: {\n    mode: "local" // last\n  }\n}', '{\n  gateway: {\n    mode: "local", // last\n    bind: "loopback"\n  }\n}'],
    [
      '{\n  gateway: {\n    mode: "local", /* one */ /* two */\n  },\n}',
      '{\n  gateway: {\n    mode: "local", /* one */ /* two */\n    bind: "loopback",\n  },\n}',
    ],
    ['{\n  gateway: { bind: /* was */ "lan" },\n}', '{\n  gateway: { bind: /* was */ "loopback" },\n}'],
    ["{\n  'gateway': {\n    'bind': 'lan',\n  },\n}", "{\n  'gateway': {\n    'bind': 'loopback',\n  },\n}"],
    [
      '{\n  gateway: {\n    bind: "custom",\n    customBindHost: "0.0.0.0",\n  }}',
      '{\n  gateway: {\n    bind: "loopback",\n    customBindHost: "0.0.0.0",\n  }}',
    ],
  ])('%j → %j', (before, after) => {
    expect(setJson5Path(before, ['gateway', 'bind'], 'loopback')).toBe(after);
  });

  it('writes strings that need escapes, and keys that need quotes', () => {
    const before = '{\n  hooks: {},\n}\n';
    const value = 'it\'s "quoted"\n\\ \u2028';
    const after = setJson5Path(before, ['hooks', 'x-odd key'], value);
    expect(parse(after)).toEqual({ hooks: { 'x-odd key': value } });
    expect(after).toContain('"x-odd key": ');
  });

  it('writes numbers, booleans, null, lists and objects', () => {
    const before = '{\n  gateway: {\n    port: 1,\n  },\n}\n';
    const value = { enabled: true, n: 2.5, none: null, list: ['a', 1], nested: { deep: {} } };
    const after = setJson5Path(before, ['gateway', 'tls'], value);
    expect(gatewayOf(after)).toEqual({ port: 1, tls: value });
    expect(after).toContain(
      '    tls: {\n      enabled: true,\n      n: 2.5,\n      none: null,\n      list: ["a", 1],\n      nested: {\n        deep: {},\n      },\n    },\n',
    );
  });

  it('replaces an object value in place', () => {
    const before = "{\n  gateway: {\n    auth: { mode: 'none' }, // inline\n  },\n}\n";
    const after = setJson5Path(before, ['gateway', 'auth'], { mode: 'token', token: 'x' });
    expect(after).toBe("{\n  gateway: {\n    auth: { mode: 'token', token: 'x' }, // inline\n  },\n}\n");
  });

  it('refuses to go through a value that is not an object, naming its line', () => {
    const e = editError(() => setJson5Path("{\n  // lan\n  gateway: 'lan',\n}\n", ['gateway', 'bind'], 'loopback'));
    expect(e.code).toBe('not-object');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^line 3: "gateway" is a string/);
  });

  it('refuses an empty path and "__proto__"', () => {
    expect(() => setJson5Path('{}', [], 1)).toThrow(TypeError);
    expect(() => setJson5Path('{}', ['__proto__', 'x'], 1)).toThrow(TypeError);
    expect(() => removeJson5Path('{}', ['a', '__proto__'])).toThrow(TypeError);
  });

  it('refuses a root that is not an object', () => {
    expect(editError(() => setJson5Path('[1, 2]', ['gateway'], 1)).code).toBe('not-object');
  });

  it.each([
    ['{\n  gateway: {\n    bind: "lan"\n    mode: "local",\n  },\n}\n', 4],
    ['{\n  gateway: {\n    bind: "lan",\n', 4],
    ['{\n  // fine\n  gateway: { bind: lan },\n}\n', 3],
    ["{\r\n  a: 1,\r\n  b: 'x\r\n}\r\n", 3],
    ['', 1],
  ])('malformed input gives an EditError naming the line (%#)', (text, line) => {
    const e = editError(() => setJson5Path(text, ['gateway', 'bind'], 'loopback'));
    expect(e.code).toBe('parse');
    expect(e.line).toBe(line);
    expect(e.message).toMatch(new RegExp(`^line ${line}:\\d+: not valid JSON5`));
    expect(editError(() => removeJson5Path(text, ['gateway', 'bind'])).line).toBe(line);
  });

  it('takes everything json5 takes: escapes, continuations, odd numbers, escaped keys', () => {
    const before = "{\n  s: 'a\\\nb\\x41',\n  \\u0067ateway: { bind: 'lan' },\n  n: [+1, .5, 0x1F, Infinity, -NaN],\n}\n";
    const after = setJson5Path(before, ['gateway', 'bind'], 'loopback');
    expectChanges(before, after, ["  \\u0067ateway: { bind: 'lan' },"], ["  \\u0067ateway: { bind: 'loopback' },"]);
  });
});

describe('removeJson5Path', () => {
  it.each([
    ['{ a: 1, b: 2 }', ['b'], '{ a: 1 }'],
    ['{ b: 2, a: 1 }', ['b'], '{ a: 1 }'],
    ['{ b: 2 }', ['b'], '{}'],
    ['{\n  a: 1,\n  b: 2\n}', ['b'], '{\n  a: 1\n}'],
    ['{\n  a: 1, // one\n  b: 2, // two\n}', ['b'], '{\n  a: 1, // one\n}'],
    ['{\n  x: {\n    b: 2,\n  },\n}', ['x', 'b'], '{\n  x: {},\n}'],
    ['{\n  x: {\n    // keep me\n    b: 2,\n  },\n}', ['x', 'b'], '{\n  x: {\n    // keep me\n  },\n}'],
    ['{ b: 1, a: 2, b: 3 }', ['b'], '{ a: 2 }'],
    ['{\n  b: 1,\n  a: 2,\n  b: 3,\n}', ['b'], '{\n  a: 2,\n}'],
    ['{\n  bridge: {\n    enabled: true, // old\n    port: 18790,\n  },\n  a: 1,\n}', ['bridge'], '{\n  a: 1,\n}'],
    ['{ a: 1 }', ['b'], '{ a: 1 }'],
    ['{ a: 1 }', ['a', 'b'], '{ a: 1 }'],
    ['{ a: { c: 1 } }', ['a', 'b', 'c'], '{ a: { c: 1 } }'],
  ])('%j without %j → %j', (before, path, after) => {
    expect(removeJson5Path(before, path)).toBe(after);
  });

  it('removes all duplicates of a key, so no earlier one comes back', () => {
    const before = fixture('openclaw.duplicate.json5');
    const after = removeJson5Path(before, ['gateway', 'bind']);
    expectChanges(before, after, ["    bind: 'loopback', // old value, shadowed by the one below", "    bind: 'lan', // json5 reads this one"], []);
    expect(gatewayOf(after)).toEqual({ mode: 'local' });
  });

  it("keeps the last member's style: no trailing comma where the object had none", () => {
    const before = fixture('openclaw.plain.json');
    const after = removeJson5Path(before, ['channels', 'whatsapp']);
    expectChanges(before, after, ['  "channels": {', '    "whatsapp": {', '      "groupPolicy": "allowlist"', '    }', '  }'], ['  "channels": {}']);
    expect(JSON.parse(after)).toEqual({ gateway: gatewayOf(before), channels: {} });
  });
});

describe('locateJson5Path', () => {
  it('finds a key written in the file', () => {
    expect(locateJson5Path(ANNOTATED, ['gateway', 'bind'])).toEqual({ found: true, line: 21, column: 5 });
  });

  it('names the $include files that may define a key the file does not', () => {
    expect(locateJson5Path(fixture('openclaw.gateway-include.json5'), ['gateway', 'bind'])).toEqual({
      found: false,
      includes: [{ at: ['gateway'], files: ['./gateway.base.json5', './gateway.local.json5'], line: 4 }],
    });
    expect(locateJson5Path(ANNOTATED, ['agents', 'list'])).toEqual({ found: false, includes: [{ at: ['agents'], files: ['./agents.json5'], line: 12 }] });
    expect(locateJson5Path(ANNOTATED, ['discovery', 'mdns'])).toEqual({ found: false, includes: [] });
  });
});

describe('the masked diff a plan shows', () => {
  it('never contains the token, only <redacted>', () => {
    const after = setJson5Path(ANNOTATED, ['gateway', 'auth', 'token'], TOKEN);
    const diff = unifiedDiff('/home/u/.openclaw/openclaw.json', ANNOTATED, after, { mask: [TOKEN] });
    expect(diff).not.toContain(TOKEN);
    expect(diff).toContain("+      token: '<redacted>',");
    expect(diff.startsWith('--- a/home/u/.openclaw/openclaw.json\n+++ b/home/u/.openclaw/openclaw.json\n@@ ')).toBe(true);
  });
});

describe('edits on random paths and values (property)', () => {
  const key = fc.constantFrom('gateway', 'auth', 'bind', 'mode', 'controlUi', 'x-y', '$include', 'token', 'new');
  const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.constantFrom('a', 'b c'), fc.string(), { maxKeys: 2 }));
  const sources = [ANNOTATED, crlf(ANNOTATED), fixture('openclaw.no-gateway.json5'), fixture('openclaw.plain.json'), fixture('openclaw.duplicate.json5'), '{}'];

  function setIn(obj: Obj, path: string[], v: unknown): void {
    let node = obj;
    for (const k of path.slice(0, -1)) {
      if (typeof node[k] !== 'object' || node[k] === null || Array.isArray(node[k])) node[k] = {};
      node = node[k] as Obj;
    }
    node[path[path.length - 1]!] = v;
  }

  it('reads back as intended and keeps every comment line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sources), fc.array(key, { minLength: 1, maxLength: 3 }), value, fc.boolean(), (before, path, v, remove) => {
        let after: string;
        try {
          after = remove ? removeJson5Path(before, path) : setJson5Path(before, path, v);
        } catch (e) {
          // Only a path through a non-object may be refused.
          expect(e).toBeInstanceOf(EditError);
          expect((e as EditError).code).toBe('not-object');
          return;
        }
        const expected = parse(before);
        let existing: unknown = expected;
        for (const k of path) existing = existing && typeof existing === 'object' ? (existing as Obj)[k] : undefined;
        // Replacing or removing a whole object takes the comments inside it along; nothing else may.
        if (existing === null || typeof existing !== 'object') expectCommentsKept(before, after, 'json5');
        if (remove) {
          let node: unknown = expected;
          for (const k of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as Obj)[k] : undefined;
          if (node && typeof node === 'object' && !Array.isArray(node)) delete (node as Obj)[path[path.length - 1]!];
        } else setIn(expected, path, v);
        expect(parse(after)).toEqual(expected);
        // And again: the second edit is a no-op.
        expect(remove ? removeJson5Path(after, path) : setJson5Path(after, path, v)).toBe(after);
      }),
      { numRuns: 300 },
    );
  });
});
