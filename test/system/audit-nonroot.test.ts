import { chmodSync, chownSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, tempDir, Scope, type Resource } from './lab/cleanup.js';
import { checkResult, CLI, Clawmoat, describeFindings, ensureBuilt } from './lab/clawmoat.js';
import { wan, type Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { spawnDaemon, stopPid, waitFor } from './lab/proc.js';
import { Ufw } from './lab/ufw.js';
import type { Report } from '../../src/report/types.js';

/**
 * A non-root audit states only what it could read. The lab is built as root (a host namespace
 * with private /etc/ufw copies, user.rules 0640 as on Ubuntu); the real CLI then runs as an
 * unprivileged user (setpriv, uid 12345, no groups), the way a user tries it first.
 */

const UID = 12345;

const req = requires('non-root audit (root builds the lab; the CLI runs as uid 12345)', ['root', 'netns', 'netfilter', 'ufw']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  let scope: Scope | undefined;

  afterEach(async () => {
    await scope?.dispose();
    scope = undefined;
  });

  /** `clawmoat audit --format json` as uid 12345 inside `ns`, with the private /etc. */
  async function auditAsUser(s: Scope, ns: Netns, etc: PrivateEtc): Promise<Report> {
    await ensureBuilt();
    const home = tempDir(s, 'nonroot-home');
    chownSync(home, UID, UID);
    const env = { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', NO_COLOR: '1', DOCKER_HOST: `unix://${join(home, 'no-docker.sock')}` };
    const args = [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', process.execPath, CLI, 'audit', '--format', 'json'];
    const result = await etc.exec(ns, binary('setpriv'), args, { env, allowFail: true, timeoutMs: 60_000 });
    expect([0, 1], result.stderr).toContain(result.code);
    return JSON.parse(result.stdout) as Report;
  }

  it('user.rules 0640: firewall.ufw.ssh_not_allowed is unknown with "run as root to read /etc/ufw/user.rules", not a fail or a pass', async () => {
    const s = (scope = new Scope());
    const lab = await wan(s);
    const etc = PrivateEtc.create(s);
    const ufw = new Ufw(lab.gw, etc);
    // Default deny and no SSH rule: as root this is a real fail (see audit-ufw.test.ts).
    await ufw.defaultDenyIncoming();
    chmodSync(join(etc.copyOf('/etc/ufw'), 'user.rules'), 0o640);
    chmodSync(join(etc.copyOf('/etc/ufw'), 'user6.rules'), 0o640);

    const asRoot = await new Clawmoat(s, lab.gw, etc).audit();
    expect(checkResult(asRoot, 'firewall.ufw.ssh_not_allowed')?.result, describeFindings(asRoot)).toBe('fail');

    const report = await auditAsUser(s, lab.gw, etc);
    expect(report.host.uid).toBe(UID);
    const check = checkResult(report, 'firewall.ufw.ssh_not_allowed');
    expect(check?.result, describeFindings(report)).toBe('unknown');
    const text = report.findings
      .filter((f) => f.id === 'firewall.ufw.ssh_not_allowed')
      .flatMap((f) => [f.message, ...f.evidence.map((e) => e.text)])
      .join('\n');
    expect(text).toContain('run as root to read /etc/ufw/user.rules');
    expect(text).not.toMatch(/0 rule\(s\) in \/etc\/ufw\/user\.rules/);
    expect(report.limitations.join('\n')).toContain('run as root to read /etc/ufw/user.rules');
    // Nothing that rests on what uid 12345 could not read passes.
    for (const c of report.checks.filter((c) => c.id.startsWith('firewall.'))) expect(c.result, `${c.id}: ${c.reason}`).not.toBe('pass');
  });

  it('a gateway process in another network namespace is not counted, and a non-root audit says it could not tell', async () => {
    const s = (scope = new Scope());
    const lab = await wan(s);
    const etc = PrivateEtc.create(s);
    // A process named like a renamed gateway ("openclaw-gateway"), as root, in the client namespace.
    const bin = tempDir(s, 'fake-gateway');
    symlinkSync(binary('sleep'), join(bin, 'openclaw-gateway'));
    const daemon = spawnDaemon(...lab.client.argv(join(bin, 'openclaw-gateway'), ['600']), { env: { PATH: labPath() }, logFile: join(bin, 'log') });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'fake gateway' };
    hold(resource);
    s.defer('fake gateway', async () => {
      await stopPid(daemon.pid, daemon.startTime, 2_000);
      release(resource);
    });
    await waitFor(async () => ((await import('node:fs')).readFileSync(`/proc/${daemon.pid}/cmdline`, 'utf8').includes('openclaw-gateway') ? true : undefined), {
      what: 'fake gateway',
      timeoutMs: 5_000,
      intervalMs: 50,
    });

    // Root reads its namespace: another one, so it is simply not this host's gateway.
    const asRoot = await new Clawmoat(s, lab.gw, etc).audit();
    expect(asRoot.gateway.detectedBy.join(' ')).not.toContain(String(daemon.pid));
    expect(asRoot.limitations.join('\n')).not.toContain(`pid ${daemon.pid}`);

    // Non-root cannot read a root process's /proc/PID/ns/net: not counted, and said so.
    const report = await auditAsUser(s, lab.gw, etc);
    expect(report.gateway.detectedBy.join(' ')).not.toContain(String(daemon.pid));
    expect(report.limitations.join('\n')).toContain(`process ${daemon.pid} was not counted`);
    expect(checkResult(report, 'gateway.bind.public')?.result, describeFindings(report)).not.toBe('pass');
  });
});
