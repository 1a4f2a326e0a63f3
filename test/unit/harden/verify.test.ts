import { describe, expect, it } from 'vitest';
import { judgeProbe } from '../../../src/harden/verify.js';
import { buildContext } from '../../../src/model/context.js';
import type { ProbeReport, ProbeResult } from '../../../src/probe/types.js';
import { baselineSnapshot, compose, withContainers } from '../../fixtures/builders/snapshot.js';

const VANTAGE = 'ssh://me@elsewhere';
const NOT_OPENCLAW: ProbeResult['openclaw'] = { detected: false, version: null, auth: 'unknown', evidence: [] };

function result(port: number, observed: ProbeResult['observed'], extra: Partial<ProbeResult> = {}): ProbeResult {
  return { vantage: VANTAGE, address: '198.51.100.10', port, observed, ms: 3, predicted: null, mismatch: false, openclaw: NOT_OPENCLAW, ...extra };
}

function report(...results: ProbeResult[]): ProbeReport {
  return { schemaVersion: 1, vantages: [], errors: [], notes: [], results };
}

const ctx = buildContext(baselineSnapshot());
const ssh = result(22, 'open');

describe('harden --verify: which probe results are the gateway', () => {
  it('a port the probe fingerprinted as OpenClaw is the gateway, whatever its number', () => {
    const fingerprinted = result(8080, 'open', { openclaw: { detected: true, version: '2026.9.6', auth: 'enforced', evidence: ['GET /healthz'] } });
    const v = judgeProbe(ctx, report(fingerprinted, result(18789, 'timeout'), ssh), VANTAGE, [22]);
    expect(v).toEqual({ ok: false, why: `the gateway still answers from ${VANTAGE} on 198.51.100.10:8080` });
  });

  it('a door the model says leads to the gateway is the gateway (nginx :443)', () => {
    const door = result(443, 'open', { door: { kind: 'nginx', name: 'nginx', via: 'listen 443', upstream: '127.0.0.1:18789', gateway: true } });
    expect(judgeProbe(ctx, report(door, result(18789, 'timeout'), ssh), VANTAGE, [22]).ok).toBe(false);
  });

  it('a port Docker publishes to the gateway container is the gateway, fingerprint or not', () => {
    const docker = buildContext(
      compose(withContainers({ name: 'openclaw', ports: [{ containerPort: 18789, hostPort: '8080-8081', hostIp: '', protocol: 'tcp' }] }))(baselineSnapshot()),
    );
    const v = judgeProbe(docker, report(result(8081, 'open'), result(18789, 'timeout'), ssh), VANTAGE, [22]);
    expect(v.why).toContain('198.51.100.10:8081');
    expect(v.ok).toBe(false);
  });

  it('an error on a gateway port is "not verified", never filtered', () => {
    const v = judgeProbe(ctx, report(result(18789, 'error', { detail: 'network unreachable' }), ssh), VANTAGE, [22]);
    expect(v).toEqual({ ok: false, why: `not verified: the probe from ${VANTAGE} could not decide 198.51.100.10:18789 (network unreachable)` });
  });

  it('no gateway port tried at all is "not verified"', () => {
    expect(judgeProbe(ctx, report(ssh), VANTAGE, [22])).toMatchObject({ ok: false, why: expect.stringContaining('tried no gateway port') });
  });

  it('the gateway silent or refused and SSH open: kept', () => {
    expect(judgeProbe(ctx, report(result(18789, 'timeout'), result(18791, 'refused'), result(8080, 'open'), ssh), VANTAGE, [22])).toEqual({
      ok: true,
      why: `from ${VANTAGE}: the gateway is filtered and SSH answers`,
    });
  });

  it('SSH silent: not kept', () => {
    expect(judgeProbe(ctx, report(result(18789, 'timeout'), result(22, 'timeout')), VANTAGE, [22]).why).toBe(`no SSH port answers from ${VANTAGE}`);
  });
});
