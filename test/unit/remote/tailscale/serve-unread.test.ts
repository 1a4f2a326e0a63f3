import { describe, expect, it } from 'vitest';
import { auditContext } from '../../../../src/audit-context.js';
import { renderPrometheus } from '../../../../src/report/prometheus.js';
import { exposureLine, gatewayExposure, gatewayUndecided } from '../../../../src/report/exposure.js';
import { analyseFleet, fleetRow } from '../../../../src/fleet/analyse.js';
import { renderFleetText } from '../../../../src/fleet/render.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import { gatewayOn, host, TAILSCALE0, withTailscale } from './hosts.js';

/**
 * Tailscale up, `tailscale serve status` unread (a 2-second limit on a busy host, or no root):
 * tailscaled may be carrying a Funnel to the gateway, before the host firewall. The checks say
 * unknown; every exposure view (the reach cells, Prometheus, fleet) must say undecided too,
 * never "loopback only" or closed.
 */

const serveUnread = (s: Snapshot): Snapshot =>
  s.tailscale.status === 'ok'
    ? {
        ...s,
        tailscale: {
          ...s.tailscale,
          data: { ...s.tailscale.data, serve: { status: 'unavailable', reason: 'permission-denied', detail: 'tailscale serve status: access denied' } },
        },
      }
    : s;

const unreadCtx = () => host(TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], {}), serveUnread);

describe('Tailscale running, Serve config unread', () => {
  it("the loopback gateway's internet and tailnet cells are unknown, naming Serve/Funnel; loopback stays open", () => {
    const cells = unreadCtx()
      .reach()
      .cells.filter((c) => c.listener.gateway);
    const byKind = Object.fromEntries(cells.map((c) => [c.zone.kind, c]));
    expect(byKind.internet?.verdict).toBe('unknown');
    expect(byKind.internet?.reason).toMatch(/Tailscale Serve\/Funnel could not be read \(tailscale serve status: access denied\): a Funnel/);
    expect(byKind.tailnet?.verdict).toBe('unknown');
    expect(byKind.loopback?.verdict).toBe('open');
  });

  it('Prometheus counts the internet exposure as unknown, the fleet line is not "loopback only"', () => {
    const report = auditContext(unreadCtx());
    expect(renderPrometheus(report)).toMatch(/^clawmoat_gateway_exposure_unknown\{zone_kind="internet"\} 1$/m);
    expect(exposureLine(gatewayExposure(report.reach ?? []), gatewayUndecided(report.reach ?? []))).toBe('could not decide: internet, tailnet');
    const fleet = analyseFleet([fleetRow('web.json', report)], [], '0.0.0');
    expect(fleet.summary.undecided.internet).toBe(1);
    expect(renderFleetText(fleet)).not.toContain('loopback only');
    expect(report.checks.find((c) => c.id === 'exposure.internet')?.result).toBe('unknown');
  });

  it('with Serve read and empty, the same host stays closed beyond loopback (no Serve, nothing undecided)', () => {
    const ctx = host(TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], {}));
    const cells = ctx.reach().cells.filter((c) => c.listener.gateway && c.zone.kind !== 'loopback');
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.every((c) => c.verdict === 'closed')).toBe(true);
  });

  it('with tailscaled stopped (BackendState Stopped) and Serve unread, nothing is served: no undecided cell', () => {
    const stopped = (s: Snapshot): Snapshot => {
      const out = serveUnread(s);
      if (out.tailscale.status !== 'ok' || out.tailscale.data.status.status !== 'ok') return out;
      const status = { ...out.tailscale.data.status, data: { ...out.tailscale.data.status.data, BackendState: 'Stopped' } };
      return { ...out, tailscale: { ...out.tailscale, data: { ...out.tailscale.data, status } } };
    };
    const ctx = host(TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], {}), stopped);
    expect(ctx.reach().cells.filter((c) => c.listener.gateway && c.verdict === 'unknown')).toEqual([]);
  });
});
