import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { buildContext } from '../../../src/model/context.js';
import { runChecks } from '../../../src/checks/run.js';
import { baselineSnapshot } from '../../fixtures/builders/snapshot.js';
import { parseZoneSpec } from '../../../src/model/zones.js';
import type { CheckCase } from '../../../src/checks/types.js';
import { CASES } from './cases/index.js';
import { buildPlan } from '../../../src/harden/plan/index.js';
import type { Report } from '../../../src/report/types.js';
import type { Finding } from '../../../src/checks/types.js';
import type { AnalysisContext } from '../../../src/model/context.js';

/**
 * The live host as the planner would see it for a case: the files the fixtures name (the
 * snapshot's compose files, systemd units and UFW rule files, the OpenClaw config as the JSON of what the
 * snapshot parsed; an nginx site whose listen is at line 2 and proxy_pass at line 5), every
 * proxy a root process under systemd, every config root's alone.
 */
const FIXTURE_FILES: Record<string, string> = {
  '/etc/nginx/sites-enabled/openclaw':
    'server {\n    listen 443;\n    server_name _;\n    location / {\n        proxy_pass http://127.0.0.1:18789;\n    }\n}\n',
};

function plannedSteps(ctx: AnalysisContext, findings: Finding[], id: string): string[] {
  const readFile = (path: string): string | undefined => {
    const compose = ctx.snapshot.compose.find((c) => c.path === path)?.content;
    if (path === ctx.gateway.configPath && ctx.gateway.config) return JSON.stringify(ctx.gateway.config, null, 2);
    const unit = ctx.gateway.units.find((u) => u.path === path);
    if (unit) return unit.content;
    const ufwFile =
      ctx.snapshot.ufw.status === 'ok' && path.startsWith('/etc/ufw/') ? ctx.snapshot.ufw.data.files.ruleFiles[path.slice('/etc/ufw/'.length)] : undefined;
    if (ufwFile?.status === 'ok') return ufwFile.data;
    return FIXTURE_FILES[path] ?? (compose?.status === 'ok' ? compose.data : undefined);
  };
  // Only the findings matter to the planners; the rest of a Report is for renderers.
  const report = { findings } as unknown as Report;
  const plan = buildPlan(ctx, report, {
    remote: 'loopback',
    noPublish: false,
    newToken: 'a'.repeat(64),
    readFile,
    doorRuntime: (door) =>
      door.kind === 'nginx'
        ? { kind: 'nginx', args: [], conf: '/etc/nginx/nginx.conf', unit: 'nginx.service' }
        : { kind: 'caddy', config: door.location?.file ?? '/etc/caddy/Caddyfile', adapter: 'caddyfile', unit: 'caddy.service' },
    configRefusal: () => undefined,
  });
  return plan.steps.filter((s) => s.finding === id).map((s) => s.id);
}

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
      expect(findings.flatMap((f) => (f.fixes ?? []).map((x) => x.kind))).toEqual(c.fixes ?? []);
      if (c.steps) {
        expect(check.meta.fixable).toBe(true);
        const ctx = contextOf(c);
        const planned = runChecks(ctx, [check]).findings;
        expect(plannedSteps(ctx, planned, check.meta.id)).toEqual(c.steps);
        // Planners read the intents, not the id: under another name the findings plan the same steps.
        const renamed = planned.map((f) => ({ ...f, id: `renamed.${f.id}` }));
        expect(plannedSteps(ctx, renamed, `renamed.${check.meta.id}`)).toEqual(c.steps);
      }
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
