import type { AnalysisContext } from '../model/context.js';
import { SEVERITY_ORDER, type Check, type CheckResult, type Finding } from './types.js';

/**
 * Run checks over a context. A check that throws is a bug in clawmoat, not a
 * property of the host: it becomes `unknown` with the error, and the others still run.
 */
export function runChecks(ctx: AnalysisContext, checks: readonly Check[]): { checks: CheckResult[]; findings: Finding[] } {
  const results: CheckResult[] = [];
  const findings: Finding[] = [];
  for (const check of checks) {
    const { meta } = check;
    const base = { id: meta.id, title: meta.title, severity: meta.severity, guide: meta.guide };
    let outcome;
    try {
      outcome = check.evaluate(ctx);
    } catch (error) {
      outcome = { result: 'unknown' as const, reason: `internal error in ${meta.id}: ${(error as Error).message}`, findings: [] };
    }
    if (outcome.result === 'pass' || outcome.result === 'skipped') {
      results.push({ ...base, result: outcome.result, reason: outcome.reason });
      continue;
    }
    const drafts = outcome.findings.length > 0 ? outcome.findings : [
      {
        status: 'unknown' as const,
        message: outcome.reason ?? 'could not decide',
        evidence: [{ kind: 'note' as const, text: outcome.reason ?? 'could not decide' }],
        remediation: { summary: 'See the reason; running as root usually lets clawmoat read what it needs.', steps: [], automatic: false },
      },
    ];
    for (const draft of drafts) {
      findings.push({ ...draft, id: meta.id, title: draft.title ?? meta.title, severity: draft.severity ?? meta.severity, guide: meta.guide });
    }
    const result: CheckResult = { ...base, result: outcome.result };
    if (outcome.reason) result.reason = outcome.reason;
    else if (drafts[0]) result.reason = drafts[0].message;
    results.push(result);
  }
  findings.sort((a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] || (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1));
  return { checks: results, findings };
}
