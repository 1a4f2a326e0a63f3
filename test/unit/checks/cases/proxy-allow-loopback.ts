import { compose, withSocat } from '../../../fixtures/builders/snapshot.js';
import { LOOPBACK_GATEWAY } from './doors-fixtures.js';
import type { CheckCases } from '../../../../src/checks/types.js';

const TRUSTED_LOOPBACK = {
  gateway: {
    auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'cf-access-authenticated-user-email', allowLoopback: true } },
    trustedProxies: ['127.0.0.1', '::1'],
  },
};

/** proxyAllowLoopback: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'token mode', snapshot: LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'token' } } }), result: 'skipped' },
    {
      name: 'trusted-proxy without allowLoopback',
      snapshot: LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'trusted-proxy' }, trustedProxies: ['172.18.0.5'] } }),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'allowLoopback on (the Cloudflare Access recipe)',
      snapshot: LOOPBACK_GATEWAY(TRUSTED_LOOPBACK, { 'gateway.auth.trustedProxy.allowLoopback': 9 }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['openclaw.json:9', 'every local process'],
    },
    {
      name: 'allowLoopback on, and socat brings the internet in as loopback peers',
      snapshot: compose(LOOPBACK_GATEWAY(TRUSTED_LOOPBACK), withSocat(9, 443, 18789)),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['socat TCP-LISTEN:443', 'arrive as loopback peers'],
    },
  ],
};
