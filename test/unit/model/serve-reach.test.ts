import { describe, expect, it } from 'vitest';
import { runChecks } from '../../../src/checks/run.js';
import { CHECKS } from '../../../src/checks/catalogue.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withConfig,
  withGatewayProcess,
  withInterface,
  withIptables,
  withSocat,
  withSockets,
} from '../../fixtures/builders/snapshot.js';
import { buildContext } from '../../../src/model/context.js';
import { gatewayOn, host, LAN, TAILSCALE0, withTailscale } from '../remote/tailscale/hosts.js';

/**
 * Tailscale Serve and Funnel in the matrix: tailscaled answers tailnet peers on a Serve port
 * itself, before netfilter, and Funnel brings the whole internet there. A loopback-bound
 * gateway behind Funnel is open from the internet, whatever the host firewall says.
 * (Fixtures: test/fixtures/tailscale, tailscale's documented JSON; Tailscale cannot run here.)
 */

/** A host firewall that drops everything new from outside: Serve does not pass through it. */
const CLOSED = withIptables(
  [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n'),
);

function cell(ctx: ReturnType<typeof host>, port: number, kind: string) {
  return ctx.reach().cells.find((c) => c.listener.port === port && c.listener.process === 'tailscaled' && c.zone.kind === kind);
}

describe('Tailscale Serve in the reach matrix', () => {
  it('Serve of a loopback gateway: open from the tailnet past a firewall that drops all, not from the LAN or the internet', () => {
    const ctx = host(
      LAN,
      TAILSCALE0,
      CLOSED,
      withTailscale('status-running.json', 'serve-loopback-gateway.json'),
      gatewayOn(['127.0.0.1'], { bind: 'loopback' }),
    );
    const row = ctx.reach().listeners.find((l) => l.process === 'tailscaled');
    expect(row).toMatchObject({ address: '100.101.102.103', port: 443, gateway: true, serve: 'serve https://gw.tail1234.ts.net:443 → http://127.0.0.1:18789' });
    expect(cell(ctx, 443, 'tailnet')).toMatchObject({ verdict: 'open', path: [{ hook: 'tailscale', action: 'accept' }] });
    expect(cell(ctx, 443, 'tailnet')?.reason).toMatch(/before the host firewall/);
    expect(cell(ctx, 443, 'lan')?.verdict).toBe('filtered');
    expect(cell(ctx, 443, 'internet')?.verdict).toBe('filtered');
  });

  it('without a firewall, the LAN reaches the tailnet address (weak host) but no kernel socket takes the port', () => {
    const ctx = host(LAN, TAILSCALE0, withTailscale('status-running.json', 'serve-loopback-gateway.json'), gatewayOn(['127.0.0.1'], { bind: 'loopback' }));
    expect(cell(ctx, 443, 'lan')).toMatchObject({ verdict: 'closed', destination: '100.101.102.103' });
    // An internet client aims at the host's public address, where only the kernel answers.
    expect(cell(ctx, 443, 'internet')).toMatchObject({ verdict: 'closed', destination: '198.51.100.10' });
    expect(cell(ctx, 443, 'lan')?.reason).toMatch(/tailnet peers only/);
  });

  it('Funnel: the gateway is open from the internet through Tailscale, and exposure.internet names the path', () => {
    const ctx = host(
      LAN,
      TAILSCALE0,
      CLOSED,
      withTailscale('status-running.json', 'serve-funnel-gateway.json'),
      gatewayOn(['127.0.0.1'], { bind: 'loopback' }),
    );
    expect(cell(ctx, 8443, 'internet')).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    expect(cell(ctx, 8443, 'internet')?.reason).toMatch(/Funnel/);
    // Funnel's clients connect to the node's public name, at Tailscale's relays.
    expect(cell(ctx, 8443, 'internet')?.destination).toBe('gw.tail1234.ts.net');
    // Port 443 is served to the tailnet only, and proxies another app, not the gateway.
    expect(cell(ctx, 443, 'internet')?.verdict).toBe('filtered');
    expect(ctx.reach().listeners.find((l) => l.port === 443 && l.process === 'tailscaled')?.gateway).toBe(false);
    const { findings } = runChecks(ctx, CHECKS);
    const exposure = findings.find((f) => f.id === 'exposure.internet');
    expect(exposure?.severity).toBe('critical');
    expect(JSON.stringify(exposure)).toMatch(/Funnel/);
  });

  it('a web server on 0.0.0.0:443 beside Serve :443 keeps its own row; the Serve row to the gateway stays closed outside the tailnet', () => {
    // Found in review: the Serve row once took the kernel socket's answer, and exposure.* blamed the gateway.
    const ctx = host(
      LAN,
      TAILSCALE0,
      withTailscale('status-running.json', 'serve-loopback-gateway.json'),
      gatewayOn(['127.0.0.1'], { bind: 'loopback' }),
      withSockets(tcpListener('0.0.0.0', 443, 77, 'nginx')),
    );
    for (const kind of ['lan', 'internet']) expect(cell(ctx, 443, kind)?.verdict).toBe('closed');
    expect(cell(ctx, 443, 'lan')?.reason).toMatch(/0\.0\.0\.0:443 \(nginx\) takes it \(its own row\)/);
    expect(ctx.reach().cells.find((c) => c.listener.process === 'nginx' && c.zone.kind === 'internet')?.verdict).toBe('open');
    const { checks } = runChecks(ctx, CHECKS);
    expect(checks.filter((c) => c.id.startsWith('exposure.')).map((c) => [c.id, c.result])).toEqual([
      ['exposure.internet', 'pass'],
      ['exposure.lan', 'pass'],
    ]);
  });

  it('no Serve config, or Tailscale stopped: no tailscaled rows', () => {
    const none = host(TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], { bind: 'loopback' }));
    expect(none.reach().listeners.some((l) => l.process === 'tailscaled')).toBe(false);
    const stopped = host(TAILSCALE0, withTailscale('status-stopped.json', 'serve-loopback-gateway.json'), gatewayOn(['127.0.0.1'], { bind: 'loopback' }));
    expect(stopped.reach().listeners.some((l) => l.process === 'tailscaled')).toBe(false);
  });
});

