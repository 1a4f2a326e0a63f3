import type { Collected, SourceLocation } from '../snapshot/types.js';
import type { CheckOutcome, Evidence, FindingDraft } from './types.js';
import type { AnalysisContext } from '../model/context.js';
import { describeProblem, type InputId, type InputProblem } from '../model/inputs.js';

/** Small shared pieces for check files. */

export function unavailableReason(source: string, collected: Collected<unknown>): string | undefined {
  return collected.status === 'ok' ? undefined : `${source} could not be read: ${collected.detail}`;
}

export function fileEvidence(text: string, location?: SourceLocation): Evidence {
  return location ? { kind: 'file', text, location } : { kind: 'config', text };
}

export function formatLocation(location?: SourceLocation): string {
  if (!location) return '';
  return location.column ? `${location.file}:${location.line}:${location.column}` : `${location.file}:${location.line}`;
}

/**
 * `unknown`, resting on inputs that could not be read: the first problem in the message, each as
 * evidence with its file and line, what to do as the remediation. `would` is what the check would
 * have said with what it did read.
 */
export function notDecided(problems: readonly InputProblem[], would: string): CheckOutcome {
  const [first] = problems as [InputProblem, ...InputProblem[]];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  const draft: FindingDraft = {
    status: 'unknown',
    message: `Not decided: ${describeProblem(first)}${more}. With what was read, this check would say: ${would}.`,
    evidence: problems.map((p) => ({
      kind: 'note' as const,
      text: describeProblem(p),
      ...(p.line !== undefined ? { location: { file: p.source, line: p.line } } : {}),
    })),
    remediation: { summary: first.advice, steps: [...new Set(problems.map((p) => p.advice))], automatic: false },
  };
  if (first.line !== undefined) draft.location = { file: first.source, line: first.line };
  return { result: 'unknown', reason: `${describeProblem(first)}${more}`, findings: [draft] };
}

/**
 * For a check that would fail on an absence ("no rule allows SSH"): the absence is only a fact
 * when the inputs were fully read. Undefined when they were; else the `unknown` outcome.
 */
export function unlessRead(ctx: AnalysisContext, inputs: readonly InputId[], would: string): CheckOutcome | undefined {
  const problems = inputs.flatMap((i) => ctx.inputs[i]);
  return problems.length > 0 ? notDecided(problems, would) : undefined;
}
