import type { Check } from '../types.js';
import { authPostureOutcome, endpointOf, PROBE_GUIDE } from './probe-findings.js';

export const probeAuthNone: Check = {
  meta: {
    id: 'probe.auth.none',
    title: 'A live probe finds no gateway with auth off beyond loopback',
    severity: 'critical',
    guide: PROBE_GUIDE,
    docs:
      'Runs with `audit --probe`. Fails when a listener that answered the probe from outside loopback is an OpenClaw ' +
      'gateway whose HTTP API serves the Control UI config without credentials: gateway auth is `none`. The probe finds ' +
      'this with GET requests and one `connect` that carries no credentials and no device identity, so it never acts on ' +
      'the gateway. Whoever reaches that address can call the HTTP tools API and drive the agent. Skipped without `--probe`.',
    fixable: true,
    inputs: ['probe', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['auth none from a client namespace', 'auth none over ssh on an IPv6 address'],
      passes: ['no probe in this run (skipped)', 'the gateway enforces auth', 'auth none, but only on loopback'],
    },
  },
  evaluate(ctx) {
    return authPostureOutcome(
      ctx,
      'none',
      (r) => `The gateway at ${endpointOf(r)} answered ${r.vantage} with auth off: anyone who reaches it can drive the agent.`,
    );
  },
};
