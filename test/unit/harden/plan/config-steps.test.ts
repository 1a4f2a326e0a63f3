import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../../src/model/context.js';
import { planConfig } from '../../../../src/harden/plan/config-steps.js';
import { baselineSnapshot, withConfig } from '../../../fixtures/builders/snapshot.js';
import { gatewayFingerprint, probeReport, probeResult } from '../../../fixtures/builders/probe.js';
import { runChecks } from '../../../../src/checks/run.js';
import { CHECKS } from '../../../../src/checks/catalogue.js';
import type { AnalysisContext } from '../../../../src/model/context.js';
import type { Finding } from '../../../../src/checks/types.js';

/** The failing findings of these checks on the context, with the intents they carry: what the planner reads. */
function failing(ctx: AnalysisContext, ids: string[]): Finding[] {
  const found = runChecks(
    ctx,
    CHECKS.filter((c) => ids.includes(c.meta.id)),
  ).findings.filter((f) => f.status === 'fail');
  return found;
}

const PATH = '/home/u/.openclaw/openclaw.json';
const TOKEN = 'a'.repeat(64);

/** The config as the user wrote it: comments, unquoted keys, trailing commas. */
const TEXT = `{
  // the gateway
  gateway: {
    bind: "loopback",
    auth: { mode: "token", token: "${'t'.repeat(40)}" },
    controlUi: {
      enabled: true,
      // needed for the old reverse proxy, 2025
      dangerouslyAllowHostHeaderOriginFallback: true,
    },
    allowRealIpFallback: true, // behind nginx
  },
}
`;

function plan(text: string, findings: string[]) {
  const value = JSON5.parse(text) as Record<string, unknown>;
  // A probe that got in without credentials, for the probe checks (the others ignore it).
  const auth = findings.includes('probe.auth.open') ? 'open' : 'none';
  const probe = probeReport(probeResult({ address: '198.51.100.1', port: 18789, openclaw: gatewayFingerprint(auth) }));
  const ctx = buildContext(
    withConfig(value, { 'gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback': 9, 'gateway.allowRealIpFallback': 11 }, PATH)(baselineSnapshot()),
    { probe },
  );
  return planConfig(ctx, failing(ctx, findings), { remote: 'loopback', newToken: TOKEN, readFile: (p) => (p === PATH ? text : undefined) });
}

describe('planConfig: gateway.dangerous_flags', () => {
  it('removes every break-glass key that is on, keeping the comments and the rest of the file', () => {
    const { steps } = plan(TEXT, ['gateway.dangerous_flags']);
    expect(steps).toHaveLength(1);
    const step = steps[0]!;
    expect(step.kind === 'file' && step.path).toBe(PATH);
    expect(step.finding).toBe('gateway.dangerous_flags');
    expect(step.description).toMatch(/^Remove gateway\.controlUi\.dangerouslyAllowHostHeaderOriginFallback, remove gateway\.allowRealIpFallback in /);
    const after = step.kind === 'file' ? step.content! : '';
    expect(after).toContain('// the gateway');
    expect(after).not.toMatch(/dangerouslyAllowHostHeaderOriginFallback|allowRealIpFallback/);
    const parsed = JSON5.parse(after) as { gateway: Record<string, unknown> };
    expect(parsed.gateway).toEqual({ bind: 'loopback', auth: { mode: 'token', token: 't'.repeat(40) }, controlUi: { enabled: true } });
  });

  it('plans nothing for the flags without the finding, and nothing when none is on', () => {
    expect(plan(TEXT, []).steps).toEqual([]);
    const clean = TEXT.replace(/^.*(dangerously|allowRealIp).*\n/gm, '');
    expect(plan(clean, ['gateway.dangerous_flags']).steps).toEqual([]);
  });

  it('joins the removal to the bind change in one edit of the file', () => {
    const { steps } = plan(TEXT.replace('bind: "loopback"', 'bind: "lan"'), ['gateway.bind.public', 'gateway.dangerous_flags']);
    expect(steps).toHaveLength(1);
    expect(steps[0]!.description).toMatch(
      /^Set gateway\.bind "loopback", remove gateway\.controlUi\.dangerouslyAllowHostHeaderOriginFallback, remove gateway\.allowRealIpFallback in /,
    );
    const after = JSON5.parse(steps[0]!.kind === 'file' ? steps[0]!.content! : '') as { gateway: Record<string, unknown> };
    expect(after.gateway.bind).toBe('loopback');
    expect(after.gateway.allowRealIpFallback).toBeUndefined();
  });

  it('a key that comes from an included file is left to the user, with a note naming the file', () => {
    // The parsed config says the flag is on, but the main file's text does not hold it.
    const value = JSON5.parse(TEXT) as Record<string, unknown>;
    const ctx = buildContext(withConfig(value, {}, PATH)(baselineSnapshot()));
    const text = TEXT.replace(/^.*allowRealIp.*\n/m, '');
    const { steps, notes } = planConfig(ctx, failing(ctx, ['gateway.dangerous_flags']), { remote: 'loopback', newToken: TOKEN, readFile: () => text });
    expect(steps[0]!.description).not.toMatch(/allowRealIpFallback/);
    expect(notes.join('\n')).toMatch(/gateway\.allowRealIpFallback is set in a file .*openclaw\.json includes .*remove it there/);
  });
});

describe('planConfig: a live probe that found auth off', () => {
  it('plans the same fresh token as gateway.auth.none', () => {
    const text = '{ gateway: { bind: "loopback", auth: { mode: "none" } } }\n';
    for (const finding of ['probe.auth.none', 'probe.auth.open']) {
      const { steps } = plan(text, [finding]);
      expect(
        steps.map((s) => s.id),
        finding,
      ).toEqual(['config.gateway']);
      expect(steps[0]!.finding).toBe(finding);
      const after = steps[0]!.kind === 'file' ? steps[0]!.content! : '';
      expect(JSON5.parse(after)).toMatchObject({ gateway: { auth: { mode: 'token', token: TOKEN } } });
    }
  });
});

describe("planConfig: only a config the gateway's user could write (s10 review, finding 4)", () => {
  /** The snapshot as collect records a config the gateway process's environment chose, and whether its owner could replace it. */
  function planFor(gatewayMayWrite: boolean | undefined) {
    const value = JSON5.parse(TEXT) as Record<string, unknown>;
    const snapshot = withConfig(
      value,
      { 'gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback': 9, 'gateway.allowRealIpFallback': 11 },
      PATH,
    )(baselineSnapshot());
    const config = snapshot.openclaw.config;
    if (config.status === 'ok' && gatewayMayWrite !== undefined) Object.assign(config.data, { gatewayPid: 4242, gatewayMayWrite });
    const ctx = buildContext(snapshot);
    return planConfig(ctx, failing(ctx, ['gateway.dangerous_flags']), {
      remote: 'loopback',
      newToken: TOKEN,
      readFile: (p) => (p === PATH ? TEXT : undefined),
    });
  }

  it("refuses, with a note and no step (so no diff of the file's lines), a config the gateway's user cannot write", () => {
    const { steps, notes } = planFor(false);
    expect(steps).toEqual([]);
    expect(notes).toEqual([
      expect.stringMatching(
        /openclaw\.json was chosen by the environment of the gateway \(pid 4242\), whose user cannot write it: clawmoat does not edit it as root/,
      ),
    ]);
  });

  it('edits one that user could write, and one found without a gateway process (no record), as before', () => {
    expect(planFor(true).steps).toHaveLength(1);
    expect(planFor(undefined).steps).toHaveLength(1);
  });
});
