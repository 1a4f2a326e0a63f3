import { compose, withConfig, withIptables, withUfw } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** firewallGatewayPortAllowed: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'only ssh allowed', snapshot: withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n'), result: 'pass' },
    {
      name: 'gateway port allowed on tailscale0 only',
      snapshot: withUfw(true, '### tuple ### allow tcp 18789 0.0.0.0/0 any 0.0.0.0/0 in_tailscale0\n'),
      result: 'pass',
    },
    {
      name: 'gateway port allowed from the LAN only',
      snapshot: withUfw(true, '### tuple ### allow tcp 18789 0.0.0.0/0 any 192.168.1.0/24 in\n'),
      result: 'pass',
    },
    {
      name: 'iptables accepts 18789 from one address',
      snapshot: withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -s 203.0.113.5/32 -p tcp -m tcp --dport 18789 -j ACCEPT\nCOMMIT\n'),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'ufw allow 18789',
      snapshot: withUfw(true, '### tuple ### allow tcp 18789 0.0.0.0/0 any 0.0.0.0/0 in\n'),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.deny-gateway-port'],
      steps: ['ufw.allow-ssh-22', 'ufw.delete-allow-18789_tcp', 'ufw.enable'],
      evidenceIncludes: ['ufw: allow tcp 18789', 'user.rules'],
    },
    {
      name: 'ufw allow a range covering the custom port',
      snapshot: compose(withConfig({ gateway: { port: 28789 } }), withUfw(true, '### tuple ### allow any 28000:29000 0.0.0.0/0 any 0.0.0.0/0 in\n')),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.deny-gateway-port'],
      steps: ['ufw.allow-ssh-22', 'ufw.delete-allow-28000_29000', 'ufw.enable'],
      evidenceIncludes: ['28000:29000'],
    },
    {
      name: 'iptables ACCEPT for 18789 in INPUT',
      snapshot: withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 18789 -j ACCEPT\nCOMMIT\n'),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['--dport 18789'],
    },
    {
      name: 'ACCEPT for the gateway port in before.rules (ufw-before-input)',
      snapshot: compose(
        withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n'),
        withIptables(
          '*filter\n:INPUT DROP [0:0]\n:ufw-before-input - [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-before-input\n' +
            '-A ufw-before-input -p tcp --dport 18789 -j ACCEPT\n-A ufw-before-input -j ufw-user-input\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\nCOMMIT\n',
        ),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['-A ufw-before-input -p tcp --dport 18789 -j ACCEPT'],
    },
    {
      name: 'a hand-edited user.rules ACCEPT for the gateway port with no tuple',
      snapshot: compose(
        withUfw(
          true,
          '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n-A ufw-user-input -p tcp --dport 18789 -j ACCEPT\n',
        ),
        withIptables(
          '*filter\n:INPUT DROP [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-user-input\n' +
            '-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n-A ufw-user-input -p tcp --dport 18789 -j ACCEPT\nCOMMIT\n',
        ),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['-A ufw-user-input -p tcp --dport 18789 -j ACCEPT'],
    },
    {
      name: 'multiport in a user chain',
      snapshot: withIptables('*filter\n:INPUT DROP [0:0]\n:svc - [0:0]\n-A INPUT -j svc\n-A svc -p tcp -m multiport --dports 80,443,18789 -j ACCEPT\nCOMMIT\n'),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['18789'],
    },
  ],
};
