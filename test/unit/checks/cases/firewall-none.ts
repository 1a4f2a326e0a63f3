import { compose, tcpListener, withGatewayProcess, withIptables, withSockets, withUfw, withUfwStatus } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

const UFW_ACTIVE_RULES =
  '*filter\n:ufw-user-input - [0:0]\n### RULES ###\n\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n';

/** ufw's chains loaded under an INPUT policy of ACCEPT: what `ufw default allow incoming` then `ufw enable` leaves. */
const UFW_LOADED_ALLOWING =
  '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:ufw-before-input - [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-before-input\n-A ufw-before-input -j ufw-user-input\nCOMMIT\n';

const UFW_LOADED = '*filter\n:INPUT DROP [0:0]\n:ufw-before-input - [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-before-input\nCOMMIT\n';

/** firewallNone: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'UFW active', snapshot: compose(withUfw(true, UFW_ACTIVE_RULES), withIptables(UFW_LOADED, UFW_LOADED)), result: 'pass' },
    {
      name: 'hand-written iptables with DROP policy',
      snapshot: withIptables(
        '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n',
        '*filter\n:INPUT DROP [0:0]\nCOMMIT\n',
      ),
      result: 'pass',
    },
    {
      name: 'nftables input chain with policy drop',
      snapshot: (s) => ({
        ...s,
        netfilter: {
          ...s.netfilter,
          nftRuleset: {
            status: 'ok',
            data: {
              nftables: [
                { table: { family: 'inet', name: 'filter', handle: 1 } },
                { chain: { family: 'inet', table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
              ],
            },
          },
        },
      }),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'empty ruleset, no UFW',
      snapshot: (s) => s,
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['firewall.enable'],
      // No ufw to run: the plan's notes say to install it.
      steps: [],
      evidenceIncludes: ['ufw not installed'],
    },
    {
      name: 'UFW installed but disabled, gateway on 0.0.0.0',
      snapshot: compose(withUfw(false, UFW_ACTIVE_RULES), withGatewayProcess(4, ['openclaw', 'gateway']), withSockets(tcpListener('0.0.0.0', 18789, 4))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.enable'],
      steps: ['ufw.enable'],
      evidenceIncludes: ['ENABLED=no'],
    },
    {
      name: 'Docker rules only (FORWARD), INPUT accepts',
      snapshot: withIptables('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:DOCKER - [0:0]\n-A FORWARD -o docker0 -j DOCKER\nCOMMIT\n'),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['firewall.enable'],
      steps: [],
      evidenceIncludes: ['policy ACCEPT'],
    },
    {
      name: 'UFW active, its files say DROP, but the live INPUT policy is ACCEPT',
      snapshot: compose(
        withUfw(true, UFW_ACTIVE_RULES),
        withIptables(UFW_LOADED_ALLOWING, UFW_LOADED_ALLOWING),
        withGatewayProcess(4, ['openclaw', 'gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 4)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.enable'],
      // harden plans no step for it yet (its plan starts from UFW's files, which already say DROP).
      steps: [],
      evidenceIncludes: ['DEFAULT_INPUT_POLICY DROP in /etc/default/ufw, not what the kernel has loaded', 'ip: filter INPUT policy ACCEPT'],
    },
    {
      // Review 2 finding 12: "UFW is active" passed here although UFW admits everything no rule names.
      name: 'UFW active but its default incoming policy is allow',
      snapshot: compose(
        withUfw(true, UFW_ACTIVE_RULES, { input: 'ACCEPT', output: 'ACCEPT', forward: 'DROP' }),
        withUfwStatus('Status: active\nLogging: on (low)\nDefault: allow (incoming), allow (outgoing), deny (routed)\nNew profiles: skip\n'),
        withIptables(UFW_LOADED_ALLOWING),
        withGatewayProcess(4, ['openclaw', 'gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 4)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['firewall.enable'],
      steps: ['ufw.default-deny-incoming'],
      evidenceIncludes: ['ufw active, default incoming policy ACCEPT', 'ip: filter INPUT policy ACCEPT'],
    },
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
      severity: 'warn',
      findings: 1,
      steps: [],
      evidenceIncludes: ['root'],
    },
  ],
};
