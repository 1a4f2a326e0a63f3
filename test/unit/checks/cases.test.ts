import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { buildContext } from '../../../src/model/context.js';
import { runChecks } from '../../../src/checks/run.js';
import { baselineSnapshot } from '../../fixtures/builders/snapshot.js';
import { parseZoneSpec } from '../../../src/model/zones.js';
import type { CheckCase } from '../../../src/checks/types.js';
import { CASES } from './cases/index.js';

function contextOf(c: CheckCase) {
  const options = { zones: (c.options?.zones ?? []).map(parseZoneSpec), ...(c.options?.probe ? { probe: c.options.probe } : {}) };
  return buildContext(c.snapshot(baselineSnapshot()), options);
}

/**
 * ESLint-style: every check carries its own table of valid and invalid cases.
 * Each case runs the check on its snapshot and must give the stated result.
 */
describe.each(CHECKS.map((c) => [c.meta.id, c] as const))('%s', (_id, check) => {
  const cases = CASES[check.meta.id];
  if (!cases) throw new Error(`${check.meta.id} has no case table in test/unit/checks/cases/`);

  it('has docs, a guide section and at least two valid and two invalid cases', () => {
    expect(check.meta.docs.length).toBeGreaterThan(80);
    expect(check.meta.guide).not.toBe('');
    expect(cases.valid.length).toBeGreaterThanOrEqual(2);
    expect(cases.invalid.length).toBeGreaterThanOrEqual(2);
  });

  it('lists its cases in meta.examples, as docs/checks.md shows them', () => {
    expect(check.meta.examples).toEqual({
      fails: cases.invalid.map((x) => `${x.name}${x.result === 'unknown' ? ' (unknown)' : ''}`),
      passes: cases.valid.map((x) => `${x.name}${x.result === 'skipped' ? ' (skipped)' : ''}`),
    });
  });

  for (const c of cases.valid) {
    it(`valid: ${c.name}`, () => {
      const { checks, findings } = runChecks(contextOf(c), [check]);
      expect(findings).toEqual([]);
      expect(checks[0]?.result, checks[0]?.reason).toBe(c.result);
    });
  }

  for (const c of cases.invalid) {
    it(`invalid: ${c.name}`, () => {
      const { checks, findings } = runChecks(contextOf(c), [check]);
      expect(checks[0]?.result, checks[0]?.reason).toBe(c.result);
      expect(findings.length).toBe(c.findings);
      expect([...new Set(findings.map((f) => f.severity))]).toEqual([c.severity].flat());
      for (const f of findings) {
        expect(f.id).toBe(check.meta.id);
        expect(f.status).toBe(c.result);
        expect(f.remediation.summary).not.toBe('');
      }
      expect(findings.flatMap((f) => (f.fix ? [f.fix.kind] : []))).toEqual(c.fixes ?? []);
      const text = findings
        .map((f) => [f.message, ...f.evidence.map((e) => `${e.text} ${e.location ? `${e.location.file}:${e.location.line}` : ''}`)].join('\n'))
        .join('\n');
      for (const expected of c.evidenceIncludes ?? []) expect(text).toContain(expected);
    });
  }
});

describe('catalogue', () => {
  it('has unique, stable-looking ids', () => {
    const ids = CHECKS.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(\.[a-z_]+)+$/);
  });

  it('includes every id the guide checklist promises', () => {
    const ids = CHECKS.map((c) => c.meta.id);
    for (const id of [
      'gateway.bind.public',
      'gateway.bind.drift',
      'gateway.auth.none',
      'gateway.auth.weak_token',
      'firewall.none',
      'firewall.ufw.ssh_not_allowed',
      'firewall.gateway_port_allowed',
      'docker.publish.public',
      'docker.network.default_bridge',
      'docker.network.host',
      'docker.socket_mounted',
      'tailscale.funnel',
      'ssh.password_auth',
      'config.unreadable',
    ])
      expect(ids).toContain(id);
  });
});
