import { gatewayFingerprint, probeReport, probeResult } from '../../../fixtures/builders/probe.js';
import type { CheckCases } from '../../../../src/checks/types.js';
import { withConfig } from '../../../fixtures/builders/snapshot.js';

/** probeAuthNone: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no probe in this run', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'the gateway enforces auth',
      snapshot: (s) => s,
      options: { probe: probeReport(probeResult({ address: '198.51.100.1', port: 18789, openclaw: gatewayFingerprint('enforced') })) },
      result: 'pass',
    },
    {
      name: 'auth none, but only on loopback',
      snapshot: (s) => s,
      options: { probe: probeReport(probeResult({ vantage: 'host', address: '127.0.0.1', port: 18789, openclaw: gatewayFingerprint('none') })) },
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'auth none from a client namespace',
      // The config harden writes the fresh token into.
      snapshot: withConfig({ gateway: { bind: 'lan', auth: { mode: 'none' } } }),
      options: { probe: probeReport(probeResult({ address: '198.51.100.1', port: 18789, openclaw: gatewayFingerprint('none') })) },
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['198.51.100.1:18789', 'auth none'],
    },
    {
      name: 'auth none over ssh on an IPv6 address',
      snapshot: (s) => s,
      options: {
        probe: probeReport(probeResult({ vantage: 'ssh://me@elsewhere', address: '2001:db8::10', port: 18789, openclaw: gatewayFingerprint('none', null) })),
      },
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: [],
      evidenceIncludes: ['[2001:db8::10]:18789', '(version unknown)'],
    },
  ],
};
