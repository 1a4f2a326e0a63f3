import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshPorts } from '../../src/model/sshd.js';
import type { Report } from '../../src/report/types.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { checkResult, CLI, Clawmoat, describeFindings, ensureBuilt, findings } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { stopPid, waitFor } from './lab/proc.js';
import { Sshd } from './lab/sshd.js';

/**
 * What `sshd -T` does not show, against a real sshd: a Match block that turns passwords on (sshd -T
 * prints the global section only), an Include a plain user cannot read (a non-root audit judged the
 * rest and passed), and a process the gateway's user names sshd on a port of its choosing (counted
 * as an SSH port, which harden then opened in UFW). Each failed before.
 */

const HOSTILE = 65534;

const req = requires('audit of sshd config beyond sshd -T (root, sshd, busybox, hostile-user)', ['root', 'netns', 'sshd', 'busybox', 'hostile-user']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let etc: PrivateEtc;
  let sshd: Sshd;
  let clawmoat: Clawmoat;

  beforeAll(async () => {
    lab = await wan(scope);
    etc = PrivateEtc.create(scope);
    sshd = await Sshd.start(scope, lab.gw, etc, { passwordAuthentication: false });
    clawmoat = new Clawmoat(scope, lab.gw, etc);
  });
  afterAll(() => scope.dispose());

  it('a Match block that turns passwords on for every address: ssh.password_auth fails, naming the block', async () => {
    expect(checkResult(await clawmoat.audit(), 'ssh.password_auth')?.result).toBe('pass');
    await sshd.restart({ passwordAuthentication: false, extraConfig: ['Match Address *', '  PasswordAuthentication yes'] });
    const report = await clawmoat.audit();
    const found = findings(report, 'ssh.password_auth');
    expect(found, describeFindings(report)).toHaveLength(1);
    expect(found[0]!.evidence.map((e) => e.text).join('\n')).toMatch(/Match Address \* \(\/etc\/ssh\/sshd_config:\d+\) sets passwordauthentication yes/);
    // The collection script reads what the collector needs for it too, an Include inside the block included.
    const dir = tempDir(scope, 'sshd-match-include');
    writeFileSync(join(dir, 'in-match.conf'), 'KbdInteractiveAuthentication yes\n');
    await sshd.restart({
      passwordAuthentication: false,
      extraConfig: ['Match User *', `  Include ${join(dir, 'in-match.conf')}`, 'Match Address *', '  PasswordAuthentication yes'],
    });
    for (const shell of [[binary('dash')], [binary('busybox'), 'sh']]) {
      const { report: fromScript } = await clawmoat.auditThroughScript(scope, shell);
      const text = findings(fromScript, 'ssh.password_auth')
        .flatMap((f) => f.evidence.map((e) => e.text))
        .join('\n');
      expect(text, describeFindings(fromScript)).toMatch(/Match Address \*/);
      expect(fromScript.limitations.join('\n')).not.toMatch(/in-match\.conf/);
    }
  });

  it('a non-root audit with an Include it cannot read: ssh.password_auth is unknown, naming the file', async () => {
    const dir = tempDir(scope, 'sshd-include');
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'conf.d'), { mode: 0o755 });
    // Read first, so its value wins: what Ubuntu's cloud images put in 50-cloud-init.conf, mode 0600.
    writeFileSync(join(dir, 'conf.d', '50-cloud-init.conf'), 'PasswordAuthentication yes\n', { mode: 0o600 });
    await sshd.restart({ passwordAuthentication: false, extraConfig: [] });
    const config = etc.copyOf('/etc/ssh/sshd_config');
    writeFileSync(config, `Include ${join(dir, 'conf.d')}/*.conf\n${readFileSync(config, 'utf8')}`);
    chmodSync(config, 0o644);

    const asRoot = await clawmoat.audit();
    expect(findings(asRoot, 'ssh.password_auth'), describeFindings(asRoot)).toHaveLength(1);

    await ensureBuilt();
    const home = tempDir(scope, 'sshd-nonroot-home');
    chownSync(home, HOSTILE, HOSTILE);
    const env = { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', NO_COLOR: '1', DOCKER_HOST: `unix://${join(home, 'no-docker.sock')}` };
    const args = [`--reuid=${HOSTILE}`, `--regid=${HOSTILE}`, '--clear-groups', process.execPath, CLI, 'audit', '--format', 'json'];
    const result = await etc.exec(lab.gw, binary('setpriv'), args, { env, allowFail: true, timeoutMs: 60_000 });
    expect([0, 1], result.stderr).toContain(result.code);
    const report = JSON.parse(result.stdout) as Report;
    const check = checkResult(report, 'ssh.password_auth');
    expect(check?.result, describeFindings(report)).toBe('unknown');
    expect(JSON.stringify(report)).toContain('50-cloud-init.conf');
  });

  it("a process the gateway's user names sshd, listening on 4444: not an SSH port", async () => {
    const dir = tempDir(scope, 'fake-sshd');
    chmodSync(dir, 0o755);
    const fake = join(dir, 'sshd');
    copyFileSync(process.execPath, fake);
    chmodSync(fake, 0o755);
    const daemon = etc.spawn(
      lab.gw,
      binary('setpriv'),
      [`--reuid=${HOSTILE}`, `--regid=${HOSTILE}`, '--clear-groups', fake, '-e', "require('net').createServer(() => {}).listen(4444, '0.0.0.0')"],
      { logFile: join(dir, 'fake.log') },
    );
    scope.defer('fake sshd', () => stopPid(daemon.pid, daemon.startTime, 5_000));
    try {
      await waitFor(
        async () => {
          const { stdout } = await lab.gw.exec(binary('ss'), ['-Hltn', 'sport', '=', ':4444'], { env: { PATH: labPath() } });
          return stdout.trim() ? true : undefined;
        },
        { what: 'the fake sshd on 4444', timeoutMs: 10_000 },
      );
      const collected = await clawmoat.run(['collect']);
      expect(collected.code, collected.stderr).toBe(0);
      const snapshot = JSON.parse(collected.stdout) as Snapshot;
      const socket = snapshot.sockets.status === 'ok' ? snapshot.sockets.data.find((s) => s.port === 4444) : undefined;
      // The kernel names it sshd: the name is the user's to choose.
      expect(socket?.process).toBe('sshd');
      const ports = sshPorts({ snapshot });
      expect(ports.ports).toContain(sshd.port);
      expect(ports.ports).not.toContain(4444);
      expect(ports.text).toMatch(/named sshd that is not root's sshd binary listens on 4444/);
    } finally {
      await stopPid(daemon.pid, daemon.startTime, 5_000);
    }
  });
});
