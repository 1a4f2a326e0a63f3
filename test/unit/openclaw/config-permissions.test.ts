import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { expectOk, resolveIn, tempDir, write } from './helpers.js';

// Only the config locator's stat is faked (a candidate whose directory cannot even be
// searched): reads go through the real safe reader, which refuses for real below.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const eacces = (p: unknown): NodeJS.ErrnoException => Object.assign(new Error(`EACCES: permission denied, open '${String(p)}'`), { code: 'EACCES' });
  return {
    ...actual,
    stat: (async (p: unknown, ...rest: unknown[]) => {
      if (String(p).includes('NOSTAT')) throw eacces(p);
      return (actual.stat as (...a: unknown[]) => Promise<unknown>)(p, ...rest);
    }) as typeof actual.stat,
  };
});

/** A user (a bare uid) who owns the file and its directory. */
const OTHER_USER = 12345;

/**
 * Make a file unreadable for real. Without root, mode 000 does it. Root reads anything, but
 * clawmoat reads for root only what the owners of a path could read: a file of another user,
 * in that user's directory, with mode 000, is refused.
 */
function unreadable(file: string): string {
  fs.chmodSync(file, 0o000);
  if (process.getuid?.() === 0) {
    fs.chownSync(file, OTHER_USER, OTHER_USER);
    fs.chownSync(path.dirname(file), OTHER_USER, OTHER_USER);
    // mkdtemp's 0700 would keep that user out of everything below it.
    fs.chmodSync(path.dirname(path.dirname(file)), 0o755);
  }
  return file;
}

describe('unreadable files', () => {
  it('reports an unreadable config as permission-denied', async () => {
    const h = tempDir();
    const file = unreadable(write(h, 'DENIED/openclaw.json', '{}'));
    const r = await resolveIn(h, { env: { OPENCLAW_CONFIG_PATH: file } });
    expect(r.config).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
    expect(r.config.status === 'unavailable' && r.config.detail).toMatch(new RegExp(`^${file} is not readable`));
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
    unreadable(write(h, '.openclaw/DENIED.json5', '{}'));
    const r = await resolveIn(h);
    expect(r.config).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
    const detail = r.config.status === 'unavailable' ? r.config.detail : '';
    expect(detail).toMatch(new RegExp(`^${path.join(h, '.openclaw/DENIED.json5')} is not readable`));
    expect(detail).toContain(`(included from ${main}:2)`);
  });

  it('warns about an unreadable .env and carries on', async () => {
    const h = tempDir();
    const cwd = unreadable(write(h, 'DENIED/.env', 'A=1')).replace(/\/\.env$/, '');
    write(h, '.openclaw/openclaw.json', '{ a: "${A}" }');
    const data = expectOk((await resolveIn(h, { cwd })).config);
    expect(data.value).toEqual({ a: '${A}' });
    expect(data.warnings).toContain(`${path.join(cwd, '.env')} could not be read (permission-denied); variables it may set are unknown`);
  });
});
