import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { redactYaml, redactYamlLines } from '../../../src/snapshot/redact-yaml.js';
import { SecretVault } from '../../../src/snapshot/redact.js';
import { parseCompose } from '../../../src/model/compose/parse.js';

/** A fresh secret for each place, so a leak names the place. */
const secret = (tag: string): string => `${tag}${randomBytes(8).toString('hex')}`;

function docs(text: string): unknown[] {
  const parsed = parseAllDocuments(text, { merge: true });
  const list = Array.isArray(parsed) ? parsed : [];
  for (const d of list) expect(d.errors, text).toEqual([]);
  return list.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown);
}

/** The paths of the scalars that differ between two documents of the same shape; throws if the shape differs. */
function changedLeaves(a: unknown, b: unknown, path = '$'): string[] {
  if (Array.isArray(a)) {
    expect(Array.isArray(b), path).toBe(true);
    expect((b as unknown[]).length, path).toBe(a.length);
    return a.flatMap((x, i) => changedLeaves(x, (b as unknown[])[i], `${path}[${i}]`));
  }
  if (a && typeof a === 'object') {
    expect(b && typeof b === 'object' && !Array.isArray(b), path).toBe(true);
    expect(Object.keys(b as object), path).toEqual(Object.keys(a));
    return Object.keys(a).flatMap((k) => changedLeaves((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  expect(b === null || typeof b !== 'object', path).toBe(true);
  return a === b ? [] : [path];
}

/** Redacts, and checks the promises: no secret left, same structure, only the named leaves changed, comments kept. */
function check(text: string, secrets: string[], changed: string[], comments: string[] = []) {
  const vault = new SecretVault();
  const out = redactYaml(text, vault);
  expect(out.fallback).toBeUndefined();
  for (const s of secrets) expect(out.text, `${s} leaked`).not.toContain(s);
  const before = docs(text);
  const after = docs(out.text);
  expect(after.length).toBe(before.length);
  expect(before.flatMap((d, i) => changedLeaves(d, after[i], `$${i}`)).sort()).toEqual([...changed].sort());
  for (const c of comments) expect(out.text).toContain(c);
  // Every line keeps its number: findings point into the real file.
  expect(out.text.split('\n').length).toBe(text.split('\n').length);
  for (const s of secrets)
    expect(
      vault.values().some((v) => v.includes(s) || s.includes(v)),
      `${s} not remembered`,
    ).toBe(true);
  return out.text;
}

describe('redactYaml: compose files on the parsed YAML', () => {
  it('masks block scalars of every style, quoted and plain values, and keeps comments and references', () => {
    const [folded1, folded2, literal, keep, plain, single, double] = ['fold', 'fold', 'lit', 'keep', 'plain', 'sq', 'dq'].map(secret);
    const text = [
      '# the gateway',
      'services:',
      '  gw:',
      '    image: openclaw  # pinned',
      '    environment:',
      '      OPENCLAW_GATEWAY_TOKEN: >-',
      `        ${folded1}`,
      `        ${folded2}`,
      '      API_KEY: |',
      `        ${literal}`,
      '      SESSION_SECRET: |2+',
      `          ${keep}`,
      '',
      `      PASSWORD: ${plain} # set by ops`,
      `      DB_PASSWORD: '${single}'`,
      `      HOOK_TOKEN: "${double}"`,
      '      REF_TOKEN: ${OPENCLAW_GATEWAY_TOKEN}',
      '      OPENCLAW_GATEWAY_PORT: "18789"',
      '    ports: ["18789:18789"]',
      '',
    ].join('\n');
    const env = '$0.services.gw.environment';
    const out = check(
      text,
      [folded1!, folded2!, literal!, keep!, plain!, single!, double!],
      ['OPENCLAW_GATEWAY_TOKEN', 'API_KEY', 'SESSION_SECRET', 'PASSWORD', 'DB_PASSWORD', 'HOOK_TOKEN'].map((k) => `${env}.${k}`),
      ['# the gateway', '# pinned', '# set by ops'],
    );
    expect(out).toContain('REF_TOKEN: ${OPENCLAW_GATEWAY_TOKEN}');
    expect(out).toContain('OPENCLAW_GATEWAY_PORT: "18789"');
    expect(docs(out)[0]).toMatchObject({
      services: { gw: { environment: { OPENCLAW_GATEWAY_TOKEN: '[REDACTED]', PASSWORD: '[REDACTED]' }, ports: ['18789:18789'] } },
    });
  });

  it('masks environment as a list of NAME=value, the whole value, and URL passwords in any value', () => {
    const [listed, spaced, urlpw, dburl] = ['lst', 'sp', 'url', 'db'].map(secret);
    const text = [
      'services:',
      '  gw:',
      '    environment:',
      `      - OPENCLAW_GATEWAY_TOKEN=${listed}`,
      `      - "OPENCLAW_GATEWAY_PASSWORD=${spaced} and more"`,
      `      - OPENCLAW_GATEWAY_URL=ws://bob:${urlpw}@gw.example:18789`,
      '      - OPENCLAW_GATEWAY_BIND=lan',
      '  db:',
      '    environment:',
      `      DB_URL: postgres://app:${dburl}@db:5432/app`,
      '',
    ].join('\n');
    const out = check(
      text,
      [listed!, spaced!, urlpw!, dburl!],
      ['$0.services.gw.environment[0]', '$0.services.gw.environment[1]', '$0.services.gw.environment[2]', '$0.services.db.environment.DB_URL'],
    );
    const env = docs(out)[0] as { services: { gw: { environment: string[] }; db: { environment: { DB_URL: string } } } };
    expect(env.services.gw.environment).toEqual([
      'OPENCLAW_GATEWAY_TOKEN=[REDACTED]',
      'OPENCLAW_GATEWAY_PASSWORD=[REDACTED]',
      'OPENCLAW_GATEWAY_URL=ws://bob:[REDACTED]@gw.example:18789',
      'OPENCLAW_GATEWAY_BIND=lan',
    ]);
    expect(env.services.db.environment.DB_URL).toBe('postgres://app:[REDACTED]@db:5432/app');
  });

  it('masks secret flags in command and entrypoint, as flow and block sequences and as strings', () => {
    const [flow, block, eq, str, sh] = ['flow', 'blk', 'eq', 'str', 'sh'].map(secret);
    const text = [
      'services:',
      '  a:',
      `    command: ["openclaw", "gateway", "--token", "${flow}", "--bind", "lan"]`,
      '  b:',
      '    command:',
      '      - openclaw',
      '      - --password',
      `      - ${block}`,
      '      - --port',
      '      - "18789"',
      '  c:',
      `    entrypoint: [openclaw, gateway, --gateway-token=${eq}]`,
      `    command: openclaw gateway --token ${str} --bind lan`,
      '  d:',
      `    command: ["sh", "-c", "exec openclaw gateway --password '${sh}'"]`,
      '',
    ].join('\n');
    const out = check(
      text,
      [flow!, block!, eq!, str!, sh!],
      ['$0.services.a.command[3]', '$0.services.b.command[2]', '$0.services.c.entrypoint[2]', '$0.services.c.command', '$0.services.d.command[2]'],
    );
    const s = (docs(out)[0] as { services: Record<string, { command: unknown; entrypoint?: unknown }> }).services;
    expect(s.a!.command).toEqual(['openclaw', 'gateway', '--token', '[REDACTED]', '--bind', 'lan']);
    expect(s.b!.command).toEqual(['openclaw', '--password', '[REDACTED]', '--port', '18789']);
    expect(s.c!.command).toBe('openclaw gateway --token [REDACTED] --bind lan');
  });

  it('masks through anchors and aliases, flow maps, and every document of a multi-document file', () => {
    const [anchored, viaAlias, flowMap, second] = ['anc', 'ali', 'fm', 'doc2'].map(secret);
    const text = [
      'x-env: &env',
      `  OPENCLAW_GATEWAY_TOKEN: ${anchored}`,
      `x-plain: &plain ${viaAlias}`,
      'services:',
      '  gw:',
      '    environment:',
      '      <<: *env',
      '      HOOK_TOKEN: *plain',
      `    labels: { app: gw, secret: ${flowMap} }`,
      '---',
      `token: ${second}`,
      'other: value',
      '',
    ].join('\n');
    // The alias target is masked where it is written; every alias to it follows.
    const out = check(
      text,
      [anchored!, viaAlias!, flowMap!, second!],
      [
        '$0.x-env.OPENCLAW_GATEWAY_TOKEN',
        '$0.x-plain',
        '$0.services.gw.environment.OPENCLAW_GATEWAY_TOKEN',
        '$0.services.gw.environment.HOOK_TOKEN',
        '$0.services.gw.labels.secret',
        '$1.token',
      ],
    );
    expect(out).toContain('&env');
    expect(out).toContain('*plain');
  });

  it('masks secrets written in comments', () => {
    const [inComment, urlInComment] = ['cmt', 'cu'].map(secret);
    const text = `services:\n  gw:\n    image: openclaw # old OPENCLAW_GATEWAY_TOKEN=${inComment}\n    # was ws://me:${urlInComment}@host\n`;
    const out = check(text, [inComment!, urlInComment!], []);
    expect(out).toContain('# old OPENCLAW_GATEWAY_TOKEN=[REDACTED]');
    expect(out).toContain('# was ws://me:[REDACTED]@host');
  });

  it('leaves compose secrets: and configs: (names and paths) alone, and the model reads the same ports, volumes and networks', () => {
    const token = secret('tok');
    const text = [
      'services:',
      '  openclaw-gateway:',
      '    image: openclaw',
      '    secrets: [gateway_token]',
      '    environment:',
      `      OPENCLAW_GATEWAY_TOKEN: ${token}`,
      '    ports:',
      '      - "0.0.0.0:18789:18789"',
      '      - target: 18790',
      '        published: 18790',
      '    volumes: ["./data:/data:ro"]',
      '    networks: [openclaw-net]',
      'networks:',
      '  openclaw-net: {}',
      'secrets:',
      '  gateway_token:',
      '    file: ./gateway_token.txt',
      '',
    ].join('\n');
    const out = check(text, [token], ['$0.services.openclaw-gateway.environment.OPENCLAW_GATEWAY_TOKEN']);
    const strip = (p: ReturnType<typeof parseCompose>) => JSON.parse(JSON.stringify(p, (k, v: unknown) => (k === 'environment' ? undefined : v))) as unknown;
    expect(strip(parseCompose({ path: 'compose.yaml', text: out, env: {} }))).toEqual(strip(parseCompose({ path: 'compose.yaml', text, env: {} })));
  });

  it('a file that is not YAML leaks nothing: strict line masking, and it says so', () => {
    const [value, folded, next, flagged, url] = ['v', 'f', 'n', 'fl', 'u'].map(secret);
    const text = [
      'services: [',
      `  OPENCLAW_GATEWAY_TOKEN: ${value}`,
      '  PASSWORD: >-',
      `    ${folded}`,
      `    ${next}`,
      '  command:',
      '    - --token',
      `    - ${flagged}`,
      `  DB: mysql://u:${url}@h`,
      '  ports: ["1:1"]',
      '',
    ].join('\n');
    const vault = new SecretVault();
    const out = redactYaml(text, vault);
    expect(out.fallback).toMatch(/not valid YAML/);
    for (const s of [value, folded, next, flagged, url]) expect(out.text).not.toContain(s);
    expect(out.text).toContain('ports: ["1:1"]');
    for (const s of [value, folded, next, flagged, url]) expect(vault.values()).toContain(s);
  });

  it('never lets a random secret out, however the value is written (property)', () => {
    const styles = [
      (s: string) => `TOKEN: ${s}`,
      (s: string) => `TOKEN: "${s}"`,
      (s: string) => `TOKEN: '${s}'`,
      (s: string) => `TOKEN: |\n  ${s}`,
      (s: string) => `TOKEN: >-\n  ${s}\n  ${s}`,
      (s: string) => `env: [TOKEN=${s}]`,
      (s: string) => `env:\n  - TOKEN=${s}`,
      (s: string) => `cmd: [--token, ${s}]`,
      (s: string) => `cmd:\n  - --password\n  - ${s}`,
      (s: string) => `url: ws://u:${s}@h`,
      (s: string) => `cmd: run --password=${s}`,
    ];
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{8,24}$/), fc.constantFrom(...styles), fc.boolean(), (s, style, nested) => {
        const body = style(s);
        const text = nested
          ? `services:\n  gw:\n${body
              .split('\n')
              .map((l) => `    ${l}`)
              .join('\n')}\n`
          : `${body}\n`;
        const out = redactYaml(text);
        expect(out.fallback).toBeUndefined();
        expect(out.text).not.toContain(s);
        const before = docs(text);
        const after = docs(out.text);
        expect(before.flatMap((d, i) => changedLeaves(d, after[i]))).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('redactYamlLines: the strict fallback', () => {
  it('masks indented lines under a secret key and the item after a secret flag', () => {
    const out = redactYamlLines('a:\n  TOKEN: |\n    one1234\n    two1234\n  b: keep\n- --token\n- three1234\n');
    expect(out).toBe('a:\n  TOKEN: |\n    "[REDACTED]"\n    "[REDACTED]"\n  b: keep\n- --token\n- "[REDACTED]"\n');
  });
});
