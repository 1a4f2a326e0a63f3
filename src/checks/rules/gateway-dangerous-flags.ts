import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { isSafeBindAddress } from '../../model/addresses.js';
import { dangerousKeysOn } from '../../model/dangerous-keys.js';
import { compose, tcpListener, withConfig, withGatewayProcess, withSockets } from '../../snapshot/fixture.js';
import { restartHint } from '../remediation.js';

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
      'Critical when the gateway listens beyond loopback, warn otherwise. `harden` removes the keys, keeping the file\'s comments.',
    fixable: true,
    inputs: ['openclaw', 'sockets'],
  },
  evaluate(ctx) {
    const g = ctx.gateway;
    if (!g.config) return { result: 'skipped', reason: g.detected ? 'the OpenClaw config could not be read' : 'no OpenClaw gateway on this host' };
    const on = dangerousKeysOn(g.config);
    if (on.length === 0) return { result: 'pass', reason: 'none of the break-glass flags is set' };
    const exposed = g.listeners.some((s) => !isSafeBindAddress(s.address, ctx.snapshot));
    const findings: FindingDraft[] = on.map((k) => {
      const key = k.path.join('.');
      const location = g.locations[key];
      const finding: FindingDraft = {
        status: 'fail',
        severity: exposed ? 'critical' : 'warn',
        message: `${key} is true: it ${k.why}.`,
        evidence: [{ kind: location ? 'file' : 'config', text: `${key}: true${location ? '' : ` in ${g.configPath ?? 'the config'}`}`, ...(location ? { location } : {}) }],
        remediation: { summary: `Remove ${key} from the config.`, steps: [`openclaw config unset ${key}`, restartHint(g)], automatic: true },
      };
      if (location) finding.location = location;
      return finding;
    });
    return { result: 'fail', findings };
  },
  cases: {
    valid: [
      { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
      { name: 'a plain config', snapshot: withConfig({ gateway: { bind: 'loopback', controlUi: { enabled: true } } }), result: 'pass' },
      { name: 'flags set to false', snapshot: withConfig({ gateway: { allowRealIpFallback: false, controlUi: { allowInsecureAuth: false } } }), result: 'pass' },
    ],
    invalid: [
      { name: 'device auth disabled, on loopback', snapshot: withConfig({ gateway: { controlUi: { dangerouslyDisableDeviceAuth: true } } }, { 'gateway.controlUi.dangerouslyDisableDeviceAuth': 4 }), result: 'fail', evidenceIncludes: ['gateway.controlUi.dangerouslyDisableDeviceAuth', 'openclaw.json:4'] },
      {
        name: 'real-IP fallback on a gateway listening on 0.0.0.0',
        snapshot: compose(withConfig({ gateway: { allowRealIpFallback: true } }), withGatewayProcess(4242, ['openclaw', 'gateway']), withSockets(tcpListener('0.0.0.0', 18789, 4242))),
        result: 'fail',
        evidenceIncludes: ['gateway.allowRealIpFallback'],
      },
    ],
  },
};
