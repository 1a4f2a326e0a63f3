import { withInterface } from '../../../fixtures/builders/snapshot.js';
import { compose } from '../../../fixtures/builders/snapshot.js';
import { LOOPBACK_GATEWAY, nginxDoor, withNginx } from './doors-fixtures.js';
import type { CheckCases } from '../../../../src/checks/types.js';

const LAN = withInterface('eth1', '192.168.1.10', 24, '192.168.1.0/24');

/** proxyTrustedProxies: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'loopback proxy, loopback trusted',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: { trustedProxies: ['127.0.0.1', '::1'] } }), withNginx(nginxDoor(443, { forwardedFor: 'overwrite' }))),
      result: 'pass',
    },
    {
      name: 'a headerless door and no trustedProxies',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: {} }), withNginx(nginxDoor(443, { layer: 'tcp' }))),
      result: 'pass',
    },
    { name: 'one proxy host on the LAN', snapshot: compose(LAN, LOOPBACK_GATEWAY({ gateway: { trustedProxies: ['192.168.1.5'] } })), result: 'pass' },
  ],
  invalid: [
    {
      name: '0.0.0.0/0 is trusted: critical',
      snapshot: LOOPBACK_GATEWAY({ gateway: { trustedProxies: ['0.0.0.0/0'] } }, { 'gateway.trustedProxies': 7 }),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['every address on the internet', 'openclaw.json:7'],
    },
    {
      name: 'all of RFC 1918 (NemoClaw PR #740)',
      snapshot: LOOPBACK_GATEWAY({ gateway: { trustedProxies: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }),
      result: 'fail',
      severity: 'warn',
      findings: 3,
      evidenceIncludes: ['a whole private block'],
    },
    {
      name: 'the LAN subnet is trusted (home-ops PR #9811)',
      snapshot: compose(LAN, LOOPBACK_GATEWAY({ gateway: { trustedProxies: ['192.168.1.0/24'] } })),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['covers the whole network of lan:eth1'],
    },
    {
      name: 'nginx forwards with XFF, trustedProxies empty',
      snapshot: compose(
        LOOPBACK_GATEWAY({ gateway: {} }),
        withNginx(nginxDoor(443, { forwardedFor: 'append', forwardedForLocation: { file: '/etc/nginx/sites-enabled/openclaw', line: 6 } })),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['proxy_attribution_required', '/etc/nginx/sites-enabled/openclaw:5'],
    },
  ],
};
