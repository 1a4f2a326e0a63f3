import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeReport, ProbeResult } from '../../src/probe/types.js';
import { binary } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { Clawmoat, ensureBuilt } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway, openclawVersion } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { pidsMentioning, run, type RunResult } from './lab/proc.js';
import { startSilentListener } from './lab/servers.js';
import { Sshd } from './lab/sshd.js';

/**
 * `clawmoat probe --via ssh://…` for real: the host under test H (the lab's gw namespace)
 * and a machine elsewhere R (the lab's internet client) running a real sshd. clawmoat runs
 * in H with root's own ~/.ssh (a key, a config, a known_hosts: what a user has), logs in to R
 * with the user's OpenSSH, checks H's listeners from R with bash's /dev/tcp and fingerprints
 * over `ssh -W`:
 *   28789 OpenClaw, token auth, --bind lan → OpenClaw, its version, auth enforced
 *   18796 a listener behind an iptables DROP → timeout, predicted filtered
 *   18795 a listener on 127.0.0.1 only → refused on H's address, predicted closed
 *   22    H's own sshd → open (the lockout check's port); DROPped later → the lockout note
 * and what must fail with one line and no hang: an ssh port that DROPs, an address where
 * nobody is, an sshd that only takes passwords, malformed URLs.
 */

