import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { SecretVault } from '../../../src/snapshot/redact.js';
import { expectInvalid, expectOk, get, resolveIn, tempDir, write } from './helpers.js';

function home(main: string): { home: string; file: string } {
  const h = tempDir();
  return { home: h, file: write(h, '.openclaw/openclaw.json', main) };
}

describe('parsing', () => {
  it('reads JSON5 with comments, trailing commas and single quotes', async () => {
    const { home: h, file } = home("// hi\n{\n  gateway: { bind: 'lan', port: 18789, },\n  /* x */\n}\n");
    const data = expectOk((await resolveIn(h)).config);
    expect(data).toMatchObject({ path: file, resolvedBy: 'default', files: [file], value: { gateway: { bind: 'lan', port: 18789 } }, warnings: [] });
  });

  it('reports the exact line and column of a syntax error', async () => {
    const text = ['{', '  gateway: {', '    bind: "lan"', '    port: 18789,', '  },', '}'].join('\n');
    const { home: h, file } = home(text);
    expect((await resolveIn(h)).config).toEqual({
      status: 'invalid',
      path: file,
      resolvedBy: 'default',
      error: { file, line: 4, column: 5, message: "invalid character 'p'" },
    });
  });

  it('reports a truncated file at its end', async () => {
    const { home: h, file } = home('{\n  gateway: {\n    bind: "lan",\n');
    expect(expectInvalid((await resolveIn(h)).config).error).toEqual({ file, line: 4, column: 1, message: 'invalid end of input' });
  });

  it('needs an object at the root', async () => {
    const { home: h, file } = home('// list?\n  ["lan"]');
    expect(expectInvalid((await resolveIn(h)).config).error).toEqual({ file, line: 2, column: 3, message: 'the config root must be an object' });
  });
});

describe('${VAR} and .env', () => {
  it('substitutes from the process env first, then the cwd .env, then the state-dir .env', async () => {
    const { home: h } = home('{ a: "${A}", b: "${B}", c: "${C}", d: "${D}" }');
    const cwd = tempDir();
    write(cwd, '.env', 'A=cwd\nB=cwd\nC=cwd\n');
    write(h, '.openclaw/.env', 'A=state\nB=state\nC=state\nD=state\n');
    const data = expectOk((await resolveIn(h, { env: { A: 'proc' }, cwd })).config);
    expect(data.value).toEqual({ a: 'proc', b: 'cwd', c: 'cwd', d: 'state' });
  });

  it('reads the .env of OPENCLAW_STATE_DIR, and skips the cwd .env without a cwd', async () => {
    const state = tempDir();
    write(state, 'openclaw.json', '{ a: "${A}", b: "${B}" }');
    write(state, '.env', 'A=from-state');
    const h = tempDir();
    write(h, '.openclaw/.env', 'B=from-home');
    const data = expectOk((await resolveIn(h, { env: { OPENCLAW_STATE_DIR: state } })).config);
    expect(data.value).toEqual({ a: 'from-state', b: '${B}' });
  });

  it('fills names from the config env block', async () => {
    const { home: h } = home('{ env: { vars: { BIND: "lan" } }, gateway: { bind: "${BIND}" } }');
    expect(get(expectOk((await resolveIn(h)).config).value, 'gateway.bind')).toBe('lan');
  });

  it('keeps an unset ${VAR} as written, warns that OpenClaw refuses the config, and names the key', async () => {
    const { home: h } = home('{ gateway: { bind: "${OC_BIND}", customBindHost: "$${OC_HOST}" } }');
    const data = expectOk((await resolveIn(h)).config);
    expect(data.value).toEqual({ gateway: { bind: '${OC_BIND}', customBindHost: '${OC_HOST}' } });
    expect(data.warnings).toEqual(['gateway.bind: environment variable OC_BIND is not set; OpenClaw refuses to load the config until it is']);
    expect(data.unset).toEqual({ 'gateway.bind': ['OC_BIND'] });
  });

  it('treats an empty variable as unset', async () => {
    const { home: h } = home('{ gateway: { bind: "${OC_BIND}" } }');
    const data = expectOk((await resolveIn(h, { env: { OC_BIND: '' } })).config);
    expect(data.value).toEqual({ gateway: { bind: '${OC_BIND}' } });
    expect(data.warnings).toHaveLength(1);
  });
});

