import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepMergeLocated } from '../../../src/openclaw/config-merge.js';
import { expectInvalid, expectOk, resolveIn, tempDir, write } from './helpers.js';

/** A home with ~/.openclaw/openclaw.json = main, plus other files under ~/.openclaw. */
function setup(main: string, files: Record<string, string> = {}): { home: string; dir: string; main: string } {
  const home = tempDir();
  const dir = path.join(home, '.openclaw');
  const mainPath = write(dir, 'openclaw.json', main);
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  return { home, dir, main: mainPath };
}

describe('$include', () => {
  it('replaces an object with the included file, at any level', async () => {
    const { home, dir } = setup('{\n  gateway: { $include: "./gw.json5" },\n}', { 'gw.json5': '{\n  // gw\n  bind: "lan",\n  port: 1,\n}' });
    const data = expectOk((await resolveIn(home)).config);
    expect(data.value).toEqual({ gateway: { bind: 'lan', port: 1 } });
    expect(data.files).toEqual([path.join(dir, 'openclaw.json'), path.join(dir, 'gw.json5')]);
    expect(data.locations['gateway']).toEqual({ file: path.join(dir, 'openclaw.json'), line: 2, column: 3 });
    expect(data.locations['gateway.bind']).toEqual({ file: path.join(dir, 'gw.json5'), line: 3, column: 3 });
    expect(data.locations['gateway.port']).toEqual({ file: path.join(dir, 'gw.json5'), line: 4, column: 3 });
  });

  it('merges an array of files in order, later files winning, arrays concatenated', async () => {
    const { home, dir } = setup('{ gateway: { $include: ["./a.json5", "./b.json5"] } }', {
      'a.json5': '{ bind: "lan", port: 1, trustedProxies: ["10.0.0.1"], auth: { mode: "token" } }',
      'b.json5': '{ port: 2, trustedProxies: ["10.0.0.2"],\n auth: { token: "xxxxxxxx" } }',
    });
    const data = expectOk((await resolveIn(home)).config);
    expect(data.value).toMatchObject({
      gateway: { bind: 'lan', port: 2, trustedProxies: ['10.0.0.1', '10.0.0.2'], auth: { mode: 'token', token: { $redacted: true, length: 8 } } },
    });
    expect(data.locations['gateway.port']).toMatchObject({ file: path.join(dir, 'b.json5'), line: 1, column: 3 });
    expect(data.locations['gateway.bind']).toMatchObject({ file: path.join(dir, 'a.json5') });
    expect(data.locations['gateway.auth.mode']).toMatchObject({ file: path.join(dir, 'a.json5') });
    expect(data.locations['gateway.auth.token']).toMatchObject({ file: path.join(dir, 'b.json5'), line: 2, column: 10 });
  });

  it('lets keys beside $include override the included content', async () => {
    const { home, dir } = setup('{\n  $include: "./base.json5",\n  gateway: { bind: "loopback" },\n}', {
      'base.json5': '{ gateway: { bind: "lan", port: 9 }, other: true }',
    });
    const data = expectOk((await resolveIn(home)).config);
    expect(data.value).toEqual({ gateway: { bind: 'loopback', port: 9 }, other: true });
    expect(data.locations['gateway.bind']).toEqual({ file: path.join(dir, 'openclaw.json'), line: 3, column: 14 });
    expect(data.locations['gateway.port']).toMatchObject({ file: path.join(dir, 'base.json5') });
    expect(data.locations['gateway']).toMatchObject({ file: path.join(dir, 'openclaw.json'), line: 3 });
  });

  it('drops locations below a key whose object an override replaced with a scalar', async () => {
    const { home, dir } = setup('{ $include: "./base.json5",\n gateway: { auth: "none" } }', { 'base.json5': '{ gateway: { auth: { mode: "token" } } }' });
    const data = expectOk((await resolveIn(home)).config);
    expect(data.value).toEqual({ gateway: { auth: 'none' } });
    expect(data.locations['gateway.auth.mode']).toBeUndefined();
    expect(data.locations['gateway.auth']).toMatchObject({ file: path.join(dir, 'openclaw.json'), line: 2 });
  });

  it('resolves nested includes relative to the including file', async () => {
    const { home, dir } = setup('{ gateway: { $include: "./sub/gw.json5" } }', {
      'sub/gw.json5': '{ auth: { $include: "./auth.json5" } }',
      'sub/auth.json5': '{ mode: "password" }',
    });
    const data = expectOk((await resolveIn(home)).config);
    expect(data.value).toEqual({ gateway: { auth: { mode: 'password' } } });
    expect(data.files).toEqual([path.join(dir, 'openclaw.json'), path.join(dir, 'sub/gw.json5'), path.join(dir, 'sub/auth.json5')]);
    expect(data.locations['gateway.auth.mode']).toMatchObject({ file: path.join(dir, 'sub/auth.json5'), line: 1, column: 3 });
  });

  it('processes $include inside arrays', async () => {
    const { home } = setup('{ list: [ { $include: "./item.json5" }, 2 ] }', { 'item.json5': '{ id: "a" }' });
    expect(expectOk((await resolveIn(home)).config).value).toEqual({ list: [{ id: 'a' }, 2] });
  });

  it('allows 10 levels of nesting and refuses the 11th', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 11; i++) files[`l${i}.json5`] = i < 11 ? `{ n${i}: { $include: "./l${i + 1}.json5" } }` : '{ leaf: true }';
    const { home, dir } = setup('{ $include: "./l1.json5" }', files);
    // main -> l1 ... -> l10 is ten levels: fine once l10 stops including.
    fs.writeFileSync(path.join(dir, 'l10.json5'), '{ n10: 1 }');
    expect(expectOk((await resolveIn(home)).config).files).toHaveLength(11);
    fs.writeFileSync(path.join(dir, 'l10.json5'), '{\n  n10: { $include: "./l11.json5" } }');
    const bad = expectInvalid((await resolveIn(home)).config);
    expect(bad.error).toMatchObject({ file: path.join(dir, 'l10.json5'), line: 2, column: 10 });
    expect(bad.error.message).toMatch(/more than 10 levels/);
  });

  it('refuses a cycle, naming the chain and the including line', async () => {
    const { home, dir } = setup('{ $include: "./a.json5" }', { 'a.json5': '{\n\n  x: { $include: "./openclaw.json" } }' });
    const bad = expectInvalid((await resolveIn(home)).config);
    expect(bad.error).toEqual({
      file: path.join(dir, 'a.json5'),
      line: 3,
      column: 8,
      message: `circular $include: ${path.join(dir, 'openclaw.json')} -> ${path.join(dir, 'a.json5')} -> ${path.join(dir, 'openclaw.json')}`,
    });
    expect(bad.path).toBe(path.join(dir, 'openclaw.json'));
    expect(bad.resolvedBy).toBe('default');
  });

  it('refuses a path that escapes the config directory', async () => {
    const { home, dir } = setup('{\n  gateway: {\n    $include: "../outside.json5" } }');
    write(home, 'outside.json5', '{}');
    const bad = expectInvalid((await resolveIn(home)).config);
    expect(bad.error).toMatchObject({ file: path.join(dir, 'openclaw.json'), line: 3, column: 5 });
    expect(bad.error.message).toMatch(/escapes the config directory/);
  });

  it('refuses an absolute path elsewhere, unless under OPENCLAW_INCLUDE_ROOTS', async () => {
    const shared = tempDir();
    write(shared, 'common/gw.json5', '{ bind: "tailnet" }');
    const { home } = setup(`{ gateway: { $include: "${path.join(shared, 'common/gw.json5')}" } }`);
    expect(expectInvalid((await resolveIn(home)).config).error.message).toMatch(/escapes/);
    const data = expectOk((await resolveIn(home, { env: { OPENCLAW_INCLUDE_ROOTS: `/nowhere:${shared}` } })).config);
    expect(data.value).toEqual({ gateway: { bind: 'tailnet' } });
    expect(data.locations['gateway.bind']).toMatchObject({ file: path.join(shared, 'common/gw.json5') });
  });

  it('refuses a symlink inside the directory that points outside it', async () => {
    const outside = tempDir();
    write(outside, 'secret.json5', '{ bind: "lan" }');
    const { home, dir } = setup('{ gateway: { $include: "./link.json5" } }');
    fs.symlinkSync(path.join(outside, 'secret.json5'), path.join(dir, 'link.json5'));
    expect(expectInvalid((await resolveIn(home)).config).error.message).toMatch(/symlink/);
  });

  it('names a missing include file and the line that asked for it', async () => {
    const { home, dir } = setup('{\n  gateway: { $include: ["./a.json5",\n    "./missing.json5"] } }', { 'a.json5': '{}' });
    const bad = expectInvalid((await resolveIn(home)).config);
    expect(bad.error).toMatchObject({ file: path.join(dir, 'openclaw.json'), line: 3, column: 5 });
    expect(bad.error.message).toContain('./missing.json5');
    expect(bad.error.message).toContain(path.join(dir, 'missing.json5'));
  });

  it('points a parse error in an included file into that file', async () => {
    const { home, dir } = setup('{ $include: "./bad.json5" }', { 'bad.json5': '{\n  a: 1,\n  b: [1 2],\n}' });
    expect(expectInvalid((await resolveIn(home)).config).error).toEqual({
      file: path.join(dir, 'bad.json5'),
      line: 3,
      column: 9,
      message: "included file is not valid JSON5: invalid character '2'",
    });
  });

  it('refuses a file over 2 MB', async () => {
    const { home } = setup('{ $include: "./big.json5" }', { 'big.json5': `{"blob":"${'a'.repeat(2 * 1024 * 1024)}"}` });
    expect(expectInvalid((await resolveIn(home)).config).error.message).toMatch(/over the 2097152-byte limit/);
  });

  it('refuses a directory and non-string values', async () => {
    let s = setup('{ $include: "./sub" }', { 'sub/x': '' });
    expect(expectInvalid((await resolveIn(s.home)).config).error.message).toMatch(/not a regular file/);
    s = setup('{ $include: 42 }');
    expect(expectInvalid((await resolveIn(s.home)).config).error).toMatchObject({
      line: 1,
      column: 3,
      message: expect.stringMatching(/path or an array/) as unknown,
    });
    s = setup('{ $include: ["./a.json5",\n 7] }', { 'a.json5': '{}' });
    expect(expectInvalid((await resolveIn(s.home)).config).error).toMatchObject({
      line: 2,
      column: 2,
      message: expect.stringMatching(/item 1 is a number/) as unknown,
    });
    s = setup('{ $include: "" }');
    expect(expectInvalid((await resolveIn(s.home)).config).error.message).toMatch(/empty/);
  });

  it('needs an object when keys sit beside $include', async () => {
    const { home } = setup('{ a: { $include: "./arr.json5", b: 1 } }', { 'arr.json5': '[1]' });
    expect(expectInvalid((await resolveIn(home)).config).error.message).toMatch(/beside \$include/);
  });

  it('needs the root to stay an object', async () => {
    const { home } = setup('{ $include: "./arr.json5" }', { 'arr.json5': '[1]' });
    expect(expectInvalid((await resolveIn(home)).config).error).toMatchObject({
      line: 1,
      column: 3,
      message: expect.stringMatching(/root must be an object/) as unknown,
    });
  });

  it('does not substitute ${VAR} in include paths (includes come first)', async () => {
    const { home } = setup('{ $include: "./${NAME}.json5" }', { 'x.json5': '{}' });
    expect(expectInvalid((await resolveIn(home, { env: { NAME: 'x' } })).config).error.message).toMatch(/not found/);
  });
});

describe('deepMergeLocated', () => {
  it('replaces scalars, merges objects, concatenates arrays, and never touches the prototype', () => {
    const merged = deepMergeLocated(
      { value: { a: 1, o: { x: 1 }, l: [1] }, node: {} },
      { value: JSON.parse('{"a": 2, "o": {"y": 2}, "l": [2], "__proto__": {"polluted": true}}') as unknown, node: {} },
    );
    expect(merged.value).toEqual({ a: 2, o: { x: 1, y: 2 }, l: [1, 2] });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
