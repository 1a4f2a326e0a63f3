import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { compose, tcpListener, withGatewayProcess, withInterface, withIptables, withSockets, withSocat } from '../../snapshot/fixture.js';
import { exposureOutcome } from './exposure.js';

const LAN = withInterface('eth1', '192.168.1.10', 24, '192.168.1.0/24');
const TAILNET = withInterface('tailscale0', '100.101.102.103', 32);

export const exposureLan: Check = {
  meta: {
    id: 'exposure.lan',
    title: 'The gateway is not reachable from the LAN',
    severity: 'warn',
    guide: GUIDE.firewall,
    docs:
      'Like `exposure.internet`, for LAN zones (interfaces on private subnets) and zones named with `--zone`. A LAN ' +
      'client can aim at *any* of the host\'s addresses through its link (Linux is a weak-host system), so a gateway ' +
      'bound to the tailnet address is reachable from the LAN unless a rule filters it; the path names the ' +
      'destination address used.',
    fixable: true,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
  },
  evaluate: (ctx) =>
    exposureOutcome(ctx, ['lan', 'custom'], {
      what: 'every device on that network (and anything that compromises one) can drive the agent.',
      remediation: {
        summary: 'Bind the gateway to loopback (or the tailnet with a firewall rule that admits only tailscale0).',
        steps: ['openclaw config set gateway.bind loopback', 'sudo ufw default deny incoming'],
        automatic: true,
      },
    }),
  cases: {
    valid: [
      { name: 'loopback gateway behind socat bound to the tailnet address', snapshot: compose(LAN, TAILNET, withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)), withSocat(9, 8443, 18789, '100.101.102.103'), withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i tailscale0 -j ACCEPT\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n')), result: 'pass' },
      { name: 'no LAN interface', snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8))), result: 'skipped' },
      {
        name: 'tailnet-bound gateway, INPUT admits only tailscale0',
        snapshot: compose(LAN, TAILNET, withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('100.101.102.103', 18789, 8)), withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i tailscale0 -j ACCEPT\nCOMMIT\n')),
        result: 'pass',
      },
    ],
    invalid: [
      {
        name: 'loopback gateway behind socat on 0.0.0.0:8443',
        snapshot: compose(LAN, withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)), withSocat(9, 8443, 18789)),
        result: 'fail',
        evidenceIncludes: ['lan:eth1', 'socat TCP-LISTEN:8443'],
      },
      { name: 'wildcard listener, INPUT admits eth1', snapshot: compose(LAN, withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8)), withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i eth1 -j ACCEPT\nCOMMIT\n')), result: 'fail', evidenceIncludes: ['lan:eth1', '-i eth1 -j ACCEPT'] },
      {
        name: 'tailnet-bound gateway, no firewall: the LAN aims at the tailnet address (weak host)',
        snapshot: compose(LAN, TAILNET, withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('100.101.102.103', 18789, 8))),
        result: 'fail',
        evidenceIncludes: ['→ 100.101.102.103'],
      },
    ],
  },
};
