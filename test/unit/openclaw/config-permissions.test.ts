import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { expectOk, resolveIn, tempDir, write } from './helpers.js';

// Tests run as root, where chmod cannot make a file unreadable: fake EACCES for
// any path containing a marker instead.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const denied = (p: unknown): boolean => String(p).includes('DENIED');
  const eacces = (p: unknown): NodeJS.ErrnoException => Object.assign(new Error(`EACCES: permission denied, open '${String(p)}'`), { code: 'EACCES' });
  return {
    ...actual,
    readFile: (async (p: unknown, ...rest: unknown[]) => {
      if (denied(p)) throw eacces(p);
      return (actual.readFile as (...a: unknown[]) => Promise<unknown>)(p, ...rest);
    }) as typeof actual.readFile,
    stat: (async (p: unknown, ...rest: unknown[]) => {
      if (String(p).includes('NOSTAT')) throw eacces(p);
      return (actual.stat as (...a: unknown[]) => Promise<unknown>)(p, ...rest);
    }) as typeof actual.stat,
  };
});

describe('unreadable files', () => {
  it('reports an unreadable config as permission-denied', async () => {
    const h = tempDir();
    const file = write(h, 'DENIED/openclaw.json', '{}');
    const r = await resolveIn(h, { env: { OPENCLAW_CONFIG_PATH: file } });
    expect(r.config).toEqual({ status: 'unavailable', reason: 'permission-denied', detail: `${file} is not readable (permission denied)` });
  });

  it('stops at a candidate it cannot even stat, rather than reading a later one', async () => {
    const h = tempDir();
    const state = path.join(h, 'NOSTAT');
    write(h, '.openclaw/openclaw.json', '{}');
    const r = await resolveIn(h, { env: { OPENCLAW_STATE_DIR: state } });
    expect(r.config).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
    expect(r.config.status === 'unavailable' && r.config.detail).toContain(path.join(state, 'openclaw.json'));
  });

  it('reports an unreadable include as permission-denied, naming it and who included it', async () => {
    const h = tempDir();
    const main = write(h, '.openclaw/openclaw.json', '{\n  gateway: { $include: "./DENIED.json5" } }');
    write(h, '.openclaw/DENIED.json5', '{}');
    const r = await resolveIn(h);
    expect(r.config).toEqual({
      status: 'unavailable',
      reason: 'permission-denied',
      detail: `${path.join(h, '.openclaw/DENIED.json5')} (included from ${main}:2) is not readable (permission denied)`,
    });
  });

  it('warns about an unreadable .env and carries on', async () => {
    const h = tempDir();
    const cwd = write(h, 'DENIED/.env', 'A=1').replace(/\/\.env$/, '');
    write(h, '.openclaw/openclaw.json', '{ a: "${A}" }');
    const data = expectOk((await resolveIn(h, { cwd })).config);
    expect(data.value).toEqual({ a: '${A}' });
    expect(data.warnings).toContain(`${path.join(cwd, '.env')} could not be read (permission-denied); variables it may set are unknown`);
  });
});
