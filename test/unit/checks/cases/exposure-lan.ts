import {
  compose,
  tcpListener,
  withConfig,
  withGatewayProcess,
  withInterface,
  withLinkLocalOnly,
  withIptables,
  withSockets,
  withSocat,
  withTailscaleRead,
} from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

const LAN = withInterface('eth1', '192.168.1.10', 24, '192.168.1.0/24');

/** A tailnet whose tailscaled was read (with the CLI missing, Serve/Funnel would be unknown). */
const TAILNET = compose(withInterface('tailscale0', '100.101.102.103', 32), withTailscaleRead());

/** exposureLan: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    {
      name: 'loopback gateway behind socat bound to the tailnet address',
      snapshot: compose(
        LAN,
        TAILNET,
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('127.0.0.1', 18789, 8)),
        withSocat(9, 8443, 18789, '100.101.102.103'),
        withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i tailscale0 -j ACCEPT\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n'),
      ),
      result: 'pass',
    },
    {
      name: 'no LAN interface',
      snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8))),
      result: 'skipped',
    },
    {
      name: 'tailnet-bound gateway, INPUT admits only tailscale0',
      snapshot: compose(
        LAN,
        TAILNET,
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('100.101.102.103', 18789, 8)),
        withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i tailscale0 -j ACCEPT\nCOMMIT\n'),
      ),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'loopback gateway behind socat on 0.0.0.0:8443',
      snapshot: compose(LAN, withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)), withSocat(9, 8443, 18789)),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: [],
      steps: [],
      evidenceIncludes: ['lan:eth1', 'socat TCP-LISTEN:8443'],
    },
    {
      name: 'loopback gateway behind socat on 127.0.0.1:8080 behind socat on 0.0.0.0:8443',
      snapshot: compose(
        LAN,
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('127.0.0.1', 18789, 8)),
        withSocat(9, 8080, 18789, '127.0.0.1'),
        withSocat(10, 8443, 8080),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: [],
      steps: [],
      evidenceIncludes: ['lan:eth1', 'socat TCP-LISTEN:8443,fork TCP:127.0.0.1:8080', 'socat TCP-LISTEN:8080,fork,bind=127.0.0.1 TCP:127.0.0.1:18789'],
    },
    {
      // Review 2 finding 13: an interface with only fe80:: had no zone, so this was skipped ("no LAN interface").
      name: 'gateway on ::, no firewall, a link with only link-local addresses',
      snapshot: compose(withLinkLocalOnly('eth1'), withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('::', 18789, 8))),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['lan:eth1', 'fe80::a00:27ff:fe4e:66a1'],
    },
    {
      name: 'wildcard listener, INPUT admits eth1',
      snapshot: compose(
        LAN,
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 8)),
        withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i eth1 -j ACCEPT\nCOMMIT\n'),
        withConfig({ gateway: { bind: 'lan' } }, { 'gateway.bind': 3 }),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: ['config.gateway'],
      evidenceIncludes: ['lan:eth1', '-i eth1 -j ACCEPT'],
    },
    {
      // Review C (s11) finding 2: a /32 has no neighbour in its own subnet; its clients are routed in (Hetzner private networks).
      name: 'wildcard listener, INPUT admits ens10, whose address is a /32 with 10.0.0.0/16 routed via it',
      snapshot: compose(
        withInterface('ens10', '10.0.0.2', 32, '10.0.0.0/16'),
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 8)),
        withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i ens10 -j ACCEPT\nCOMMIT\n'),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['lan:ens10', '10.0.0.200 →', '-i ens10 -j ACCEPT'],
    },
    {
      name: 'wildcard listener, a LAN interface with only a /32 and no route via it: no client address, unknown (not closed)',
      snapshot: compose(withInterface('ens10', '10.0.0.2', 32), withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8))),
      result: 'unknown',
      severity: 'warn',
      findings: 1,
      steps: [],
      evidenceIncludes: ['lan:ens10', 'no IPv4 client address found for this zone'],
    },
    {
      name: 'tailnet-bound gateway, no firewall: the LAN aims at the tailnet address (weak host)',
      snapshot: compose(LAN, TAILNET, withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('100.101.102.103', 18789, 8))),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['→ 100.101.102.103'],
    },
  ],
};
