import { afterEach, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { Scope } from './lab/cleanup.js';
import { checkResult, Clawmoat, describeFindings, findings } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { tcpConnect } from './lab/probe.js';
import { Sshd } from './lab/sshd.js';
import { Ufw } from './lab/ufw.js';

/**
 * Real UFW in a host namespace that runs sshd, the way a VPS does. Each case gets a
 * fresh host (namespaces are cheap) so no UFW state carries over; each first checks
 * from the client namespace that the firewall really is in the state the case claims.
 */

interface Host {
  lab: Wan;
  ufw: Ufw;
  clawmoat: Clawmoat;
}

const req = requires('audit of real UFW', ['root', 'netns', 'netfilter', 'ufw', 'sshd']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  let scope: Scope | undefined;

  async function host(): Promise<Host> {
    const s = (scope = new Scope());
    const lab = await wan(s);
    const etc = PrivateEtc.create(s);
    await Sshd.start(s, lab.gw, etc, { passwordAuthentication: false });
    return { lab, ufw: new Ufw(lab.gw, etc), clawmoat: new Clawmoat(s, lab.gw, etc) };
  }

  afterEach(async () => {
    await scope?.dispose();
    scope = undefined;
  });

  it('UFW inactive and INPUT accepting: firewall.none', async () => {
    const { lab, ufw, clawmoat } = await host();
    expect(await ufw.status()).toMatch(/Status: inactive/);
    expect((await tcpConnect(lab.client, lab.gwAddress, 22)).data).toMatch(/^SSH-2\.0-/);
    const report = await clawmoat.audit();
    expect(findings(report, 'firewall.none'), describeFindings(report)).not.toHaveLength(0);
  });

  it('UFW enabled with default deny and no SSH allow: firewall.ufw.ssh_not_allowed', async () => {
    const { lab, ufw, clawmoat } = await host();
    await ufw.defaultDenyIncoming();
    await ufw.enable();
    // The lockout is real: SSH from outside is dropped.
    expect((await tcpConnect(lab.client, lab.gwAddress, 22, 1_500)).state).toBe('timeout');
    const report = await clawmoat.audit();
    expect(findings(report, 'firewall.ufw.ssh_not_allowed'), describeFindings(report)).not.toHaveLength(0);
    expect(checkResult(report, 'firewall.ufw.ssh_not_allowed')?.result).toBe('fail');
  });

  it('UFW enabled with `ufw allow 22/tcp`: the SSH check passes, and so does firewall.none', async () => {
    const { lab, ufw, clawmoat } = await host();
    await ufw.defaultDenyIncoming();
    await ufw.allow('22/tcp');
    await ufw.enable();
    expect((await tcpConnect(lab.client, lab.gwAddress, 22)).data).toMatch(/^SSH-2\.0-/);
    const report = await clawmoat.audit();
    expect(checkResult(report, 'firewall.ufw.ssh_not_allowed')?.result, describeFindings(report)).toBe('pass');
    expect(findings(report, 'firewall.ufw.ssh_not_allowed')).toHaveLength(0);
    expect(checkResult(report, 'firewall.none')?.result, describeFindings(report)).toBe('pass');
  });
});
