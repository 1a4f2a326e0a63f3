import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTemps, writeFileAtomic } from '../../../../src/harden/state/atomic-write.js';

const isRoot = process.getuid?.() === 0;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the file (a new inode, no temp left) and keeps its mode', async () => {
    const file = join(dir, 'sshd.conf');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o640);
    const before = statSync(file);
    await writeFileAtomic(file, 'new\n');
    const after = statSync(file);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(after.mode & 0o7777).toBe(0o640);
    expect(after.ino).not.toBe(before.ino);
    expect(readdirSync(dir)).toEqual(['sshd.conf']);
  });

  it.runIf(isRoot)('keeps owner, group and special bits of an existing file', async () => {
    const file = join(dir, 'openclaw.json');
    writeFileSync(file, '{}');
    chownSync(file, 1234, 5678);
    chmodSync(file, 0o2750);
    await writeFileAtomic(file, '{"gateway":{}}');
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1234, 5678, 0o2750]);
  });

  it.runIf(isRoot)('sets owner and mode when asked, overriding the existing ones', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    chmodSync(file, 0o666);
    await writeFileAtomic(file, 'y', { mode: 0o600, uid: 42, gid: 43 });
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([42, 43, 0o600]);
  });

  it('creates a missing file with 0644 (not the umask) or the mode asked for', async () => {
    await writeFileAtomic(join(dir, 'a'), 'a');
    await writeFileAtomic(join(dir, 'b'), 'b', { mode: 0o600 });
    expect(statSync(join(dir, 'a')).mode & 0o7777).toBe(0o644);
    expect(statSync(join(dir, 'b')).mode & 0o7777).toBe(0o600);
  });

  it('writes through a symlink and leaves the link in place', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'target'), 'old');
    symlinkSync('real/target', join(dir, 'link'));
    await writeFileAtomic(join(dir, 'link'), 'new');
    expect(readlinkSync(join(dir, 'link'))).toBe('real/target');
    expect(readFileSync(join(dir, 'real', 'target'), 'utf8')).toBe('new');
  });

  it('refuses to replace a directory', async () => {
    mkdirSync(join(dir, 'd'));
    await expect(writeFileAtomic(join(dir, 'd'), 'x')).rejects.toThrow(/not a regular file/);
  });

  it('removes temps left by dead writers, not those of live ones', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    // PID 2^22+1 is above Linux's pid_max ceiling, so no process has it.
    writeFileSync(join(dir, `.f.clawmoat-${2 ** 22 + 1}-abcdef.tmp`), 'half');
    writeFileSync(join(dir, `.f.clawmoat-${process.pid}-abcdef.tmp`), 'mine');
    const removed = await removeStaleTemps(file);
    expect(removed).toEqual([join(dir, `.f.clawmoat-${2 ** 22 + 1}-abcdef.tmp`)]);
    expect(readdirSync(dir).sort()).toEqual([`.f.clawmoat-${process.pid}-abcdef.tmp`, 'f']);
  });
});
