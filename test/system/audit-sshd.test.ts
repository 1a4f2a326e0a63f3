import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFrames } from '../../src/collect/script/frame.js';
import { binary } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope } from './lab/cleanup.js';
import { checkResult, Clawmoat, describeFindings, findings } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { tcpConnect } from './lab/probe.js';
import { Sshd } from './lab/sshd.js';

/** A real sshd; clawmoat reads its effective config with `sshd -T`, as on a real host. */

const req = requires('audit of a real sshd (root, sshd, busybox)', ['root', 'netns', 'sshd', 'busybox']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let sshd: Sshd;
  let clawmoat: Clawmoat;
  let etc: PrivateEtc;

  beforeAll(async () => {
    lab = await wan(scope);
    etc = PrivateEtc.create(scope);
    sshd = await Sshd.start(scope, lab.gw, etc, { passwordAuthentication: true });
    clawmoat = new Clawmoat(scope, lab.gw, etc);
  });
  afterAll(() => scope.dispose());

  it('PasswordAuthentication yes: ssh.password_auth', async () => {
    expect((await tcpConnect(lab.client, lab.gwAddress, 22)).data).toMatch(/^SSH-2\.0-/);
    const report = await clawmoat.audit();
    expect(findings(report, 'ssh.password_auth'), describeFindings(report)).not.toHaveLength(0);
  });

  // OpenSSH retitles its listener "sshd: /usr/sbin/sshd -D -e -f FILE [listener] 0 of 10-100
  // startups" (one string in /proc/PID/cmdline): before, neither the collector nor the collection
  // script found the -f there, so `sshd -T` judged /etc/ssh/sshd_config, which here says the
  // opposite: ssh.password_auth passed while the running sshd took passwords.
  it('sshd started with -f FILE: both collectors judge FILE, not /etc/ssh/sshd_config', async () => {
    await sshd.restart({ passwordAuthentication: true, configFlag: true });
    const report = await clawmoat.audit();
    expect(findings(report, 'ssh.password_auth'), describeFindings(report)).not.toHaveLength(0);

    for (const shell of [[binary('dash')], [binary('busybox'), 'sh']]) {
      const { report: fromScript, output } = await clawmoat.auditThroughScript(scope, shell);
      const records = parseFrames(readFileSync(output), shell.join(' '));
      expect(records.filter((r) => r.op === 'run' && r.id.startsWith('sshd ')).map((r) => r.id)).toEqual([`sshd -T -f ${sshd.configFile}`]);
      expect(findings(fromScript, 'ssh.password_auth'), describeFindings(fromScript)).not.toHaveLength(0);
    }
    await sshd.restart({ passwordAuthentication: false, configFlag: true });
    expect(checkResult(await clawmoat.audit(), 'ssh.password_auth')?.result).toBe('pass');
  });

  it('PasswordAuthentication no: the check passes', async () => {
    await sshd.restart({ passwordAuthentication: false });
    const report = await clawmoat.audit();
    expect(findings(report, 'ssh.password_auth'), describeFindings(report)).toHaveLength(0);
    expect(checkResult(report, 'ssh.password_auth')?.result).toBe('pass');
  });
});
