import { describe, expect, it } from 'vitest';
import { agrees } from '../../../src/probe/run.js';
import { calver, isGatewayHealth, productOfPage, versionOfPage } from '../../../src/probe/page-signals.js';

describe('Control UI page signals', () => {
  it('reads product and release from the page OpenClaw 2026.9.6 serves', () => {
    const html =
      '<!doctype html><html data-openclaw-control-ui-base-path="" data-openclaw-control-ui-build-id="2026.9.6-release-eb377ac59e6c-2026-09-23T16-33-12.144Z-314f" lang="en"><head><title>OpenClaw Control</title></head><body><openclaw-app></openclaw-app></body></html>';
    expect(productOfPage(html)).toBe('openclaw');
    expect(versionOfPage(html)).toBe('2026.9.6');
  });

  it('knows the legacy names', () => {
    expect(productOfPage('<title>Clawdbot Control</title><clawdbot-app></clawdbot-app>')).toBe('clawdbot');
    expect(productOfPage('<script>window.__MOLTBOT_ASSISTANT_NAME__="x"</script>')).toBe('moltbot');
  });

  it('says nothing about pages that are not the Control UI', () => {
    expect(productOfPage('<title>Some other service</title>')).toBeUndefined();
    expect(versionOfPage('<html data-openclaw-control-ui-build-id="dev-build">')).toBeUndefined();
  });

  it('takes pre-releases and rejects what is not a calendar version', () => {
    expect(calver('2026.1.29-beta.1')).toBe('2026.1.29-beta.1');
    expect(calver('1.2.3')).toBeUndefined();
    expect(calver(42)).toBeUndefined();
  });

  it('recognises the health answer and nothing like it', () => {
    expect(isGatewayHealth(200, '{"ok":true,"status":"live"}')).toBe(true);
    expect(isGatewayHealth(200, '{"ok":true}')).toBe(false);
    expect(isGatewayHealth(503, '{"ok":true,"status":"live"}')).toBe(false);
    expect(isGatewayHealth(200, '<html>')).toBe(false);
  });
});

describe('agrees: observation against prediction', () => {
  it.each([
    ['open', 'open', '', true],
    ['refused', 'closed', '', true],
    ['timeout', 'filtered', 'dropped on the way in', true],
    ['refused', 'filtered', 'rejected on the way in', true],
    ['refused', 'filtered', 'dropped on the way in', false],
    ['open', 'filtered', '', false],
    ['timeout', 'open', '', false],
    ['timeout', 'closed', '', false],
  ] as const)('observed %s, predicted %s (%s) → %s', (observed, predicted, reason, expected) => {
    expect(agrees(observed, predicted, reason)).toBe(expected);
  });

  it('has nothing to contradict without a prediction, with unknown, or after a local error', () => {
    expect(agrees('open', null)).toBe(true);
    expect(agrees('timeout', 'unknown')).toBe(true);
    expect(agrees('error', 'open')).toBe(true);
  });
});
