import { execFileSync } from 'node:child_process';
import { chownSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputRefusal, ownDescriptor } from '../../../src/safe-fs/output.js';
import { writeOutputFile } from '../../../src/safe-fs/write.js';

const isRoot = process.getuid?.() === 0;

describe('ownDescriptor', () => {
  it("names this process's own descriptors, which are written through, never replaced", () => {
    expect(ownDescriptor('/dev/stdout')).toBe(1);
    expect(ownDescriptor('/dev/stderr')).toBe(2);
    expect(ownDescriptor('/dev/fd/63')).toBe(63);
    expect(ownDescriptor('/proc/self/fd/5')).toBe(5);
    expect(ownDescriptor(`/proc/${process.pid}/fd/7`)).toBe(7);
    expect(ownDescriptor('/proc/1/fd/1')).toBeUndefined();
    expect(ownDescriptor('/dev/stdin.json')).toBeUndefined();
    expect(ownDescriptor('report.txt')).toBeUndefined();
  });
});

describe('outputRefusal', () => {
  it('refuses anything but an existing device or FIFO in /dev (a link like /dev/core, a new name)', () => {
    expect(outputRefusal('/dev', undefined)).toMatch(/in \/dev only an existing device or FIFO/);
    expect(outputRefusal('/dev/pts', undefined)).toMatch(/in \/dev only/);
    expect(outputRefusal('/dev/shm', undefined)).toBeUndefined();
    expect(outputRefusal('/dev', lstatSync('/dev/stdout'))).toMatch(/in \/dev only/);
    expect(outputRefusal('/dev', lstatSync('/dev/null'))).toBeUndefined();
    expect(outputRefusal('/tmp', undefined)).toBeUndefined();
    expect(outputRefusal('/devices', undefined)).toBeUndefined();
  });
});

describe.runIf(isRoot)('writeOutputFile into FIFOs, as root', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clawmoat-output-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses another user's FIFO before opening it (its owner would receive the output)", async () => {
    const fifo = join(dir, 'theirs');
    execFileSync('mkfifo', ['-m', '0666', fifo]);
    chownSync(fifo, 65534, 65534);
    await expect(writeOutputFile(fifo, 'secret\n')).rejects.toThrow(`refused to write ${fifo}: it is a FIFO of uid 65534, who would receive the output`);
  });

  it('a FIFO of its own with no reader is one line at once, never a hang', async () => {
    const fifo = join(dir, 'mine');
    execFileSync('mkfifo', ['-m', '0600', fifo]);
    await expect(writeOutputFile(fifo, 'report\n')).rejects.toThrow(`cannot write ${fifo}: a FIFO with no process reading it`);
  });
});
