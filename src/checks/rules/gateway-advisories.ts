import { hostPort } from '../../model/addresses.js';
import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { ADVISORIES, affects, describeRange, type Advisory } from '../../openclaw/advisories.js';
import { authMode, configAt, gatewayDoors, openBeyondLoopback } from '../doors.js';
import type { AnalysisContext } from '../../model/context.js';

function applies(ctx: AnalysisContext, a: Advisory): string | undefined {
  switch (a.applies) {
    case 'always':
      return '';
    case 'trusted-proxies': {
      const v = configAt(ctx, 'gateway.trustedProxies').value;
      return Array.isArray(v) && v.length > 0 ? ` (gateway.trustedProxies is set)` : undefined;
    }
    case 'trusted-proxy-mode':
      return authMode(ctx) === 'trusted-proxy' ? ' (auth mode trusted-proxy)' : undefined;
    case 'http-door': {
      const d = gatewayDoors(ctx).find((g) => g.door.layer === 'http');
      return d ? ` (an HTTP door leads to the gateway: ${d.door.via})` : undefined;
    }
  }
}

/** The version the gateway runs: its package, else what the probe read from it. */
function versionOf(ctx: AnalysisContext): { version: string; source: string } | undefined {
  if (ctx.gateway.version) {
    const v = ctx.snapshot.openclaw.version;
    return { version: ctx.gateway.version, source: v.status === 'ok' ? v.data.source : 'the OpenClaw package' };
  }
  const seen = ctx.probe?.results.find((r) => r.openclaw.detected && r.openclaw.version);
  return seen?.openclaw.version ? { version: seen.openclaw.version, source: `the probe's fingerprint of ${hostPort(seen.address, seen.port)}` } : undefined;
}

export const gatewayAdvisories: Check = {
  meta: {
    id: 'gateway.advisories',
    title: 'The gateway runs no version with a known exposure or auth advisory',
    severity: 'warn',
    guide: GUIDE.config,
    docs:
      "The gateway's version (its package, or the probe's fingerprint with `--probe`) against the published advisories " +
      'on exposure, authentication and forwarded headers kept in src/openclaw/advisories.ts with their sources ' +
      '(GHSA/CVE id, affected range, fixed version). An advisory that only matters with a feature (trustedProxies, ' +
      'trusted-proxy mode, a reverse proxy in front) counts only when the host uses it. Critical when the gateway is ' +
      'reachable beyond loopback, itself or through a door; warn otherwise. Skipped when the version cannot be read.',
    fixable: false,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors', 'probe'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'Clawdbot 2026.1.24 on loopback: warn',
        '2026.5.1 in trusted-proxy mode',
        '2026.3.28 behind nginx, exposed: critical',
        'an old gateway on 0.0.0.0',
      ],
      passes: ['no gateway (skipped)', 'version unknown (skipped)', 'a current version', '2026.4.1 in token mode: the trusted-proxy advisories do not apply'],
    },
  },
  evaluate(ctx) {
    if (!ctx.gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    const v = versionOf(ctx);
    if (!v) return { result: 'skipped', reason: 'the OpenClaw version could not be read (run with --probe to read it from the gateway)' };
    const hits = ADVISORIES.flatMap((a) => {
      if (!affects(a, v.version)) return [];
      const why = applies(ctx, a);
      return why === undefined ? [] : [{ a, why }];
    });
    if (hits.length === 0) return { result: 'pass', reason: `OpenClaw ${v.version} (${v.source}) is past every advisory on file that applies here` };
    const open = openBeyondLoopback(ctx);
    const zones = [...new Set(open.map((c) => c.zone.name))];
    const findings: FindingDraft[] = hits.map(({ a, why }) => ({
      status: 'fail',
      severity: open.length > 0 ? 'critical' : 'warn',
      message: `OpenClaw ${v.version} is affected by ${a.id}${a.aliases.length > 0 ? ` (${a.aliases.join(', ')})` : ''}: ${a.summary}${why}. Fixed in ${a.fixed}${zones.length > 0 ? `; the gateway is reachable from ${zones.join(', ')}` : ''}.`,
      evidence: [
        { kind: 'config', text: `version ${v.version} from ${v.source}; affected ${describeRange(a)}, fixed ${a.fixed}` },
        { kind: 'note', text: `sources: ${a.sources.join('; ')}${a.note ? ` (${a.note})` : ''}` },
      ],
      remediation: { summary: `Upgrade OpenClaw to ${a.fixed} or later.`, steps: ['npm i -g openclaw@latest', 'openclaw gateway restart'], automatic: false },
    }));
    return { result: 'fail', findings };
  },
};
