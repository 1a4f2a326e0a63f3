import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { gatewayExposed } from '../exposed.js';
import { ufwIncomingDefault } from '../../model/ufw.js';

export const firewallNone: Check = {
  meta: {
    id: 'firewall.none',
    title: 'Something filters inbound traffic',
    severity: 'warn',
    guide: GUIDE.firewall,
    docs:
      'Fails when UFW is not active (or is active with its default incoming policy `allow`, or its files deny incoming but the live ruleset does not) and no INPUT-hook chain (iptables filter INPUT, or any nftables base chain on ' +
      'the input hook, firewalld included) drops or rejects anything, by policy or by rule: every listening socket ' +
      'is then reachable by whoever can route to the host. Needs root to read the ruleset; without it the answer is ' +
      '`unknown`. Critical when the gateway also listens beyond loopback. A cloud firewall, which this host cannot ' +
      'see, may still protect it.',
    fixable: true,
    inputs: ['ufw', 'netfilter', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'empty ruleset, no UFW',
        'UFW installed but disabled, gateway on 0.0.0.0',
        'Docker rules only (FORWARD), INPUT accepts',
        'UFW active, its files say DROP, but the live INPUT policy is ACCEPT',
        'UFW active but its default incoming policy is allow',
        'ruleset unreadable (not root) (unknown)',
      ],
      passes: ['UFW active', 'hand-written iptables with DROP policy', 'nftables input chain with policy drop'],
    },
  },
  evaluate(ctx) {
    const { ufw, netfilter, gateway, snapshot } = ctx;
    // UFW on with `default allow incoming` filters nothing no rule names: only its refusing default
    // is a filter worth a pass here; otherwise the ruleset itself decides.
    const ufwIncoming = ufw ? ufwIncomingDefault(ufw) : undefined;
    // UFW's files say what it would load; the kernel's live INPUT path is what filters. Pass on UFW only
    // when they agree (an `iptables -P INPUT ACCEPT` after ufw enable leaves the files saying DROP).
    const ufwRefuses = ufw?.active === true && ufwIncoming?.refuses === true;
    if (ufwRefuses && netfilter.readable && netfilter.inputFiltering().every((f) => f.filtered))
      return { result: 'pass', reason: `UFW is active and denies incoming by default (${ufwIncoming!.policy})` };
    if (!netfilter.readable) {
      return {
        result: 'unknown',
        reason: netfilter.reason,
        findings: [
          {
            status: 'unknown',
            message: `Cannot tell whether anything filters inbound traffic: ${netfilter.reason}.`,
            evidence: [
              { kind: 'note', text: netfilter.reason },
              ...(ufw
                ? [{ kind: 'service' as const, text: `ufw ${ufw.enabledInConfig ? 'enabled in /etc/ufw/ufw.conf' : 'disabled in /etc/ufw/ufw.conf'}` }]
                : []),
            ],
            remediation: { summary: 'Run the audit as root to read the firewall.', steps: ['sudo clawmoat audit'], automatic: false },
          },
        ],
      };
    }
    const families = netfilter.inputFiltering();
    const unfiltered = families.filter((f) => !f.filtered);
    if (unfiltered.length === 0) return { result: 'pass', reason: families.map((f) => `${f.family}: ${f.evidence[0] ?? 'filtered'}`).join('; ') };
    const exposed = gatewayExposed(ctx);
    const ufwState = !ufw ? 'not-installed' : ufwRefuses ? 'live-disagrees' : ufw.active ? 'allows-incoming' : ufw.enabledInConfig ? 'not-loaded' : 'inactive';
    return {
      result: 'fail',
      findings: [
        {
          status: 'fail',
          severity: exposed ? 'critical' : 'warn',
          message: `Nothing filters inbound ${unfiltered.map((f) => (f.family === 'ip' ? 'IPv4' : 'IPv6')).join(' or ')} traffic: UFW is ${ufwState === 'live-disagrees' ? `active and its files say ${ufwIncoming?.policy} incoming, but the live ruleset does not` : ufwState === 'allows-incoming' ? `active but its default incoming policy is ${ufwIncoming?.policy}` : ufwState === 'not-loaded' ? 'enabled but not loaded' : ufwState === 'inactive' ? 'inactive' : 'not installed'} and the INPUT path accepts by default${exposed ? ', while the gateway listens beyond loopback' : ''}.`,
          evidence: [
            {
              kind: 'service',
              text:
                ufwState === 'live-disagrees'
                  ? `ufw active, DEFAULT_INPUT_POLICY ${ufwIncoming?.policy} in /etc/default/ufw, not what the kernel has loaded`
                  : ufwState === 'allows-incoming'
                    ? `ufw active, default incoming policy ${ufwIncoming?.policy}`
                    : ufw
                      ? `ufw installed, ${ufw.enabledInConfig ? 'ENABLED=yes but its chains are not loaded' : 'ENABLED=no'}`
                      : 'ufw not installed',
            },
            ...unfiltered.flatMap((f) => f.evidence.map((text) => ({ kind: 'rule' as const, text: `${f.family}: ${text}` }))),
          ],
          remediation: {
            summary: 'Enable UFW in the guide’s order: allow SSH first, then deny incoming by default.',
            steps: [
              'sudo ufw allow OpenSSH   # or: sudo ufw allow 22/tcp',
              'sudo ufw default deny incoming',
              'sudo ufw default allow outgoing',
              'sudo ufw enable',
            ],
            automatic: true,
          },
          fixes: [
            {
              kind: 'firewall.enable',
              unfiltered: unfiltered.map((f) => (f.family === 'ip' ? 'ipv4' : 'ipv6')),
              ufw: ufwState,
            },
          ],
        },
      ],
    };
  },
};
