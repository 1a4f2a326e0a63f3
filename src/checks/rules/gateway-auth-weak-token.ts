import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { restartHint } from '../remediation.js';
import { notDecided } from '../helpers.js';
import { tokenIntent } from './gateway-fix.js';

/** OpenClaw's own audit warns below 24 characters (gateway.token_too_short). */
export const MIN_TOKEN_LENGTH = 24;

export const gatewayAuthWeakToken: Check = {
  meta: {
    id: 'gateway.auth.weak_token',
    title: 'The gateway token is at least 24 characters',
    severity: 'warn',
    guide: GUIDE.config,
    docs:
      'Measures the token that wins (the `--token` flag, else OPENCLAW_GATEWAY_TOKEN, else `gateway.auth.token`) and ' +
      'fails under 24 characters. Only the length is kept in the snapshot; the token itself is redacted when it is read.',
    fixable: true,
    inputs: ['openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'an unset ${OC_TOKEN} is not an 11-character token: unknown, the gateway will not start (unknown)',
        'short token in config',
        'short --token flag wins over a long config token',
      ],
      passes: ['64-character token', 'password mode (skipped)', 'exactly 24'],
    },
  },
  evaluate(ctx) {
    const { gateway } = ctx;
    const token = gateway.auth.token;
    if (!gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    if (gateway.auth.mode && gateway.auth.mode.value !== 'token') return { result: 'skipped', reason: `auth mode is "${gateway.auth.mode.value}", not token` };
    if (!token) return { result: 'skipped', reason: 'no token configured' };
    const length = token.value.length;
    // An unset ${VAR} is not an 11-character token: OpenClaw will not load the config at all.
    const unset = token.value.from?.startsWith('unresolved-env:') ? token.value.from.slice('unresolved-env:'.length) : undefined;
    if (unset !== undefined) {
      const named = ctx.inputs.openclaw.filter((p) => p.detail.includes(`\${${unset.split(',')[0]}}`));
      const problems =
        named.length > 0
          ? named
          : [
              {
                input: 'openclaw' as const,
                source: token.location?.file ?? token.source,
                ...(token.location ? { line: token.location.line } : {}),
                detail: `the token is \${${unset}}, which is not set`,
                advice: `set ${unset} where the gateway runs`,
              },
            ];
      return notDecided(problems, `the token is the text \${${unset}}, not a token to measure`);
    }
    if (length >= MIN_TOKEN_LENGTH) return { result: 'pass', reason: `token of ${length} characters (${token.source})` };
    const finding: FindingDraft = {
      status: 'fail',
      message: `The gateway token is ${length} characters long; short tokens can be guessed, and the gateway is an RCE surface.`,
      evidence: [
        {
          kind: token.location ? 'file' : 'config',
          text: token.location ? `token of ${length} characters (gateway.auth.token)` : `token of ${length} characters from ${token.source}`,
          ...(token.location ? { location: token.location } : {}),
        },
      ],
      remediation: {
        summary: 'Replace it with 32 random bytes.',
        steps: ['openclaw doctor --generate-gateway-token   # or: openssl rand -hex 32', restartHint(gateway)],
        automatic: true,
      },
      fixes: [tokenIntent(ctx, 'short-token')],
    };
    if (token.location) finding.location = token.location;
    return { result: 'fail', findings: [finding] };
  },
};
