import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import JSON5 from 'json5';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Plan } from '../../src/harden/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { Dockerd } from './lab/dockerd.js';
import { link, Netns, wan, type Wan } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { tcpConnect } from './lab/probe.js';
import { pidsMentioning, run, sleep, waitFor, type RunResult } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * `clawmoat harden` on a real gateway host. H (the lab's gw namespace, private /etc/ufw,
 * /etc/default/ufw and sshd_config) runs:
 *   sshd on 2222 (not 22), keys only
 *   the real OpenClaw gateway on 28789, started without --bind: its annotated JSON5 config
 *     says bind "lan", so it listens on 0.0.0.0
 *   with Docker: a dockerd and a container named openclaw-gateway publishing 28791 (the
 *     gateway port + 2) on 0.0.0.0, and an annotated compose file for it (--compose)
 *   UFW installed and inactive
 * and is linked to three machines:
 *   internet  eth0  198.51.100.2   (H's default route)
 *   admin     eth1  192.168.50.2   (LAN; logs in to H over SSH with a key)
 *   tailnet   tailscale0 100.101.102.104/10 (H is 100.101.102.103)
 * harden --apply runs over the admin's SSH session (SSH_CONNECTION set), as a user would.
 * Every run has its own --state-dir. After each case the host is back where it started:
 * rulesets (iptables-save/ip6tables-save, counters stripped) and files (SHA-256) are compared
 * with the state captured before the first run.
 */

const SSH_PORT = 2222;
const GATEWAY_PORT = 28789;
const CONTAINER_PORT = GATEWAY_PORT + 2;
const LAN = { host: '192.168.50.1', admin: '192.168.50.2' };
const TAILNET = { host: '100.101.102.103', peer: '100.101.102.104' };

const COMMENTS = [
  '// OpenClaw gateway config, annotated by hand.',
  '  // Where the gateway listens. "lan" means every interface.',
  '    bind: "lan", // reachable from the LAN, and without a firewall from the internet',
  '    /* the port comes from --port */',
  '  // Its log would otherwise go to the shared /tmp/openclaw.',
];

function gatewayConfig(home: string): string {
  return [
    COMMENTS[0],
    '{',
    COMMENTS[1],
    '  gateway: {',
    COMMENTS[2],
    COMMENTS[3],
    // OpenClaw restarts itself when gateway.bind changes (20-70 s here): with reload off it keeps
    // listening on 0.0.0.0 until restarted, so what closes it from outside is the firewall alone.
    '    reload: { mode: "off" },',
    '  },',
    COMMENTS[4],
    `  logging: { file: "${join(home, 'openclaw.log')}" },`,
    '}',
    '',
  ].join('\n');
}

const COMPOSE = [
  '# The gateway, the compose way (annotated by hand).',
  'services:',
  '  openclaw-gateway:',
  '    image: bb:local # busybox stands in for the gateway image',
  '    ports:',
  `      - "${CONTAINER_PORT}:${CONTAINER_PORT}" # browser control`,
  '    # keep the container on its own network',
  '',
].join('\n');

interface Host {
  lab: Wan;
  admin: Netns;
  tailnet: Netns;
  etc: PrivateEtc;
  gateway: OpenclawGateway;
  dockerd?: Dockerd;
  compose?: string;
  /** An empty HOME for clawmoat: the gateway's config must be found through the gateway process. */
  home: string;
  sshKey: string;
  knownHosts: string;
}

interface HostState {
  v4: string;
  v6: string;
  files: Record<string, string>;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * iptables-save without counters and comments. A filter table with nothing in it and
 * every built-in chain at ACCEPT filters nothing, exactly as no table does: ufw's first
 * enable creates the table, and no tool deletes it again (iptables-nft keeps it, legacy
 * x_tables always has it), so the two are written the same.
 */
function normalizeSave(text: string): string {
  const lines = text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('*')) {
      const end = lines.indexOf('COMMIT', i);
      const body = lines.slice(i + 1, end);
      if (body.every((l) => /^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT$/.test(l))) {
        i = end;
        continue;
      }
    }
    out.push(lines[i]!);
  }
  return out.join('\n');
}

function hashTree(dir: string, base: string, into: Record<string, string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(path, base, into);
    else into[`/etc/ufw/${relative(base, path)}`] = `${sha256(readFileSync(path))} ${(statSync(path).mode & 0o7777).toString(8)}`;
  }
}

