import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeReport, ProbeResult } from '../../src/probe/types.js';
import { requires } from '../support/prerequisites.js';
import { Scope } from './lab/cleanup.js';
import { Clawmoat } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { ensureOpenclaw, OpenclawGateway, openclawVersion } from './lab/openclaw.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { startBusyboxHttpd, startGarbageListener, startSilentListener, startTcpForwarder } from './lab/servers.js';

/**
 * `clawmoat probe` against real OpenClaw gateways in a lab host H, from a client namespace on
 * H's internet link (and from H itself for the loopback-only one):
 *   28789 token auth, --bind lan        → OpenClaw, its version, auth enforced
 *   28790 password auth, --bind lan     → OpenClaw, its version, auth enforced
 *   28791 auth none, --bind loopback    → OpenClaw, its version, auth none (probed from H)
 *   28792 a TCP forwarder to 28791      → the same gateway, auth none, from the client: probe.auth.none
 *   18789 busybox httpd                 → open, not OpenClaw
 *   18795 nothing                       → refused
 *   18796 a listener behind an iptables DROP → timeout, and the model predicted filtered
 *   18797 a listener that answers garbage and hangs up → open, not OpenClaw, no hang
 *   18798 a listener that never says anything → open, not OpenClaw, within the timeout
 * Every result must also agree with reach's prediction (no mismatch), and no secret may show.
 */

