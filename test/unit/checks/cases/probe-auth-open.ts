import { gatewayFingerprint, probeReport, probeResult } from '../../../fixtures/builders/probe.js';
import type { CheckCases } from '../../../../src/checks/types.js';
import { withConfig } from '../../../fixtures/builders/snapshot.js';

/** probeAuthOpen: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no probe in this run', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'nothing OpenClaw answered',
      snapshot: (s) => s,
      options: { probe: probeReport(probeResult({ address: '198.51.100.1', port: 8080 })) },
      result: 'pass',
    },
    {
      name: 'open only on ::1',
      snapshot: (s) => s,
      options: { probe: probeReport(probeResult({ vantage: 'host', address: '::1', port: 18789, openclaw: gatewayFingerprint('open') })) },
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'hello-ok from the internet link',
      // The config harden writes the fresh token into.
      snapshot: withConfig({ gateway: { bind: 'lan' } }),
      options: { probe: probeReport(probeResult({ address: '203.0.113.10', port: 18789, openclaw: gatewayFingerprint('open', '2026.1.5') })) },
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['203.0.113.10:18789', 'auth open', '2026.1.5'],
    },
    {
      name: 'hello-ok from the host itself on its LAN address',
      snapshot: (s) => s,
      options: { probe: probeReport(probeResult({ vantage: 'host', address: '192.168.1.10', port: 18789, openclaw: gatewayFingerprint('open') })) },
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: [],
      evidenceIncludes: ['192.168.1.10:18789'],
    },
  ],
};
