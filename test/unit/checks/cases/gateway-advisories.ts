import { compose, tcpListener, withGatewayProcess, withSockets } from '../../../fixtures/builders/snapshot.js';
import { LOOPBACK_GATEWAY, nginxDoor, withNginx } from './doors-fixtures.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import type { CheckCases } from '../../../../src/checks/types.js';

function withVersion(version: string) {
  return (s: Snapshot): Snapshot => ({
    ...s,
    openclaw: { ...s.openclaw, version: { status: 'ok', data: { version, source: '/usr/lib/node_modules/openclaw/package.json' } } },
  });
}

/** gatewayAdvisories: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
    { name: 'version unknown', snapshot: LOOPBACK_GATEWAY({ gateway: {} }), result: 'skipped' },
    { name: 'a current version', snapshot: compose(LOOPBACK_GATEWAY({ gateway: {} }), withVersion('2026.9.6')), result: 'pass' },
    {
      name: '2026.4.1 in token mode: the trusted-proxy advisories do not apply',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'token' } } }), withVersion('2026.4.1')),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'Clawdbot 2026.1.24 on loopback: warn',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: {} }), withVersion('2026.1.24')),
      result: 'fail',
      severity: 'warn',
      findings: 5,
      evidenceIncludes: ['GHSA-g8p2-7wf7-98mq', 'CVE-2026-25253', 'fixed 2026.1.29'],
    },
    {
      name: '2026.5.1 in trusted-proxy mode',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: { auth: { mode: 'trusted-proxy' }, trustedProxies: ['127.0.0.1'] } }), withVersion('2026.5.1')),
      result: 'fail',
      severity: 'warn',
      findings: 2,
      evidenceIncludes: ['GHSA-rggc-m335-3wvj', 'CVE-2026-53832', 'GHSA-qjpc-qf9m-xwmr'],
    },
    {
      name: '2026.3.28 behind nginx, exposed: critical',
      snapshot: compose(LOOPBACK_GATEWAY({ gateway: {} }), withNginx(nginxDoor(443)), withVersion('2026.3.28')),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['CVE-2026-41403', 'reachable from internet:eth0'],
    },
    {
      name: 'an old gateway on 0.0.0.0',
      snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8)), withVersion('2026.2.10')),
      result: 'fail',
      severity: 'critical',
      findings: 3,
      evidenceIncludes: ['GHSA-943q-mwmv-hhvh'],
    },
  ],
};
