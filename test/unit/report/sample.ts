import type { CheckResult, Finding } from '../../../src/checks/types.js';
import { REPORT_VERSION, type Report } from '../../../src/report/types.js';

/**
 * A report covering every shape a renderer must handle: a critical fail with file locations, an
 * unknown without any, a warn fail without locations, a pass and a skipped check.
 */
export const CONFIG_PATH = '/home/u/.openclaw/openclaw.json';

export function sampleFindings(): Finding[] {
  return [
    {
      id: 'gateway.bind.public',
      severity: 'critical',
      title: 'Gateway listens on a public address',
      status: 'fail',
      message: 'The gateway listens on 0.0.0.0:18789, which eth0 (internet) can reach.',
      evidence: [
        { kind: 'socket', text: 'tcp 0.0.0.0:18789 (pid 4242 node)' },
        { kind: 'config', text: 'gateway.bind = "lan"', location: { file: CONFIG_PATH, line: 7, column: 5 } },
      ],
      remediation: {
        summary: 'Bind the gateway to loopback and reach it over SSH or Tailscale.',
        steps: ['openclaw config set gateway.bind loopback', 'systemctl --user restart openclaw-gateway'],
        automatic: true,
      },
      guide: 'Bind to localhost only',
      location: { file: CONFIG_PATH, line: 7, column: 5 },
    },
    {
      id: 'firewall.none',
      severity: 'critical',
      title: 'Nothing filters inbound traffic',
      status: 'unknown',
      message: 'iptables-save could not be read without root, so the INPUT path is unknown.',
      evidence: [{ kind: 'note', text: 'iptables-save: permission denied' }],
      remediation: { summary: 'Run the audit as root to read the ruleset.', steps: ['sudo clawmoat audit'], automatic: false },
      guide: 'Host firewall (UFW)',
    },
    {
      id: 'ssh.password_auth',
      severity: 'warn',
      title: 'sshd accepts passwords',
      status: 'fail',
      message: 'sshd -T reports passwordauthentication yes.',
      evidence: [{ kind: 'service', text: 'passwordauthentication yes', location: { file: '/etc/ssh/sshd_config', line: 58 } }],
      remediation: {
        summary: 'Use key-based authentication only.',
        steps: ["sed -i 's/^#\\?PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config", 'systemctl reload ssh'],
        automatic: false,
      },
      guide: 'Remote access (Tailscale / SSH)',
    },
  ];
}

export function sampleChecks(): CheckResult[] {
  return [
    { id: 'gateway.bind.public', title: 'Gateway listens on a public address', severity: 'critical', guide: 'Bind to localhost only', result: 'fail' },
    {
      id: 'gateway.bind.drift',
      title: 'Running gateway matches its config',
      severity: 'warn',
      guide: 'Bind to localhost only',
      result: 'pass',
      reason: 'process and config agree',
    },
    {
      id: 'firewall.none',
      title: 'Nothing filters inbound traffic',
      severity: 'critical',
      guide: 'Host firewall (UFW)',
      result: 'unknown',
      reason: 'ruleset unreadable',
    },
    {
      id: 'docker.publish.public',
      title: 'Container publishes the gateway port publicly',
      severity: 'critical',
      guide: 'Docker network isolation',
      result: 'skipped',
      reason: 'Docker is not running',
    },
    { id: 'ssh.password_auth', title: 'sshd accepts passwords', severity: 'warn', guide: 'Remote access (Tailscale / SSH)', result: 'fail' },
  ];
}

export function sampleReport(): Report {
  return {
    schemaVersion: REPORT_VERSION,
    tool: { name: 'clawmoat', version: '0.1.0' },
    host: { hostname: 'box', collectedAt: '2026-01-01T00:00:00.000Z', uid: 1000 },
    gateway: {
      detected: true,
      detectedBy: ['process', 'config'],
      ports: [18789, 18791],
      bind: { value: 'lan', source: 'process flag --bind' },
      port: { value: 18789, source: 'config gateway.port' },
      auth: { mode: 'token', source: 'config gateway.auth.mode' },
      version: '2026.1.5',
      listeners: ['tcp 0.0.0.0:18789 (pid 4242 node)'],
    },
    checks: sampleChecks(),
    findings: sampleFindings(),
    summary: { pass: 1, fail: 2, unknown: 1, skipped: 1, critical: 2, warn: 1, info: 0 },
    limitations: ['iptables-save: permission denied (run as root)', 'docker: not running'],
  };
}
