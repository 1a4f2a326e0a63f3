import type { AnalysisContext } from '../../model/context.js';
import type { GatewayWorkload } from '../../model/docker.js';
import type { SourceLocation } from '../../snapshot/types.js';
import type { CheckOutcome, Evidence, Remediation } from '../types.js';
import type { FixIntent } from '../fix-intents.js';

/** The shared shape of the Docker checks that judge each gateway workload on its own. */
export interface WorkloadRule {
  matches(w: GatewayWorkload): boolean;
  describe(w: GatewayWorkload): string | string[];
  message(w: GatewayWorkload): string;
  locate?(w: GatewayWorkload): SourceLocation | undefined;
  remediation: Remediation;
  passReason: string;
  /** The change that fixes this workload, for harden (checks/fix-intents.ts). */
  fix(w: GatewayWorkload): FixIntent;
}

export function workloadCheck(rule: WorkloadRule): (ctx: AnalysisContext) => CheckOutcome {
  return (ctx) => {
    if (ctx.workloads.length === 0) {
      const docker = ctx.snapshot.docker;
      if (docker.status !== 'ok' && docker.reason !== 'not-running' && docker.reason !== 'not-installed' && ctx.compose.length === 0) {
        return { result: 'unknown', reason: `Docker could not be read: ${docker.detail}`, findings: [] };
      }
      return { result: 'skipped', reason: 'no gateway container or compose service' };
    }
    const failing = ctx.workloads.filter((w) => rule.matches(w));
    if (failing.length === 0) return { result: 'pass', reason: rule.passReason };
    return {
      result: 'fail',
      findings: failing.map((w) => {
        const location = rule.locate?.(w) ?? w.location;
        const described = rule.describe(w);
        const evidence: Evidence[] = (Array.isArray(described) ? described : [described]).map((text) =>
          location ? { kind: 'file', text, location } : { kind: 'container', text },
        );
        return {
          status: 'fail' as const,
          message: rule.message(w),
          evidence,
          remediation: rule.remediation,
          ...(location ? { location } : {}),
          fixes: [rule.fix(w)],
        };
      }),
    };
  };
}
