import { describe, expect, it } from 'vitest';
import { findSymptom } from '../../../src/doctor/index.js';
import { internetExposure } from '../../../src/doctor/symptoms/internet-exposure.js';
import type { Door, Snapshot } from '../../../src/snapshot/types.js';
import { compose, tcpListener, withDoors, withSockets, withSocat } from '../../fixtures/builders/snapshot.js';
import { diagnose, fixOf, loopbackGateway, textOf } from './helpers.js';

/** "Why is the gateway reachable from the internet?": the doors that make it so, with file and line, and how to close each. */

const NGINX_FILE = '/etc/nginx/sites-enabled/openclaw';

function nginx(address: string, extra: Partial<Door> = {}): Door {
  return {
    kind: 'nginx',
    pid: 812,
    listen: [{ address, port: 443, location: { file: NGINX_FILE, line: 2 } }],
    upstream: { host: '127.0.0.1', port: 18789 },
    via: 'proxy_pass http://127.0.0.1:18789',
    location: { file: NGINX_FILE, line: 5 },
    layer: 'http',
    forwardedFor: 'none',
    auth: [],
    serverNames: ['gw.example.com'],
    tls: true,
    ...extra,
  };
}

const withNginx = (door: Door) => compose(withSockets(tcpListener(door.listen![0]!.address, 443, 812, 'nginx')), withDoors([door]));

describe('doctor internet-exposure', () => {
  it('is found by its aliases', () => {
    for (const name of ['internet', 'exposed', 'why-reachable', 'doors']) expect(findSymptom(name)?.meta.id).toBe('internet-exposure');
  });

  it('a gateway on loopback behind a public nginx: the door, its file and line, and the listen to write', () => {
    const r = diagnose(internetExposure, compose(loopbackGateway(), withNginx(nginx('0.0.0.0'))));
    expect(r.status).toBe('problem');
    expect(r.cause).toBe(`the gateway, though it listens on loopback only, is reachable from the internet through a door: nginx (${NGINX_FILE}:5)`);
    const door = r.saw.find((e) => e.location?.line === 5);
    expect(door?.text).toBe(
      `nginx proxy_pass http://127.0.0.1:18789 (${NGINX_FILE}:5) → 127.0.0.1:18789, taking connections on 0.0.0.0:443 (${NGINX_FILE}:2), with no authentication of its own`,
    );
    expect(textOf(r)).toMatch(/0\.0\.0\.0:443 from internet.*: open/);
    expect(r.fix?.commands?.[0]).toBe(
      `nginx proxy_pass http://127.0.0.1:18789 (${NGINX_FILE}:5): write \`listen 127.0.0.1:443 ssl;\` at ${NGINX_FILE}:2, or keep it public and add \`allow <your network>; deny all;\` or \`auth_basic\` in front of proxy_pass; then \`nginx -t && systemctl restart nginx\``,
    );
    expect(r.fix?.text).toMatch(/bind its listener to 127\.0\.0\.1 \(or this host's tailnet address/);
  });

  it('a socat forwarder on every address: restart it bound to 127.0.0.1', () => {
    const r = diagnose(internetExposure, compose(loopbackGateway(), withSocat(900, 443, 18789)));
    expect(r.status).toBe('problem');
    expect(r.cause).toMatch(/through a door: socat \(pid 900\)/);
    expect(fixOf(r)).toContain('TCP-LISTEN:443,fork,bind=127.0.0.1');
    expect(fixOf(r)).not.toMatch(/bind=0\.0\.0\.0/);
  });

  it('a door on loopback only is not the cause: ok, and it says which door it looked at', () => {
    const r = diagnose(internetExposure, compose(loopbackGateway(), withNginx(nginx('127.0.0.1'))));
    expect(r.status).toBe('ok');
    expect(r.cause).toBe(
      `nothing makes the gateway reachable from the internet: not its own socket, nor the door in front of it (nginx on 127.0.0.1:443 (${NGINX_FILE}:2))`,
    );
    expect(r.fix).toBeUndefined();
  });

  it('a public Cloudflare quick tunnel: it cannot have an Access policy, so stop it', () => {
    const tunnel: Door = {
      kind: 'cloudflared',
      pid: 12,
      remote: { url: 'https://abc.trycloudflare.com', port: 443, audience: 'internet' },
      upstream: { host: 'localhost', port: 18789 },
      via: 'cloudflared tunnel --url http://localhost:18789',
      layer: 'http',
      forwardedFor: 'append',
      auth: [],
    };
    const r = diagnose(internetExposure, compose(loopbackGateway(), withDoors([tunnel])));
    expect(r.status).toBe('problem');
    expect(r.cause).toMatch(/through a door: cloudflared \(pid 12\)/);
    expect(textOf(r)).toContain('taking connections on its far end https://abc.trycloudflare.com');
    expect(fixOf(r)).toMatch(
      /quick tunnel \(https:\/\/abc\.trycloudflare\.com\) has no Access policy and cannot have one: stop it: find its unit \(systemctl status 12\)/,
    );
    expect(r.fix?.text).toMatch(/An outbound tunnel: an access policy at its far end, or stop it/);
  });

  it('a tunnel gated by a policy outside the host: unknown, with the reason, the door and its fix', () => {
    const tunnel: Door = {
      kind: 'cloudflared',
      pid: 12,
      remote: {
        url: 'https://gw.example.com',
        port: 443,
        audience: 'internet',
        gate: 'Cloudflare Access may guard gw.example.com: its policy lives at Cloudflare, not on this host',
      },
      upstream: { host: 'localhost', port: 18789 },
      via: 'ingress gw.example.com → http://localhost:18789',
      location: { file: '/etc/cloudflared/config.yml', line: 4 },
      layer: 'http',
      forwardedFor: 'append',
      auth: [],
    };
    const r = diagnose(internetExposure, compose(loopbackGateway(), withDoors([tunnel])));
    expect(r.status).toBe('unknown');
    expect(r.cause).toMatch(/could not be decided: .*Cloudflare Access may guard gw\.example\.com/);
    expect(r.saw.some((e) => e.location?.file === '/etc/cloudflared/config.yml' && e.location.line === 4)).toBe(true);
    expect(fixOf(r)).toMatch(/Cloudflare Access policy in front of https:\/\/gw\.example\.com.*in \/etc\/cloudflared\/config\.yml, under the ingress rule/);
  });

  it('the gateway itself on every address: named as such, fixed by binding it to loopback', () => {
    const r = diagnose(internetExposure, compose(loopbackGateway(), withSockets(tcpListener('0.0.0.0', 18789, 4242, 'openclaw-gatewa'))));
    expect(r.status).toBe('problem');
    expect(r.cause).toMatch(/directly: its own socket 0\.0\.0\.0:18789 is open from the internet/);
    expect(fixOf(r)).toMatch(/bind it to loopback/);
  });

  it('no door and a loopback gateway: ok', () => {
    const r = diagnose(internetExposure, loopbackGateway());
    expect(r.status).toBe('ok');
  });

  it('routes that could not be read: unknown, naming why, never "no internet zone"', () => {
    const noRoutes = (s: Snapshot): Snapshot => ({
      ...s,
      network: { ...s.network, routes: { status: 'unavailable', reason: 'permission-denied', detail: 'ip -j route: permission denied' } },
    });
    const r = diagnose(internetExposure, compose(loopbackGateway(), noRoutes));
    expect(r.status).toBe('unknown');
    expect(r.cause).toBe('whether the host has an internet zone was not checked: ip -j route: permission denied');
  });
});
