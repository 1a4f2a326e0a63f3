import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathOwners, readDir } from '../../../src/collect/host.js';
import { collectFromScriptOutput } from '../../../src/collect/index.js';
import { generateScript } from '../../../src/collect/script/generate.js';
import type { DoorsState, Snapshot } from '../../../src/snapshot/types.js';
import { output } from './recording.js';

/**
 * Traefik from a recording of the collection script, run as root, of a traefik whose owner is
 * uid 1000: its file provider's directory that could not be listed is a problem naming it (never
 * an empty directory), and a file its owner could not read is never parsed, whatever the
 * recording holds; an owner or a path that could not be examined refuses the read (fail closed).
 */

const PID = 4400;
const STATIC = '/srv/t/traefik.yml';
const ROOT_DIR = '0 0 41ed'; // a directory of root's, 0755
const USER_FILE = '1000 1000 81a4'; // a file of the owner's, 0644

type Rec = [string, string, string, string];

function recording(provider: string, extra: Rec[], status = `Name:\tsleep\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t\n`): Buffer {
  const argv = ['traefik', `--configFile=${STATIC}`].map((a) => `${PID}/cmdline:${a}\0`).join('');
  return output([
    ['fact', 'ok', 'pid', '999'],
    ['fact', 'ok', 'uid', '0'],
    ['fact', 'ok', 'cwd', '/root'],
    ['link', 'ok', '/proc/self/ns/net', 'net:[1]'],
    ['argv', 'ok', '/proc', argv],
    ['link', 'ok', `/proc/${PID}/ns/net`, 'net:[1]'],
    ['read', status ? 'ok' : 'missing', `/proc/${PID}/status`, status],
    ['link', 'ok', `/proc/${PID}/cwd`, '/srv/t'],
    ['raw', 'ok', `/proc/${PID}/environ`, 'HOME=/srv/t\0'],
    ['read', 'ok', '/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nt:x:1000:1000::/srv/t:/bin/sh\n'],
    ['owners', 'ok', STATIC, `${STATIC}\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${USER_FILE}`],
    ['read', 'ok', STATIC, `entryPoints:\n  web:\n    address: ":8080"\nproviders:\n  file:\n${provider}`],
    ...extra,
  ]);
}

const doorsOf = (s: Snapshot): DoorsState => (s.doors?.status === 'ok' ? s.doors.data : { doors: [], problems: [], read: [] });
const mine = (s: Snapshot) => ({ doors: doorsOf(s).doors.filter((d) => d.pid === PID), problems: doorsOf(s).problems.filter((p) => p.pid === PID) });

const ROUTES = `http:\n  routers:\n    r:\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: "http://secret-upstream:18789"\n`;

