import { chmodSync, chownSync, lchownSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/types.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { Clawmoat, ensureBuilt } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { run, spawnDaemon, stopPid, waitFor } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * The collection script for real: a lab host (a network namespace with private /etc copies) with
 * an sshd, an nft ruleset, and a gateway-like process of a hostile uid whose HOME holds an
 * openclaw.json (with a token) and a unit file that carries a forged record. The script printed by
 * `collect --print-script` runs there under dash and under busybox sh; `collect --from` parses its
 * output; the snapshot must equal `clawmoat collect` run on the same host, and audit the same.
 */

const HOSTILE = 12345;
const GATEWAY_PORT = 18789;
const TOKEN = 'lab-token-0123456789abcdef0123456789abcdef';

/** A record that would make Docker "answer" if the parser ever read file content as framing. */
const FORGED = `\nR docker 200 8 2\n/version{}\nR which ok 9 19\ntailscale/usr/bin/tailscale\n`;

const req = requires('collect script under dash and busybox sh, and collect --via ssh (root, netns, netfilter, sshd, busybox, hostile-user)', [
  'root',
  'netns',
  'netfilter',
  'sshd',
  'busybox',
  'hostile-user',
]);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let etc: PrivateEtc;
  let clawmoat: Clawmoat;
  let work: string;
  let unitText: string;
  let local: Snapshot;
  let gatewayPid: number;

  /** What differs between two collections of one unchanged host: when, how long, and how. */
  function comparable(snapshot: Snapshot): Omit<Snapshot, 'collectedAt' | 'timings' | 'collection'> {
    const { collectedAt: _at, timings: _t, collection: _c, ...rest } = snapshot;
    return rest;
  }

  async function collectJson(args: string[], into: string): Promise<Snapshot> {
    const result = await clawmoat.run(['collect', ...args, '-o', into]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(readFileSync(into, 'utf8')) as Snapshot;
  }

  async function auditOf(file: string): Promise<Report> {
    const result = await clawmoat.run(['audit', '--format', 'json', '--snapshot', file]);
    expect([0, 1], result.stderr).toContain(result.code);
    return JSON.parse(result.stdout) as Report;
  }

  /** The printed script run in the lab host by `shell`, its output saved to a file. */
  async function runScript(shell: string[], name: string): Promise<string> {
    const script = join(work, 'collect.sh');
    const out = join(work, `${name}.out`);
    const env = { PATH: labPath(), HOME: etc.home ?? work, LANG: 'C.UTF-8', DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}` };
    const result = await etc.exec(lab.gw, binary('sh'), ['-c', `exec "$@" < "${script}" > "${out}"`, 'sh', ...shell], {
      env,
      allowFail: true,
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr).toBe(0);
    return out;
  }

  beforeAll(async () => {
    await ensureBuilt();
    lab = await wan(scope);
    work = tempDir(scope, 'collect-script');
    chmodSync(work, 0o755);
    etc = PrivateEtc.create(scope);
    await Sshd.start(scope, lab.gw, etc, { port: 22, passwordAuthentication: false });
    await lab.gw.exec(binary('nft'), ['-f', '-'], {
      input: `table inet labfilter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport ${GATEWAY_PORT} ip saddr 198.51.100.0/24 drop\n  }\n}\n`,
    });

    // The gateway user's home: a config with a token, and a user unit holding a forged record.
    const home = join(work, 'gateway-home');
    mkdirSync(join(home, '.openclaw'), { recursive: true });
    mkdirSync(join(home, '.config', 'systemd', 'user'), { recursive: true });
    writeFileSync(
      join(home, '.openclaw', 'openclaw.json'),
      `{ gateway: { bind: "lan", port: ${GATEWAY_PORT}, auth: { mode: "token", token: "${TOKEN}" } } }\n`,
    );
    unitText = `[Unit]\nDescription=OpenClaw gateway${FORGED}\n[Service]\nExecStart=/usr/bin/openclaw gateway run\n`;
    const unit = join(home, '.config', 'systemd', 'user', 'openclaw-gateway.service');
    writeFileSync(unit, unitText);
    for (const path of [
      home,
      join(home, '.openclaw'),
      join(home, '.openclaw', 'openclaw.json'),
      join(home, '.config'),
      join(home, '.config', 'systemd'),
      join(home, '.config', 'systemd', 'user'),
      unit,
    ]) {
      chownSync(path, HOSTILE, HOSTILE);
    }

    // A listener whose argv is a gateway's (argv[0] openclaw-gateway), run by the hostile uid with that HOME.
    const listener = `require('node:net').createServer((s) => s.destroy()).listen(${GATEWAY_PORT}, '0.0.0.0');`;
    const daemon = etc.spawn(
      lab.gw,
      binary('setpriv'),
      [
        `--reuid=${HOSTILE}`,
        `--regid=${HOSTILE}`,
        '--clear-groups',
        binary('bash'),
        '-c',
        `exec -a openclaw-gateway "${process.execPath}" -e "$1"`,
        'bash',
        listener,
      ],
      { env: { PATH: labPath(), HOME: home }, logFile: join(work, 'gateway.log') },
    );
    gatewayPid = daemon.pid;
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'fake-gateway' };
    hold(resource);
    scope.defer('fake-gateway', async () => {
      await stopPid(daemon.pid, daemon.startTime, 3_000);
      release(resource);
    });
    await waitFor(
      async () =>
        (await lab.gw.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${GATEWAY_PORT}`], { env: { PATH: labPath() } })).stdout.trim() ? true : undefined,
      { what: 'the gateway-like listener', timeoutMs: 10_000, abort: () => daemon.exited() },
    );

    // IPv6 link-local addresses leave "tentative" a second or two after the link comes up, adding
    // a local route: the host must stop changing before two collections of it can be compared.
    await waitFor(async () => ((await lab.gw.ip('-6', 'addr', 'show', 'tentative')).stdout.trim() === '' ? true : undefined), {
      what: 'IPv6 duplicate address detection in the lab host',
      timeoutMs: 15_000,
    });
    clawmoat = new Clawmoat(scope, lab.gw, etc, { dockerHost: `unix://${join(work, 'no-docker.sock')}` });
    const printed = await clawmoat.run(['collect', '--print-script']);
    expect(printed.code, printed.stderr).toBe(0);
    writeFileSync(join(work, 'collect.sh'), printed.stdout);
    local = await collectJson([], join(work, 'local.json'));
  }, 10 * 60_000);
  afterAll(() => scope.dispose());

  it('reads the lab host locally: the gateway, its config, the ruleset, sshd', () => {
    expect(local.sockets.status === 'ok' && local.sockets.data.some((s) => s.port === GATEWAY_PORT && s.cmdline?.[0] === 'openclaw-gateway')).toBe(true);
    expect(local.openclaw.processes).toHaveLength(1);
    expect(local.openclaw.config.status).toBe('ok');
    expect(JSON.stringify(local.netfilter.nftRuleset)).toContain('labfilter');
    expect(local.sshd.status === 'ok' && local.sshd.data.source).toBe('sshd -T');
  });

  it.each([
    ['dash', ['dash', '-s']],
    ['busybox sh', [binary('busybox'), 'sh', '-s']],
  ])('under %s: collect --from gives the same snapshot as collect, and audit --snapshot the same findings', async (name, shell) => {
    const out = await runScript(shell, name.replace(' ', '-'));
    const file = join(work, `${name.replace(' ', '-')}.json`);
    const parsed = await collectJson(['--from', out], file);
    expect(parsed.collection).toEqual({ transport: 'script', source: out, missing: [] });
    expect(comparable(parsed)).toEqual(comparable(local));
    const [fromScript, fromLocal] = await Promise.all([auditOf(file), auditOf(join(work, 'local.json'))]);
    const summary = (r: Report) => r.findings.map((f) => `${f.id} ${f.status} ${f.message}`).sort();
    expect(summary(fromScript)).toEqual(summary(fromLocal));
    expect(summary(fromScript).some((f) => f.startsWith('gateway.'))).toBe(true);
  });

  it('never prints the gateway token in the snapshot; a forged record in a user-controlled file stays file content', async () => {
    const out = await runScript(['dash', '-s'], 'hostile');
    const file = join(work, 'hostile.json');
    await collectJson(['--from', out], file);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(TOKEN);
    const parsed = JSON.parse(text) as Snapshot;
    // The unit was read whole, forged lines included, and nothing in it became a record.
    expect(parsed.openclaw.units.map((u) => u.content)).toEqual([unitText]);
    expect(parsed.docker.status).toBe('unavailable');
    expect(parsed.tailscale.status === 'ok' ? parsed.tailscale.data.binary : undefined).not.toBe('/usr/bin/tailscale');
    // The raw output does hold the token (it copies the file): that is why it is never written by --via.
    expect(readFileSync(out, 'utf8')).toContain(TOKEN);
  });

  it('refuses a truncated output in one line, exit 2', async () => {
    const out = await runScript(['dash', '-s'], 'whole');
    const whole = readFileSync(out);
    const cut = join(work, 'cut.out');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const result = await clawmoat.run(['collect', '--from', cut]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/truncated/);
  });

  it("never reads a root-only file through the gateway user's symlink (the script's safe read)", async () => {
    const config = join(work, 'gateway-home', '.openclaw', 'openclaw.json');
    const saved = join(work, 'openclaw.json.saved');
    const secret = join(work, 'root-only');
    writeFileSync(secret, 'ROOT-ONLY-MARKER-7f3a\n', { mode: 0o600 });
    renameSync(config, saved);
    symlinkSync(secret, config);
    lchownSync(config, HOSTILE, HOSTILE);
    try {
      const out = await runScript(['dash', '-s'], 'symlink');
      expect(readFileSync(out, 'utf8')).not.toContain('ROOT-ONLY-MARKER');
      const parsed = await collectJson(['--from', out], join(work, 'symlink.json'));
      // Refused before the safe read's own check (a link owned by uid 12345): its owner could not read the target.
      expect(parsed.openclaw.config).toMatchObject({
        status: 'unavailable',
        detail: expect.stringMatching(
          /openclaw\.json is not readable by the owner of the OpenClaw gateway \(uid 12345\), so clawmoat does not read it as root/,
        ) as string,
      });
    } finally {
      rmSync(config);
      renameSync(saved, config);
    }
  });

  const nginxReq = requires('a door: nginx in front of the gateway, read through its own nginx -T', ['nginx']);
  describe.skipIf(nginxReq.skip)(nginxReq.name, nginxReq.options, () => {
    beforeAll(async () => {
      const dir = tempDir(scope, 'nginx');
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, 'sites'));
      writeFileSync(
        join(dir, 'nginx.conf'),
        [
          'worker_processes 1;',
          'events { worker_connections 64; }',
          'http {',
          `  access_log ${dir}/access.log;`,
          `  include ${dir}/sites/*.conf;`,
          '}',
          '',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'sites', 'openclaw.conf'), `server {\n  listen 8080;\n  location / { proxy_pass http://127.0.0.1:${GATEWAY_PORT}; }\n}\n`);
      const daemon = etc.spawn(
        lab.gw,
        binary('nginx'),
        ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', `daemon off; pid ${dir}/nginx.pid;`],
        {
          logFile: join(dir, 'nginx.log'),
        },
      );
      const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'nginx' };
      hold(resource);
      scope.defer('nginx', async () => {
        await stopPid(daemon.pid, daemon.startTime, 3_000);
        release(resource);
      });
      await waitFor(
        async () => ((await lab.gw.exec(binary('ss'), ['-Hltn', 'sport', '=', ':8080'], { env: { PATH: labPath() } })).stdout.trim() ? true : undefined),
        { what: 'nginx in the lab host', timeoutMs: 10_000, abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined) },
      );
    }, 2 * 60_000);

    it('the script reads the door as collect does: same doors, same snapshot, nothing missing', async () => {
      const withDoor = await collectJson([], join(work, 'local-nginx.json'));
      expect(withDoor.doors?.status === 'ok' && withDoor.doors.data.doors.some((d) => d.kind === 'nginx')).toBe(true);
      const out = await runScript(['dash', '-s'], 'nginx');
      const parsed = await collectJson(['--from', out], join(work, 'script-nginx.json'));
      expect(parsed.collection?.missing).toEqual([]);
      expect(parsed.doors).toEqual(withDoor.doors);
      expect(comparable(parsed)).toEqual(comparable(withDoor));
    });
  });

  describe('collect --via ssh:// against the lab host', () => {
    let sshHome: string;
    let client: Clawmoat;
    let sshd: Sshd;

    beforeAll(async () => {
      sshHome = tempDir(scope, 'ssh-home');
      mkdirSync(join(sshHome, '.ssh'), { mode: 0o700 });
      await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-collect-test', '-f', join(sshHome, '.ssh', 'id_ed25519')]);
      const publicKey = readFileSync(join(sshHome, '.ssh', 'id_ed25519.pub'), 'utf8').trim();
      // A second sshd on the lab host that takes the key; its sessions see the host's private /etc.
      sshd = await Sshd.start(scope, lab.gw, PrivateEtc.create(scope), { port: 2222, passwordAuthentication: false, authorizedKeys: [publicKey] });
      writeFileSync(
        join(sshHome, '.ssh', 'config'),
        'Host *\n  IdentityFile ~/.ssh/id_ed25519\n  IdentitiesOnly yes\n  UserKnownHostsFile ~/.ssh/known_hosts\n',
        { mode: 0o600 },
      );
      writeFileSync(join(sshHome, '.ssh', 'known_hosts'), '', { mode: 0o600 });
      client = new Clawmoat(scope, lab.client, PrivateEtc.create(scope, { home: sshHome }));
    }, 5 * 60_000);

    it('refuses a host whose key known_hosts does not hold, in one line, and records nothing', async () => {
      const result = await client.run(['collect', '--via', `ssh://root@${lab.gwAddress}:2222`]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/host key/);
      expect(readFileSync(join(sshHome, '.ssh', 'known_hosts'), 'utf8')).toBe('');
    });

    it('collects the host over ssh: its gateway, ruleset and sshd, no token, nothing missing', async () => {
      writeFileSync(join(sshHome, '.ssh', 'known_hosts'), `[${lab.gwAddress}]:2222 ${sshd.hostKey}\n`, { mode: 0o600 });
      const file = join(tempDir(scope, 'via'), 'via.json');
      const result = await client.run(['collect', '--via', `ssh://root@${lab.gwAddress}:2222`, '-o', file]);
      expect(result.code, result.stderr).toBe(0);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(TOKEN);
      const via = JSON.parse(text) as Snapshot;
      expect(via.collection).toEqual({ transport: 'script', source: `ssh://root@${lab.gwAddress}:2222`, missing: [] });
      // The host's own view, read from elsewhere: the same gateway, config, ruleset, network and netfilter.
      expect(via.openclaw.processes).toEqual(local.openclaw.processes);
      expect(via.openclaw.config).toEqual(local.openclaw.config);
      expect(via.netfilter).toEqual(local.netfilter);
      expect(via.network).toEqual(local.network);
      expect(via.host.hostname).toBe(local.host.hostname);
      expect(via.sockets.status === 'ok' && via.sockets.data.some((s) => s.port === GATEWAY_PORT && s.cmdline?.[0] === 'openclaw-gateway')).toBe(true);
    });

    /**
     * A login that is not root: an sshd of its own whose mount namespace holds private copies of
     * /etc/passwd, /etc/group, /etc/shadow and /etc/sudoers naming a lab user that sudo asks a
     * password of. --sudo must say so in one line (sudo -n never prompts); without --sudo the
     * script runs as that user and what needs root is unavailable, never a pass.
     */
    const sudoReq = requires('a login that sudo asks a password of', ['sudo']);
    describe.skipIf(sudoReq.skip)(sudoReq.name, sudoReq.options, () => {
      const USER = 'clawlab';
      const UID = 23456;
      let port: number;

      beforeAll(async () => {
        const dir = tempDir(scope, 'sudo-host');
        chmodSync(dir, 0o755);
        const home = join(dir, 'home');
        mkdirSync(home, { mode: 0o755 });
        chownSync(home, UID, UID);
        writeFileSync(join(dir, 'passwd'), `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\n${USER}:x:${UID}:${UID}::${home}:/bin/sh\n`);
        writeFileSync(join(dir, 'group'), `${readFileSync('/etc/group', 'utf8').trimEnd()}\n${USER}:x:${UID}:\n`);
        writeFileSync(join(dir, 'shadow'), `root:*:19000:0:99999:7:::\n${USER}:*:19000:0:99999:7:::\n`, { mode: 0o640 });
        writeFileSync(join(dir, 'sudoers'), `Defaults !lecture\nroot ALL=(ALL) ALL\n${USER} ALL=(ALL) ALL\n`, { mode: 0o440 });
        const publicKey = readFileSync(join(sshHome, '.ssh', 'id_ed25519.pub'), 'utf8').trim();
        writeFileSync(join(dir, 'authorized_keys'), `${publicKey}\n`, { mode: 0o644 });
        await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-f', join(dir, 'host_key')]);
        port = 2223;
        writeFileSync(
          join(dir, 'sshd_config'),
          [
            `Port ${port}`,
            'ListenAddress 0.0.0.0',
            `HostKey ${join(dir, 'host_key')}`,
            `PidFile ${join(dir, 'sshd.pid')}`,
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
            'StrictModes no',
            '',
          ].join('\n'),
        );
        const mounts = ['passwd', 'group', 'shadow', 'sudoers'].map((f) => `mount --bind ${join(dir, f)} /etc/${f}`).join(' && ');
        const script = `mount -t tmpfs -o mode=0755 clawmoat-lab /run && mkdir -m 0755 /run/sshd && ${mounts} && exec ${binary('sshd')} -D -e -f ${join(dir, 'sshd_config')}`;
        const daemon = spawnDaemon(...lab.gw.argv(binary('unshare'), ['--mount', '--propagation', 'private', 'sh', '-c', script]), {
          env: { PATH: labPath() },
          logFile: join(dir, 'sshd.log'),
        });
        const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'sudo-sshd' };
        hold(resource);
        scope.defer('sudo-sshd', async () => {
          await stopPid(daemon.pid, daemon.startTime, 3_000);
          release(resource);
        });
        await waitFor(
          async () => ((await lab.gw.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${port}`], { env: { PATH: labPath() } })).stdout.trim() ? true : undefined),
          { what: 'the sudo lab sshd', timeoutMs: 10_000, abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined) },
        );
        const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
        writeFileSync(join(sshHome, '.ssh', 'known_hosts'), `[${lab.gwAddress}]:2222 ${sshd.hostKey}\n[${lab.gwAddress}]:${port} ${hostKey}\n`, {
          mode: 0o600,
        });
      }, 2 * 60_000);

      it('--sudo: sudo asking for a password is one line, exit 2', async () => {
        const result = await client.run(['collect', '--via', `ssh://${USER}@${lab.gwAddress}:${port}`, '--sudo']);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(/sudo asks for a password/);
      });

      it('without --sudo: collected as that user, and what needs root says so', async () => {
        const file = join(tempDir(scope, 'via-user'), 'user.json');
        const result = await client.run(['collect', '--via', `ssh://${USER}@${lab.gwAddress}:${port}`, '-o', file]);
        expect(result.code, result.stderr).toBe(0);
        const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
        expect(snapshot.host.uid).toBe(UID);
        expect(snapshot.netfilter.nftRuleset).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
        // The gateway belongs to another uid: its namespace cannot be read, so it is not counted, and the snapshot says so.
        expect(snapshot.openclaw.processes).toEqual([]);
        const ours = snapshot.openclaw.uncounted?.find((u) => u.pid === gatewayPid);
        expect(ours?.detail).toMatch(/network namespace .* could not be read/);
      });
    });
  });
});
