import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { authMode, configAt, configEvidence, doorEvidence, gatewayDoors } from '../doors.js';
import { describeDoor } from '../../model/doors.js';
import { compareCalver } from '../../openclaw/version.js';

/** Same-host callers could forge trusted-proxy identity headers before this release (CVE-2026-53832). */
const SAME_HOST_FIX = '2026.5.18';

export const proxyAllowLoopback: Check = {
  meta: {
    id: 'proxy.allow_loopback',
    title: 'trustedProxy.allowLoopback does not trust every local process',
    severity: 'warn',
    guide: GUIDE.remote,
    docs:
      '`gateway.auth.trustedProxy.allowLoopback: true` (with loopback in `trustedProxies`) "trusts local processes … to ' +
      'the same degree as the reverse proxy": any process on the host can send the user header and be anyone ' +
      "(the Cloudflare Access recipe needs it; OpenClaw checks the header's presence, not the JWT). Warn; critical when a " +
      'headerless door (socat, rinetd, `ssh -L`, kubectl port-forward, nginx `stream`, HAProxy `mode tcp`) reaches the ' +
      'gateway from beyond loopback — its clients arrive as loopback peers and set the header themselves — or when the ' +
      `version is older than ${SAME_HOST_FIX} (CVE-2026-53832, GHSA-rggc-m335-3wvj).`,
    fixable: false,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['allowLoopback on (the Cloudflare Access recipe)', 'allowLoopback on, and socat brings the internet in as loopback peers'],
      passes: ['token mode (skipped)', 'trusted-proxy without allowLoopback'],
    },
  },
  evaluate(ctx) {
    if (!ctx.gateway.detected || !ctx.gateway.config)
      return { result: 'skipped', reason: ctx.gateway.detected ? 'the OpenClaw config could not be read' : 'no OpenClaw gateway on this host' };
    if (authMode(ctx) !== 'trusted-proxy') return { result: 'skipped', reason: 'auth mode is not trusted-proxy' };
    if (configAt(ctx, 'gateway.auth.trustedProxy.allowLoopback').value !== true)
      return { result: 'pass', reason: 'allowLoopback is off: a loopback peer is refused (trusted_proxy_loopback_source)' };
    const headerless = gatewayDoors(ctx).filter(
      (d) =>
        (d.door.layer === 'tcp' || d.door.forwardedFor === 'none') && !d.door.remote && (d.openBeyondLoopback.length > 0 || d.unknownBeyondLoopback.length > 0),
    );
    const old = ctx.gateway.version !== undefined && compareCalver(ctx.gateway.version, SAME_HOST_FIX) < 0;
    const evidence = [
      configEvidence(ctx, 'gateway.auth.trustedProxy.allowLoopback', 'gateway.auth.trustedProxy.allowLoopback: true'),
      ...(old ? [{ kind: 'config' as const, text: `OpenClaw ${ctx.gateway.version} (same-host forgery fixed in ${SAME_HOST_FIX}, CVE-2026-53832)` }] : []),
    ];
    const findings: FindingDraft[] = [];
    for (const d of headerless) {
      findings.push({
        status: d.openBeyondLoopback.length > 0 ? 'fail' : 'unknown',
        severity: 'critical',
        message: `${describeDoor(d.door)} carries outside clients to the gateway without headers of its own: they arrive as loopback peers, which allowLoopback trusts, and can send the user header themselves.`,
        evidence: [...doorEvidence(d), ...evidence],
        remediation: {
          summary: 'Stop the headerless door (or bind it to loopback), and turn allowLoopback off unless the proxy truly needs it.',
          steps: ['openclaw config set gateway.auth.trustedProxy.allowLoopback false'],
          automatic: false,
        },
        ...(d.door.location ? { location: d.door.location } : {}),
      });
    }
    if (findings.length === 0) {
      const location = configAt(ctx, 'gateway.auth.trustedProxy.allowLoopback').location;
      findings.push({
        status: 'fail',
        severity: old ? 'critical' : 'warn',
        message: `allowLoopback trusts every local process as much as the proxy: any of them can send the user header and be any user${old ? `, and OpenClaw ${ctx.gateway.version} lets same-host callers forge identity headers (CVE-2026-53832)` : ''}.`,
        evidence,
        remediation: {
          summary: 'Run the proxy where it connects from a non-loopback address (its own container or host) and turn allowLoopback off; upgrade OpenClaw.',
          steps: ['openclaw config set gateway.auth.trustedProxy.allowLoopback false'],
          automatic: false,
        },
        ...(location ? { location } : {}),
      });
    }
    return findings.some((f) => f.status === 'fail') ? { result: 'fail', findings } : { result: 'unknown', findings };
  },
};