describe('a Serve/Funnel route to a door in front of the gateway (review 2, finding 1)', () => {
  it('Funnel to socat on 127.0.0.1:8080 that forwards to the gateway: the Funnel row is the gateway, open from the internet; exposure.internet and tailscale.funnel fail', () => {
    const snapshot = compose(
      withConfig({ gateway: { auth: { mode: 'token' } } }),
      withGatewayProcess(8, ['openclaw-gateway']),
      withSockets(tcpListener('127.0.0.1', 18789, 8)),
      withSocat(9, 8080, 18789, '127.0.0.1'),
      withInterface('tailscale0', '100.101.1.2', 10),
      (s) => ({
        ...s,
        tailscale: {
          status: 'ok',
          data: {
            binary: '/usr/bin/tailscale',
            status: { status: 'ok', data: { BackendState: 'Running', TailscaleIPs: ['100.101.1.2'] } },
            serve: {
              status: 'ok',
              data: {
                TCP: { '8443': { HTTPS: true } },
                Web: { 'gw.tail1.ts.net:8443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:8080' } } } },
                AllowFunnel: { 'gw.tail1.ts.net:8443': true },
              },
            },
          },
        },
      }),
    )(baselineSnapshot());
    const ctx = buildContext(snapshot);
    expect(cell(ctx, 8443, 'internet')).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    const { checks } = runChecks(
      ctx,
      CHECKS.filter((c) => c.meta.id === 'exposure.internet' || c.meta.id === 'tailscale.funnel'),
    );
    expect(Object.fromEntries(checks.map((c) => [c.id, c.result]))).toEqual({ 'exposure.internet': 'fail', 'tailscale.funnel': 'fail' });
  });
});
