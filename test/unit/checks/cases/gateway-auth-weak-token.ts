import { compose, withConfig, withGatewayProcess } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** gatewayAuthWeakToken: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: '64-character token', snapshot: withConfig({ gateway: { auth: { mode: 'token', token: { $redacted: true, length: 64 } } } }), result: 'pass' },
    { name: 'password mode', snapshot: withConfig({ gateway: { auth: { mode: 'password', password: { $redacted: true, length: 12 } } } }), result: 'skipped' },
    { name: 'exactly 24', snapshot: withConfig({ gateway: { auth: { token: { $redacted: true, length: 24 } } } }), result: 'pass' },
  ],
  invalid: [
    {
      name: 'an unset ${OC_TOKEN} is not an 11-character token: unknown, the gateway will not start',
      snapshot: compose(
        withConfig(
          { gateway: { auth: { mode: 'token', token: { $redacted: true, length: 11, from: 'unresolved-env:OC_TOKEN' } } } },
          { 'gateway.auth.token': 4 },
        ),
        (s) =>
          s.openclaw.config.status === 'ok'
            ? {
                ...s,
                openclaw: {
                  ...s.openclaw,
                  config: { ...s.openclaw.config, data: { ...s.openclaw.config.data, unset: { 'gateway.auth.token': ['OC_TOKEN'] } } },
                },
              }
            : s,
      ),
      result: 'unknown',
      severity: 'warn',
      findings: 1,
      steps: [],
      evidenceIncludes: ['${OC_TOKEN}', 'refuses to load', 'openclaw.json:4', 'set OC_TOKEN'],
    },
    {
      name: 'short token in config',
      snapshot: withConfig({ gateway: { auth: { mode: 'token', token: { $redacted: true, length: 8 } } } }, { 'gateway.auth.token': 6 }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['8 characters', 'openclaw.json:6'],
    },
    {
      name: 'short --token flag wins over a long config token',
      snapshot: compose(
        withConfig({ gateway: { auth: { token: { $redacted: true, length: 64 } } } }),
        withGatewayProcess(3, ['openclaw', 'gateway', '--token', '[REDACTED]'], {}, { token: { $redacted: true, length: 23, from: 'cmdline' } }),
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['23 characters', '--token flag of pid 3'],
    },
  ],
};