describe('secrets', () => {
  const TOKEN = 'f3a9c1d7e5b2a8c4f6d0e1b3a5c7d9e2';

  it('redacts a literal token, keeping its length', async () => {
    const { home: h } = home(`{ gateway: { auth: { mode: "token", token: "${TOKEN}" } } }`);
    const vault = new SecretVault();
    const r = await resolveIn(h, {}, vault);
    expect(get(expectOk(r.config).value, 'gateway.auth')).toEqual({ mode: 'token', token: { $redacted: true, length: 32 } });
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    expect(vault.scrubText(`x${TOKEN}x`)).toBe('x[REDACTED]x');
  });

  it('records which variable a substituted secret came from', async () => {
    const { home: h } = home('{ gateway: { auth: { token: "${OPENCLAW_GATEWAY_TOKEN}", password: "${GW}" } } }');
    const r = await resolveIn(h, { env: { OPENCLAW_GATEWAY_TOKEN: TOKEN, GW: 'pw-123456' } });
    expect(get(expectOk(r.config).value, 'gateway.auth')).toEqual({
      token: { $redacted: true, length: 32, from: 'env:OPENCLAW_GATEWAY_TOKEN' },
      password: { $redacted: true, length: 9, from: 'env:GW' },
    });
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    expect(JSON.stringify(r)).not.toContain('pw-123456');
  });

  it('says when a secret reference is unresolved, without putting the reference in the vault', async () => {
    const { home: h } = home('{ gateway: { auth: { token: "${OPENCLAW_GATEWAY_TOKEN}" } } }');
    const vault = new SecretVault();
    const data = expectOk((await resolveIn(h, {}, vault)).config);
    expect(get(data.value, 'gateway.auth.token')).toEqual({ $redacted: true, length: 25, from: 'unresolved-env:OPENCLAW_GATEWAY_TOKEN' });
    expect(vault.scrubText('Environment=X=${OPENCLAW_GATEWAY_TOKEN}')).toBe('Environment=X=${OPENCLAW_GATEWAY_TOKEN}');
    expect(data.warnings[0]).toContain('OPENCLAW_GATEWAY_TOKEN');
  });

  it('remembers secrets from .env files and scrubs them where they were substituted into other keys', async () => {
    const { home: h } = home('{ gateway: { remote: { url: "wss://gw/?t=${OPENCLAW_GATEWAY_TOKEN}" } } }');
    write(h, '.openclaw/.env', `OPENCLAW_GATEWAY_TOKEN=${TOKEN}\nHARMLESS=visible-value\n`);
    const vault = new SecretVault();
    const r = await resolveIn(h, {}, vault);
    expect(get(expectOk(r.config).value, 'gateway.remote.url')).toBe('wss://gw/?t=[REDACTED]');
    expect(vault.scrubText(TOKEN)).toBe('[REDACTED]');
    expect(vault.scrubText('visible-value')).toBe('visible-value');
  });

  it('scrubs a value seen under a secret key wherever else it appears', async () => {
    const { home: h } = home('{ gateway: { auth: { token: "${GW}" }, remote: { url: "wss://h/${GW}" } } }');
    const r = await resolveIn(h, { env: { GW: TOKEN } });
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it('redacts secrets in the env block and in included files', async () => {
    const { home: h } = home(`{ env: { OPENAI_API_KEY: "${TOKEN}" }, hooks: { $include: "./hooks.json5" } }`);
    write(h, '.openclaw/hooks.json5', `{ token: "${TOKEN.split('').reverse().join('')}" }`);
    const r = await resolveIn(h);
    const data = expectOk(r.config);
    expect(get(data.value, 'env.OPENAI_API_KEY')).toEqual({ $redacted: true, length: 32 });
    expect(get(data.value, 'hooks.token')).toEqual({ $redacted: true, length: 32 });
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    expect(JSON.stringify(r)).not.toContain(TOKEN.split('').reverse().join(''));
  });

  it('keeps a secret out of a syntax error', async () => {
    const { home: h } = home(`{ gateway: { auth: { token: "${TOKEN}" x } } }`);
    const r = await resolveIn(h);
    expect(expectInvalid(r.config).error.message).toBe("invalid character 'x'");
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it('never lets a random token out, however it is written (property)', async () => {
    const h = tempDir();
    const file = path.join(h, '.openclaw/openclaw.json');
    type Placement = (t: string) => { config: string; env?: Record<string, string>; dotenv?: string };
    const placements: Placement[] = [
      (t: string) => ({ config: `{ gateway: { auth: { token: "${t}" } } }` }),
      (t: string) => ({ config: `{ gateway: { auth: { password: '${t}' } } }` }),
      (t: string) => ({ config: '{ gateway: { auth: { token: "${OPENCLAW_GATEWAY_TOKEN}" } } }', env: { OPENCLAW_GATEWAY_TOKEN: t } }),
      (t: string) => ({ config: '{ gateway: { remote: { url: "x${OPENCLAW_GATEWAY_TOKEN}y" } } }', dotenv: `OPENCLAW_GATEWAY_TOKEN="${t}"` }),
      (t: string) => ({ config: '{ gateway: { auth: { token: "${GW}" } }, x: ["${GW}", "a${GW}"] }', env: { GW: t } }),
      (t: string) => ({ config: `{ env: { vars: { MY_SECRET: "${t}" } }, gateway: { bind: "\${MY_SECRET}" } }` }),
      (t: string) => ({ config: `{ channels: { telegram: { botToken: "${t}" } }, gateway: { auth: { token: "${t}" } }, note: "${t}" }` }),
      (t: string) => ({ config: `{ gateway: { auth: { token: "${t}", } } ,, }` }),
    ];
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9+/_-]{12,48}$/), fc.nat(placements.length - 1), async (token, which) => {
        const placed = placements[which]!(token);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, placed.config);
        fs.writeFileSync(path.join(h, '.openclaw/.env'), placed.dotenv ?? '');
        const r = await resolveIn(h, { env: placed.env ?? {} });
        expect(['ok', 'invalid']).toContain(r.config.status);
        expect(JSON.stringify(r)).not.toContain(token);
      }),
      { numRuns: 150 },
    );
  });
});

