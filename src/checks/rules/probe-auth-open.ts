import type { Check } from '../types.js';
import { gatewayFingerprint, probeReport, probeResult } from '../../probe/fixture.js';
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
  },
  evaluate(ctx) {
    return authPostureOutcome(ctx, 'open', (r) => `The gateway at ${endpointOf(r)} accepted a connect from ${r.vantage} with no credentials: its control plane is open.`);
  },
  cases: {
    valid: [
      { name: 'no probe in this run', snapshot: (s) => s, result: 'skipped' },
      { name: 'nothing OpenClaw answered', snapshot: (s) => s, options: { probe: probeReport(probeResult({ address: '198.51.100.1', port: 8080 })) }, result: 'pass' },
      { name: 'open only on ::1', snapshot: (s) => s, options: { probe: probeReport(probeResult({ vantage: 'host', address: '::1', port: 18789, openclaw: gatewayFingerprint('open') })) }, result: 'pass' },
    ],
    invalid: [
      { name: 'hello-ok from the internet link', snapshot: (s) => s, options: { probe: probeReport(probeResult({ address: '203.0.113.10', port: 18789, openclaw: gatewayFingerprint('open', '2026.1.5') })) }, result: 'fail', evidenceIncludes: ['203.0.113.10:18789', 'auth open', '2026.1.5'] },
      { name: 'hello-ok from the host itself on its LAN address', snapshot: (s) => s, options: { probe: probeReport(probeResult({ vantage: 'host', address: '192.168.1.10', port: 18789, openclaw: gatewayFingerprint('open') })) }, result: 'fail', evidenceIncludes: ['192.168.1.10:18789'] },
    ],
  },
};
