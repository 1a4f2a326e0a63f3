import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { isSafeBindAddress } from '../../model/addresses.js';
import { compose, tcpListener, withConfig, withGatewayProcess, withSockets } from '../../snapshot/fixture.js';
import { restartHint } from '../remediation.js';
import { compareCalver } from '../../openclaw/version.js';

/** Before the rename to OpenClaw, a gateway with no secret configured ran without auth. */
const FIRST_SAFE_DEFAULT = '2026.1.29';

export const gatewayAuthNone: Check = {
  meta: {
    id: 'gateway.auth.none',
    title: 'The gateway requires authentication',
    severity: 'critical',
    guide: GUIDE.config,
    docs:
      'Fails when the effective auth mode (the `--auth` flag, else `gateway.auth.mode`) is `none`, or when no mode and ' +
      'no token or password is configured on a version older than 2026.1.29, which then ran without auth. Newer ' +
      'versions generate an ephemeral token in that case; with the version unknown the answer is `unknown`. Critical ' +
      'when the gateway listens beyond loopback, warn otherwise (any local process or reverse proxy could drive it).',
    fixable: true,
    inputs: ['openclaw', 'sockets'],
  },
  evaluate(ctx) {
    const { gateway, snapshot } = ctx;
    if (!gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    if (!gateway.config && gateway.processes.length === 0) return { result: 'skipped', reason: 'no readable config and no running gateway to read auth from' };
    const exposed = gateway.listeners.some((s) => !isSafeBindAddress(s.address, snapshot));
    const severity = exposed ? 'critical' : 'warn';
    const mode = gateway.auth.mode;
    const remediation = {
      summary: 'Use token auth with a long random token (openssl rand -hex 32).',
      steps: ['openclaw config set gateway.auth.mode token', 'openclaw doctor --generate-gateway-token', restartHint(gateway)],
      automatic: true,
    };
    if (mode?.value === 'none') {
      const finding: FindingDraft = {
        status: 'fail',
        severity,
        message: `Gateway auth is off (${mode.source}): whoever reaches the port can drive the agent${exposed ? ', and it listens beyond loopback' : ''}.`,
        evidence: [{ kind: mode.location ? 'file' : 'config', text: `auth mode "none" from ${mode.source}`, ...(mode.location ? { location: mode.location } : {}) }],
        remediation,
      };
      if (mode.location) finding.location = mode.location;
      return { result: 'fail', findings: [finding] };
    }
    if (mode || gateway.auth.token || gateway.auth.password) {
      return { result: 'pass', reason: `auth ${mode ? `"${mode.value}" (${mode.source})` : gateway.auth.token ? `token (${gateway.auth.token.source})` : `password (${gateway.auth.password!.source})`}` };
    }
    if (!gateway.version) {
      return {
        result: 'unknown',
        reason: 'no auth mode, token or password is set and the OpenClaw version is unknown',
        findings: [
          {
            status: 'unknown',
            severity,
            message: `No auth mode, token or password is configured. OpenClaw ${FIRST_SAFE_DEFAULT} and later then use an ephemeral token; older builds ran with no auth. The version could not be read.`,
            evidence: [{ kind: 'config', text: 'gateway.auth not set; OPENCLAW_GATEWAY_TOKEN/PASSWORD not set; no --auth/--token flag' }],
            remediation,
          },
        ],
      };
    }
    if (compareCalver(gateway.version, FIRST_SAFE_DEFAULT) < 0) {
      return {
        result: 'fail',
        findings: [
          {
            status: 'fail',
            severity,
            message: `OpenClaw ${gateway.version} with no token or password configured runs without auth.`,
            evidence: [{ kind: 'config', text: `version ${gateway.version}; gateway.auth not set` }],
            remediation: { ...remediation, steps: ['upgrade OpenClaw (npm i -g openclaw@latest)', ...remediation.steps] },
          },
        ],
      };
    }
    return { result: 'pass', reason: `no secret configured; OpenClaw ${gateway.version} generates an ephemeral token` };
  },
  cases: {
    valid: [
      { name: 'no OpenClaw', snapshot: (s) => s, result: 'skipped' },
      { name: 'token mode in config', snapshot: withConfig({ gateway: { auth: { mode: 'token', token: { $redacted: true, length: 64 } } } }), result: 'pass' },
      { name: 'token from the environment', snapshot: compose(withConfig({ gateway: {} }), withGatewayProcess(5, ['openclaw', 'gateway'], { OPENCLAW_GATEWAY_TOKEN: { $redacted: true, length: 64 } as never })), result: 'pass' },
      { name: 'new version, nothing set: ephemeral token', snapshot: compose(withConfig({ gateway: {} }), (s) => ({ ...s, openclaw: { ...s.openclaw, version: { status: 'ok', data: { version: '2026.9.6', source: 'package.json' } } } })), result: 'pass' },
    ],
    invalid: [
      { name: 'auth.mode none in config', snapshot: withConfig({ gateway: { auth: { mode: 'none' } } }, { 'gateway.auth.mode': 5 }), result: 'fail', evidenceIncludes: ['openclaw.json:5'] },
      { name: '--auth none on the command line, exposed', snapshot: compose(withGatewayProcess(5, ['openclaw', 'gateway', '--auth', 'none'], {}, { auth: 'none' }), withSockets(tcpListener('0.0.0.0', 18789, 5))), result: 'fail', evidenceIncludes: ['--auth flag of pid 5'] },
      { name: 'old Clawdbot with nothing set', snapshot: compose(withConfig({ gateway: {} }), (s) => ({ ...s, openclaw: { ...s.openclaw, version: { status: 'ok', data: { version: '2026.1.24-3', source: 'package.json' } } } })), result: 'fail', evidenceIncludes: ['2026.1.24-3'] },
      { name: 'nothing set, version unknown', snapshot: withConfig({ gateway: {} }), result: 'unknown', evidenceIncludes: ['gateway.auth not set'] },
    ],
  },
};
