import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { gatewayExposed } from '../exposed.js';
import { restartHint } from '../remediation.js';
import { compareCalver } from '../../openclaw/version.js';
import { tokenIntent } from './gateway-fix.js';
import { shellWordOr } from '../../model/shell-word.js';

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
      'when the gateway listens beyond loopback or is reachable from beyond it (a door in front of it, a Docker publish, Funnel), warn otherwise (any local process or reverse proxy could drive it).',
    fixable: true,
    inputs: ['openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'auth.mode none in config',
        '--auth none on the command line, exposed',
        'auth.mode none, the gateway container published on the host port 8080 (8080:18789)',
        'gateway container with --auth none, published on 8080, nothing on the host',
        'gateway container whose auth is inside it, published on 8080 (unknown)',
        'auth.mode none, the loopback gateway behind socat on 0.0.0.0:443',
        'old Clawdbot with nothing set',
        'nothing set, version unknown (unknown)',
      ],
      passes: ['no OpenClaw (skipped)', 'token mode in config', 'token from the environment', 'new version, nothing set: ephemeral token'],
    },
  },
  evaluate(ctx) {
    const { gateway, snapshot } = ctx;
    if (!gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    const exposed = gatewayExposed(ctx);
    const severity = exposed ? 'critical' : 'warn';
    if (!gateway.config && gateway.processes.length === 0 && !gateway.auth.mode) {
      // A gateway detected in a container is a gateway: its auth lives inside it, not read, never "skipped".
      const names = gateway.containers ?? [];
      if (names.length === 0) return { result: 'skipped', reason: 'no readable config and no running gateway to read auth from' };
      const list = names.join(', ');
      return {
        result: 'unknown',
        reason: `the gateway runs in container ${list}; its auth is set inside it and was not read`,
        findings: [
          {
            status: 'unknown',
            severity,
            message: `The gateway runs in container ${list}: its config and environment are inside the container, and its command has no --auth flag, so how it authenticates was not read.`,
            evidence: names.map((n) => ({ kind: 'service' as const, text: `container ${n}: no --auth in its command` })),
            remediation: {
              summary: 'Read the gateway auth inside the container, or audit its config file with --openclaw-config.',
              steps: names.map((n) => `docker exec ${shellWordOr(n, 'CONTAINER')} openclaw config get gateway.auth`),
              automatic: false,
            },
          },
        ],
      };
    }
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
        message: `Gateway auth is off (${mode.source}): whoever reaches the port can drive the agent${exposed ? ', and it is reachable beyond loopback' : ''}.`,
        evidence: [
          { kind: mode.location ? 'file' : 'config', text: `auth mode "none" from ${mode.source}`, ...(mode.location ? { location: mode.location } : {}) },
        ],
        remediation,
        fixes: [tokenIntent(ctx, 'auth-none')],
      };
      if (mode.location) finding.location = mode.location;
      return { result: 'fail', findings: [finding] };
    }
    if (mode || gateway.auth.token || gateway.auth.password) {
      return {
        result: 'pass',
        reason: `auth ${mode ? `"${mode.value}" (${mode.source})` : gateway.auth.token ? `token (${gateway.auth.token.source})` : `password (${gateway.auth.password!.source})`}`,
      };
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
            fixes: [tokenIntent(ctx, 'auth-none')],
          },
        ],
      };
    }
    return { result: 'pass', reason: `no secret configured; OpenClaw ${gateway.version} generates an ephemeral token` };
  },
};
