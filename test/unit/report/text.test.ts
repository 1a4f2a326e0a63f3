import { describe, expect, it } from 'vitest';
import { renderText } from '../../../src/report/text.js';
import { CONFIG_PATH, sampleReport } from './sample.js';

const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (s: string): string => s.replace(ANSI, '');

function lineOf(out: string, needle: string): number {
  const index = out.split('\n').findIndex((l) => l.includes(needle));
  expect(index, `no line contains ${needle}`).toBeGreaterThanOrEqual(0);
  return index;
}

describe('renderText', () => {
  it('has no ANSI escape at all with colour off', () => {
    expect(renderText(sampleReport(), { color: false })).not.toContain('\x1b');
    expect(renderText(sampleReport())).not.toContain('\x1b');
  });

  it('colours with colour on, and says the same thing once the colour is removed', () => {
    const coloured = renderText(sampleReport(), { color: true });
    expect(coloured).toContain('\x1b[');
    expect(plain(coloured)).toBe(renderText(sampleReport(), { color: false }));
  });

  it('writes one line per check with its mark', () => {
    const lines = renderText(sampleReport()).split('\n');
    const marks = lines.filter((l) => /^ {2}[✔✖?–] /.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '));
    expect(marks).toEqual(['✖ gateway.bind.public', '✔ gateway.bind.drift', '? firewall.none', '– docker.publish.public', '✖ ssh.password_auth']);
  });

  it('groups checks under guide sections in the guide order', () => {
    const out = renderText(sampleReport());
    const sections = ['Bind to localhost only', 'Host firewall (UFW)', 'Docker network isolation', 'Remote access (Tailscale / SSH)'];
    const at = sections.map((s) => out.split('\n').indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).not.toContain('OpenClaw config\n');
    expect(lineOf(out, 'gateway.bind.drift')).toBeLessThan(at[1]!);
    expect(lineOf(out, 'ssh.password_auth')).toBeGreaterThan(at[3]!);
  });

  it('puts evidence with file:line and the indented fix under a failed check', () => {
    const out = renderText(sampleReport());
    const lines = out.split('\n');
    const head = lineOf(out, '✖ gateway.bind.public');
    const next = lineOf(out, '✔ gateway.bind.drift');
    const block = lines.slice(head + 1, next);
    expect(block).toContain(`      • config: gateway.bind = "lan" (${CONFIG_PATH}:7:5)`);
    expect(block).toContain('      • socket: tcp 0.0.0.0:18789 (pid 4242 node)');
    expect(block.some((l) => l.startsWith('      Fix: Bind the gateway to loopback'))).toBe(true);
    expect(block).toContain('          openclaw config set gateway.bind loopback');
    expect(lines[head]).toContain('[critical]');
    expect(lines[lineOf(out, '✖ ssh.password_auth')]).toContain('[warn]');
    expect(out).toContain(`• service: passwordauthentication yes (/etc/ssh/sshd_config:58)`);
  });

  it('explains an unknown check and prints nothing under a passing one', () => {
    const out = renderText(sampleReport());
    const lines = out.split('\n');
    const unknown = lineOf(out, '? firewall.none');
    expect(lines[unknown + 1]).toBe('      iptables-save could not be read without root, so the INPUT path is unknown.');
    expect(lines[lineOf(out, '✔ gateway.bind.drift') + 1]).toBe('');
  });

  it('shows an unknown check with no findings by its reason', () => {
    const report = sampleReport();
    report.findings = report.findings.filter((f) => f.id !== 'firewall.none');
    const out = renderText(report);
    expect(out.split('\n')[lineOf(out, '? firewall.none') + 1]).toBe('      ruleset unreadable');
  });

  it('gives a skipped check its reason', () => {
    expect(renderText(sampleReport())).toContain('  – docker.publish.public  Container publishes the gateway port publicly (Docker is not running)');
  });

  it('heads with what was detected about the gateway', () => {
    const lines = renderText(sampleReport()).split('\n');
    expect(lines[0]).toBe('clawmoat 0.1.0 · host box · collected 2026-01-01T00:00:00.000Z (uid 1000, not root)');
    expect(lines).toContain('Gateway: detected (found by process, config)');
    expect(lines).toContain('  bind      lan  from process flag --bind');
    expect(lines).toContain('  port      18789  from config gateway.port');
    expect(lines).toContain('  also      18791');
    expect(lines).toContain('  listening tcp 0.0.0.0:18789 (pid 4242 node)');
  });

  it('says when no gateway was found', () => {
    const report = sampleReport();
    report.gateway = { detected: false, detectedBy: [], ports: [], listeners: [] };
    expect(renderText(report)).toContain('Gateway: no OpenClaw gateway found on this host');
  });

  it('ends with the counts and what could not be read', () => {
    const lines = renderText(sampleReport()).trimEnd().split('\n');
    expect(lines.slice(-5)).toEqual([
      'Summary: 5 checks: 1 pass, 2 fail, 1 unknown, 1 skipped',
      'Findings: 2 critical, 1 warn, 0 info',
      'Limitations (what could not be read or understood):',
      '  - iptables-save: permission denied (run as root)',
      '  - docker: not running',
    ]);
  });

  it('wraps prose at 100 columns', () => {
    const report = sampleReport();
    report.findings[0]!.message = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    report.limitations = [Array.from({ length: 40 }, () => 'limitation').join(' ')];
    const coloured = renderText(report, { color: true });
    for (const line of plain(coloured).split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(plain(coloured)).toContain('word59');
  });

  it('neutralises terminal escapes that come from the host', () => {
    const report = sampleReport();
    report.findings[0]!.evidence[0]!.text = 'node\x1b]0;pwned\x07 \x1b[2J';
    report.gateway.listeners = ['tcp 0.0.0.0:1 (pid 1 \x1b[31mevil)'];
    expect(renderText(report, { color: false })).not.toContain('\x1b');
    const coloured = renderText(report, { color: true });
    expect(coloured).not.toContain('\x1b]0;');
    expect(coloured).not.toContain('\x1b[2J');
    expect(coloured).toContain('\\x1b]0;pwned\\x07');
  });

  it('puts a check from an unknown guide section after the known ones', () => {
    const report = sampleReport();
    report.checks.unshift({ id: 'extra.check', title: 'Extra', severity: 'info', guide: 'Something else', result: 'pass' });
    const out = renderText(report);
    expect(lineOf(out, 'Something else')).toBeGreaterThan(lineOf(out, 'ssh.password_auth'));
  });

  it('still shows a finding whose check is missing from checks', () => {
    const report = sampleReport();
    report.checks = report.checks.filter((c) => c.id !== 'ssh.password_auth');
    const out = renderText(report);
    expect(out).toContain('  ✖ ssh.password_auth  sshd accepts passwords  [warn]');
    expect(out).toContain('          systemctl reload ssh');
  });

  it('ends with exactly one newline', () => {
    const out = renderText(sampleReport());
    expect(out.endsWith('\n')).toBe(true);
    expect(out.endsWith('\n\n')).toBe(false);
  });
});
