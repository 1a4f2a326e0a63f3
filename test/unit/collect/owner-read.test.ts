import { describe, expect, it } from 'vitest';
import { withHost } from '../../../src/collect/host.js';
import { ownerMayRead, ownerMayWrite, readerFor } from '../../../src/collect/owner-read.js';
import { parseFrames } from '../../../src/collect/script/frame.js';
import { replayHost } from '../../../src/collect/script/replay.js';
import { output } from './recording.js';

/**
 * The one rule for files another process names (collect/owner-read.ts): mode bits of every
 * component, as that process's owner (its fsuid, fsgid and groups). Answered here from a
 * recording's `owners` records, as the collection script's host is.
 */

const USER = { uid: 1000, gids: [1000, 27] };
const DIR = (uid: number, gid: number, mode: number) => `${uid} ${gid} ${(0o040000 | mode).toString(16)}`;
const FILE = (uid: number, gid: number, mode: number) => `${uid} ${gid} ${(0o100000 | mode).toString(16)}`;

function host(owners: Record<string, string[]>, records: [string, string, string, string][] = []) {
  const recs: [string, string, string, string][] = [
    ['fact', 'ok', 'uid', '0'],
    ...Object.entries(owners).map(([path, chain]): [string, string, string, string] => ['owners', 'ok', path, [path, ...chain].join('\n')]),
    ...records,
  ];
  return replayHost(parseFrames(output(recs), 't.out')).host;
}

const ROOT = DIR(0, 0, 0o755);

describe('ownerMayRead / ownerMayWrite', () => {
  it('reads by the owner, group (a supplementary one too) or other bits, and needs search on every directory', async () => {
    const h = host({
      '/srv/own': [ROOT, DIR(0, 0, 0o755), FILE(1000, 1000, 0o600)],
      '/srv/group': [ROOT, DIR(0, 0, 0o755), FILE(0, 27, 0o640)],
      '/srv/root': [ROOT, DIR(0, 0, 0o755), FILE(0, 0, 0o600)],
      '/locked/f': [ROOT, DIR(0, 0, 0o700), FILE(0, 0, 0o644)],
    });
    await withHost(h, async () => {
      expect(await ownerMayRead('/srv/own', USER, 'read')).toBe(true);
      expect(await ownerMayRead('/srv/group', USER, 'read')).toBe(true);
      expect(await ownerMayRead('/srv/root', USER, 'read')).toBe(false);
      expect(await ownerMayRead('/locked/f', USER, 'read')).toBe(false);
      // Not recorded: never assumed readable.
      expect(await ownerMayRead('/srv/unrecorded', USER, 'read')).toBe(false);
    });
  });

  it('writes where the owner may write the file, or its directory (in a sticky one, only their own entry)', async () => {
    const h = host({
      '/home/u/own.json': [ROOT, DIR(0, 0, 0o755), DIR(1000, 1000, 0o755), FILE(1000, 1000, 0o600)],
      '/home/u/roots.json': [ROOT, DIR(0, 0, 0o755), DIR(1000, 1000, 0o755), FILE(0, 0, 0o644)],
      '/etc/docker/daemon.json': [ROOT, DIR(0, 0, 0o755), DIR(0, 0, 0o755), FILE(0, 0, 0o644)],
      '/tmp/roots.json': [ROOT, DIR(0, 0, 0o1777), FILE(0, 0, 0o644)],
      '/tmp/theirs.json': [ROOT, DIR(0, 0, 0o1777), FILE(1000, 1000, 0o600)],
    });
    await withHost(h, async () => {
      expect(await ownerMayWrite('/home/u/own.json', USER)).toBe(true);
      // root's file in the user's own directory: they could replace it, so editing it gives them nothing.
      expect(await ownerMayWrite('/home/u/roots.json', USER)).toBe(true);
      expect(await ownerMayWrite('/etc/docker/daemon.json', USER)).toBe(false);
      expect(await ownerMayWrite('/tmp/roots.json', USER)).toBe(false);
      expect(await ownerMayWrite('/tmp/theirs.json', USER)).toBe(true);
      expect(await ownerMayWrite('/etc/docker/daemon.json', { uid: 0, gids: [0] })).toBe(true);
    });
  });

  it('refuses every read for a process whose owner cannot be read, naming the file and the process', async () => {
    const h = host({ '/srv/x.conf': [ROOT, DIR(0, 0, 0o755), FILE(0, 0, 0o644)] }, [['read', 'ok', '/srv/x.conf', 'secret text\n']]);
    await withHost(h, async () => {
      const read = await readerFor(77, 'rinetd').read('/srv/x.conf');
      expect(read).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
      expect(read.status === 'unavailable' && read.detail).toBe(
        'the owner of rinetd (pid 77) could not be read from /proc/77/status, so clawmoat does not read /srv/x.conf as root',
      );
    });
  });
});