const req = requires('probe over ssh from a machine elsewhere', ['root', 'netns', 'netfilter', 'sshd', 'openclaw']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let clawmoat: Clawmoat;
  let gateway: OpenclawGateway;
  let via: string;
  let home: string;
  let main: { report: ProbeReport; result: RunResult; ms: number };

  async function probe(args: string[]): Promise<{ report: ProbeReport; result: RunResult; ms: number }> {
    const started = Date.now();
    const result = await clawmoat.run(['probe', '--json', ...args]);
    const ms = Date.now() - started;
    expect([0, 1], `clawmoat probe ${args.join(' ')} exited ${result.code}: ${result.stderr}`).toContain(result.code);
    return { report: JSON.parse(result.stdout) as ProbeReport, result, ms };
  }

  /**
   * A probe that must fail: exit 2, one line on stderr, nothing on stdout, and how long it took.
   * The time includes the host's snapshot, which on a loaded machine alone can take seconds:
   * the bounds below catch a hang, and the lines say that ssh itself gave up.
   */
  async function failing(args: string[]): Promise<{ line: string; ms: number }> {
    const started = Date.now();
    const result = await clawmoat.run(['probe', '--json', ...args]);
    const ms = Date.now() - started;
    expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    return { line: lines[0]!, ms };
  }

  function at(report: ProbeReport, port: number): ProbeResult {
    const found = report.results.find((r) => r.port === port && r.address === lab.gwAddress);
    if (!found) throw new Error(`no result for ${lab.gwAddress}:${port} in ${JSON.stringify(report.results.map((r) => `${r.address}:${r.port}`))}`);
    return found;
  }

  beforeAll(async () => {
    await ensureOpenclaw();
    lab = await wan(scope);
    const R = lab.client;
    const H = lab.gw;

    // Root's home as clawmoat sees it in H: a key, a config, and R's host keys.
    home = tempDir(scope, 'ssh-home');
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-probe-test', '-f', join(home, '.ssh', 'id_ed25519')]);
    const publicKey = readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8').trim();

    const withKey = await Sshd.start(scope, R, PrivateEtc.create(scope), { port: 2222, passwordAuthentication: false, authorizedKeys: [publicKey] });
    const passwordOnly = await Sshd.start(scope, R, PrivateEtc.create(scope), { port: 2223, passwordAuthentication: true, pubkeyAuthentication: false });
    // Takes the key, but its host key is not in known_hosts.
    await Sshd.start(scope, R, PrivateEtc.create(scope), { port: 2224, passwordAuthentication: false, authorizedKeys: [publicKey] });
    writeFileSync(
      join(home, '.ssh', 'config'),
      [
        'Host *',
        '  IdentityFile ~/.ssh/id_ed25519',
        '  IdentitiesOnly yes',
        '  StrictHostKeyChecking yes',
        '  UserKnownHostsFile ~/.ssh/known_hosts',
        // What a user's own config may say for their interactive logins, which the probe must
        // override: a forced TTY, a RemoteCommand, a forwarding that must bind, a LocalCommand.
        '  RequestTTY force',
        '  RemoteCommand exec bash -l',
        '  LocalForward 127.0.0.1:2 127.0.0.1:2',
        '  ExitOnForwardFailure yes',
        '  PermitLocalCommand yes',
        '  LocalCommand touch ~/local-command-ran',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    writeFileSync(
      join(home, '.ssh', 'known_hosts'),
      [`[${lab.clientAddress}]:2222 ${withKey.hostKey}`, `[${lab.clientAddress}]:2223 ${passwordOnly.hostKey}`, ''].join('\n'),
      { mode: 0o600 },
    );
    // An ssh port on R that drops everything: the --via host that never answers.
    await R.exec('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '2299', '-j', 'DROP']);

    const etc = PrivateEtc.create(scope, { home });
    await Sshd.start(scope, H, etc, { port: 22, passwordAuthentication: false });
    gateway = await OpenclawGateway.start(scope, H, { port: 28789, auth: 'token', bindFlag: 'lan' });
    await startSilentListener(scope, H, 18796);
    await startSilentListener(scope, H, 18795, '127.0.0.1');
    await H.exec('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '18796', '-j', 'DROP']);
    clawmoat = new Clawmoat(scope, H, etc);

    via = `ssh://root@${lab.clientAddress}:2222`;
    // dist/ is rebuilt when src/ is newer: not part of any timing below.
    await ensureBuilt();
    main = await probe(['--via', via, '--timeout', '1500']);
  }, 20 * 60_000);
  afterAll(() => scope.dispose());

  it('probes from R: one ssh vantage, no errors, in a few seconds', () => {
    expect(main.report.errors).toEqual([]);
    // Over ssh the wait stays fixed (bash /dev/tcp under timeout(1)), in whole seconds there.
    expect(main.report.vantages).toEqual([
      { name: via, kind: 'ssh', zone: expect.stringMatching(/^internet/) as string, timeout: { policy: 'fixed', maxMs: 2_000 } },
    ]);
    expect(main.report.results.every((r) => r.vantage === via)).toBe(true);
    // 4 targets checked in parallel within 1.5 s (2 s on R: whole seconds), one login, two
    // fingerprints over ssh -W, plus the host's snapshot: about 5 s here.
    expect(main.ms).toBeLessThan(20_000);
  });

  it("prints nothing on stderr, leaves no ssh connection behind in H, and runs nothing of the user's ssh config beyond the login", () => {
    expect(main.result.stderr).toBe('');
    expect(existsSync(join(home, 'local-command-ran'))).toBe(false);
    const netns = statSync(lab.gw.path).ino;
    const left = pidsMentioning('clawmoat-ssh-').filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`) === `net:[${netns}]`;
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  });

  it('identifies the token-auth gateway from R: OpenClaw, its version, auth enforced', () => {
    const r = at(main.report, 28789);
    expect(r.observed).toBe('open');
    expect(r.openclaw, r.openclaw.evidence.join('\n')).toMatchObject({ detected: true, version: openclawVersion(), auth: 'enforced' });
    expect(r.predicted).toBe('open');
    expect(r.listener?.gateway).toBe(true);
  });

  it('classifies a DROP as timeout and a loopback-only port as refused, as reach predicted', () => {
    expect(at(main.report, 18796)).toMatchObject({ observed: 'timeout', predicted: 'filtered', mismatch: false });
    expect(at(main.report, 18795)).toMatchObject({ observed: 'refused', predicted: 'closed', mismatch: false });
    // Measured on R, against the 1.5 s timeout (rounded up to whole seconds there).
    expect(at(main.report, 18796).ms).toBeGreaterThanOrEqual(1_000);
    expect(at(main.report, 18795).ms).toBeLessThan(1_000);
  });

  it("probes H's sshd port too, finds it open and the lockout note absent", () => {
    const r = at(main.report, 22);
    expect(r).toMatchObject({ observed: 'open', predicted: 'open' });
    expect(r.openclaw.detected).toBe(false);
    expect(main.report.notes.join('\n')).not.toMatch(/lockout/);
  });

  it('agrees with the reach model on every target (no mismatch)', () => {
    expect(main.report.results.map((r) => r.port).sort((a, b) => a - b)).toEqual([22, 18795, 18796, 28789]);
    expect(main.report.results.filter((r) => r.mismatch)).toEqual([]);
    expect(main.report.results.every((r) => r.predicted !== null)).toBe(true);
  });

  it('never shows the gateway token', () => {
    expect(main.result.stdout + main.result.stderr).not.toContain(gateway.token);
  });

  it("warns of a lockout when H's ssh port does not answer from R, and the model agrees it is filtered", async () => {
    const rule = ['INPUT', '-i', 'eth0', '-p', 'tcp', '--dport', '22', '-j', 'DROP'];
    await lab.gw.exec('iptables', ['-I', ...rule]);
    try {
      const { report } = await probe(['--via', via, '--target', `${lab.gwAddress}:28789`, '--timeout', '1000']);
      expect(report.results.map((r) => r.port)).toEqual([22, 28789]);
      expect(at(report, 22)).toMatchObject({ observed: 'timeout', predicted: 'filtered', mismatch: false });
      expect(report.notes.filter((n) => /lockout risk/.test(n))).toEqual([
        `lockout risk: from ${via} no SSH port of this host (22) answers; an administrator there could not get back in`,
      ]);
    } finally {
      await lab.gw.exec('iptables', ['-D', ...rule]);
    }
  });

  it('an ssh port that drops everything: one line, within the connect timeout', async () => {
    const { line, ms } = await failing(['--via', `ssh://root@${lab.clientAddress}:2299`, '--timeout', '1000']);
    expect(line).toBe(`clawmoat: ssh://root@${lab.clientAddress}:2299: ssh failed: connect to host ${lab.clientAddress} port 2299: Connection timed out`);
    expect(ms).toBeLessThan(30_000);
  });

  it('an address where nobody is: one line, no hang', async () => {
    const nobody = '198.51.100.9';
    const { line, ms } = await failing(['--via', `ssh://root@${nobody}`, '--timeout', '1000']);
    expect(line).toMatch(
      new RegExp(`^clawmoat: ssh://root@${nobody}: ssh failed: connect to host ${nobody} port 22: (No route to host|Connection timed out)$`),
    );
    expect(ms).toBeLessThan(30_000);
  });

  it('an sshd that only takes passwords: the "wants a password" line, never a prompt', async () => {
    const { line, ms } = await failing(['--via', `ssh://root@${lab.clientAddress}:2223`, '--timeout', '1000']);
    expect(line).toBe(
      `clawmoat: ssh://root@${lab.clientAddress}:2223: ssh wants a password or a key it was not given (clawmoat never prompts): load the key into ssh-agent or add it to ~/.ssh/config`,
    );
    expect(line).not.toMatch(/password:/);
    expect(ms).toBeLessThan(30_000);
  });

  it('a machine whose host key ssh does not know: one line, never the "continue connecting?" question', async () => {
    const { line, ms } = await failing(['--via', `ssh://root@${lab.clientAddress}:2224`, '--timeout', '1000']);
    expect(line).toMatch(/ssh does not know this machine's host key, or it changed/);
    expect(ms).toBeLessThan(30_000);
  });

  it('malformed --via URLs: exit 2, one line, the URL named, no password echoed', async () => {
    const cases: [string, RegExp][] = [
      ['http://example.org', /--via http:\/\/example\.org: expected ssh:\/\/\[user@\]host\[:port\]/],
      ['ssh://root@host:99999', /--via ssh:\/\/root@host:99999: 99999 is not a port number/],
      ['ssh://root@', /--via ssh:\/\/root@: expected ssh:\/\/\[user@\]host\[:port\]/],
      // ssh would take it for an option, and run the command.
      ['ssh://-oProxyCommand=true', /--via ssh:\/\/-oProxyCommand=true: "-oProxyCommand=true" is not a host name or address/],
      ['ssh://root:hunter2@host', /carries a password, which clawmoat never sends/],
    ];
    const results = await Promise.all(cases.map(async ([url, expected]) => ({ url, expected, ...(await failing(['--via', url])) })));
    for (const { url, expected, line } of results) {
      expect(line, url).toMatch(expected);
      expect(line, url).not.toContain('hunter2');
    }
  });
});
