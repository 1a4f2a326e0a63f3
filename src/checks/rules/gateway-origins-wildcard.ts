import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { configAt, configEvidence, openBeyondLoopback } from '../doors.js';
import { compareCalver } from '../../openclaw/version.js';
import { restartHint } from '../remediation.js';

/** From this release an omitted allowedOrigins inherits publicOrigin (PR #157170). */
const PUBLIC_ORIGIN_POLICY = '2026.9.7';

export const gatewayOriginsWildcard: Check = {
  meta: {
    id: 'gateway.origins_wildcard',
    title: 'The Control UI does not accept every browser origin',
    severity: 'warn',
    guide: GUIDE.config,
    docs:
      '`gateway.controlUi.allowedOrigins: ["*"]` lets a page on any site open the Control UI\'s WebSocket with the ' +
      'user\'s browser; quick-deploy scripts ship it. Fails when the list holds `"*"`: critical when the gateway is ' +
      'reachable beyond loopback (itself or through a door), warn otherwise. From 2026.9.7 an omitted list inherits ' +
      '`gateway.publicOrigin` as the allowlist (an explicit list, even `[]`, wins); the pass reason says which applies.',
    fixable: false,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['"*" on a loopback gateway: warn', '"*" on a gateway open to the internet: critical'],
      passes: ['no gateway (skipped)', 'explicit origins', 'publicOrigin as the implicit policy'],
    },
  },
  evaluate(ctx) {
    if (!ctx.gateway.detected || !ctx.gateway.config)
      return { result: 'skipped', reason: ctx.gateway.detected ? 'the OpenClaw config could not be read' : 'no OpenClaw gateway on this host' };
    const origins = configAt(ctx, 'gateway.controlUi.allowedOrigins').value;
    const list = Array.isArray(origins) ? origins.map(String) : undefined;
    if (list?.includes('*')) {
      const open = openBeyondLoopback(ctx);
      const location = configAt(ctx, 'gateway.controlUi.allowedOrigins').location;
      const finding: FindingDraft = {
        status: 'fail',
        severity: open.length > 0 ? 'critical' : 'warn',
        message: `gateway.controlUi.allowedOrigins holds "*": any web page can drive the Control UI through a visitor's browser${open.length > 0 ? `, and the gateway is reachable from ${[...new Set(open.map((c) => c.zone.name))].join(', ')}` : ''}.`,
        evidence: [configEvidence(ctx, 'gateway.controlUi.allowedOrigins', `gateway.controlUi.allowedOrigins: ${JSON.stringify(list)}`)],
        remediation: {
          summary: 'List the origins the Control UI is really opened from (or set gateway.publicOrigin and omit the list, 2026.9.7+).',
          steps: ['openclaw config set gateway.controlUi.allowedOrigins \'["https://gw.example.com"]\'', restartHint(ctx.gateway)],
          automatic: false,
        },
      };
      if (location) finding.location = location;
      return { result: 'fail', findings: [finding] };
    }
    const publicOrigin = configAt(ctx, 'gateway.publicOrigin').value;
    if (list === undefined && typeof publicOrigin === 'string') {
      const v = ctx.gateway.version;
      const inherits = v !== undefined && compareCalver(v, PUBLIC_ORIGIN_POLICY) >= 0;
      return {
        result: 'pass',
        reason: `allowedOrigins is not set; ${inherits ? `OpenClaw ${v} uses publicOrigin ${publicOrigin} as the allowlist` : `from ${PUBLIC_ORIGIN_POLICY} publicOrigin ${publicOrigin} becomes the allowlist${v ? ` (this is ${v})` : ''}`}`,
      };
    }
    return { result: 'pass', reason: list ? `allowedOrigins ${JSON.stringify(list)}` : 'allowedOrigins is not set' };
  },
};
