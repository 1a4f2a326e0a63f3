import { compose, tcpListener, withGatewayProcess, withSockets } from '../../../fixtures/builders/snapshot.js';
import { LOOPBACK_GATEWAY } from './doors-fixtures.js';
import { withConfig } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** gatewayOriginsWildcard: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
    { name: 'explicit origins', snapshot: LOOPBACK_GATEWAY({ gateway: { controlUi: { allowedOrigins: ['https://gw.example.com'] } } }), result: 'pass' },
    { name: 'publicOrigin as the implicit policy', snapshot: LOOPBACK_GATEWAY({ gateway: { publicOrigin: 'https://gw.example.com' } }), result: 'pass' },
  ],
  invalid: [
    {
      name: '"*" on a loopback gateway: warn',
      snapshot: LOOPBACK_GATEWAY({ gateway: { controlUi: { allowedOrigins: ['*'] } } }, { 'gateway.controlUi.allowedOrigins': 4 }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['openclaw.json:4'],
    },
    {
      name: '"*" on a gateway open to the internet: critical',
      snapshot: compose(
        withConfig({ gateway: { controlUi: { allowedOrigins: ['*'] } } }),
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 8)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['reachable from internet:eth0'],
    },
  ],
};
