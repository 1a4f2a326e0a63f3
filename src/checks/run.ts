import { trackInputs, type AnalysisContext } from '../model/analysis-context.js';
import type { InputId } from '../model/inputs.js';
import { notDecided } from './helpers.js';
import { SEVERITY_ORDER, type Check, type CheckOutcome, type CheckResult, type Finding } from './types.js';

/**
 * The problems a check's result rests on: those of every input it declared or read.
 * Exported for the catalogue test, which checks that what a check reads it declares.
 */
export function evaluateTracked(ctx: AnalysisContext, check: Check): { outcome: CheckOutcome; read: Set<InputId> } {
  const view = trackInputs(ctx);
  let outcome: CheckOutcome;
  try {
    outcome = check.evaluate(view.ctx);
  } catch (error) {
    outcome = { result: 'unknown', reason: `internal error in ${check.meta.id}: ${(error as Error).message}`, findings: [] };
  }
  return { outcome, read: view.read };
}

/**
 * Run checks over a context. A check that throws is a bug in clawmoat, not a
 * property of the host: it becomes `unknown` with the error, and the others still run.
 * A check never passes on an input that could not be read: see `CheckMeta.inputs`.
 */
export function runChecks(ctx: AnalysisContext, checks: readonly Check[]): { checks: CheckResult[]; findings: Finding[] } {
  const results: CheckResult[] = [];
  const findings: Finding[] = [];
  for (const check of checks) {
    const { meta } = check;
    const base = { id: meta.id, title: meta.title, severity: meta.severity, guide: meta.guide };
    let { outcome, read } = evaluateTracked(ctx, check);
    if (outcome.result === 'pass' || outcome.result === 'skipped') {
      const inputs = new Set([...meta.inputs, ...read]);
      const problems = [...inputs].flatMap((i) => ctx.inputs[i]);
      if (problems.length > 0) outcome = notDecided(problems, outcome.reason);
    }
    if (outcome.result === 'pass' || outcome.result === 'skipped') {
      results.push({ ...base, result: outcome.result, reason: outcome.reason });
      continue;
    }
    const drafts =
      outcome.findings.length > 0
        ? outcome.findings
        : [
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
