import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { link, Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { run, type RunResult } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * The role's timer install (ansible/roles/clawmoat/tasks/timer.yml), run by ansible-core for real
 * with `--tags clawmoat_timer -e clawmoat_install_timer=true` against two lab hosts, each a
 * network namespace with its own sshd whose mount namespace has private copies of the paths the
 * role writes: /etc/systemd/system, /var/lib/prometheus and /usr/local/bin (holding a stand-in
 * clawmoat, which the role requires there). The lab has no systemd as PID 1, so:
 *
 *   systemd    says it runs systemd the way sd_booted(3) asks (a /run/systemd/system directory in
 *              its private /run): the role installs the units, which must land in
 *              /etc/systemd/system as deploy/systemd has them (root, 0644) and pass
 *              `systemd-analyze verify` there; enabling the timer then fails on that host, as it
 *              must where no systemd answers.
 *   nosystemd  has no /run/systemd/system, as a container or WSL host: the role refuses it in one
 *              clear message before writing anything there.
 *
 * This machine's own /etc/systemd/system and /usr/local/bin are left as they were.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PLAYBOOK = join(REPO, 'ansible', 'audit.yml');
const UNITS = ['clawmoat-audit.service', 'clawmoat-audit.timer'];

interface TimerHost {
  name: string;
  ns: Netns;
  address: string;
  etc: PrivateEtc;
  sshd: Sshd;
  /** The private directories mounted over the host's /etc/systemd/system and /var/lib/prometheus. */
  units: string;
  prometheus: string;
}

/** A directory's entries → kind, size, mtime and mode: what must not change on this machine. */
function listing(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir).map((name) => {
      const path = join(dir, name);
      const st = lstatSync(path);
      return [name, `${st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other'} ${st.size} ${st.mtimeMs} ${(st.mode & 0o7777).toString(8)}`];
    }),
  );
}

