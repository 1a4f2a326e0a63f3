import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectCompose } from '../../../src/collect/compose.js';
import { SecretVault } from '../../../src/snapshot/redact.js';
import { auditSnapshot, exitCodeFor } from '../../../src/audit.js';
import { baselineSnapshot } from '../../fixtures/builders/snapshot.js';

/** Compose files are found the way `docker compose` finds them, and what was named is never dropped. */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-compose-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text = 'services: {}\n') => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const collect = (paths: string[] = [], env: NodeJS.ProcessEnv = {}, cwd = dir) => collectCompose(paths, cwd, new SecretVault(), env);
const names = async (...args: Parameters<typeof collect>) => (await collect(...args)).map((f) => f.path.slice(dir.length + 1));

describe('compose discovery', () => {
  it('takes the first default name in docker compose precedence, then its override', async () => {
    write('docker-compose.yaml');
    write('docker-compose.yml');
    expect(await names()).toEqual(['docker-compose.yml']);
    write('compose.yml');
    write('docker-compose.override.yml');
    expect(await names()).toEqual(['compose.yml', 'docker-compose.override.yml']);
    write('compose.yaml');
    write('compose.override.yaml');
    expect(await names()).toEqual(['compose.yaml', 'compose.override.yaml']);
  });

  it('walks up to the nearest parent that has a compose file', async () => {
    write('compose.yaml');
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    expect(await names([], {}, join(dir, 'a/b'))).toEqual(['compose.yaml']);
  });

  it('puts every file of the project in one project, with the project .env', async () => {
    write('compose.yaml');
    write('compose.override.yaml');
    write('.env', 'PORT=28789\n');
    const files = await collect();
    expect(files.map((f) => f.project)).toEqual([dir, dir]);
    expect(files.map((f) => f.dotenv)).toEqual([{ PORT: '28789' }, { PORT: '28789' }]);
  });

  it('follows COMPOSE_FILE with COMPOSE_PATH_SEPARATOR, from the shell or the .env', async () => {
    write('compose.yaml');
    write('a.yml');
    write('b.yml');
    expect(await names([], { COMPOSE_FILE: 'b.yml:a.yml' })).toEqual(['b.yml', 'a.yml']);
    expect(await names([], { COMPOSE_FILE: 'a.yml;b.yml', COMPOSE_PATH_SEPARATOR: ';' })).toEqual(['a.yml', 'b.yml']);
    write('.env', 'COMPOSE_FILE=a.yml\n');
    expect(await names()).toEqual(['a.yml']);
  });

  it('keeps --compose order (like -f) and reads no override then', async () => {
    write('compose.yaml');
    write('compose.override.yaml');
    write('x.yml');
    expect(await names([join(dir, 'x.yml'), join(dir, 'compose.yaml')])).toEqual(['x.yml', 'compose.yaml']);
  });

  it('records a named file that is missing or a directory, never drops it', async () => {
    mkdirSync(join(dir, 'adir'));
    const files = await collect([join(dir, 'missing.yml'), join(dir, 'adir')]);
    expect(files.map((f) => f.content.status)).toEqual(['unavailable', 'unavailable']);
    expect(files[0]?.content).toMatchObject({ reason: 'not-found' });
  });

  it('finds nothing where there is nothing', async () => {
    expect(await collect([], {}, join(dir))).toEqual([]);
  });
});

describe('an audit on compose files that could not be read', () => {
  const cases: [string, () => Promise<string[]>, RegExp][] = [
    [
      'bad YAML after a public port',
      async () => [write('compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["18789:18789"]\n  bad: [\n')],
      /compose\.yaml cannot be parsed.*:6/,
    ],
    ['a missing file', async () => [join(dir, 'nope.yaml')], /nope\.yaml/],
    ['a directory', async () => (mkdirSync(join(dir, 'd')), [join(dir, 'd')]), /\/d\b/],
  ];
  it.each(cases)('%s: docker.publish.public is unknown, a limitation names the file, --fail-on critical exits 1', async (_name, given, limitation) => {
    const snapshot = { ...baselineSnapshot(), compose: await collect(await given()) };
    const report = auditSnapshot(snapshot);
    const check = report.checks.find((c) => c.id === 'docker.publish.public');
    expect(check?.result, check?.reason).toBe('unknown');
    expect(check?.reason).not.toMatch(/no compose file was given/);
    expect(report.limitations.join('\n')).toMatch(limitation);
    expect(exitCodeFor(report, 'critical')).toBe(1);
  });

  it('an override that publishes 18789 on every address fails, citing the override', async () => {
    write('compose.yaml', 'services:\n  gw:\n    image: ghcr.io/openclaw/openclaw\n    ports: ["127.0.0.1:18789:18789"]\n');
    write('docker-compose.override.yml', 'services:\n  gw:\n    ports:\n      - "18789:18789"\n');
    const report = auditSnapshot({ ...baselineSnapshot(), compose: await collect() });
    const finding = report.findings.find((f) => f.id === 'docker.publish.public');
    expect(finding?.status).toBe('fail');
    expect(finding?.location).toMatchObject({ file: join(dir, 'docker-compose.override.yml'), line: 4 });
    expect(exitCodeFor(report, 'critical')).toBe(1);
  });
});