describe('locations', () => {
  it('maps every tracked key to its file, line and column', async () => {
    const text = [
      '{',
      '  // where it listens',
      '  "gateway": {',
      "    'bind': 'custom', customBindHost: '10.0.0.5',",
      '    port: 18789,',
      '    auth: {',
      '      mode: "password", /* } */ password: "hunter2hunter2",',
      '      token: "t\\"}{",',
      '    },',
      '    tailscale: { mode: "serve" },',
      '    controlUi: {',
      '      allowedOrigins: ["*"],',
      '      dangerouslyDisableDeviceAuth: true,',
      '      allowInsecureAuth: false,',
      '    },',
      '    trustedProxies: [',
      '      "10.0.0.1",',
      '    ],',
      '  },',
      '}',
    ].join('\n');
    const { home: h, file } = home(text);
    const data = expectOk((await resolveIn(h)).config);
    const at = (line: number, column: number) => ({ file, line, column });
    expect(data.locations).toEqual({
      gateway: at(3, 3),
      'gateway.bind': at(4, 5),
      'gateway.customBindHost': at(4, 23),
      'gateway.port': at(5, 5),
      'gateway.auth': at(6, 5),
      'gateway.auth.mode': at(7, 7),
      'gateway.auth.password': at(7, 33),
      'gateway.auth.token': at(8, 7),
      'gateway.tailscale': at(10, 5),
      'gateway.tailscale.mode': at(10, 18),
      'gateway.controlUi': at(11, 5),
      'gateway.controlUi.allowedOrigins': at(12, 7),
      'gateway.controlUi.dangerouslyDisableDeviceAuth': at(13, 7),
      'gateway.controlUi.allowInsecureAuth': at(14, 7),
      'gateway.trustedProxies': at(16, 5),
    });
  });
});

describe('robustness', () => {
  it('refuses absurd nesting where it starts, instead of exhausting the stack', async () => {
    const { home: h, file } = home(`{a: ${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
    expect(expectInvalid((await resolveIn(h)).config).error).toEqual({ file, line: 1, column: 260, message: 'the config nests deeper than 256 levels' });
  });

  it('accepts nesting up to the bound, and bounds included files too', async () => {
    const ok = `{a: ${'['.repeat(255)}${']'.repeat(255)}}`;
    const { home: h } = home(ok);
    expect((await resolveIn(h)).config.status).toBe('ok');
    write(h, '.openclaw/openclaw.json', '{ $include: "./deep.json5" }');
    write(h, '.openclaw/deep.json5', `{a: ${'{b: '.repeat(300)}1${'}'.repeat(300)}}`);
    expect(expectInvalid((await resolveIn(h)).config).error).toMatchObject({ file: path.join(h, '.openclaw/deep.json5'), line: 1, column: 1025 });
  });
});

describe('robustness (property)', () => {
  const fragment = fc.constantFrom(
    '{',
    '}',
    '[',
    ']',
    ':',
    ',',
    ' ',
    '\n',
    '"',
    "'",
    '\\',
    '/',
    '*',
    '//c\n',
    '/* c */',
    'gateway',
    'bind',
    '"lan"',
    "'x'",
    '1',
    '-2.5e3',
    'true',
    'null',
    'Infinity',
    '$include',
    '"./inc.json5"',
    '"../up.json5"',
    '"${TOKEN}"',
    '"$${X}"',
    'auth',
    'token',
    '\u2028',
    '\ufeff',
  );
  const json5ish = fc.oneof(
    fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.nat(), fc.boolean()).map(([value, cut, whole]) => {
      const text = JSON5.stringify({ gateway: value }, null, 2);
      return whole ? text : text.slice(0, cut % (text.length + 1));
    }),
  );

  it('gives ok or invalid with a line >= 1 for anything, and never throws', async () => {
    const h = tempDir();
    const file = path.join(h, '.openclaw/openclaw.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    write(h, '.openclaw/inc.json5', '{ bind: "lan" }');
    await fc.assert(
      fc.asyncProperty(json5ish, async (text) => {
        fs.writeFileSync(file, text);
        const r = await resolveIn(h, { env: { TOKEN: 'abcdefgh' } });
        expect(['ok', 'invalid']).toContain(r.config.status);
        if (r.config.status === 'invalid') {
          expect(r.config.error.line).toBeGreaterThanOrEqual(1);
          expect(r.config.error.column ?? 1).toBeGreaterThanOrEqual(1);
          expect(r.config.error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