async function stateOf(host: Host): Promise<HostState> {
  const [v4, v6] = await Promise.all([host.lab.gw.exec(binary('iptables-save'), []), host.lab.gw.exec(binary('ip6tables-save'), [])]);
  const files: Record<string, string> = {};
  hashTree(host.etc.copyOf('/etc/ufw'), host.etc.copyOf('/etc/ufw'), files);
  files['/etc/default/ufw'] = sha256(readFileSync(host.etc.copyOf('/etc/default/ufw')));
  files['openclaw.json'] = sha256(readFileSync(host.gateway.configPath));
  if (host.compose) files['compose.yaml'] = sha256(readFileSync(host.compose));
  return { v4: normalizeSave(v4.stdout), v6: normalizeSave(v6.stdout), files };
}

interface JournalView {
  dir: string;
  status: string;
  actions: { kind: string; step?: string; state: string }[];
}

/** The backup sets under a state dir, newest first, read straight from their journals. */
function journals(stateDir: string): JournalView[] {
  const backups = join(stateDir, 'backups');
  if (!existsSync(backups)) return [];
  return readdirSync(backups)
    .filter((n) => !n.startsWith('.'))
    .sort()
    .reverse()
    .flatMap((name) => {
      try {
        const journal = JSON.parse(readFileSync(join(backups, name, 'journal.json'), 'utf8')) as Omit<JournalView, 'dir'>;
        return [{ dir: join(backups, name), status: journal.status, actions: journal.actions }];
      } catch {
        return [];
      }
    });
}

