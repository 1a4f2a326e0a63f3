import { describe, expect, it } from 'vitest';
import { summariseServe } from '../../../../src/collect/tailscale.js';
import { localTargetPort, routesTo, serveRoutes } from '../../../../src/model/tailscale/serve-config.js';
import { fixture } from '../../remote/tailscale/hosts.js';

const routes = (name: string, own: string[] = []) => serveRoutes(summariseServe(fixture(name)), own);

describe('localTargetPort', () => {
  it.each([
    ['18789', 18789],
    ['localhost:18789', 18789],
    ['127.0.0.1:18789', 18789],
    ['http://127.0.0.1:18789', 18789],
    ['http://localhost:18789/ui', 18789],
    ['https+insecure://localhost:8443', 8443],
    ['tcp://localhost:22', 22],
    ['[::1]:18789', 18789],
    ['0.0.0.0:18789', 18789],
  ])('%s is this host, port %i', (target, port) => {
    expect(localTargetPort(target)).toBe(port);
  });

  it('names another machine only when the address is not ours', () => {
    expect(localTargetPort('192.168.1.20:18789')).toBeUndefined();
    expect(localTargetPort('192.168.1.20:18789', ['192.168.1.20'])).toBe(18789);
    expect(localTargetPort('example.com:18789')).toBeUndefined();
    expect(localTargetPort('/var/www')).toBeUndefined();
  });
});

describe('serveRoutes on `tailscale serve status --json`', () => {
  it('prints null with no Serve config: no routes', () => {
    expect(routes('serve-none.json')).toEqual([]);
  });

  it('reads a Web handler proxying to the gateway as tailnet-only Serve', () => {
    expect(routes('serve-loopback-gateway.json')).toEqual([
      {
        listen: 'gw.tail1234.ts.net:443',
        port: 443,
        kind: 'web',
        scheme: 'https',
        mount: '/',
        target: 'http://127.0.0.1:18789',
        targetPort: 18789,
        funnel: false,
        scope: 'background',
      },
    ]);
  });

  it('marks Funnel per host:port: only the 8443 route to the gateway is public', () => {
    const all = routes('serve-funnel-gateway.json');
    expect(all.map((r) => [r.listen, r.targetPort, r.funnel])).toEqual([
      ['gw.tail1234.ts.net:443', 3000, false],
      ['gw.tail1234.ts.net:8443', 18789, true],
    ]);
    expect(routesTo(all, [18789]).map((r) => r.listen)).toEqual(['gw.tail1234.ts.net:8443']);
  });

  it('reads raw TCP forwards, with Funnel on the port AllowFunnel names', () => {
    expect(routes('serve-tcp-forward.json').map((r) => [r.listen, r.kind, r.target, r.targetPort, r.funnel])).toEqual([
      [':10000', 'tcp', 'localhost:18789', 18789, true],
      [':18789', 'tcp', '127.0.0.1:18789', 18789, false],
    ]);
  });

  it('walks foreground sessions (OpenClaw claims Serve/Funnel in the foreground)', () => {
    expect(routes('serve-foreground-openclaw.json')).toMatchObject([
      { listen: 'gw.tail1234.ts.net:443', target: 'http://127.0.0.1:41873', targetPort: 41873, funnel: true, scope: 'foreground' },
    ]);
  });

  it('walks Tailscale Services, which are never funnelled', () => {
    expect(routes('serve-service.json')).toMatchObject([{ listen: 'openclaw.tail1234.ts.net:443', targetPort: 18789, funnel: false, scope: 'svc:openclaw' }]);
  });

  it('ignores handlers that serve files or text, and junk', () => {
    expect(serveRoutes({ Web: { 'gw.ts.net:443': { Handlers: { '/': { Path: '/srv' }, '/t': { Text: 'hi' } } } }, TCP: { '443': { HTTPS: true } } })).toEqual(
      [],
    );
    expect(serveRoutes({ Web: 'nope', TCP: [1, 2], Foreground: null })).toEqual([]);
    expect(serveRoutes('null')).toEqual([]);
  });
});
