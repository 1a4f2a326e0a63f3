import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { compose, tcpListener, withGatewayProcess, withIptables, withSockets } from '../../snapshot/fixture.js';
import { exposureOutcome } from './exposure.js';

const DROP_ALL_BUT_SSH = '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';

export const exposureInternet: Check = {
  meta: {
    id: 'exposure.internet',
    title: 'The gateway is not reachable from the internet',
    severity: 'critical',
    guide: GUIDE.firewall,
    docs:
      "Computed, not guessed: a client's first packet is walked through the host's real netfilter ruleset " +
      '(raw, mangle and nat PREROUTING with Docker\'s DNAT, the routing decision, filter INPUT or FORWARD, then the ' +
      "socket's bind address) from each internet zone — an interface holding the default route or a public address. " +
      'Fails when a gateway listener is open from one, and shows the path rule by rule. `unknown` when a rule on the ' +
      'path cannot be modelled; the rule is named. See `clawmoat reach --port PORT --from internet`.',
    fixable: true,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale'],
  },
  evaluate: (ctx) =>
    exposureOutcome(ctx, ['internet'], {
      what: 'anyone on the internet can drive the agent.',
      remediation: {
        summary: 'Bind the gateway to loopback and deny incoming traffic; reach it through an SSH tunnel or Tailscale.',
        steps: ['openclaw config set gateway.bind loopback', 'sudo ufw allow OpenSSH && sudo ufw default deny incoming && sudo ufw enable'],
        automatic: true,
      },
    }),
  cases: {
    valid: [
      { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
      { name: 'wildcard listener, INPUT drops all but SSH', snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8)), withIptables(DROP_ALL_BUT_SSH)), result: 'pass' },
      { name: 'loopback listener, no firewall', snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8))), result: 'pass' },
    ],
    invalid: [
      { name: 'wildcard listener, no firewall', snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8))), result: 'fail', evidenceIncludes: ['internet:eth0', 'delivered to 0.0.0.0:18789'] },
      {
        name: 'an ACCEPT for the port before the DROP',
        snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('::', 18789, 8)), withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 18789 -j ACCEPT\nCOMMIT\n')),
        result: 'fail',
        evidenceIncludes: ['--dport 18789 -j ACCEPT'],
      },
    ],
  },
};
