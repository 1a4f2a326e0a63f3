import type { Check } from '../types.js';
import { gatewayFingerprint, probeReport, probeResult } from '../../probe/fixture.js';
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
  },
  evaluate(ctx) {
    return authPostureOutcome(ctx, 'none', (r) => `The gateway at ${endpointOf(r)} answered ${r.vantage} with auth off: anyone who reaches it can drive the agent.`);
  },
  cases: {
    valid: [
      { name: 'no probe in this run', snapshot: (s) => s, result: 'skipped' },
      { name: 'the gateway enforces auth', snapshot: (s) => s, options: { probe: probeReport(probeResult({ address: '198.51.100.1', port: 18789, openclaw: gatewayFingerprint('enforced') })) }, result: 'pass' },
      { name: 'auth none, but only on loopback', snapshot: (s) => s, options: { probe: probeReport(probeResult({ vantage: 'host', address: '127.0.0.1', port: 18789, openclaw: gatewayFingerprint('none') })) }, result: 'pass' },
    ],
    invalid: [
      { name: 'auth none from a client namespace', snapshot: (s) => s, options: { probe: probeReport(probeResult({ address: '198.51.100.1', port: 18789, openclaw: gatewayFingerprint('none') })) }, result: 'fail', evidenceIncludes: ['198.51.100.1:18789', 'auth none'] },
      { name: 'auth none over ssh on an IPv6 address', snapshot: (s) => s, options: { probe: probeReport(probeResult({ vantage: 'ssh://me@elsewhere', address: '2001:db8::10', port: 18789, openclaw: gatewayFingerprint('none', null) })) }, result: 'fail', evidenceIncludes: ['[2001:db8::10]:18789', '(version unknown)'] },
    ],
  },
};
