import { describe, expect, it } from 'vitest';
import { remoteAccess } from '../../../src/doctor/symptoms/remote-access.js';
import { compose, tcpListener, withConfig, withGatewayProcess, withInterface, withIptables, withSockets, withSshd } from '../../fixtures/builders/snapshot.js';
import { diagnose, fixOf, loopbackGateway, textOf, withTailscale } from './helpers.js';

const DROP_INPUT = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -p tcp --dport 22 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

describe('remote-access', () => {
  it('a gateway bound to loopback: names the sockets and the bind, and gives the tunnel for this host', () => {
    const r = diagnose(remoteAccess, loopbackGateway(), { login: 'alice' });
    expect(r.status).toBe('problem');
    expect(r.cause).toContain('bound to loopback (127.0.0.1:18789, [::1]:18789)');
    expect(textOf(r)).toContain('bind "loopback" from gateway.bind in /home/u/.openclaw/openclaw.json:3');
    // The fixture host's eth0 (the default route) holds 198.51.100.10.
    expect(r.fix?.commands).toContain('clawmoat tunnel alice@198.51.100.10   # on the other machine; prints http://127.0.0.1:18789/ to open');
    expect(r.fix?.commands?.[1]).toMatch(/^ssh -N -L 18789:127\.0\.0\.1:18789 alice@198\.51\.100\.10/);
    expect(fixOf(r)).not.toMatch(/--bind (lan|all)|bind: "lan"/);
  });

  it("uses the address of the SSH session the user is in, and sshd's real port", () => {
    const r = diagnose(remoteAccess, compose(loopbackGateway(28789), withSshd({ port: ['2222'] })), {
      login: 'bob',
      sshConnection: '203.0.113.7 50000 192.0.2.44 2222',
    });
    expect(r.fix?.commands?.[0]).toBe('clawmoat tunnel -p 2222 bob@192.0.2.44   # on the other machine; prints http://127.0.0.1:28789/ to open');
    expect(textOf(r)).toContain('192.0.2.44 (the address of this SSH session)');
  });

  it('Tailscale connected: adds tailscale serve for the real port, with the MagicDNS URL', () => {
    const r = diagnose(
      remoteAccess,
      compose(
        loopbackGateway(),
        withTailscale({
          status: 'ok',
          data: {
            binary: '/usr/bin/tailscale',
            status: { status: 'ok', data: { BackendState: 'Running', TailscaleIPs: ['100.101.102.103'], Self: { DNSName: 'vps.tail1234.ts.net.' } } },
            serve: { status: 'ok', data: {} },
          },
        }),
      ),
    );
    expect(r.fix?.commands).toContain(
      'sudo tailscale serve --bg 18789   # tailnet only (never funnel); then open https://vps.tail1234.ts.net/ from a tailnet device',
    );
    expect(textOf(r)).toContain('Tailscale is connected as vps.tail1234.ts.net (100.101.102.103)');
  });

  it('already behind Tailscale Serve: reachable from the tailnet at the Serve address; the tunnel for the rest, no second serve', () => {
    const serve = { TCP: { '443': { HTTPS: true } }, Web: { 'vps.tail1234.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:18789' } } } } };
    const running = { BackendState: 'Running', TailscaleIPs: ['100.101.102.103'], Self: { DNSName: 'vps.tail1234.ts.net.' } };
    const r = diagnose(
      remoteAccess,
      compose(
        loopbackGateway(),
        withInterface('tailscale0', '100.101.102.103', 10),
        withTailscale({ status: 'ok', data: { binary: '/usr/bin/tailscale', status: { status: 'ok', data: running }, serve: { status: 'ok', data: serve } } }),
      ),
      { login: 'alice' },
    );
    expect(r.status).toBe('ok');
    expect(r.cause).toBe(
      'the gateway listens on loopback, and Tailscale Serve makes it reachable from tailnet:tailscale0 (serve https://vps.tail1234.ts.net:443 → http://127.0.0.1:18789): a device there connects to that address, not to port 18789',
    );
    expect(textOf(r)).toMatch(/100\.101\.102\.103:443 from .*: open \(tailscaled answers tailnet peers/);
    expect(r.fix?.commands?.[0]).toMatch(/^clawmoat tunnel alice@/);
    expect(fixOf(r)).not.toContain('tailscale serve --bg');
  });

  it('tailscaled not running: one line saying Tailscale was not checked and why; the tunnel still answers', () => {
    const detail = "tailscale status --json failed: failed to connect to local tailscaled; it doesn't appear to be running";
    const r = diagnose(
      remoteAccess,
      compose(
        loopbackGateway(),
        withTailscale({
          status: 'ok',
          data: {
            binary: '/usr/bin/tailscale',
            status: { status: 'unavailable', reason: 'error', detail },
            serve: { status: 'unavailable', reason: 'error', detail },
          },
        }),
      ),
    );
    expect(r.status).toBe('problem');
    expect(r.saw.map((e) => e.text)).toContain(`Tailscale not checked: ${detail}`);
    expect(fixOf(r)).not.toContain('tailscale serve');
    expect(fixOf(r)).toContain('clawmoat tunnel');
    // The collector may also record the whole source as not running (one line for status and serve).
    const down = diagnose(
      remoteAccess,
      compose(loopbackGateway(), withTailscale({ status: 'unavailable', reason: 'not-running', detail: 'tailscaled is not running' })),
    );
    expect(down.saw.map((e) => e.text)).toContain('Tailscale not checked: tailscaled is not running');
  });

  it('listening on 0.0.0.0 with nothing filtering: not this cause (and says it is wider than the guide allows)', () => {
    const r = diagnose(
      remoteAccess,
      compose(withGatewayProcess(4242, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 4242, 'openclaw-gatewa'))),
    );
    expect(r.status).toBe('ok');
    expect(r.cause).toContain('open from internet');
    expect(r.cause).toContain('clawmoat audit');
  });

  it('listening on 0.0.0.0 behind a firewall that drops it: the firewall is the cause, and the fix is still the tunnel', () => {
    const r = diagnose(
      remoteAccess,
      compose(withGatewayProcess(4242, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 4242, 'openclaw-gatewa')), withIptables(DROP_INPUT)),
    );
    expect(r.status).toBe('problem');
    expect(r.cause).toMatch(/connections from other machines are filtered/);
    expect(fixOf(r)).toContain('clawmoat harden');
    expect(fixOf(r)).toContain('clawmoat tunnel');
    expect(fixOf(r)).toMatch(/never bind it to 0\.0\.0\.0/);
  });

  it('sockets not readable: unknown, saying what was not checked', () => {
    const r = diagnose(remoteAccess, (s) => ({ ...s, sockets: { status: 'unavailable', reason: 'not-installed', detail: 'ss is not installed (iproute2)' } }));
    expect(r).toMatchObject({ status: 'unknown', cause: "the gateway's sockets were not checked: ss is not installed (iproute2)" });
  });

  it('no gateway on this host: unknown', () => {
    const r = diagnose(remoteAccess);
    expect(r.status).toBe('unknown');
    expect(r.cause).toContain('no OpenClaw gateway was found');
  });

  it('a gateway whose config is found but nothing listens: not running', () => {
    const r = diagnose(remoteAccess, withConfig({ gateway: { bind: 'loopback' } }));
    expect(r.status).toBe('problem');
    expect(r.cause).toContain('nothing listens on the gateway port 18789');
  });
});
