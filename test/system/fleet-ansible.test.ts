import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../../src/fleet/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { link, Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { run, spawnDaemon, stopPid, waitFor, type RunResult } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * The shipped playbook (ansible/audit.yml and its role), run by ansible-core for real against lab
 * hosts. Each host is a network namespace with its own real sshd and a private /root (the sshd runs
 * in a private mount namespace where /root is a directory of its own, so each host has its own
 * home); ansible-playbook runs in a "control" namespace, itself under a private /root holding its
 * key, ~/.ansible and the lab's known_hosts (strict: a host key not in it is refused). The hosts:
 *
 *   exposed   a gateway (a process renamed "openclaw-gateway", as the real one renames itself)
 *             listening on 0.0.0.0:18789, its openclaw.json saying bind "lan", no firewall
 *   hardened  the same gateway on 127.0.0.1:18789, its config saying "loopback"
 *   down      its sshd stopped after its key was scanned: unreachable
 *   nosudo    reachable as a user who is not root and not in sudoers: sudo asks for a password,
 *             which nobody gives (a user of its own in the host's private /etc/passwd)
 *   noexec    reachable, but Ansible cannot make its temp directory there (remote_tmp under /proc,
 *             as on a host whose home is read-only): the collection fails before the script runs
 *   plain     the exposed host's gateway, collected as a user who is not root with
 *             `clawmoat_become=false` (the role's documented way to audit without root): the
 *             script runs, and what it could not read is unknown in the report, never a pass
 *
 * The play must not stop at the broken hosts, must record them with Ansible's reason, and
 * `clawmoat fleet` over the results must name each host's state right; the hosts' own files
 * (their /root, the gateway's config, their sshd_config) are byte for byte what they were.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** nosudo's login: a user that exists only in that host's private /etc/passwd. */
const LAB_USER = 'clawmoat-lab';
const LAB_UID = 4242;
/** Per-host inventory variables: how each broken host is broken. */
const HOST_VARS: Record<string, string> = {
  noexec: ' ansible_remote_tmp=/proc/clawmoat-lab-no-tmp',
  nosudo: ` ansible_user=${LAB_USER}`,
  plain: ` ansible_user=${LAB_USER} clawmoat_become=false`,
};
/** Hosts whose login is LAB_USER, a user of their own private /etc/passwd. */
const USER_HOSTS = new Set(['nosudo', 'plain']);
const PLAYBOOK = join(REPO, 'ansible', 'audit.yml');
/** A gateway's token, by host and where it is kept: found verbatim in HOST.out, never in the play's log. */
const TOKEN = (host: string, where: 'config' | 'env') => `tok_${where}_${host}_${'Z'.repeat(32)}`;

interface LabHost {
  name: string;
  ns: Netns;
  address: string;
  root: string;
  etc: PrivateEtc;
  sshd: Sshd;
  gatewayHome?: string;
}

/** Every regular file under `dir` → its sha256 (and mode), skipping the `skip` subtrees. */
function treeHashes(dir: string, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path);
      if (skip.includes(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out[rel] = `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${(lstatSync(path).mode & 0o7777).toString(8)}`;
      else out[rel] = entry.isSymbolicLink() ? 'symlink' : 'other';
    }
  };
  walk(dir);
  return out;
}

const req = requires('the Ansible play across lab hosts', ['root', 'netns', 'sshd', 'ansible']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  const hosts: LabHost[] = [];
  let control: Netns;
  let controlEtc: PrivateEtc;
  let home: string;
  let results: string;
  let first: RunResult;
  let fleet: FleetReport;
  let before: Record<string, Record<string, string>>;

  /**
   * A gateway as OpenClaw runs one: a Node process renamed "openclaw-gateway", its HOME holding
   * ~/.openclaw/openclaw.json, its token (TOKEN, unique to the host) in that config and in its
   * environment, where the collection script reads both verbatim.
   */
  async function startGateway(host: LabHost, bind: 'lan' | 'loopback'): Promise<void> {
    const gwHome = tempDir(scope, `gw-${host.name}`);
    mkdirSync(join(gwHome, '.openclaw'), { mode: 0o700 });
    // The host's own text reaches the control machine: Jinja in it must stay text there, never run.
    const comment = `// ${host.name} {{ lookup('pipe', 'touch ${join(home, 'templated')}') }} {% raw %}`;
    writeFileSync(
      join(gwHome, '.openclaw', 'openclaw.json'),
      `${comment}\n{\n  gateway: { bind: "${bind}", port: 18789, auth: { mode: "token", token: "${TOKEN(host.name, 'config')}" } },\n}\n`,
      { mode: 0o600 },
    );
    const address = bind === 'lan' ? '0.0.0.0' : '127.0.0.1';
    const script = `process.title = 'openclaw-gateway'; require('node:net').createServer((s) => s.on('error', () => {})).listen(18789, '${address}');`;
    const daemon = spawnDaemon(...host.ns.argv(process.execPath, ['-e', script]), {
      env: { PATH: labPath(), HOME: gwHome, OPENCLAW_GATEWAY_TOKEN: TOKEN(host.name, 'env') },
      logFile: join(gwHome, 'gateway.log'),
    });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: `gateway ${host.name}` };
    hold(resource);
    scope.defer(`gateway ${host.name}`, async () => {
      await stopPid(daemon.pid, daemon.startTime, 3_000);
      release(resource);
    });
    await waitFor(async () => ((await host.ns.exec(binary('ss'), ['-Hltn', 'sport', '=', ':18789'])).stdout.trim() ? true : undefined), {
      what: `gateway in ${host.name}`,
      timeoutMs: 10_000,
      abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
    });
    host.gatewayHome = gwHome;
  }

  /** What each host has that nobody but its admin may change: /root (but Ansible's own ~/.ansible), the gateway's home, the private /etc copies. */
  function hostFiles(): Record<string, Record<string, string>> {
    return Object.fromEntries(
      hosts.map((h) => [
        h.name,
        {
          ...Object.fromEntries(Object.entries(treeHashes(h.root, ['.ansible'])).map(([k, v]) => [`/root/${k}`, v])),
          ...(h.gatewayHome ? Object.fromEntries(Object.entries(treeHashes(h.gatewayHome, ['gateway.log'])).map(([k, v]) => [`gateway-home/${k}`, v])) : {}),
          ...Object.fromEntries(Object.entries(treeHashes(h.etc.dir)).map(([k, v]) => [`etc/${k}`, v])),
        },
      ]),
    );
  }

  function playbook(extra: string[] = []): Promise<RunResult> {
    return controlEtc.exec(control, 'ansible-playbook', ['-i', join(home, 'inventory.ini'), PLAYBOOK, ...extra], {
      cwd: home,
      allowFail: true,
      timeoutMs: 8 * 60_000,
      env: { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ANSIBLE_RETRY_FILES_ENABLED: '0' },
    });
  }

  async function fleetJson(): Promise<FleetReport> {
    const r = await run(process.execPath, [CLI, 'fleet', results, '--format', 'json', '--fail-on', 'none'], { env: { PATH: labPath(), NO_COLOR: '1' } });
    return JSON.parse(r.stdout) as FleetReport;
  }

  beforeAll(async () => {
    await ensureBuilt();
    home = tempDir(scope, 'ansible-control');
    chmodSync(home, 0o700);
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-ansible-test', '-f', join(home, '.ssh', 'id_ed25519')]);
    const publicKey = readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8').trim();
    // The control machine's clawmoat: the built CLI, as `npm i -g` would put it on the PATH.
    mkdirSync(join(home, 'bin'));
    writeFileSync(join(home, 'bin', 'clawmoat'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
    results = join(home, 'results');

    control = await Netns.create(scope, 'ctl');
    controlEtc = PrivateEtc.create(scope, { home });
    const names = ['exposed', 'hardened', 'down', 'noexec', 'nosudo', 'plain'];
    // LAB_USER: a home of its own, in the passwd of nosudo and plain only.
    const userHome = tempDir(scope, 'lab-user-home');
    chownSync(userHome, LAB_UID, LAB_UID);
    for (const [i, name] of names.entries()) {
      const ns = await Netns.create(scope, `fl${i}`);
      // Public (documentation) addresses and a default route: each host's eth0 faces the internet, as a VPS's does.
      const address = `203.0.113.${4 * i + 1}`;
      await link({ ns: control, ifname: `h${i}`, cidr: `203.0.113.${4 * i + 2}/30` }, { ns, ifname: 'eth0', cidr: `${address}/30` });
      await ns.ip('route', 'add', 'default', 'via', `203.0.113.${4 * i + 2}`);
      const root = tempDir(scope, `root-${name}`);
      chmodSync(root, 0o700);
      writeFileSync(join(root, '.profile'), `# ${name}'s own root profile\n`);
      const user = USER_HOSTS.has(name);
      const etc = PrivateEtc.create(scope, {
        home: root,
        files: user
          ? [
              { target: '/etc/passwd', append: `${LAB_USER}:x:${LAB_UID}:${LAB_UID}:clawmoat lab:${userHome}:/bin/sh\n` },
              { target: '/etc/group', append: `${LAB_USER}:x:${LAB_UID}:\n` },
            ]
          : [],
      });
      const sshd = await Sshd.start(scope, ns, etc, { passwordAuthentication: false, authorizedKeys: [publicKey], otherUsers: user });
      hosts.push({ name, ns, address, root, etc, sshd });
    }
    const [exposed, hardened, down] = hosts;
    await startGateway(exposed!, 'lan');
    await startGateway(hardened!, 'loopback');
    await startGateway(
      hosts.find((h) => h.name === 'plain')!,
      'lan',
    );
    writeFileSync(join(home, 'known_hosts'), hosts.map((h) => `${h.address} ${h.sshd.hostKey}`).join('\n') + '\n', { mode: 0o600 });
    writeFileSync(
      join(home, 'inventory.ini'),
      [
        '[openclaw]',
        ...hosts.map((h) => `${h.name} ansible_host=${h.address}${HOST_VARS[h.name] ?? ''}`),
        '',
        '[openclaw:vars]',
        'ansible_user=root',
        `ansible_ssh_private_key_file=${join(home, '.ssh', 'id_ed25519')}`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${join(home, 'known_hosts')} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=5'`,
        `clawmoat_bin=${join(home, 'bin', 'clawmoat')}`,
        `clawmoat_output_dir=${results}`,
        'clawmoat_fail_on=critical',
        '',
      ].join('\n'),
    );
    await down!.sshd.stop();

    before = hostFiles();
    // -v prints each task's result: the play's log must still hold no host's secret.
    first = await playbook(['-v']);
    fleet = await fleetJson();
  }, 15 * 60_000);
  afterAll(() => scope.dispose());

  const byFile = (report: FleetReport, name: string) => report.hosts.find((h) => h.file.endsWith(`/${name}.out`) || h.file.endsWith(`/${name}.json`));

  it('saves each reachable host as HOST.out (0600) and each broken one as HOST.failed.json with the reason from Ansible', () => {
    const entries = readdirSync(results).sort();
    expect(entries, first.stdout).toEqual(['down.failed.json', 'exposed.out', 'hardened.out', 'noexec.failed.json', 'nosudo.failed.json', 'plain.out']);
    const nosudo = JSON.parse(readFileSync(join(results, 'nosudo.failed.json'), 'utf8')) as Record<string, string>;
    expect(nosudo).toMatchObject({ clawmoat: 'collection-failed', host: 'nosudo' });
    expect(nosudo.reason).toMatch(/sudo/i);
    expect(nosudo.reason).toMatch(/password/i);
    expect(statSync(results).mode & 0o777).toBe(0o700);
    for (const e of entries) expect(statSync(join(results, e)).mode & 0o777, e).toBe(0o600);
    const down = JSON.parse(readFileSync(join(results, 'down.failed.json'), 'utf8')) as Record<string, string>;
    expect(down).toMatchObject({ clawmoat: 'collection-failed', host: 'down' });
    // no_log on the collection task (its output holds the host's secrets) makes Ansible censor
    // ssh's own words too: the record still says unreachable and how, not ssh's detail.
    expect(down.reason).toMatch(/^unreachable: Failed to connect to the host via ssh: /);
    const noexec = JSON.parse(readFileSync(join(results, 'noexec.failed.json'), 'utf8')) as Record<string, string>;
    expect(noexec).toMatchObject({ clawmoat: 'collection-failed', host: 'noexec' });
    // Ansible counts a temp directory it cannot make as a connection failure.
    expect(noexec.reason).toMatch(/^unreachable: Failed to create temporary directory/);
  });

  it("prints no gateway's token in the play's log, even with -v, while HOST.out (0600) holds them as collected", () => {
    for (const name of ['exposed', 'hardened', 'plain']) {
      const out = readFileSync(join(results, `${name}.out`), 'utf8');
      // Collected (so the log could have shown them): the env as the gateway's user or root reads it.
      if (name !== 'plain') expect(out, name).toContain(TOKEN(name, 'env'));
      for (const where of ['config', 'env'] as const) expect(first.stdout + first.stderr, `${name} ${where}`).not.toContain(TOKEN(name, where));
    }
    expect(first.stdout).toContain('Run the collection script on the host');
  });

  it("keeps a host's text as text on the control machine: Jinja in a config file is not evaluated", () => {
    expect(readFileSync(join(results, 'exposed.out'), 'utf8')).toContain(`{{ lookup('pipe', 'touch ${join(home, 'templated')}') }} {% raw %}`);
    expect(existsSync(join(home, 'templated'))).toBe(false);
  });

  it("clawmoat fleet names each host right: exposed, clean, and unreadable with Ansible's reason", () => {
    const exposed = byFile(fleet, 'exposed');
    const hardened = byFile(fleet, 'hardened');
    expect(exposed, JSON.stringify(fleet.unreadable)).toBeDefined();
    expect(hardened, JSON.stringify(fleet.unreadable)).toBeDefined();
    expect(exposed!.exposure.internet).toBeGreaterThan(0);
    expect(exposed!.worst).toBe('critical');
    expect(exposed!.checks['gateway.bind.public']).toBe('fail');
    expect(hardened!.exposure.internet).toBe(0);
    expect(hardened!.exposure.loopback).toBeGreaterThan(0);
    expect(hardened!.checks['gateway.bind.public']).toBe('pass');
    expect(hardened!.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(fleet.summary).toMatchObject({ hosts: 3, unreadable: 3 });
    const unread = Object.fromEntries(fleet.unreadable.map((u) => [u.host, u.reason]));
    expect(unread.down).toMatch(/^collection failed: unreachable: Failed to connect to the host via ssh/);
    expect(unread.nosudo).toMatch(/^collection failed: .*sudo.*password/i);
    expect(unread.noexec).toMatch(/^collection failed: unreachable: Failed to create temporary directory/);
  });

  it('clawmoat_become=false: the script runs as the login user, and what needs root is unknown in the report, never a pass', () => {
    const plain = byFile(fleet, 'plain');
    expect(plain, JSON.stringify(fleet.unreadable)).toBeDefined();
    const exposed = byFile(fleet, 'exposed')!;
    // The same gateway as on exposed: its socket on every address is seen without root.
    expect(plain!.checks['gateway.bind.public']).toBe('fail');
    // Root's firewall and the gateway's config (in root's home) are not readable by that user.
    const unknown = Object.entries(plain!.checks)
      .filter(([, status]) => status === 'unknown')
      .map(([id]) => id);
    expect(unknown.length, JSON.stringify(plain!.checks)).toBeGreaterThan(0);
    for (const id of unknown) expect(exposed.checks[id], `${id}: unknown as a plain user, decided as root`).not.toBe('unknown');
    expect(plain!.checks['firewall.none']).toBe('unknown');
    expect(plain!.limitations.join('\n')).toMatch(/root/);
  });

  it('fails the play by the fleet exit code, after showing the report; the broken hosts did not stop it', () => {
    expect(first.code, first.stdout).not.toBe(0);
    expect(first.stdout).toContain('clawmoat fleet: 3 hosts read, 3 unreadable');
    expect(first.stdout).toMatch(/clawmoat fleet exit 1: a host has a finding at or above\s+critical/);
    // Every host reached the recording step on the control machine, the broken ones included.
    for (const h of hosts) expect(first.stdout).toContain(`changed: [${h.name} -> localhost]`);
  });

  it("leaves the hosts' own files as they were, and Ansible's temp copy of the script gone", () => {
    expect(hostFiles()).toEqual(before);
    for (const h of hosts.slice(0, 2)) {
      const tmp = join(h.root, '.ansible', 'tmp');
      expect(existsSync(tmp) ? readdirSync(tmp) : [], h.name).toEqual([]);
    }
  });

  it('a second run replaces a stale failure record when the host is back, and clawmoat_fail_on=none passes the play', async () => {
    const down = hosts[2]!;
    await down.sshd.restart({ passwordAuthentication: false, authorizedKeys: [readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8').trim()] });
    const again = await playbook(['-e', 'clawmoat_fail_on=none']);
    expect(again.code, again.stdout).toBe(0);
    expect(readdirSync(results).sort()).toEqual(['down.out', 'exposed.out', 'hardened.out', 'noexec.failed.json', 'nosudo.failed.json', 'plain.out']);
    const report = await fleetJson();
    expect(byFile(report, 'down')).toBeDefined();
    expect(report.unreadable.map((u) => u.host)).toEqual(['noexec', 'nosudo']);
  });
});
