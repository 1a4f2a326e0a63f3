import type { Check, FindingDraft } from '../types.js';
import { endpointOf, PROBE_GUIDE } from './probe-findings.js';

export const probeMismatch: Check = {
  meta: {
    id: 'probe.mismatch',
    title: 'Live probes agree with the reachability model',
    severity: 'warn',
    guide: PROBE_GUIDE,
    docs:
      'Runs with `audit --probe`. Fails when a real connection ended differently from what `clawmoat reach` predicted ' +
      'for that address, port and vantage point (open where the model said filtered, say). The model is then missing ' +
      'something about this host: a rule it cannot see, a proxy, policy routing. Every other reach-based finding on ' +
      'this host deserves a second look until the cause is found; the finding shows both the observation and the path.',
    fixable: false,
    inputs: ['probe'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['open where the model said filtered', 'timeout where the model said open'],
      passes: ['no probe in this run (skipped)', 'every probe agrees'],
    },
  },
  evaluate(ctx) {
    const report = ctx.probe;
    if (!report) return { result: 'skipped', reason: 'no live probe in this run (add --probe)' };
    const mismatches = report.results.filter((r) => r.mismatch);
    if (mismatches.length === 0)
      return { result: 'pass', reason: `${report.results.filter((r) => r.predicted !== null).length} probe(s) agree with the model` };
    const findings: FindingDraft[] = mismatches.map((r) => ({
      status: 'fail',
      message: `From ${r.vantage}, ${endpointOf(r)} was ${r.observed}, but reach predicted ${r.predicted} (${r.prediction?.zone ?? 'no zone'}): the model is missing something here.`,
      evidence: [
        { kind: 'socket', text: `observed ${r.observed} in ${r.ms} ms${r.detail ? ` (${r.detail})` : ''}` },
        { kind: 'note', text: `predicted ${r.predicted}: ${r.prediction?.reason ?? ''}` },
        ...(r.prediction?.path ?? []).map((text) => ({ kind: 'rule' as const, text })),
      ],
      remediation: {
        summary:
          'Trust the observation. Look for what the model cannot see (another firewall, a proxy, policy routing), and report the case with `clawmoat collect` output.',
        steps: ['sudo clawmoat collect -o host.json', `clawmoat reach --snapshot host.json --port ${r.port}`],
        automatic: false,
      },
    }));
    return { result: 'fail', findings };
  },
};
