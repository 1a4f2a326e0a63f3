import {
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readForWrite, replaceChecked, writeOutputFile, type TargetBefore } from '../../../src/safe-fs/write.js';

const isRoot = process.getuid?.() === 0;
/** A bare uid with no account: the agent's user, turned hostile. */
const HOSTILE = 12345;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-write-'));
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function planned(path: string): Promise<TargetBefore> {
  const read = await readForWrite(path);
  if ('error' in read) throw new Error(read.error);
  return read.before;
}

describe('replaceChecked', () => {
  it('replaces the file (a new inode, no temp left) and keeps its mode', async () => {
    const file = join(dir, 'sshd.conf');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o640);
    const before = await planned(file);
    const ino = statSync(file).ino;
    const written = await replaceChecked(file, before, 'new\n', { mode: 0o640 });
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o7777).toBe(0o640);
    expect(statSync(file).ino).not.toBe(ino);
    expect(written.ino).toBe(String(statSync(file).ino));
    expect(readdirSync(dir)).toEqual(['sshd.conf']);
  });

  it.runIf(isRoot)('as root: sets the owner, group and special bits it is given', async () => {
    const file = join(dir, 'openclaw.json');
    writeFileSync(file, '{}');
    const before = await planned(file);
    await replaceChecked(file, before, '{"gateway":{}}', { mode: 0o2750, uid: 1234, gid: 5678 });
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1234, 5678, 0o2750]);
  });

  it('refuses, writing nothing, when the file changed after the plan', async () => {
    const file = join(dir, 'openclaw.json');
    writeFileSync(file, '{ a: 1 }');
    const before = await planned(file);
    writeFileSync(file, '{ a: 2 } // the user added this');
    await expect(replaceChecked(file, before, 'planned', { mode: 0o644 })).rejects.toThrow(/changed after the plan was shown; run clawmoat harden again/);
    expect(readFileSync(file, 'utf8')).toBe('{ a: 2 } // the user added this');
  });

  it('refuses when the file was replaced by a symlink after the plan, and leaves the link target alone', async () => {
    const file = join(dir, 'openclaw.json');
    const sentinel = join(dir, 'sentinel');
    writeFileSync(sentinel, 'root data');
    writeFileSync(file, '{}');
    const before = await planned(file);
    rmSync(file);
    symlinkSync(sentinel, file);
    await expect(replaceChecked(file, before, 'attacker text', { mode: 0o644 })).rejects.toThrow(/refused/);
    expect(readFileSync(sentinel, 'utf8')).toBe('root data');
    expect(readlinkSync(file)).toBe(sentinel);
  });

  it('refuses when the directory was swapped for a symlink after the plan', async () => {
    const home = join(dir, 'home');
    const protectedDir = join(dir, 'etc');
    mkdirSync(home);
    mkdirSync(protectedDir);
    writeFileSync(join(home, 'openclaw.json'), '{}');
    writeFileSync(join(protectedDir, 'openclaw.json'), '{}');
    const before = await planned(join(home, 'openclaw.json'));
    renameSync(home, join(dir, 'home.old'));
    symlinkSync(protectedDir, home);
    await expect(replaceChecked(join(home, 'openclaw.json'), before, 'attacker text', { mode: 0o644 })).rejects.toThrow(/refused/);
    expect(readFileSync(join(protectedDir, 'openclaw.json'), 'utf8')).toBe('{}');
  });

  it('refuses a file with a second hard link', async () => {
    const file = join(dir, 'openclaw.json');
    writeFileSync(file, '{}');
    linkSync(file, join(dir, 'elsewhere'));
    const before = await planned(file);
    await expect(replaceChecked(file, before, 'x', { mode: 0o644 })).rejects.toThrow(/2 hard links/);
    expect(readFileSync(join(dir, 'elsewhere'), 'utf8')).toBe('{}');
  });

  it('refuses to create a file that appeared after the plan', async () => {
    const file = join(dir, 'drop-in.conf');
    const before = await planned(file);
    expect(before.file).toBeUndefined();
    writeFileSync(file, 'planted');
    await expect(replaceChecked(file, before, 'x', { mode: 0o644 })).rejects.toThrow(/did not exist when the plan was made/);
    expect(readFileSync(file, 'utf8')).toBe('planted');
  });

  it.runIf(isRoot)("as root: refuses to write where the path's owner could not write", async () => {
    // The user owns home/ but not home/etc-like/ (root's, 0755): root must not write there for them.
    const home = join(dir, 'home');
    mkdirSync(join(home, 'rootdir'), { recursive: true });
    chownSync(home, HOSTILE, HOSTILE);
    writeFileSync(join(home, 'rootdir', 'f'), 'x');
    const before = await planned(join(home, 'rootdir', 'f'));
    await expect(replaceChecked(join(home, 'rootdir', 'f'), before, 'y', { mode: 0o644 })).rejects.toThrow(/uid 12345 controls the path but could not write/);
    expect(readFileSync(join(home, 'rootdir', 'f'), 'utf8')).toBe('x');
  });
});

describe('writeOutputFile', () => {
  it('replaces a symlink at the path instead of writing through it', async () => {
    const sentinel = join(dir, 'sentinel');
    writeFileSync(sentinel, 'root data');
    symlinkSync(sentinel, join(dir, 'snap.json'));
    await writeOutputFile(join(dir, 'snap.json'), '{"ok":true}', 0o600);
    expect(readFileSync(sentinel, 'utf8')).toBe('root data');
    expect(readFileSync(join(dir, 'snap.json'), 'utf8')).toBe('{"ok":true}');
    expect(statSync(join(dir, 'snap.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['sentinel', 'snap.json']);
  });

  it('says in one line that the directory does not exist', async () => {
    await expect(writeOutputFile(join(dir, 'nope', 'x.json'), 'x')).rejects.toThrow(
      `cannot write ${join(dir, 'nope', 'x.json')}: the directory ${join(dir, 'nope')} does not exist`,
    );
  });

  it('refuses to replace a directory', async () => {
    mkdirSync(join(dir, 'd'));
    await expect(writeOutputFile(join(dir, 'd'), 'x')).rejects.toThrow(/is a directory/);
  });
});

describe('writeOutputFile and devices', () => {
  // A null device of the test's own (mknod needs root), never the host's /dev/null: if this
  // regressed, the host's would be the one replaced.
  it.runIf(isRoot)('writes into a character device and leaves it a device (a rename would replace it with a file)', async () => {
    const device = join(dir, 'null');
    execFileSync('mknod', ['-m', '666', device, 'c', '1', '3']);
    const before = statSync(device);
    await writeOutputFile(device, 'report\n');
    const after = statSync(device);
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.ino).toBe(before.ino);
    expect(readdirSync(dir)).toEqual(['null']);
  });
});
