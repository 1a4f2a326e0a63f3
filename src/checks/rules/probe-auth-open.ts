import type { Check } from '../types.js';
import { authPostureOutcome, endpointOf, PROBE_GUIDE } from './probe-findings.js';

export const probeAuthOpen: Check = {
  meta: {
    id: 'probe.auth.open',
    title: 'A live probe finds no gateway that accepts a connect without credentials',
    severity: 'critical',
    guide: PROBE_GUIDE,
    docs:
      'Runs with `audit --probe`. Fails when a gateway that answered from outside loopback returned `hello-ok` to a ' +
      '`connect` with no credentials and no device identity: the WebSocket control plane is wide open (old builds, or a ' +
      'trusted path that should not be trusted). The probe closes the connection at once and sends no other method. ' +
      'Skipped without `--probe`.',
    fixable: true,
    inputs: ['probe', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['hello-ok from the internet link', 'hello-ok from the host itself on its LAN address'],
      passes: ['no probe in this run (skipped)', 'nothing OpenClaw answered', 'open only on ::1'],
    },
  },
  evaluate(ctx) {
    return authPostureOutcome(
      ctx,
      'open',
      (r) => `The gateway at ${endpointOf(r)} accepted a connect from ${r.vantage} with no credentials: its control plane is open.`,
    );
  },
};
