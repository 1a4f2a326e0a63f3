import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupSet, latestBackupSet, listBackupSets, openBackupSet, resolveStateDir, type Journal } from '../../../../src/harden/state/backup-set.js';
import { rollback } from '../../../../src/harden/state/rollback.js';
import { INITIAL_FIREWALL, fakeFirewall, readFirewall, resetFirewall } from './fake-firewall.js';

const isRoot = process.getuid?.() === 0;
let dir: string;
let stateDir: string;
let fw: string;

const hash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const journalOnDisk = (set: BackupSet): Journal => JSON.parse(readFileSync(join(set.dir, 'journal.json'), 'utf8')) as Journal;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-backup-'));
  stateDir = join(dir, 'state');
  fw = join(dir, 'fw.json');
  await resetFirewall(fw);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('backup set and rollback', () => {
  it('restores every file byte for byte with its mode and owner, deletes new files, undoes commands newest first', async () => {
    const sshd = join(dir, 'sshd_config');
    const config = join(dir, 'openclaw.json');
    const dropIn = join(dir, '50-clawmoat.conf');
    writeFileSync(sshd, Buffer.from([0, 1, 2, 255, 10, 13, 10]));
    writeFileSync(config, '{ gateway: { bind: "lan", auth: { token: "secret" } } }\n');
    chmodSync(config, 0o600);
    if (isRoot) chownSync(config, 1000, 1001);
    const before = { sshd: hash(sshd), config: hash(config), configStat: statSync(config) };

    const runner = fakeFirewall(fw);
    const set = await openBackupSet(stateDir, { plan: 'test' });
    await set.runCommand({ run: ['ufw', 'allow', 'ssh-22'], undo: [['ufw', 'delete', 'allow', 'ssh-22']], step: 'ufw.allow-ssh-22' }, runner);
    await set.writeFile(sshd, 'PasswordAuthentication no\n');
    // Apply changes the mode and owner too: rollback must put the old ones back.
    await set.writeFile(config, '{ gateway: { bind: "loopback" } }\n', isRoot ? { mode: 0o644, uid: 0, gid: 0 } : { mode: 0o644 });
    await set.writeFile(dropIn, 'PermitRootLogin no\n');
    await set.runCommand(
      {
        run: ['ufw', 'default', 'deny', 'incoming'],
        undo: [
          ['ufw', 'default', 'allow', 'incoming'],
          ['ufw', 'delete', 'allow', 'noop'],
        ],
      },
      runner,
    );
    await set.writeFile(sshd, 'PasswordAuthentication no\nX11Forwarding no\n'); // a second write to the same file
    await set.finish('applied');
    expect(await readFirewall(fw)).toEqual({ policy: 'deny', rules: ['ssh', 'ssh-22'] });

    writeFileSync(`${fw}.log`, '');
    const result = await rollback(set, { runCommand: runner });
    expect(result.status).toBe('rolled-back');
    expect(result.errors).toEqual([]);
    expect(hash(sshd)).toBe(before.sshd);
    expect(hash(config)).toBe(before.config);
    const st = statSync(config);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, before.configStat.uid, before.configStat.gid]);
    expect(existsSync(dropIn)).toBe(false);
    expect(await readFirewall(fw)).toEqual(INITIAL_FIREWALL);
    // Newest command first; within one command its undo list in order.
    expect(readFileSync(`${fw}.log`, 'utf8')).toBe('ufw default allow incoming\nufw delete allow noop\nufw delete allow ssh-22\n');
    expect(journalOnDisk(set).status).toBe('rolled-back');

    // Twice is harmless: nothing runs, nothing is written.
    writeFileSync(sshd, 'changed after the rollback\n');
    const again = await rollback(await BackupSet.load(set.dir), { runCommand: runner });
    expect(again.status).toBe('already-rolled-back');
    expect(readFileSync(sshd, 'utf8')).toBe('changed after the rollback\n');
    expect(readFileSync(`${fw}.log`, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('journals each action before it happens, then marks it done', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'orig');
    chmodSync(file, 0o640);
    const set = await openBackupSet(stateDir);
    const id = await set.recordFile(file, { step: 'config.bind' });
    // The file is untouched yet, and the journal on disk already says what will change.
    const pending = journalOnDisk(set).actions[0]!;
    expect(pending).toMatchObject({ id, kind: 'file', path: file, existed: true, state: 'pending', mode: 0o640, step: 'config.bind' });
    expect(pending.kind === 'file' && readFileSync(join(set.dir, pending.backup!), 'utf8')).toBe('orig');
    const cmd = await set.recordCommand({ run: ['ufw', 'allow', 'x'], undo: [['ufw', 'delete', 'allow', 'x']] });
    expect(journalOnDisk(set).actions[1]).toMatchObject({
      id: cmd,
      kind: 'command',
      run: ['ufw', 'allow', 'x'],
      undo: [['ufw', 'delete', 'allow', 'x']],
      state: 'pending',
    });
    await set.markDone(id);
    expect(journalOnDisk(set).actions.map((a) => a.state)).toEqual(['done', 'pending']);
    const missing = await set.recordFile(join(dir, 'missing'));
    expect(journalOnDisk(set).actions.find((a) => a.id === missing)).toMatchObject({ existed: false, state: 'pending' });
    // Backups are private: they hold copies of configs with tokens.
    expect(statSync(join(set.dir, 'files', String(id))).mode & 0o777).toBe(0o600);
  });

  it('lists sets newest first and opens the latest', async () => {
    expect(await listBackupSets(stateDir)).toEqual([]);
    expect(await latestBackupSet(stateDir)).toBeUndefined();
    const first = await openBackupSet(stateDir, { n: 1 });
    await first.writeFile(join(dir, 'a'), 'a');
    await first.finish('applied');
    await new Promise((r) => setTimeout(r, 5));
    const second = await openBackupSet(stateDir, { n: 2 });
    await second.runCommand({ run: ['ufw', 'allow', 'y'], undo: [['ufw', 'delete', 'allow', 'y']] }, fakeFirewall(fw));
    const list = await listBackupSets(stateDir);
    expect(list.map((s) => [s.id, s.status, s.files, s.commands, s.meta])).toEqual([
      [second.id, 'applying', 0, 1, { n: 2 }],
      [first.id, 'applied', 1, 0, { n: 1 }],
    ]);
    expect((await latestBackupSet(stateDir))?.id).toBe(second.id);
  });

  it('uses CLAWMOAT_STATE_DIR unless an option is given', () => {
    const saved = process.env.CLAWMOAT_STATE_DIR;
    try {
      delete process.env.CLAWMOAT_STATE_DIR;
      expect(resolveStateDir()).toBe('/var/lib/clawmoat');
      process.env.CLAWMOAT_STATE_DIR = join(dir, 'env');
      expect(resolveStateDir()).toBe(join(dir, 'env'));
      expect(resolveStateDir(join(dir, 'opt'))).toBe(join(dir, 'opt'));
    } finally {
      if (saved === undefined) delete process.env.CLAWMOAT_STATE_DIR;
      else process.env.CLAWMOAT_STATE_DIR = saved;
    }
  });

  it('keeps going past a failing undo, reports it, and retries only what failed', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'orig');
    const runner = fakeFirewall(fw);
    const set = await openBackupSet(stateDir);
    await set.runCommand({ run: ['ufw', 'allow', 'a'], undo: [['ufw', 'delete', 'allow', 'a']] }, runner);
    await set.runCommand({ run: ['ufw', 'allow', 'b'], undo: [['ufw', 'limit', 'fail']] }, runner);
    await set.writeFile(file, 'new');
    const first = await rollback(set, { runCommand: runner });
    expect(first.status).toBe('incomplete');
    expect(first.errors).toEqual([expect.stringMatching(/^ufw allow b: ufw limit fail/)]);
    expect(readFileSync(file, 'utf8')).toBe('orig');
    expect((await readFirewall(fw)).rules).toEqual(['ssh', 'b']);
    expect(journalOnDisk(set).status).toBe('rolling-back');

    writeFileSync(`${fw}.log`, '');
    const second = await rollback(set, { runCommand: runner });
    expect(second.status).toBe('incomplete');
    expect(readFileSync(`${fw}.log`, 'utf8')).toBe('ufw limit fail\n');
  });

  it('runs the undo of a command that was journaled but never marked done (it may have run)', async () => {
    const runner = fakeFirewall(fw);
    const set = await openBackupSet(stateDir);
    await set.recordCommand({ run: ['ufw', 'allow', 'z'], undo: [['ufw', 'delete', 'allow', 'z']] });
    await runner(['ufw', 'allow', 'z']); // ran, then the process "died" before markDone
    await rollback(set, { runCommand: runner });
    expect(await readFirewall(fw)).toEqual(INITIAL_FIREWALL);
  });

  it('runs a reload undo only once every file is restored, so the proxy loads the config as it was', async () => {
    const conf = join(dir, 'site.conf');
    writeFileSync(conf, 'listen 443;\n');
    const seen: string[] = [];
    // The runner stands in for `nginx -s reload`: it notes what the config says when it runs.
    const runner = async (argv: string[]) => {
      seen.push(`${argv.join(' ')}: ${readFileSync(conf, 'utf8').trim()}`);
    };
    const set = await openBackupSet(stateDir);
    await set.writeFile(conf, 'listen 127.0.0.1:443;\n');
    await set.runCommand({ run: ['nginx', '-t'], undo: [] }, runner);
    await set.runCommand({ run: ['nginx', '-s', 'reload'], undo: [['nginx', '-s', 'reload']], undoAfterFiles: true }, runner);
    const result = await rollback(set, { runCommand: runner });
    expect(result.status).toBe('rolled-back');
    expect(readFileSync(conf, 'utf8')).toBe('listen 443;\n');
    expect(seen).toEqual(['nginx -t: listen 127.0.0.1:443;', 'nginx -s reload: listen 127.0.0.1:443;', 'nginx -s reload: listen 443;']);
  });

  it('a config grown to 3 GiB after apply (sparse, by its owner): the undo commands still run, the file is kept as a conflict', async () => {
    const config = join(dir, 'openclaw.json');
    writeFileSync(config, '{ gateway: { bind: "lan" } }\n');
    const runner = fakeFirewall(fw);
    const set = await openBackupSet(stateDir);
    await set.runCommand({ run: ['ufw', 'allow', 'a'], undo: [['ufw', 'delete', 'allow', 'a']] }, runner);
    await set.writeFile(config, '{ gateway: { bind: "loopback" } }\n');
    await set.finish('applied');
    // Over 2 GiB, more than Node reads into one buffer; sparse, so it costs its owner nothing.
    truncateSync(config, 3 * 1024 ** 3);
    const result = await rollback(await BackupSet.load(set.dir), { runCommand: runner });
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('rolled-back');
    expect(await readFirewall(fw)).toEqual(INITIAL_FIREWALL);
    expect(result.conflicts).toEqual([expect.stringMatching(/openclaw\.json changed after apply .*kept as it is/)]);
    expect(statSync(config).size).toBe(3 * 1024 ** 3);
    expect(journalOnDisk(set).status).toBe('rolled-back');
  });

  it('refuses to restore from a damaged backup', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'orig');
    const set = await openBackupSet(stateDir);
    await set.writeFile(file, 'new');
    const action = set.journal.actions[0]!;
    writeFileSync(join(set.dir, action.kind === 'file' ? action.backup! : ''), 'bitrot');
    const result = await rollback(set, { runCommand: fakeFirewall(fw) });
    expect(result.status).toBe('incomplete');
    expect(result.errors[0]).toMatch(/checksum mismatch/);
    expect(readFileSync(file, 'utf8')).toBe('new');
  });
});
