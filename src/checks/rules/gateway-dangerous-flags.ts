import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { gatewayExposed } from '../exposed.js';
import { dangerousKeysOn } from '../../model/dangerous-keys.js';
import { restartHint } from '../remediation.js';
import { configRef } from './gateway-fix.js';

export const gatewayDangerousFlags: Check = {
  meta: {
    id: 'gateway.dangerous_flags',
    title: 'No break-glass flag weakens the gateway',
    severity: 'warn',
    guide: GUIDE.config,
    docs:
      'Fails when the OpenClaw config turns on a flag whose only safe value is its default: ' +
      '`gateway.controlUi.dangerouslyDisableDeviceAuth`, `gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback`, ' +
      '`gateway.controlUi.allowInsecureAuth` or `gateway.allowRealIpFallback`. Third-party compose setups ship some of them. ' +
      "Critical when the gateway listens beyond loopback, warn otherwise. `harden` removes the keys, keeping the file's comments.",
    fixable: true,
    inputs: ['openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['device auth disabled, on loopback', 'real-IP fallback on a gateway listening on 0.0.0.0'],
      passes: ['no gateway (skipped)', 'a plain config', 'flags set to false'],
    },
  },
  evaluate(ctx) {
    const g = ctx.gateway;
    if (!g.config) return { result: 'skipped', reason: g.detected ? 'the OpenClaw config could not be read' : 'no OpenClaw gateway on this host' };
    const on = dangerousKeysOn(g.config);
    if (on.length === 0) return { result: 'pass', reason: 'none of the break-glass flags is set' };
    const exposed = gatewayExposed(ctx);
    const findings: FindingDraft[] = on.map((k) => {
      const key = k.path.join('.');
      const location = g.locations[key];
      const finding: FindingDraft = {
        status: 'fail',
        severity: exposed ? 'critical' : 'warn',
        message: `${key} is true: it ${k.why}.`,
        evidence: [
          {
            kind: location ? 'file' : 'config',
            text: `${key}: true${location ? '' : ` in ${g.configPath ?? 'the config'}`}`,
            ...(location ? { location } : {}),
          },
        ],
        remediation: { summary: `Remove ${key} from the config.`, steps: [`openclaw config unset ${key}`, restartHint(g)], automatic: true },
        fixes: [{ kind: 'gateway.drop-dangerous-flags', config: configRef(ctx), flags: [{ path: k.path, ...(location ? { location } : {}) }] }],
      };
      if (location) finding.location = location;
      return finding;
    });
    return { result: 'fail', findings };
  },
};
