import type { AnalysisContext } from '../../model/context.js';
import type { AuthPosture, ProbeReport, ProbeResult } from '../../probe/types.js';
import type { CheckOutcome, Evidence, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { restartHint } from '../remediation.js';
import { tokenIntent } from './gateway-fix.js';
import { isLoopback, hostPort } from '../../model/addresses.js';

/** Shared by probe.auth.none and probe.auth.open: a fingerprinted gateway with that posture, answering beyond loopback. */

export function endpointOf(r: ProbeResult): string {
  return hostPort(r.address, r.port);
}

export function probeEvidence(r: ProbeResult): Evidence[] {
  const o = r.openclaw;
  return [
    { kind: 'socket', text: `${endpointOf(r)} answered from ${r.vantage}: ${o.product ?? 'openclaw'} ${o.version ?? '(version unknown)'}, auth ${o.auth}` },
    ...o.evidence.map((text) => ({ kind: 'note' as const, text })),
  ];
}

export function authPostureOutcome(
  ctx: AnalysisContext,
  posture: Exclude<AuthPosture, 'enforced' | 'unknown'>,
  message: (r: ProbeResult) => string,
): CheckOutcome {
  const report: ProbeReport | undefined = ctx.probe;
  if (!report) return { result: 'skipped', reason: 'no live probe in this run (add --probe)' };
  const gateways = report.results.filter((r) => r.openclaw.detected);
  if (gateways.length === 0) return { result: 'pass', reason: `no OpenClaw gateway answered the probe (${report.results.length} target(s))` };
  const exposed = gateways.filter((r) => r.openclaw.auth === posture && !isLoopback(r.address));
  if (exposed.length === 0) {
    const local = gateways.filter((r) => r.openclaw.auth === posture);
    return {
      result: 'pass',
      reason:
        local.length > 0
          ? `auth ${posture} only on loopback (${local.map(endpointOf).join(', ')})`
          : `every gateway that answered: auth ${[...new Set(gateways.map((r) => r.openclaw.auth))].join(', ')}`,
    };
  }
  const findings: FindingDraft[] = exposed.map((r) => ({
    status: 'fail',
    message: message(r),
    evidence: probeEvidence(r),
    remediation: {
      summary: 'Turn gateway auth on with a long random token, and keep the port off every network but loopback or the tailnet.',
      steps: [
        'openclaw config set gateway.auth.mode token',
        'openclaw doctor --generate-gateway-token',
        'openclaw config set gateway.bind loopback',
        restartHint(ctx.gateway),
      ],
      automatic: true,
    },
    fixes: [tokenIntent(ctx, 'probe-open')],
  }));
  return { result: 'fail', findings };
}

export const PROBE_GUIDE = GUIDE.config;
