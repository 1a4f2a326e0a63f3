import { probeReport, probeResult } from '../../../fixtures/builders/probe.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** probeMismatch: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no probe in this run', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'every probe agrees',
      snapshot: (s) => s,
      options: {
        probe: probeReport(
          probeResult({ address: '198.51.100.1', port: 22 }),
          probeResult({ address: '198.51.100.1', port: 18789, observed: 'timeout', predicted: 'filtered' }),
        ),
      },
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'open where the model said filtered',
      snapshot: (s) => s,
      options: {
        probe: probeReport(
          probeResult({
            address: '198.51.100.1',
            port: 18789,
            observed: 'open',
            predicted: 'filtered',
            mismatch: true,
            prediction: { zone: 'internet:eth0', reason: 'dropped on the way in', path: ['input ip filter INPUT: policy DROP'] },
          }),
        ),
      },
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['predicted filtered', 'policy DROP'],
    },
    {
      name: 'timeout where the model said open',
      snapshot: (s) => s,
      options: {
        probe: probeReport(
          probeResult({ vantage: 'ssh://me@elsewhere', address: '203.0.113.5', port: 18789, observed: 'timeout', predicted: 'open', mismatch: true }),
        ),
      },
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['observed timeout'],
    },
  ],
};
