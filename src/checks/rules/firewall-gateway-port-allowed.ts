import type { Check, Evidence } from '../types.js';
import { GUIDE } from '../guide.js';
import { isAnySource, ufwPortCovers } from '../../model/ufw.js';

export const firewallGatewayPortAllowed: Check = {
  meta: {
    id: 'firewall.gateway_port_allowed',
    title: 'No firewall rule admits the gateway port from anywhere',
    severity: 'critical',
    guide: GUIDE.firewall,
    docs:
      'The guide says never to allow the gateway port. Fails for a UFW rule (`ufw allow 18789`, from any source, on ' +
      "any interface) or an iptables/nftables rule on the INPUT path (UFW's before.rules and untupled user.rules lines included) that accepts TCP to a gateway port with no " +
      'source restriction. Rules limited to an interface such as tailscale0, or to a source range, are left to ' +
      '`clawmoat reach`, which works out who they admit.',
    fixable: true,
    inputs: ['ufw', 'netfilter', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'ufw allow 18789',
        'ufw allow a range covering the custom port',
        'iptables ACCEPT for 18789 in INPUT',
        'ACCEPT for the gateway port in before.rules (ufw-before-input)',
        'a hand-edited user.rules ACCEPT for the gateway port with no tuple',
        'multiport in a user chain',
      ],
      passes: [
        'only ssh allowed',
        'gateway port allowed on tailscale0 only',
        'gateway port allowed from the LAN only',
        'iptables accepts 18789 from one address',
      ],
    },
  },
  evaluate(ctx) {
    const { ufw, netfilter, gateway } = ctx;
    const evidence: Evidence[] = [];
    const steps: string[] = [];
    const ports = new Set<number>();
    for (const rule of ufw?.rules ?? []) {
      if (rule.route || rule.direction !== 'in' || (rule.action !== 'allow' && rule.action !== 'limit')) continue;
      if (rule.inInterface || !isAnySource(rule.src) || rule.dport === 'any' || (rule.protocol !== 'tcp' && rule.protocol !== 'any')) continue;
      const port = gateway.ports.find((p) => ufwPortCovers(rule.dport, p));
      if (port === undefined) continue;
      ports.add(port);
      evidence.push({
        kind: 'rule',
        text: `ufw: ${rule.action} ${rule.protocol} ${rule.dport} from ${rule.src}${rule.v6 ? ' (v6)' : ''}`,
        location: rule.location,
      });
      steps.push(`sudo ufw delete ${rule.action} ${rule.dport === String(port) && rule.protocol !== 'any' ? `${rule.dport}/${rule.protocol}` : rule.dport}`);
    }
    if (netfilter.readable) {
      for (const rule of netfilter.openAcceptRules(gateway.ports)) {
        // A rule in UFW's user chains for a port a tuple above already reports is that tuple, said once
        // (with its file and line); any other (before.rules, a hand-edited line with no tuple) is its own.
        if (/^ufw6?-user-/.test(rule.chain) && rule.ports.every((p) => ports.has(p))) continue;
        evidence.push({ kind: 'rule', text: rule.text });
        steps.push(`remove the rule: ${rule.text}`);
      }
    }
    if (evidence.length === 0) {
      if (!netfilter.readable && !ufw) return { result: 'unknown', reason: netfilter.reason, findings: [] };
      return {
        result: 'pass',
        reason: `no rule admits ${gateway.ports.join('/')} from anywhere${netfilter.readable ? '' : ` (UFW rules only: ${netfilter.reason})`}`,
      };
    }
    const location = evidence.find((e) => e.location)?.location;
    return {
      result: 'fail',
      findings: [
        {
          status: 'fail',
          message: `The firewall explicitly admits the gateway port from anywhere (${evidence.length} rule${evidence.length === 1 ? '' : 's'}).`,
          evidence,
          remediation: {
            summary: 'Delete the rule; reach the gateway through an SSH tunnel or Tailscale instead.',
            steps: [...new Set(steps)],
            automatic: true,
          },
          ...(location ? { location } : {}),
          fixes: [
            {
              kind: 'firewall.deny-gateway-port',
              ports: ports.size > 0 ? [...ports].sort((a, b) => a - b) : gateway.ports,
              rules: evidence.map((e) => ({ text: e.text, ...(e.location ? { location: e.location } : {}) })),
            },
          ],
        },
      ],
    };
  },
};
