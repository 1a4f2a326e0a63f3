import { compose, tcpListener, withGatewayProcess, withInterface, withIptables, withSockets } from '../../../fixtures/builders/snapshot.js';
import { LOOPBACK_GATEWAY, nginxDoor, withNginx } from './doors-fixtures.js';
import { withConfig } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

const LAN = withInterface('eth1', '192.168.1.10', 24, '192.168.1.0/24');

/** A gateway in trusted-proxy mode listening on every address, behind nginx. */
function exposedTrustedProxy(trusted: string[]) {
  return compose(
    withConfig(
      { gateway: { bind: 'lan', auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-forwarded-user' } }, trustedProxies: trusted } },
      { 'gateway.auth.mode': 4, 'gateway.trustedProxies': 6 },
    ),
    withGatewayProcess(8, ['openclaw-gateway']),
    withSockets(tcpListener('0.0.0.0', 18789, 8)),
    withNginx(nginxDoor(443, { forwardedFor: 'overwrite' })),
  );
}

/** proxyTrustedProxyDirect: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'token mode', snapshot: LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'token' } } }), result: 'skipped' },
    {
      name: 'trusted-proxy, gateway on loopback behind nginx',
      snapshot: compose(
        LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'trusted-proxy' }, trustedProxies: ['127.0.0.1'] } }),
        withNginx(nginxDoor(443, { forwardedFor: 'overwrite' })),
      ),
      result: 'pass',
    },
    {
      name: 'trusted-proxy on 0.0.0.0, but INPUT drops the port from outside',
      snapshot: compose(
        exposedTrustedProxy(['127.0.0.1']),
        withIptables('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 18789 -j DROP\nCOMMIT\n'),
      ),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'trusted-proxy on 0.0.0.0, no firewall: the internet reaches it directly',
      snapshot: exposedTrustedProxy(['127.0.0.1']),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['not only through the proxy', 'internet:eth0'],
    },
    {
      name: 'trusted-proxy on 0.0.0.0 with the LAN in trustedProxies: any LAN host is anyone',
      snapshot: compose(LAN, exposedTrustedProxy(['192.168.1.0/24'])),
      result: 'fail',
      severity: ['critical', 'warn'],
      findings: 2,
      evidenceIncludes: ['whose network is in gateway.trustedProxies', 'openclaw.json:6'],
    },
  ],
};
