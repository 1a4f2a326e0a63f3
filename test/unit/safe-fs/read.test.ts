import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readUntrusted, readUntrustedSync } from '../../../src/safe-fs/read.js';
import { ANYONE, walkPath } from '../../../src/safe-fs/walk.js';

const isRoot = process.getuid?.() === 0;
const HOSTILE = 12345;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-read-'));
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readUntrusted', () => {
  it('reads a regular file and says exactly which one it read', async () => {
    writeFileSync(join(dir, 'a.json'), '{}');
    symlinkSync('a.json', join(dir, 'link.json'));
    const read = await readUntrusted(join(dir, 'link.json'));
    expect(read.ok && read.data.toString()).toBe('{}');
    expect(read.ok && read.identity.real).toBe(join(dir, 'a.json'));
    expect(readUntrustedSync(join(dir, 'link.json'))).toEqual(read);
    // The hash harden records is that of the bytes read (taken when first asked for), the same each time.
    const digest = createHash('sha256').update('{}').digest('hex');
    expect(read.ok && read.identity.sha256).toBe(digest);
    expect(read.ok && { ...read.identity }.sha256).toBe(digest);
  });

  it('refuses a FIFO at once instead of hanging on it', async () => {
    execFileSync('mkfifo', [join(dir, 'openclaw.json')]);
    const started = Date.now();
    const read = await readUntrusted(join(dir, 'openclaw.json'));
    expect(read).toMatchObject({ ok: false, reason: 'not-regular', detail: expect.stringContaining('is a FIFO') });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a link to /dev/zero without reading it', async () => {
    symlinkSync('/dev/zero', join(dir, 'openclaw.json'));
    expect(await readUntrusted(join(dir, 'openclaw.json'))).toMatchObject({ ok: false, reason: 'not-regular', detail: expect.stringContaining('is a device') });
  });

  it('refuses a file over the cap without reading it all', async () => {
    writeFileSync(join(dir, 'big.json'), '');
    truncateSync(join(dir, 'big.json'), 100 * 1024 * 1024);
    expect(await readUntrusted(join(dir, 'big.json'))).toMatchObject({ ok: false, reason: 'too-large' });
    writeFileSync(join(dir, 'small.json'), 'x'.repeat(11));
    expect(await readUntrusted(join(dir, 'small.json'), { maxBytes: 10 })).toMatchObject({ ok: false, reason: 'too-large' });
    expect(await readUntrusted(join(dir, 'small.json'), { maxBytes: 11 })).toMatchObject({ ok: true });
  });

  it.runIf(isRoot)("as root: reads nothing through a user's link to a root-only file", async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(dir, 'shadow'), 'root:secret-hash:');
    chmodSync(join(dir, 'shadow'), 0o600);
    symlinkSync(join(dir, 'shadow'), join(home, 'openclaw.json'));
    chownSync(home, HOSTILE, HOSTILE);
    const read = await readUntrusted(join(home, 'openclaw.json'));
    expect(read).toMatchObject({ ok: false, reason: 'permission-denied' });
    expect(JSON.stringify(read)).not.toContain('secret-hash');
  });

  it.runIf(isRoot)("as root: reads a user's own file in the user's own directory", async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'openclaw.json'), '{ gateway: {} }');
    chmodSync(join(home, 'openclaw.json'), 0o600);
    chownSync(join(home, 'openclaw.json'), HOSTILE, HOSTILE);
    chownSync(home, HOSTILE, HOSTILE);
    expect(await readUntrusted(join(home, 'openclaw.json'))).toMatchObject({ ok: true });
  });

  it("refuses a path through another process's root", async () => {
    expect(await readUntrusted(`/proc/${process.pid}/root${dir}/x`)).toMatchObject({ ok: false, reason: 'unsafe' });
  });
});

describe('walkPath', () => {
  it.runIf(isRoot)('names the owners of the path and anyone when a directory on it is world-writable', () => {
    mkdirSync(join(dir, 'open'));
    chmodSync(join(dir, 'open'), 0o777);
    mkdirSync(join(dir, 'user'));
    chownSync(join(dir, 'user'), HOSTILE, HOSTILE);
    expect([...walkPath(join(dir, 'open', 'f')).controllers]).toEqual([ANYONE]);
    expect([...walkPath(join(dir, 'user', 'f')).controllers]).toEqual([HOSTILE]);
    // /tmp is sticky: only its entries' owners count.
    expect([...walkPath(join(dir, 'f')).controllers]).toEqual([]);
  });
});
