import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { Scope } from './lab/cleanup.js';
import { checkResult, Clawmoat, describeFindings, findings } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { tcpConnect } from './lab/probe.js';
import { Sshd } from './lab/sshd.js';

/** A real sshd; clawmoat reads its effective config with `sshd -T`, as on a real host. */

const req = requires('audit of a real sshd', ['root', 'netns', 'sshd']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let sshd: Sshd;
  let clawmoat: Clawmoat;

  beforeAll(async () => {
    lab = await wan(scope);
    const etc = PrivateEtc.create(scope);
    sshd = await Sshd.start(scope, lab.gw, etc, { passwordAuthentication: true });
    clawmoat = new Clawmoat(scope, lab.gw, etc);
  });
  afterAll(() => scope.dispose());

  it('PasswordAuthentication yes: ssh.password_auth', async () => {
    expect((await tcpConnect(lab.client, lab.gwAddress, 22)).data).toMatch(/^SSH-2\.0-/);
    const report = await clawmoat.audit();
    expect(findings(report, 'ssh.password_auth'), describeFindings(report)).not.toHaveLength(0);
  });

  it('PasswordAuthentication no: the check passes', async () => {
    await sshd.restart({ passwordAuthentication: false });
    const report = await clawmoat.audit();
    expect(findings(report, 'ssh.password_auth'), describeFindings(report)).toHaveLength(0);
    expect(checkResult(report, 'ssh.password_auth')?.result).toBe('pass');
  });
});
