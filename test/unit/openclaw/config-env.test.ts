import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyConfigEnvBlock, layerEnv, parseDotEnv, substituteEnv, substituteString } from '../../../src/openclaw/config-env.js';

const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/);

describe('substituteString', () => {
  const env = { TOKEN: 'tok-123', PORT: '18789', EMPTY: '', lower: 'no' };

  it.each([
    ['${TOKEN}', 'tok-123', ['TOKEN'], []],
    ['Bearer ${TOKEN}:${PORT}!', 'Bearer tok-123:18789!', ['TOKEN', 'PORT'], []],
    ['$${TOKEN}', '${TOKEN}', [], []],
    // OpenClaw scans left to right: the first "$" is plain text, the next two are the escape.
    ['$$${TOKEN}', '$${TOKEN}', [], []],
    ['${MISSING}', '${MISSING}', [], ['MISSING']],
    ['${EMPTY}', '${EMPTY}', [], ['EMPTY']],
    ['${lower}', '${lower}', [], []],
    ['${1ABC}', '${1ABC}', [], []],
    ['${TOKEN', '${TOKEN', [], []],
    ['$TOKEN', '$TOKEN', [], []],
    ['${ TOKEN }', '${ TOKEN }', [], []],
    ['$${lower}', '$${lower}', [], []],
    ['a$b$', 'a$b$', [], []],
    ['${TOKEN}${TOKEN}', 'tok-123tok-123', ['TOKEN'], []],
  ])('%s -> %s', (input, text, used, missing) => {
    expect(substituteString(input, env)).toEqual({ text, used, missing });
  });

  it('turns $${NAME} into ${NAME} whatever the environment holds (property)', () => {
    fc.assert(
      fc.property(envName, fc.string(), fc.string(), (name, before, value) => {
        fc.pre(!before.includes('$'));
        const r = substituteString(`${before}$\${${name}}`, { [name]: value });
        expect(r.text).toBe(`${before}\${${name}}`);
        expect(r.used).toEqual([]);
        expect(r.missing).toEqual([]);
      }),
    );
  });

  it('replaces ${NAME} with its value, once, without re-expanding it (property)', () => {
    fc.assert(
      fc.property(envName, fc.string({ minLength: 1 }), (name, value) => {
        expect(substituteString(`<\${${name}}>`, { [name]: value }).text).toBe(`<${value}>`);
      }),
    );
  });

  it('leaves strings without "$" alone (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        fc.pre(!s.includes('$'));
        expect(substituteString(s, { A: 'x' })).toEqual({ text: s, used: [], missing: [] });
      }),
    );
  });
});

describe('substituteEnv', () => {
  it('walks objects and arrays, recording key paths the way redactObject names them', () => {
    const r = substituteEnv({ gateway: { auth: { token: '${T}' }, origins: ['x', '${O}', '${GONE}'] }, n: 1, b: true, z: null }, { T: 't', O: 'o' });
    expect(r.value).toEqual({ gateway: { auth: { token: 't' }, origins: ['x', 'o', '${GONE}'] }, n: 1, b: true, z: null });
    expect([...r.used]).toEqual([
      ['gateway.auth.token', ['T']],
      ['gateway.origins[1]', ['O']],
    ]);
    expect([...r.missing]).toEqual([['gateway.origins[2]', ['GONE']]]);
  });

  it('does not substitute keys', () => {
    expect(substituteEnv({ '${A}': 1 }, { A: 'x' }).value).toEqual({ '${A}': 1 });
  });
});

describe('parseDotEnv', () => {
  it('reads the dotenv grammar', () => {
    const text = [
      '# comment',
      'A=1',
      'export B = two words  ',
      'C="quoted # not a comment"',
      "D='single \\n stays'",
      'E="double\\nexpands"',
      'F=value # trailing comment',
      'G=',
      'H: colon',
      'I="multi',
      'line"',
      'J=`back`',
      'not a line',
      'A=override',
    ].join('\r\n');
    expect(parseDotEnv(text)).toEqual({
      A: 'override',
      B: 'two words',
      C: 'quoted # not a comment',
      D: 'single \\n stays',
      E: 'double\nexpands',
      F: 'value',
      G: '',
      H: 'colon',
      I: 'multi\nline',
      J: 'back',
    });
  });
});

describe('layerEnv', () => {
  it('lets the first layer that sets a name win, even with an empty value', () => {
    expect(layerEnv({ A: 'proc', B: undefined, E: '' }, { A: 'cwd', B: 'cwd', C: 'cwd', E: 'cwd' }, { C: 'state', D: 'state' })).toEqual({
      A: 'proc',
      B: 'cwd',
      C: 'cwd',
      D: 'state',
      E: '',
    });
  });
});

describe('applyConfigEnvBlock', () => {
  it('fills unset names from env.vars and env.NAME, never overriding', () => {
    const env: Record<string, string> = { SET: 'proc', BLANK: '  ' };
    const filled = applyConfigEnvBlock(
      { env: { SET: 'cfg', NEW: 'cfg', BLANK: 'cfg', lower: 'x', NUM: 3, shellEnv: { enabled: true }, vars: { V: 'v' } } },
      env,
    );
    expect(env).toEqual({ SET: 'proc', BLANK: 'cfg', NEW: 'cfg', V: 'v' });
    expect(filled.sort()).toEqual(['BLANK', 'NEW', 'V']);
  });

  it('does nothing without an env object', () => {
    const env = {};
    expect(applyConfigEnvBlock({ env: 'x' }, env)).toEqual([]);
    expect(env).toEqual({});
  });
});