/** The lines Ansible printed for one task of the role, up to the next task or the recap. */
function taskOutput(stdout: string, task: string): string {
  const start = stdout.indexOf(`TASK [clawmoat : ${task}]`);
  if (start < 0) return '';
  const rest = stdout.slice(start + 1);
  const end = rest.search(/\n(TASK \[|PLAY RECAP)/);
  return end < 0 ? rest : rest.slice(0, end);
}

const req = requires('the Ansible role installing the systemd timer on lab hosts', ['root', 'netns', 'sshd', 'sudo', 'ansible', 'systemd', 'node-exporter']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  const hosts: TimerHost[] = [];
  let play: RunResult;
  let machineBefore: Record<string, Record<string, string>>;
  let machineBooted: boolean;
  const machineDirs = ['/etc/systemd/system', '/usr/local/bin', '/var/lib/prometheus'];

  beforeAll(async () => {
    machineBefore = Object.fromEntries(machineDirs.map((d) => [d, listing(d)]));
    machineBooted = existsSync('/run/systemd/system');
    const home = tempDir(scope, 'ansible-timer-control');
    chmodSync(home, 0o700);
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-timer-test', '-f', join(home, '.ssh', 'id_ed25519')]);
    const publicKey = readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8').trim();
    const control = await Netns.create(scope, 'tctl');
    const controlEtc = PrivateEtc.create(scope, { home });

    for (const [i, name] of ['systemd', 'nosystemd'].entries()) {
      const ns = await Netns.create(scope, `tm${i}`);
      const address = `198.51.100.${4 * i + 1}`;
      await link({ ns: control, ifname: `t${i}`, cidr: `198.51.100.${4 * i + 2}/30` }, { ns, ifname: 'eth0', cidr: `${address}/30` });
      const root = tempDir(scope, `timer-root-${name}`);
      chmodSync(root, 0o700);
      const units = tempDir(scope, `timer-units-${name}`);
      const prometheus = tempDir(scope, `timer-prometheus-${name}`);
      const bin = tempDir(scope, `timer-bin-${name}`);
      for (const d of [units, prometheus, bin]) chmodSync(d, 0o755);
      // The role only checks the CLI is there; systemd-analyze verify checks it is executable.
      writeFileSync(join(bin, 'clawmoat'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      const binds = [
        { source: units, target: '/etc/systemd/system' },
        { source: prometheus, target: '/var/lib/prometheus' },
        { source: bin, target: '/usr/local/bin' },
      ];
      if (name === 'systemd') binds.push({ source: tempDir(scope, 'timer-run-systemd'), target: '/run/systemd/system' });
      const etc = PrivateEtc.create(scope, { home: root, binds });
      const sshd = await Sshd.start(scope, ns, etc, { passwordAuthentication: false, authorizedKeys: [publicKey] });
      hosts.push({ name, ns, address, etc, sshd, units, prometheus });
    }
    writeFileSync(join(home, 'known_hosts'), hosts.map((h) => `${h.address} ${h.sshd.hostKey}`).join('\n') + '\n', { mode: 0o600 });
    writeFileSync(
      join(home, 'inventory.ini'),
      [
        '[openclaw]',
        ...hosts.map((h) => `${h.name} ansible_host=${h.address}`),
        '',
        '[openclaw:vars]',
        'ansible_user=root',
        `ansible_ssh_private_key_file=${join(home, '.ssh', 'id_ed25519')}`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${join(home, 'known_hosts')} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=5'`,
        '',
      ].join('\n'),
    );
    play = await runPlay(home, control, controlEtc);
  }, 10 * 60_000);
  afterAll(() => scope.dispose());

  async function runPlay(home: string, control: Netns, controlEtc: PrivateEtc): Promise<RunResult> {
    return controlEtc.exec(
      control,
      'ansible-playbook',
      ['-i', join(home, 'inventory.ini'), PLAYBOOK, '--tags', 'clawmoat_timer', '-e', 'clawmoat_install_timer=true'],
      {
        cwd: home,
        allowFail: true,
        timeoutMs: 6 * 60_000,
        env: { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ANSIBLE_RETRY_FILES_ENABLED: '0' },
      },
    );
  }

  it('installs the units where the role says, as deploy/systemd has them, root-owned 0644', () => {
    const host = hosts.find((h) => h.name === 'systemd')!;
    expect(readdirSync(host.units).sort(), play.stdout).toEqual(UNITS);
    for (const unit of UNITS) {
      const path = join(host.units, unit);
      const st = statSync(path);
      expect(st.isFile(), unit).toBe(true);
      expect({ uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) }, unit).toEqual({ uid: 0, gid: 0, mode: '644' });
      expect(readFileSync(path, 'utf8'), unit).toBe(readFileSync(join(REPO, 'deploy', 'systemd', unit), 'utf8'));
    }
    const textfile = statSync(join(host.prometheus, 'node-exporter'));
    expect(textfile.isDirectory()).toBe(true);
    expect((textfile.mode & 0o777).toString(8)).toBe('755');
  });

  it('the installed units pass systemd-analyze verify on that host', async () => {
    const host = hosts.find((h) => h.name === 'systemd')!;
    const verify = await host.etc.exec(host.ns, binary('systemd-analyze'), ['verify', ...UNITS.map((u) => `/etc/systemd/system/${u}`)], { allowFail: true });
    expect(verify.code, `${verify.stdout}${verify.stderr}`).toBe(0);
    expect(`${verify.stdout}${verify.stderr}`.trim()).toBe('');
  });

  it('enabling the timer fails where no systemd answers, after the units were installed', () => {
    const enable = taskOutput(play.stdout, 'Enable and start the timer');
    expect(enable, play.stdout).toMatch(/fatal: \[systemd\]: FAILED!/);
    expect(play.code, play.stdout).not.toBe(0);
  });

  it('refuses a host that does not run systemd in one clear message, and writes nothing there', () => {
    const refuse = taskOutput(play.stdout, 'Refuse a host that does not run systemd');
    expect(refuse, play.stdout).toMatch(/skipping: \[systemd\]/);
    expect(refuse).toMatch(/fatal: \[nosystemd\]: FAILED!.*nosystemd does not run systemd \(no \/run\/systemd\/system.*nothing was installed/);
    const host = hosts.find((h) => h.name === 'nosystemd')!;
    expect(readdirSync(host.units)).toEqual([]);
    expect(readdirSync(host.prometheus)).toEqual([]);
    // The refused host went no further in the role.
    expect(taskOutput(play.stdout, 'Install the service and timer units')).not.toMatch(/\[nosystemd\]/);
  });

  it("leaves this machine's own systemd units, /usr/local/bin and textfile directory as they were", () => {
    expect(Object.fromEntries(machineDirs.map((d) => [d, listing(d)]))).toEqual(machineBefore);
    expect(existsSync('/run/systemd/system')).toBe(machineBooted);
  });
});
