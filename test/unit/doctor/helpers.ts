import { expect } from 'vitest';
import { runDoctor } from '../../../src/doctor/index.js';
import type { Session, Symptom } from '../../../src/doctor/symptom.js';
import type { DoctorResult } from '../../../src/doctor/types.js';
import { baselineSnapshot, compose, tcpListener, withConfig, withGatewayProcess, withSockets } from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';

type Patch = (s: Snapshot) => Snapshot;

/** One symptom on a baseline snapshot with the patches applied. */
export function diagnose(symptom: Symptom, patch: Patch = (s) => s, session: Session = {}): DoctorResult {
  const report = runDoctor(patch(baselineSnapshot()), [symptom], session);
  expect(report.results).toHaveLength(1);
  return report.results[0]!;
}

/** Everything a user reads of one result, as one string. */
export function textOf(r: DoctorResult): string {
  return [r.cause, ...r.saw.map((e) => e.text), r.fix?.text ?? '', ...(r.fix?.commands ?? []), r.fix?.diff ?? ''].join('\n');
}

/** The fix as one string: what the user is told to do. */
export function fixOf(r: DoctorResult): string {
  return [r.fix?.text ?? '', ...(r.fix?.commands ?? []), r.fix?.diff ?? ''].join('\n');
}

/** A real gateway as the collector sees it: renamed process, socket on loopback, config saying loopback. */
export function loopbackGateway(port = 18789): Patch {
  return compose(
    withGatewayProcess(4242, ['openclaw-gateway'], {}, {}),
    withSockets(tcpListener('127.0.0.1', port, 4242, 'openclaw-gatewa'), tcpListener('::1', port, 4242, 'openclaw-gatewa')),
    withConfig({ gateway: { bind: 'loopback', port } }, { 'gateway.bind': 3, 'gateway.port': 4 }),
  );
}

export function withTailscale(status: Snapshot['tailscale']): Patch {
  return (s) => ({ ...s, tailscale: status });
}