/** ufw processes (python3 /usr/sbin/ufw …) running in this namespace. */
function ufwRunningIn(ns: Netns): number[] {
  const netns = `net:[${statSync(ns.path).ino}]`;
  return pidsMentioning('/usr/sbin/ufw').filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`) === netns;
    } catch {
      return false;
    }
  });
}

async function buildHost(scope: Scope, withDocker: boolean): Promise<Host> {
  const lab = await wan(scope);
  const admin = await Netns.create(scope, 'adm');
  const tailnet = await Netns.create(scope, 'tn');
  await link({ ns: lab.gw, ifname: 'eth1', cidr: `${LAN.host}/24` }, { ns: admin, ifname: 'eth0', cidr: `${LAN.admin}/24` });
  await link({ ns: lab.gw, ifname: 'tailscale0', cidr: `${TAILNET.host}/10` }, { ns: tailnet, ifname: 'eth0', cidr: `${TAILNET.peer}/10` });
  const keys = tempDir(scope, 'admin-ssh');
  const sshKey = join(keys, 'id_ed25519');
  await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-harden-test', '-f', sshKey]);
  const etc = PrivateEtc.create(scope);
  const docker = async (): Promise<{ dockerd: Dockerd; compose: string } | undefined> => {
    if (!withDocker) return undefined;
    const dockerd = await Dockerd.start(scope, lab.gw);
    await dockerd.importBusybox();
    await dockerd.runHttpd('openclaw-gateway', [`${CONTAINER_PORT}:${CONTAINER_PORT}`], { port: CONTAINER_PORT });
    const compose = join(tempDir(scope, 'compose'), 'compose.yaml');
    writeFileSync(compose, COMPOSE);
    return { dockerd, compose };
  };
  // The gateway takes longest (20-70 s): everything else starts meanwhile.
  const [sshd, gateway, withContainer] = await Promise.all([
    Sshd.start(scope, lab.gw, etc, { port: SSH_PORT, passwordAuthentication: false, authorizedKeys: [readFileSync(`${sshKey}.pub`, 'utf8').trim()] }),
    OpenclawGateway.start(scope, lab.gw, { port: GATEWAY_PORT, auth: 'token', bindFlag: null, config: gatewayConfig }),
    docker(),
  ]);
  const knownHosts = join(keys, 'known_hosts');
  writeFileSync(knownHosts, `[${LAN.host}]:${SSH_PORT} ${sshd.hostKey}\n`);
  return { lab, admin, tailnet, etc, gateway, ...(withContainer ?? {}), home: tempDir(scope, 'clawmoat-home'), sshKey, knownHosts };
}

const base = requires('harden on a gateway host, over SSH', ['root', 'netns', 'netfilter', 'ufw', 'sshd', 'openclaw']);
const dockerReq = requires('harden with a container publishing a gateway port', ['root', 'netns', 'netfilter', 'ufw', 'sshd', 'openclaw', 'docker']);

describe.skipIf(base.skip)(base.name, base.options, () => {
  const scope = new Scope();
  let host: Host;
  let baseline: HostState;
  const timings: string[] = [];

  function env(): Record<string, string> {
    return {
      PATH: labPath(),
      HOME: host.home,
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      DOCKER_HOST: host.dockerd?.host ?? `unix://${join(host.home, 'no-docker.sock')}`,
    };
  }

  /** harden's own arguments, plus the compose file when there is one. */
  function hardenArgs(args: string[]): string[] {
    return ['harden', ...args, ...(host.compose ? ['--compose', host.compose] : [])];
  }

  /** A state dir for one case; the dead-man watchers started for it are found by it (and only they are ever stopped). */
  function stateDir(label: string): string {
    const dir = tempDir(scope, `state-${label}`);
    const watchers: Resource = { kind: 'processes-mentioning', marker: dir, label: 'harden dead-man watcher' };
    hold(watchers);
    scope.defer(`watchers of ${dir}`, async () => {
      for (const pid of pidsMentioning(dir)) process.kill(pid, 'SIGKILL');
      release(watchers);
    });
    return dir;
  }

  /** clawmoat in H, run locally (no SSH session). */
  async function local(args: string[]): Promise<RunResult> {
    const started = Date.now();
    const result = await host.etc.exec(host.lab.gw, process.execPath, [CLI, ...hardenArgs(args)], { env: env(), allowFail: true, timeoutMs: 120_000 });
    timings.push(`${args.filter((a) => a.startsWith('--') && a !== '--state-dir').join(' ')}: ${Date.now() - started} ms`);
    return result;
  }

  /** Any command in H over a new SSH session from the admin's machine on the LAN. */
  function sshOptions(): string[] {
    return [
      '-F',
      '/dev/null',
      '-i',
      host.sshKey,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${host.knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=5',
    ];
  }

  function ssh(command: string[], timeoutMs = 120_000): Promise<RunResult> {
    return host.admin.exec(binary('ssh'), [...sshOptions(), '-p', String(SSH_PORT), `root@${LAN.host}`, command.map(shellQuote).join(' ')], {
      allowFail: true,
      timeoutMs,
    });
  }

  /** clawmoat in H over the admin's SSH session: SSH_CONNECTION is that session's. */
  async function overSsh(args: string[]): Promise<RunResult> {
    const started = Date.now();
    const vars = Object.entries(env()).map(([k, v]) => `${k}=${v}`);
    const result = await ssh(['env', ...vars, process.execPath, CLI, ...hardenArgs(args)]);
    timings.push(`ssh ${args.filter((a) => a.startsWith('--') && a !== '--state-dir').join(' ')}: ${Date.now() - started} ms`);
    return result;
  }

  async function plan(args: string[] = []): Promise<Plan> {
    const result = await local(['--json', '--state-dir', stateDir('plan'), ...args]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Plan;
  }

  async function expectBaseline(what: string): Promise<void> {
    const now = await stateOf(host);
    expect(now.files, `${what}: files`).toEqual(baseline.files);
    expect(now.v4, `${what}: iptables-save`).toBe(baseline.v4);
    expect(now.v6, `${what}: ip6tables-save`).toBe(baseline.v6);
  }

  async function history(dir: string): Promise<{ status: string }[]> {
    const result = await local(['--history', '--json', '--state-dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { sets: { status: string }[] }).sets;
  }

  beforeAll(async () => {
    await ensureOpenclaw();
    await ensureBuilt();
    const started = Date.now();
    host = await buildHost(scope, !dockerReq.skip);
    timings.push(`host up: ${Date.now() - started} ms (gateway ready after ${host.gateway.readyMs} ms)`);
    baseline = await stateOf(host);
  }, 10 * 60_000);
  afterEach((ctx) => {
    const st = statSync('/dev/null');
    if (!st.isCharacterDevice()) throw new Error(`/dev/null is no longer a device after "${ctx.task.name}"`);
  });
  afterAll(async () => {
    console.log(`harden system test timings:\n  ${timings.join('\n  ')}`);
    await scope.dispose();
  });

  it('the lab is what the cases claim: gateway on 0.0.0.0, SSH on 2222 from the LAN, UFW inactive', async () => {
    expect((await tcpConnect(host.lab.client, host.lab.gwAddress, GATEWAY_PORT)).state).toBe('open');
    expect((await tcpConnect(host.admin, LAN.host, SSH_PORT)).data).toMatch(/^SSH-2\.0-/);
    const whoami = await ssh(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    expect(whoami.stdout.trim(), whoami.stderr).toMatch(new RegExp(`^${LAN.admin} \\d+ ${LAN.host} ${SSH_PORT}$`));
    expect(readFileSync(join(host.etc.copyOf('/etc/ufw'), 'ufw.conf'), 'utf8')).toMatch(/^ENABLED=no$/m);
  });

  it('planning alone changes nothing (ufw --dry-run enable would write ENABLED=yes)', async () => {
    const p = await plan();
    expect(p.steps.map((s) => s.id)).toEqual(expect.arrayContaining(['config.gateway', `ufw.allow-ssh-${SSH_PORT}`, 'ufw.enable']));
    expect(p.lockout?.status).toBe('safe');
    await expectBaseline('after planning');
  });

  it('refuses, over SSH, a plan that would close the session it runs in: exit 1, nothing changed', async () => {
    const dir = stateDir('refused');
    const result = await overSsh(['--apply', '--yes', '--json', '--skip', `ufw.allow-ssh-${SSH_PORT}`, '--state-dir', dir]);
    expect(result.code, result.stderr).toBe(1);
    const p = JSON.parse(result.stdout) as Plan;
    expect(p.steps.map((s) => s.id)).toContain('ufw.enable');
    expect(p.lockout?.status, JSON.stringify(p.lockout)).toBe('refused');
    expect(p.lockout?.reason).toMatch(new RegExp(`this SSH session \\(${LAN.admin} → ${LAN.host}:${SSH_PORT}\\) would be filtered`));
    expect(result.stderr).toMatch(/refused: this plan would lock you out/);
    expect(readdirSync(dir)).toEqual([]);
    await expectBaseline('after the refused plan');
  });

  it('rolls everything back when nobody confirms within --confirm-timeout 3', async () => {
    const dir = stateDir('timeout');
    const result = await overSsh(['--apply', '--yes', '--confirm-timeout', '3', '--state-dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/run `clawmoat harden --confirm` within 3 s/);
    // The watcher's last words: "rollback rolled-back" (or "rollback incomplete …").
    const log = await waitFor(
      async () => {
        const set = journals(dir)[0];
        const text = set && existsSync(join(set.dir, 'deadman.log')) ? readFileSync(join(set.dir, 'deadman.log'), 'utf8') : '';
        return /rollback (rolled-back|already-rolled-back|incomplete)/.test(text) ? text : undefined;
      },
      { what: 'the dead-man rollback', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(log).toMatch(/not confirmed in time: rolling back/);
    expect(journals(dir)[0]!.status, log).toBe('rolled-back');
    await expectBaseline('after the dead-man rollback');
  });

  it('kill -9 during apply, then --rollback, restores everything', async () => {
    const dir = stateDir('killed');
    const [command, args] = host.etc.argv(host.lab.gw, process.execPath, [
      CLI,
      ...hardenArgs(['--apply', '--yes', '--confirm-timeout', '0', '--state-dir', dir]),
    ]);
    const child = spawn(command, args, { env: env(), stdio: 'ignore' });
    const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`${signal ?? code}`)));
    // Killed once the journal says `ufw --force enable` is under way: files written, ufw rules added, ufw starting.
    await waitFor(async () => (journals(dir)[0]?.actions.some((a) => a.step === 'ufw.enable') ? true : undefined), {
      what: 'harden to reach ufw.enable',
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    process.kill(child.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The ufw it had started runs on, orphaned; on a real host ufw's lock in /run would make the rollback wait for it.
    await waitFor(async () => (ufwRunningIn(host.lab.gw).length === 0 ? true : undefined), { what: 'the orphaned ufw', timeoutMs: 30_000, intervalMs: 50 });
    expect(journals(dir)[0]!.status).toBe('applying');
    expect(await stateOf(host)).not.toEqual(baseline);
    const result = await local(['--rollback', '--state-dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(journals(dir)[0]!.status).toBe('rolled-back');
    await expectBaseline('after kill -9 and --rollback');
  });

  it('the SSH session dies mid-apply: the apply still completes, arms the timer, and it rolls back', async () => {
    const dir = stateDir('hangup');
    const vars = Object.entries(env()).map(([k, v]) => `${k}=${v}`);
    const [command, args] = host.admin.argv(binary('ssh'), [
      ...sshOptions(),
      '-p',
      String(SSH_PORT),
      `root@${LAN.host}`,
      ['env', ...vars, process.execPath, CLI, ...hardenArgs(['--apply', '--yes', '--confirm-timeout', '3', '--state-dir', dir])].map(shellQuote).join(' '),
    ]);
    const client = spawn(command, args, { env: { PATH: labPath() }, stdio: 'ignore' });
    const exited = new Promise<string>((resolve) => client.on('exit', (code, signal) => resolve(`${signal ?? code}`)));
    await waitFor(async () => (journals(dir)[0]?.actions.some((a) => a.step === `ufw.allow-ssh-${SSH_PORT}`) ? true : undefined), {
      what: 'harden to reach the ufw steps',
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    // The admin's ssh client dies (a laptop lid, a lost network): sshd closes the session's pipes.
    process.kill(client.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const log = await waitFor(
      async () => {
        const set = journals(dir)[0];
        const text = set && existsSync(join(set.dir, 'deadman.log')) ? readFileSync(join(set.dir, 'deadman.log'), 'utf8') : '';
        return /rollback (rolled-back|already-rolled-back|incomplete)/.test(text) ? text : undefined;
      },
      { what: `the dead-man rollback (the set stayed ${journals(dir)[0]?.status})`, timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(journals(dir)[0]!.status, log).toBe('rolled-back');
    await expectBaseline('after the lost session and the dead-man rollback');
  });

  describe('apply over SSH, --remote loopback', () => {
    let dir: string;
    let applied: RunResult;
    let appliedPlan: Plan;
    let configBefore: string;

    beforeAll(async () => {
      dir = stateDir('loopback');
      configBefore = readFileSync(host.gateway.configPath, 'utf8');
      if (host.dockerd) expect((await tcpConnect(host.lab.client, host.lab.gwAddress, CONTAINER_PORT)).state).toBe('open');
      applied = await overSsh(['--apply', '--yes', '--json', '--confirm-timeout', '120', '--state-dir', dir]);
      appliedPlan = JSON.parse(applied.stdout) as Plan;
    });

    it('applies from the SSH session, judged open before and after', () => {
      expect(applied.code, applied.stderr).toBe(0);
      expect(appliedPlan.lockout?.status).toBe('safe');
      expect(appliedPlan.lockout?.paths).toContain(`this SSH session (${LAN.admin} → ${LAN.host}:${SSH_PORT}): open → open`);
      expect(applied.stderr).toMatch(/applied; backup set/);
    });

    it('the admin can still open a new SSH session', async () => {
      const again = await ssh(['sh', '-c', 'echo "$SSH_CONNECTION"']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^${LAN.admin} \\d+ ${LAN.host} ${SSH_PORT}`));
    });

    it('the internet no longer reaches the gateway socket', async () => {
      expect((await tcpConnect(host.lab.client, host.lab.gwAddress, GATEWAY_PORT, 1_500)).state).toBe('timeout');
      expect((await tcpConnect(host.admin, LAN.host, GATEWAY_PORT, 1_500)).state).toBe('timeout');
    });

    describe.skipIf(dockerReq.skip)(dockerReq.name, dockerReq.options, () => {
      it("the internet no longer reaches the container's published port (DOCKER-USER), the LAN still does", async () => {
        expect((await tcpConnect(host.lab.client, host.lab.gwAddress, CONTAINER_PORT, 1_500)).state).toBe('timeout');
        expect((await tcpConnect(host.admin, LAN.host, CONTAINER_PORT, 1_500)).state).toBe('open');
      });

      it('the compose edit keeps its comments and publishes on 127.0.0.1', () => {
        const text = readFileSync(host.compose!, 'utf8');
        for (const line of COMPOSE.split('\n').filter((l) => l.includes('#')))
          expect(text).toContain(line.includes(`"${CONTAINER_PORT}:`) ? '# browser control' : line);
        expect(text).toContain(`- "127.0.0.1:${CONTAINER_PORT}:${CONTAINER_PORT}" # browser control`);
        const doc = parseYaml(text) as { services: Record<string, { ports: string[] }> };
        expect(doc.services['openclaw-gateway']!.ports).toEqual([`127.0.0.1:${CONTAINER_PORT}:${CONTAINER_PORT}`]);
      });
    });

    it('the config edit keeps every comment of the JSON5 the gateway reads, and changes one line', async () => {
      const after = readFileSync(host.gateway.configPath, 'utf8');
      // OpenClaw's own reader takes the edited file.
      expect((await host.gateway.cli(['config', 'get', 'gateway.bind'])).stdout.trim()).toBe('loopback');
      const changed = after.split('\n').filter((line, i) => line !== configBefore.split('\n')[i]);
      expect(changed).toEqual(['    bind: "loopback", // reachable from the LAN, and without a firewall from the internet']);
      for (const comment of COMMENTS.filter((c) => !c.includes('bind:'))) expect(after).toContain(comment);
      expect((JSON5.parse(after) as { gateway: { bind: string } }).gateway.bind).toBe('loopback');
      expect(applied.stdout + applied.stderr).not.toContain(host.gateway.token);
    });

    it('a second apply while this one waits for its confirmation is refused, and changes nothing', async () => {
      const before = await stateOf(host);
      const second = await overSsh(['--apply', '--yes', '--remote', 'tailnet', '--state-dir', dir]);
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toMatch(/waits for confirmation/);
      expect(await stateOf(host)).toEqual(before);
      expect(journals(dir)).toHaveLength(1);
    });

    it('--confirm from a new SSH session keeps it and stops the timer', async () => {
      const vars = Object.entries(env()).map(([k, v]) => `${k}=${v}`);
      const result = await ssh(['env', ...vars, process.execPath, CLI, 'harden', '--confirm', '--state-dir', dir]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^kept: /);
      expect(journals(dir)[0]!.status).toBe('confirmed');
      expect(pidsMentioning(dir)).toEqual([]);
    });

    it('a second run plans nothing', async () => {
      const again = await plan();
      expect(again.steps, JSON.stringify(again.steps.map((s) => s.id))).toEqual([]);
    });

    it('--rollback after the confirm puts everything back', async () => {
      const result = await local(['--rollback', '--state-dir', dir]);
      expect(result.code, result.stderr).toBe(0);
      await expectBaseline('after --rollback of the confirmed apply');
      expect((await tcpConnect(host.lab.client, host.lab.gwAddress, GATEWAY_PORT)).state).toBe('open');
    });
  });

  describe('apply over SSH, --remote tailnet', () => {
    let dir: string;
    let applied: RunResult;
    let appliedPlan: Plan;

    beforeAll(async () => {
      dir = stateDir('tailnet');
      applied = await overSsh(['--apply', '--yes', '--json', '--remote', 'tailnet', '--confirm-timeout', '120', '--state-dir', dir]);
      appliedPlan = JSON.parse(applied.stdout) as Plan;
    });

    it('allows the gateway port on tailscale0 only, and binds the config to the tailnet', async () => {
      expect(applied.code, applied.stderr).toBe(0);
      const allow = appliedPlan.steps.find((s) => s.id === `ufw.allow-tailnet-${GATEWAY_PORT}`);
      expect(allow?.kind === 'command' && allow.argv).toEqual([
        'ufw',
        'allow',
        'in',
        'on',
        'tailscale0',
        'to',
        'any',
        'port',
        String(GATEWAY_PORT),
        'proto',
        'tcp',
      ]);
      expect((JSON5.parse(readFileSync(host.gateway.configPath, 'utf8')) as { gateway: { bind: string } }).gateway.bind).toBe('tailnet');
      expect(appliedPlan.steps.filter((s) => s.id.startsWith('ufw.allow-tailnet'))).toHaveLength(1);
      expect((await host.gateway.cli(['config', 'get', 'gateway.bind'])).stdout.trim()).toBe('tailnet');
    });

    it('the tailnet reaches the gateway port; the internet and the LAN do not; SSH still does', async () => {
      expect((await tcpConnect(host.tailnet, TAILNET.host, GATEWAY_PORT)).state).toBe('open');
      expect((await tcpConnect(host.lab.client, host.lab.gwAddress, GATEWAY_PORT, 1_500)).state).toBe('timeout');
      expect((await tcpConnect(host.admin, LAN.host, GATEWAY_PORT, 1_500)).state).toBe('timeout');
      expect((await ssh(['true'])).code).toBe(0);
    });

    it('confirmed, a second run with --remote tailnet plans nothing; --rollback puts everything back', async () => {
      expect((await local(['--confirm', '--state-dir', dir])).code).toBe(0);
      const again = await plan(['--remote', 'tailnet']);
      expect(again.steps, JSON.stringify(again.steps.map((s) => s.id))).toEqual([]);
      const result = await local(['--rollback', '--state-dir', dir]);
      expect(result.code, result.stderr).toBe(0);
      await expectBaseline('after --rollback of the tailnet apply');
    });
  });
});