describe('Traefik from a recording of the collection script', () => {
  it('reads the file provider directory and its files, a subdirectory walked, a symbolic link to one not', async () => {
    const snapshot = await collectFromScriptOutput(
      recording('    directory: /srv/t/conf.d/\n', [
        ['owners', 'ok', '/srv/t/conf.d', `/srv/t/conf.d\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}`],
        ['dir', 'ok', '/srv/t/conf.d', '-gw.yml\0-README\0dsub\0-linked\0'],
        ['owners', 'ok', '/srv/t/conf.d/gw.yml', `/srv/t/conf.d/gw.yml\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${USER_FILE}`],
        ['read', 'ok', '/srv/t/conf.d/gw.yml', ROUTES],
        ['owners', 'ok', '/srv/t/conf.d/sub', `/srv/t/conf.d/sub\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}`],
        ['dir', 'ok', '/srv/t/conf.d/sub', ''],
      ]),
      'h.out',
    );
    // (the other collectors' reads are not in this small recording)
    expect(snapshot.collection?.missing.filter((m) => m.includes('/srv/t'))).toEqual([]);
    expect(mine(snapshot).problems).toEqual([]);
    expect(mine(snapshot).doors).toMatchObject([
      { kind: 'traefik', upstream: { host: 'secret-upstream', port: 18789 }, location: { file: '/srv/t/conf.d/gw.yml' } },
    ]);
  });

  it('a directory that could not be listed is a problem naming it, not an empty directory', async () => {
    const snapshot = await collectFromScriptOutput(
      recording('    directory: /srv/t/conf.d\n', [
        ['owners', 'ok', '/srv/t/conf.d', `/srv/t/conf.d\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}`],
        ['dir', 'EACCES', '/srv/t/conf.d', ''],
      ]),
      'h.out',
    );
    expect(mine(snapshot).doors).toEqual([]);
    expect(mine(snapshot).problems).toEqual([
      expect.objectContaining({
        kind: 'traefik',
        source: '/srv/t/conf.d',
        detail: expect.stringMatching(/every file in \/srv\/t\/conf\.d, which could not be listed: .*permission denied; run as root/),
      }),
    ]);
  });

  it('a directory the recording does not hold is a problem, and listed as missing', async () => {
    const snapshot = await collectFromScriptOutput(
      recording('    directory: /srv/t/conf.d\n', [['owners', 'ok', '/srv/t/conf.d', `/srv/t/conf.d\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}\n${ROOT_DIR}`]]),
      'h.out',
    );
    expect(mine(snapshot).problems).toMatchObject([{ source: '/srv/t/conf.d', detail: expect.stringContaining('was not read by the collection script') }]);
    expect(snapshot.collection?.missing).toContain('list /srv/t/conf.d');
  });

  it('never parses a file its owner could not read, even when the recording holds its bytes', async () => {
    const snapshot = await collectFromScriptOutput(
      recording('    filename: /root/secret.yml\n', [
        ['owners', 'ok', '/root/secret.yml', `/root/secret.yml\n${ROOT_DIR}\n0 0 41c0\n0 0 8180`],
        ['read', 'ok', '/root/secret.yml', ROUTES],
      ]),
      'h.out',
    );
    expect(mine(snapshot).doors).toEqual([]);
    expect(mine(snapshot).problems).toMatchObject([
      { source: '/root/secret.yml', detail: expect.stringContaining('/root/secret.yml is not readable by the owner of traefik (uid 1000)') },
    ]);
    expect(JSON.stringify(snapshot)).not.toContain('secret-upstream');
  });

  it.each([
    ['could not be examined on the host', [['owners', 'error', '/srv/t/dyn.yml', '']] as Rec[]],
    ['are not in the recording', [] as Rec[]],
  ])('fails closed when the owners of a path %s', async (_, owners) => {
    const snapshot = await collectFromScriptOutput(recording('    filename: /srv/t/dyn.yml\n', [...owners, ['read', 'ok', '/srv/t/dyn.yml', ROUTES]]), 'h.out');
    expect(mine(snapshot).doors).toEqual([]);
    expect(mine(snapshot).problems).toMatchObject([{ source: '/srv/t/dyn.yml', detail: expect.stringContaining('is not readable by the owner of traefik') }]);
  });

  it('reads nothing as root for a traefik whose owner could not be read', async () => {
    const snapshot = await collectFromScriptOutput(recording('    filename: /srv/t/dyn.yml\n', [['read', 'ok', '/srv/t/dyn.yml', ROUTES]], ''), 'h.out');
    expect(mine(snapshot).doors).toEqual([]);
    expect(mine(snapshot).problems).toMatchObject([{ source: STATIC, detail: expect.stringContaining(`the owner of traefik (pid ${PID}) could not be read`) }]);
  });

  it('the script has the Traefik round, its owner check and its directory walk', () => {
    const script = generateScript();
    for (const part of ['path_owners "$1"', 'tr_walk "${d%/}"', "stat -c '%u %g %f'", 'proc_environ "$pid"']) expect(script).toContain(part);
  });
});

describe('HostAccess on this machine: listings and owners that say why they failed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawmoat-hostaccess-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.yml'), 'x: 1\n');

  it('readDir: entries with their kind; a missing path or a file is a failure, not an empty directory', async () => {
    expect(await readDir(dir)).toEqual({ status: 'ok', data: [{ name: 'a.yml', dir: false }] });
    expect(await readDir(join(dir, 'none'))).toMatchObject({ status: 'unavailable', reason: 'not-found' });
    expect(await readDir(join(dir, 'a.yml'))).toMatchObject({ status: 'unavailable', detail: expect.stringContaining('is not a directory') });
  });

  it('pathOwners: / and every component down to the file; missing only when it does not exist', async () => {
    const found = await pathOwners(join(dir, 'a.yml'));
    expect(found.ok && found.chain.length).toBe(join(dir, 'a.yml').split('/').filter(Boolean).length + 1);
    expect(await pathOwners(join(dir, 'none'))).toMatchObject({ ok: false, missing: true });
    expect(await pathOwners(join(dir, 'a.yml', 'below'))).toMatchObject({ ok: false, missing: true });
  });
});