const req = requires('probe against real OpenClaw gateways', ['root', 'netns', 'netfilter', 'openclaw', 'busybox']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let clawmoat: Clawmoat;
  let gateways: { token: OpenclawGateway; password: OpenclawGateway; none: OpenclawGateway };
  let fromClient: ProbeReport;
  let fromClientText: string;
  let clientMs: number;

  async function probe(args: string[]): Promise<{ report: ProbeReport; code: number; stdout: string; stderr: string }> {
    const result = await clawmoat.run(['probe', '--json', ...args]);
    expect([0, 1], `clawmoat probe ${args.join(' ')} exited ${result.code}: ${result.stderr}`).toContain(result.code);
    return { report: JSON.parse(result.stdout) as ProbeReport, code: result.code, stdout: result.stdout, stderr: result.stderr };
  }

  function at(report: ProbeReport, port: number, address = lab.gwAddress): ProbeResult {
    const found = report.results.find((r) => r.port === port && r.address === address);
    if (!found) throw new Error(`no result for ${address}:${port} in ${JSON.stringify(report.results.map((r) => `${r.address}:${r.port}`))}`);
    return found;
  }

  beforeAll(async () => {
    await ensureOpenclaw();
    lab = await wan(scope);
    const etc = PrivateEtc.create(scope);
    clawmoat = new Clawmoat(scope, lab.gw, etc);
    const [token, password, none] = await Promise.all([
      OpenclawGateway.start(scope, lab.gw, { port: 28789, auth: 'token', bindFlag: 'lan' }),
      OpenclawGateway.start(scope, lab.gw, { port: 28790, auth: 'password', bindFlag: 'lan' }),
      OpenclawGateway.start(scope, lab.gw, { port: 28791, auth: 'none', bindFlag: 'loopback' }),
    ]);
    gateways = { token, password, none };
    // OpenClaw refuses --auth none beyond loopback; a forwarder in front of it is how it gets out anyway.
    await startTcpForwarder(scope, lab.gw, 28792, '127.0.0.1', 28791);
    await startBusyboxHttpd(scope, lab.gw, 18789);
    await startSilentListener(scope, lab.gw, 18796);
    await startGarbageListener(scope, lab.gw, 18797);
    await startSilentListener(scope, lab.gw, 18798);
    await lab.gw.exec('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '18796', '-j', 'DROP']);
    const started = Date.now();
    const run = await probe(['--netns', lab.client.name, '--timeout', '1500']);
    clientMs = Date.now() - started;
    fromClient = run.report;
    fromClientText = run.stdout + run.stderr;
  }, 20 * 60_000);
  afterAll(() => scope.dispose());

  it('identifies the token-auth gateway: OpenClaw, its version, auth enforced', () => {
    const r = at(fromClient, 28789);
    expect(r.observed).toBe('open');
    expect(r.openclaw, r.openclaw.evidence.join('\n')).toMatchObject({ detected: true, version: openclawVersion(), auth: 'enforced' });
    expect(r.predicted).toBe('open');
  });

  it('identifies the password-auth gateway the same way', () => {
    const r = at(fromClient, 28790);
    expect(r.openclaw, r.openclaw.evidence.join('\n')).toMatchObject({ detected: true, version: openclawVersion(), auth: 'enforced' });
  });

  it('reports busybox httpd on 18789 as open but not OpenClaw', () => {
    const r = at(fromClient, 18789);
    expect(r.observed).toBe('open');
    expect(r.openclaw.detected).toBe(false);
  });

  it('reports a DROPped port as timed out, as reach predicted', () => {
    const r = at(fromClient, 18796);
    expect(r.observed).toBe('timeout');
    expect(r.predicted).toBe('filtered');
    expect(r.mismatch).toBe(false);
  });

  it('survives a listener that speaks garbage and one that never speaks, within the timeout', () => {
    for (const port of [18797, 18798]) {
      const r = at(fromClient, port);
      expect(r.observed).toBe('open');
      expect(r.openclaw.detected).toBe(false);
    }
    // 9 targets at most 1.5 s each in parallel, plus the fingerprints: far under a minute.
    expect(clientMs).toBeLessThan(45_000);
  });

  it('agrees with the reach model on every target (no mismatch), from the client zone', () => {
    expect(fromClient.errors).toEqual([]);
    expect(fromClient.results.filter((r) => r.mismatch)).toEqual([]);
    expect(fromClient.vantages[0]).toMatchObject({ name: `netns:${lab.client.name}`, kind: 'netns' });
    // The loopback-only gateway is not reachable from the client, and the model says why.
    expect(fromClient.results.some((r) => r.port === 28791 && r.observed === 'open')).toBe(false);
  });

  it('reports a port where nothing listens as refused', async () => {
    const { report } = await probe(['--netns', lab.client.name, '--target', `${lab.gwAddress}:18795`]);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ observed: 'refused', predicted: 'closed', mismatch: false });
  });

  it('identifies the auth-none gateway on loopback from the host itself, and exits 1 for it', async () => {
    const { report, code } = await probe(['--target', '127.0.0.1:28791']);
    expect(report.vantages.map((v) => v.name)).toEqual(['host']);
    const r = at(report, 28791, '127.0.0.1');
    expect(r.openclaw, r.openclaw.evidence.join('\n')).toMatchObject({ detected: true, version: openclawVersion(), auth: 'none' });
    expect(code).toBe(1);
    expect(report.notes.join('\n')).toMatch(/not the internet's view/);
  });

  it('identifies the auth-none gateway behind a TCP forwarder from the client', () => {
    const r = at(fromClient, 28792);
    expect(r.openclaw, r.openclaw.evidence.join('\n')).toMatchObject({ detected: true, version: openclawVersion(), auth: 'none' });
  });

  it('audit --probe turns the auth-none gateway into a critical probe.auth.none finding, and the others pass', async () => {
    const result = await clawmoat.run(['audit', '--json', '--probe', '--netns', lab.client.name, '--timeout', '1500']);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as {
      findings: { id: string; severity: string; evidence: { text: string }[] }[];
      checks: { id: string; result: string; reason?: string }[];
    };
    const none = report.findings.filter((f) => f.id === 'probe.auth.none');
    expect(none).toHaveLength(1);
    expect(none[0]!.severity).toBe('critical');
    expect(none[0]!.evidence.map((e) => e.text).join('\n')).toContain(`${lab.gwAddress}:28792`);
    // Three gateways with their own homes and flags run in this namespace: one config was read (the
    // first listener's), so what rests on the OpenClaw input cannot pass; it says why.
    for (const id of ['probe.auth.open', 'probe.mismatch']) {
      const check = report.checks.find((c) => c.id === id) as { result: string; reason?: string } | undefined;
      expect(check?.result === 'pass' || (check?.result === 'unknown' && /gateway processes disagree/.test(check.reason ?? '')), JSON.stringify(check)).toBe(
        true,
      );
    }
    for (const g of Object.values(gateways)) expect(result.stdout + result.stderr).not.toContain(g.token);
  });

  it('prints a readable table: observed next to predicted, and the gateway named', async () => {
    const result = await clawmoat.run(['probe', '--netns', lab.client.name, '--timeout', '1500']);
    console.log(result.stdout);
    expect(result.stdout).toMatch(
      new RegExp(`${lab.gwAddress.replace(/\./g, '\\.')}:28789\\s+open\\s+open\\s+OpenClaw ${openclawVersion().replace(/\./g, '\\.')}, auth enforced`),
    );
    expect(result.stdout).toMatch(/18789\s+open\s+open\s+not OpenClaw/);
    expect(result.stdout).toMatch(/18796\s+timeout\s+filtered/);
    expect(result.stdout).not.toMatch(/✗ mismatch|mismatch\(es\)/);
    expect(result.stdout).not.toMatch(/\u001b\[/);
  });

  it('never shows a gateway secret', () => {
    for (const g of Object.values(gateways)) expect(fromClientText).not.toContain(g.token);
  });

  it('gives one clear line for a namespace that does not exist', async () => {
    const result = await clawmoat.run(['probe', '--netns', 'cm-no-such-namespace']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no network namespace "cm-no-such-namespace"/);
  });
});
