import type { OpenclawFingerprint, ProbeReport, ProbeResult } from './types.js';

/** Probe reports for check cases and unit tests, in the shape `clawmoat probe --json` prints. */

export function gatewayFingerprint(auth: OpenclawFingerprint['auth'], version: string | null = '2026.9.6'): OpenclawFingerprint {
  return { detected: true, product: 'openclaw', version, protocol: 4, auth, evidence: ['GET /healthz → 200 (the gateway health answer)', 'WebSocket connect (protocol 999) → connect.challenge'] };
}

export const NOT_OPENCLAW: OpenclawFingerprint = { detected: false, version: null, auth: 'unknown', evidence: [] };

export function probeResult(partial: Partial<ProbeResult> & Pick<ProbeResult, 'address' | 'port'>): ProbeResult {
  return { vantage: 'netns:client', observed: 'open', ms: 1, predicted: 'open', mismatch: false, openclaw: NOT_OPENCLAW, ...partial };
}

export function probeReport(...results: ProbeResult[]): ProbeReport {
  const names = [...new Set(results.map((r) => r.vantage))];
  return {
    schemaVersion: 1,
    vantages: names.map((name) => ({ name, kind: name === 'host' ? 'host' : name.startsWith('ssh://') ? 'ssh' : 'netns' })),
    results,
    errors: [],
    notes: [],
  };
}
