import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { isSafeBindAddress } from '../../model/addresses.js';
import { compose, tcpListener, withGatewayProcess, withIptables, withSockets, withUfw } from '../../snapshot/fixture.js';

const UFW_ACTIVE_RULES = '*filter\n:ufw-user-input - [0:0]\n### RULES ###\n\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n';
const UFW_LOADED = '*filter\n:INPUT DROP [0:0]\n:ufw-before-input - [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-before-input\nCOMMIT\n';

export const firewallNone: Check = {
  meta: {
    id: 'firewall.none',
    title: 'Something filters inbound traffic',
    severity: 'warn',
    guide: GUIDE.firewall,
    docs:
      'Fails when UFW is not active and no INPUT-hook chain (iptables filter INPUT, or any nftables base chain on ' +
      'the input hook, firewalld included) drops or rejects anything, by policy or by rule: every listening socket ' +
      'is then reachable by whoever can route to the host. Needs root to read the ruleset; without it the answer is ' +
      '`unknown`. Critical when the gateway also listens beyond loopback. A cloud firewall, which this host cannot ' +
      'see, may still protect it.',
    fixable: true,
    inputs: ['ufw', 'netfilter', 'openclaw', 'sockets'],
  },
  evaluate(ctx) {
    const { ufw, netfilter, gateway, snapshot } = ctx;
    if (ufw?.active) return { result: 'pass', reason: 'UFW is active' };
    if (!netfilter.readable) {
      return {
        result: 'unknown',
        reason: netfilter.reason,
        findings: [
          {
            status: 'unknown',
            message: `Cannot tell whether anything filters inbound traffic: ${netfilter.reason}.`,
            evidence: [{ kind: 'note', text: netfilter.reason }, ...(ufw ? [{ kind: 'service' as const, text: `ufw ${ufw.enabledInConfig ? 'enabled in /etc/ufw/ufw.conf' : 'disabled in /etc/ufw/ufw.conf'}` }] : [])],
            remediation: { summary: 'Run the audit as root to read the firewall.', steps: ['sudo clawmoat audit'], automatic: false },
          },
        ],
      };
    }
    const families = netfilter.inputFiltering();
    const unfiltered = families.filter((f) => !f.filtered);
    if (unfiltered.length === 0) return { result: 'pass', reason: families.map((f) => `${f.family}: ${f.evidence[0] ?? 'filtered'}`).join('; ') };
    const exposed = gateway.listeners.some((s) => !isSafeBindAddress(s.address, snapshot));
    return {
      result: 'fail',
      findings: [
        {
          status: 'fail',
          severity: exposed ? 'critical' : 'warn',
          message: `Nothing filters inbound ${unfiltered.map((f) => (f.family === 'ip' ? 'IPv4' : 'IPv6')).join(' or ')} traffic: UFW is ${ufw ? (ufw.enabledInConfig ? 'enabled but not loaded' : 'inactive') : 'not installed'} and the INPUT path accepts by default${exposed ? ', while the gateway listens beyond loopback' : ''}.`,
          evidence: [
            { kind: 'service', text: ufw ? `ufw installed, ${ufw.enabledInConfig ? 'ENABLED=yes but its chains are not loaded' : 'ENABLED=no'}` : 'ufw not installed' },
            ...unfiltered.flatMap((f) => f.evidence.map((text) => ({ kind: 'rule' as const, text: `${f.family}: ${text}` }))),
          ],
          remediation: {
            summary: 'Enable UFW in the guide’s order: allow SSH first, then deny incoming by default.',
            steps: ['sudo ufw allow OpenSSH   # or: sudo ufw allow 22/tcp', 'sudo ufw default deny incoming', 'sudo ufw default allow outgoing', 'sudo ufw enable'],
            automatic: true,
          },
        },
      ],
    };
  },
  cases: {
    valid: [
      { name: 'UFW active', snapshot: compose(withUfw(true, UFW_ACTIVE_RULES), withIptables(UFW_LOADED)), result: 'pass' },
      { name: 'hand-written iptables with DROP policy', snapshot: withIptables('*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n', '*filter\n:INPUT DROP [0:0]\nCOMMIT\n'), result: 'pass' },
      {
        name: 'nftables input chain with policy drop',
        snapshot: (s) => ({
          ...s,
          netfilter: {
            ...s.netfilter,
            nftRuleset: { status: 'ok', data: { nftables: [{ table: { family: 'inet', name: 'filter', handle: 1 } }, { chain: { family: 'inet', table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } }] } },
          },
        }),
        result: 'pass',
      },
    ],
    invalid: [
      { name: 'empty ruleset, no UFW', snapshot: (s) => s, result: 'fail', evidenceIncludes: ['ufw not installed'] },
      { name: 'UFW installed but disabled, gateway on 0.0.0.0', snapshot: compose(withUfw(false, UFW_ACTIVE_RULES), withGatewayProcess(4, ['openclaw', 'gateway']), withSockets(tcpListener('0.0.0.0', 18789, 4))), result: 'fail', evidenceIncludes: ['ENABLED=no'] },
      { name: 'Docker rules only (FORWARD), INPUT accepts', snapshot: withIptables('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:DOCKER - [0:0]\n-A FORWARD -o docker0 -j DOCKER\nCOMMIT\n'), result: 'fail', evidenceIncludes: ['policy ACCEPT'] },
      {
        name: 'ruleset unreadable (not root)',
        snapshot: (s) => ({
          ...s,
          netfilter: {
            ...s.netfilter,
            iptablesSave: { status: 'unavailable', reason: 'permission-denied', detail: 'iptables-save: Permission denied (you must be root)' },
            ip6tablesSave: { status: 'unavailable', reason: 'permission-denied', detail: 'ip6tables-save: Permission denied (you must be root)' },
            nftRuleset: { status: 'unavailable', reason: 'permission-denied', detail: 'nft: Operation not permitted' },
          },
        }),
        result: 'unknown',
        evidenceIncludes: ['root'],
      },
    ],
  },
};
