import { compose, tcpListener, withConfig, withGatewayProcess, withSockets } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** gatewayDangerousFlags: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
    { name: 'a plain config', snapshot: withConfig({ gateway: { bind: 'loopback', controlUi: { enabled: true } } }), result: 'pass' },
    { name: 'flags set to false', snapshot: withConfig({ gateway: { allowRealIpFallback: false, controlUi: { allowInsecureAuth: false } } }), result: 'pass' },
  ],
  invalid: [
    {
      name: 'device auth disabled, on loopback',
      snapshot: withConfig({ gateway: { controlUi: { dangerouslyDisableDeviceAuth: true } } }, { 'gateway.controlUi.dangerouslyDisableDeviceAuth': 4 }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.drop-dangerous-flags'],
      steps: ['config.gateway'],
      evidenceIncludes: ['gateway.controlUi.dangerouslyDisableDeviceAuth', 'openclaw.json:4'],
    },
    {
      name: 'real-IP fallback on a gateway listening on 0.0.0.0',
      snapshot: compose(
        withConfig({ gateway: { allowRealIpFallback: true } }),
        withGatewayProcess(4242, ['openclaw', 'gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 4242)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.drop-dangerous-flags'],
      steps: ['config.gateway'],
      evidenceIncludes: ['gateway.allowRealIpFallback'],
    },
  ],
};
