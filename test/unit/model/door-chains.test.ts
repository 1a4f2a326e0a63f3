import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { runChecks } from '../../../src/checks/run.js';
import { buildContext } from '../../../src/model/context.js';
import { MAX_DOORS_IN_A_ROW, snapshotDoorTargets } from '../../../src/model/door-chains.js';
import type { Door, DoorProblem } from '../../../src/snapshot/types.js';
import { socatDoor } from '../../../src/collect/doors/forwarders.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withConfig,
  withDoors,
  withGatewayProcess,
  withIptables,
  withSockets,
} from '../../fixtures/builders/snapshot.js';

/**
 * Doors in front of doors: nginx on 0.0.0.0:443 proxying to a socat on 127.0.0.1:8080 that
 * forwards to the gateway on 127.0.0.1:18789 puts the gateway where nginx is. Snapshot
 * fixtures (builders): the matrix, the path with every hop, and exposure.internet's verdict.
 */

const GATEWAY = compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)));
const SITE = '/etc/nginx/sites-enabled/openclaw';

function socat(pid: number, port: number, target: string, address = '127.0.0.1'): { door: Door; patch: ReturnType<typeof compose> } {
  const [host, p] = [target.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''), Number(target.replace(/^.*:/, ''))];
  const door: Door = {
    kind: 'socat',
    pid,
    listen: [{ address, port }],
    upstream: { host, port: p },
    via: `socat TCP-LISTEN:${port},fork,bind=${address} TCP:${target}`,
    layer: 'tcp',
    forwardedFor: 'none',
    auth: [],
  };
  return { door, patch: compose(withSockets(tcpListener(address, port, pid, 'socat')), withDoors([door])) };
}

function nginx(port: number, target: string, address = '0.0.0.0'): ReturnType<typeof compose> {
  const door: Door = {
    kind: 'nginx',
    pid: 20,
    listen: [{ address, port, location: { file: SITE, line: 2 } }],
    upstream: { host: target.replace(/:\d+$/, ''), port: Number(target.replace(/^.*:/, '')) },
    via: `proxy_pass http://${target}`,
    location: { file: SITE, line: 5 },
    layer: 'http',
    forwardedFor: 'none',
    auth: [],
  };
  return compose(withSockets(tcpListener(address, port, 20, 'nginx')), withDoors([door]));
}

function haproxy(port: number, target: string, address = '127.0.0.1'): ReturnType<typeof compose> {
  const door: Door = {
    kind: 'haproxy',
    pid: 31,
    listen: [{ address, port, location: { file: '/etc/haproxy/haproxy.cfg', line: 9 } }],
    upstream: { host: target.replace(/:\d+$/, ''), port: Number(target.replace(/^.*:/, '')) },
    via: `server s1 ${target}`,
    location: { file: '/etc/haproxy/haproxy.cfg', line: 13 },
    layer: 'http',
    forwardedFor: 'none',
    auth: [],
  };
  return compose(withSockets(tcpListener(address, port, 31, 'haproxy')), withDoors([door]));
}

function caddy(port: number, target: string): ReturnType<typeof compose> {
  const door: Door = {
    kind: 'caddy',
    pid: 40,
    listen: [{ address: '::', port }],
    upstream: { host: target.replace(/:\d+$/, ''), port: Number(target.replace(/^.*:/, '')) },
    via: `reverse_proxy ${target}`,
    location: { file: '/etc/caddy/Caddyfile', line: 2 },
    layer: 'http',
    forwardedFor: 'overwrite',
    auth: [],
  };
  return compose(withSockets(tcpListener('::', port, 40, 'caddy')), withDoors([door]));
}

function host(...patches: ReturnType<typeof compose>[]) {
  return buildContext(compose(GATEWAY, ...patches)(baselineSnapshot()));
}

function cell(ctx: ReturnType<typeof host>, process: string, port: number, zone = 'internet') {
  return ctx.reach().cells.find((c) => c.listener.process === process && c.listener.port === port && c.zone.kind === zone);
}

function exposure(ctx: ReturnType<typeof host>) {
  const check = CHECKS.find((c) => c.meta.id === 'exposure.internet')!;
  const { checks, findings } = runChecks(ctx, [check]);
  return { result: checks[0]!.result, text: findings.map((f) => [f.message, ...f.evidence.map((e) => e.text)].join('\n')).join('\n') };
}

describe('doors in front of doors', () => {
  it('a chain of 2: nginx on 0.0.0.0:443 → socat on 127.0.0.1:8080 → the gateway: open from the internet, every hop in the path', () => {
    const ctx = host(nginx(443, '127.0.0.1:8080'), socat(9, 8080, '127.0.0.1:18789').patch);
    const c = cell(ctx, 'nginx', 443);
    expect(c).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    expect(c?.listener.door).toMatchObject({ kind: 'nginx', target: '127.0.0.1:8080', location: { file: SITE, line: 5 } });
    expect(c?.listener.door?.chain).toMatchObject([
      { kind: 'socat', via: 'socat TCP-LISTEN:8080,fork,bind=127.0.0.1 TCP:127.0.0.1:18789', target: '127.0.0.1:18789' },
    ]);
    const hops = c!.path.filter((s) => s.hook === 'door');
    expect(hops.map((s) => s.action)).toEqual(['accept', 'accept']);
    expect(hops[0]!.text).toBe(
      `nginx proxy_pass http://127.0.0.1:8080 (${SITE}:5) forwards it to 127.0.0.1:8080, where socat (127.0.0.1:8080, pid 9) takes it`,
    );
    expect(hops[1]!.text).toMatch(/^socat TCP-LISTEN:8080.* forwards it to 127\.0\.0\.1:18789, where the gateway \(127\.0\.0\.1:18789, pid 8\) takes it/);
    // The kernel's part comes first: delivered to nginx's socket.
    expect(c!.path.findIndex((s) => s.hook === 'socket')).toBeLessThan(c!.path.findIndex((s) => s.hook === 'door'));
    // The inner door is on loopback: its own row is closed from the internet.
    expect(cell(ctx, 'socat', 8080)?.verdict).toBe('closed');
    expect(cell(ctx, 'socat', 8080, 'loopback')?.verdict).toBe('open');
    const e = exposure(ctx);
    expect(e.result).toBe('fail');
    expect(e.text).toContain('the gateway at 127.0.0.1:18789 through socat on 127.0.0.1:8080');
    expect(e.text).toContain(`${SITE}:5`);
    expect(e.text).toContain('socat TCP-LISTEN:8080');
  });

  it('a chain of 3: Caddy on [::]:443 → HAProxy on 127.0.0.1:8081 → socat on 127.0.0.1:8080 → the gateway', () => {
    const ctx = host(caddy(443, '127.0.0.1:8081'), haproxy(8081, '127.0.0.1:8080'), socat(9, 8080, '127.0.0.1:18789').patch);
    const c = cell(ctx, 'caddy', 443);
    expect(c?.verdict).toBe('open');
    expect(c?.listener.door?.chain?.map((h) => h.kind)).toEqual(['haproxy', 'socat']);
    expect(c?.path.filter((s) => s.hook === 'door').map((s) => s.text.split(' ')[0])).toEqual(['Caddy', 'HAProxy', 'socat']);
    expect(c?.path.filter((s) => s.hook === 'door')[1]?.text).toContain('/etc/haproxy/haproxy.cfg:13');
    const e = exposure(ctx);
    expect(e.result).toBe('fail');
    expect(e.text).toContain('through HAProxy on 127.0.0.1:8081, then socat on 127.0.0.1:8080');
  });

  it('"localhost" and a wildcard inner socket take the hop as the kernel would', () => {
    const ctx = host(nginx(443, 'localhost:8080'), socat(9, 8080, '127.0.0.1:18789', '0.0.0.0').patch);
    expect(cell(ctx, 'nginx', 443)?.verdict).toBe('open');
    expect(cell(ctx, 'nginx', 443)?.listener.door?.chain?.[0]?.kind).toBe('socat');
  });

  it('an inner door bound where the outer one cannot reach it is not a path', () => {
    // nginx aims at the host's public address; socat takes 127.0.0.1 only; then at ::1, where socat is IPv4 only.
    for (const target of ['198.51.100.10:8080', '[::1]:8080']) {
      const ctx = host(nginx(443, target), socat(9, 8080, '127.0.0.1:18789').patch);
      const c = cell(ctx, 'nginx', 443);
      expect(c?.listener.gateway, target).toBe(false);
      expect(c?.listener.door, target).toBeUndefined();
      expect(exposure(ctx).result, target).toBe('pass');
    }
  });

  it('a public outer door behind a firewall that drops it: the chain is there, the cell filtered, exposure passes', () => {
    const ctx = host(
      nginx(443, '127.0.0.1:8080'),
      socat(9, 8080, '127.0.0.1:18789').patch,
      withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n'),
    );
    expect(cell(ctx, 'nginx', 443)).toMatchObject({ verdict: 'filtered', listener: { gateway: true } });
    expect(exposure(ctx).result).toBe('pass');
  });

  it('cycles end: a door proxying to itself, and A → B → A, lead nowhere (no gateway row), with the loop said', () => {
    const self = host(nginx(443, '127.0.0.1:443'));
    expect(cell(self, 'nginx', 443)?.listener.gateway).toBe(false);
    const a = socat(9, 8080, '127.0.0.1:8081', '0.0.0.0');
    const b = socat(10, 8081, '127.0.0.1:8080');
    const loop = host(a.patch, b.patch);
    expect(cell(loop, 'socat', 8080)?.listener.gateway).toBe(false);
    expect(exposure(loop).result).toBe('pass');
    const snapshot = compose(GATEWAY, a.patch, b.patch)(baselineSnapshot());
    const target = snapshotDoorTargets(snapshot, { ports: [18789], sockets: [] })(a.door);
    expect(target.gateway).toBe(false);
    expect(target.text).toMatch(/a loop of doors, which never reaches the gateway/);
  });

  it('200 server blocks on one port, proxying to that port and each other: each visited once, and the one that goes on to the gateway is found', () => {
    const block = (i: number, target: string): Door => ({
      kind: 'nginx',
      pid: 20,
      listen: [{ address: '0.0.0.0', port: 443 }],
      upstream: { host: '127.0.0.1', port: Number(target.replace(/^.*:/, '')) },
      via: `proxy_pass http://${target}`,
      location: { file: SITE, line: 10 * i },
      layer: 'http',
      forwardedFor: 'none',
      auth: [],
    });
    const loops = Array.from({ length: 200 }, (_, i) => block(i, '127.0.0.1:443'));
    const started = performance.now();
    const closed = host(withSockets(tcpListener('0.0.0.0', 443, 20, 'nginx')), withDoors(loops));
    expect(cell(closed, 'nginx', 443)?.listener.gateway).toBe(false);
    const snapshot = compose(GATEWAY, withSockets(tcpListener('0.0.0.0', 443, 20, 'nginx')), withDoors(loops))(baselineSnapshot());
    expect(snapshotDoorTargets(snapshot, { ports: [18789], sockets: [] })(loops[0]!).text).toMatch(/a loop of doors/);
    // One more block there that goes on to a socat before the gateway: every block leads there now.
    const open = host(
      withSockets(tcpListener('0.0.0.0', 443, 20, 'nginx')),
      withDoors([...loops, block(200, '127.0.0.1:8080')]),
      socat(9, 8080, '127.0.0.1:18789').patch,
    );
    expect(cell(open, 'nginx', 443)).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it(`a chain longer than ${MAX_DOORS_IN_A_ROW} doors is unknown, not closed`, () => {
    const patches = Array.from({ length: MAX_DOORS_IN_A_ROW + 2 }, (_, i) =>
      socat(100 + i, 9000 + i, i === MAX_DOORS_IN_A_ROW + 1 ? '127.0.0.1:18789' : `127.0.0.1:${9001 + i}`, i === 0 ? '0.0.0.0' : '127.0.0.1'),
    );
    const ctx = host(...patches.map((p) => p.patch));
    const c = cell(ctx, 'socat', 9000);
    expect(c?.verdict).toBe('unknown');
    expect(c?.reason).toMatch(/more than 8 doors in a row/);
    expect(exposure(ctx).result).toBe('unknown');
  });

  it('an inner door whose config could not be read makes the chained cell unknown, naming the problem, never closed', () => {
    const problem: DoorProblem = { kind: 'haproxy', pid: 31, source: '/etc/haproxy/haproxy.cfg', line: 7, detail: 'unknown keyword "bnd" in frontend web' };
    const ctx = host(nginx(443, '127.0.0.1:8081'), withSockets(tcpListener('127.0.0.1', 8081, 31, 'haproxy')), withDoors([], [problem]));
    const c = cell(ctx, 'nginx', 443);
    expect(c).toMatchObject({ verdict: 'unknown', listener: { gateway: true } });
    expect(c?.reason).toContain('unknown keyword "bnd" in frontend web (/etc/haproxy/haproxy.cfg:7)');
    expect(c?.listener.door?.unknown).toContain('/etc/haproxy/haproxy.cfg:7');
    expect(c?.path.filter((s) => s.hook === 'door').map((s) => s.action)).toEqual(['accept', 'unknown']);
    const e = exposure(ctx);
    expect(e.result).toBe('unknown');
    expect(e.text).toContain('/etc/haproxy/haproxy.cfg:7');
  });

  it('door.no_auth: the outer door of a chain in front of an auth-none gateway is critical, unless a door behind it asks for credentials', () => {
    const run = (ctx: ReturnType<typeof host>) => runChecks(ctx, [CHECKS.find((c) => c.meta.id === 'door.no_auth')!]);
    const noAuth = withConfig({ gateway: { auth: { mode: 'none' } } });
    const bare = run(host(noAuth, nginx(443, '127.0.0.1:8080'), socat(9, 8080, '127.0.0.1:18789').patch));
    expect(bare.checks[0]?.result).toBe('fail');
    const outer = bare.findings.find((f) => f.message.startsWith('nginx proxy_pass http://127.0.0.1:8080'));
    expect(outer?.severity).toBe('critical');
    expect(outer?.message).toContain('asks for nothing itself (nor do the doors behind it, socat)');
    // The inner socat is on loopback: any local process, a warning of its own.
    expect(bare.findings.find((f) => f.message.startsWith('socat TCP-LISTEN:8080'))?.severity).toBe('warn');
    const guarded = socat(9, 8080, '127.0.0.1:18789');
    guarded.door.auth = [{ text: 'range=127.0.0.1/32' }];
    const passed = run(host(noAuth, nginx(443, '127.0.0.1:8080'), compose(withSockets(tcpListener('127.0.0.1', 8080, 9, 'socat')), withDoors([guarded.door]))));
    expect(passed.checks[0]?.result, passed.checks[0]?.reason).toBe('pass');
  });

  it('an outbound tunnel whose target is a local door counts the same way: cloudflared → Caddy on 127.0.0.1:8445 → the gateway', () => {
    const tunnel: Door = {
      kind: 'cloudflared',
      pid: 12,
      remote: { url: 'https://*.trycloudflare.com', port: 443, audience: 'internet' },
      upstream: { host: 'localhost', port: 8445 },
      via: 'cloudflared tunnel --url http://localhost:8445',
      layer: 'http',
      forwardedFor: 'append',
      auth: [],
    };
    const inner: Door = {
      kind: 'caddy',
      pid: 40,
      listen: [{ address: '127.0.0.1', port: 8445 }],
      upstream: { host: '127.0.0.1', port: 18789 },
      via: 'reverse_proxy 127.0.0.1:18789',
      location: { file: '/etc/caddy/Caddyfile', line: 2 },
      layer: 'http',
      forwardedFor: 'overwrite',
      auth: [],
    };
    const ctx = host(withSockets(tcpListener('127.0.0.1', 8445, 40, 'caddy')), withDoors([tunnel, inner]));
    const c = cell(ctx, 'cloudflared', 443);
    expect(c).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    expect(c?.listener.door?.chain?.map((h) => h.kind)).toEqual(['caddy']);
    expect(c?.path.filter((s) => s.hook === 'door').map((s) => s.text)).toEqual([
      expect.stringContaining('no listener here'),
      expect.stringContaining('forwards it to localhost:8445, where caddy (127.0.0.1:8445, pid 40) takes it'),
      expect.stringContaining('Caddy reverse_proxy 127.0.0.1:18789 (/etc/caddy/Caddyfile:2) forwards it to 127.0.0.1:18789, where the gateway'),
    ]);
    expect(exposure(ctx).result).toBe('fail');
  });

  it('through a unix socket: nginx on 0.0.0.0:443 → unix:/run/openclaw.sock, where socat UNIX-LISTEN forwards to the gateway', () => {
    const unixNginx = (path: string) => {
      const door: Door = {
        kind: 'nginx',
        pid: 20,
        listen: [{ address: '0.0.0.0', port: 443, location: { file: SITE, line: 2 } }],
        upstream: { unix: path },
        via: `proxy_pass http://unix:${path}:`,
        location: { file: SITE, line: 5 },
        layer: 'http',
        forwardedFor: 'none',
        auth: [],
      };
      return compose(withSockets(tcpListener('0.0.0.0', 443, 20, 'nginx')), withDoors([door]));
    };
    const relay = socatDoor(['socat', 'UNIX-LISTEN:/run/openclaw.sock,fork,mode=660', 'TCP:127.0.0.1:18789'], 9)!;
    expect(relay).toMatchObject({ listenUnix: [{ path: '/run/openclaw.sock' }], upstream: { host: '127.0.0.1', port: 18789 } });
    expect(relay.listen).toBeUndefined();
    const ctx = host(unixNginx('/run/openclaw.sock'), withDoors([relay]));
    const c = cell(ctx, 'nginx', 443);
    expect(c).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    const hops = c!.path.filter((s) => s.hook === 'door').map((s) => s.text);
    expect(hops[0]).toBe(
      `nginx proxy_pass http://unix:/run/openclaw.sock: (${SITE}:5) forwards it to the unix socket /run/openclaw.sock, where socat UNIX-LISTEN:/run/openclaw.sock,fork,mode=660 TCP:127.0.0.1:18789 listens`,
    );
    expect(hops[1]).toMatch(/^socat UNIX-LISTEN.* forwards it to 127\.0\.0\.1:18789, where the gateway \(127\.0\.0\.1:18789, pid 8\) takes it/);
    expect(exposure(ctx).result).toBe('fail');
    // The relay itself listens on no port: no row of its own.
    expect(ctx.reach().cells.some((x) => x.listener.process === 'socat')).toBe(false);
    // Another path, or no relay at all: the unix socket leads nowhere the model knows, and nginx is no door to the gateway.
    for (const other of [host(unixNginx('/run/other.sock'), withDoors([relay])), host(unixNginx('/run/openclaw.sock'))]) {
      expect(cell(other, 'nginx', 443)?.listener.gateway ?? false).toBe(false);
      expect(exposure(other).result).toBe('pass');
    }
    // No door read listens there, but one could not be read: it may, so unknown (never "not the gateway").
    const unread: DoorProblem = {
      kind: 'haproxy',
      pid: 31,
      source: '/etc/haproxy/haproxy.cfg',
      line: 4,
      detail: 'use_backend %[var(txn.b)] picks its backend per request',
    };
    const maybeThere = cell(host(unixNginx('/run/openclaw.sock'), withDoors([], [unread])), 'nginx', 443);
    expect(maybeThere).toMatchObject({ verdict: 'unknown' });
    expect(maybeThere?.reason).toContain('one that could not be read may');
    // The kernel's path, not the string: "//" and "/./" name the same file.
    expect(cell(host(unixNginx('/run//./openclaw.sock'), withDoors([relay])), 'nginx', 443)).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    // /var/run is /run, and "dir/.." is the kernel's to collapse: the same file.
    for (const path of ['/var/run/openclaw.sock', '/run/x/../openclaw.sock'])
      expect(cell(host(unixNginx(path), withDoors([relay])), 'nginx', 443), path).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    // Another absolute path with the same file name may be a symlink to it: unknown, never "not the gateway".
    const elsewhere = cell(host(unixNginx('/srv/sockets/openclaw.sock'), withDoors([relay])), 'nginx', 443);
    expect(elsewhere).toMatchObject({ verdict: 'unknown' });
    expect(elsewhere?.reason).toContain('depends on symlinks clawmoat does not read');
    // The relay's evidence names where it listens.
    const noAuth = runChecks(host(unixNginx('/run/openclaw.sock'), withDoors([relay]), withConfig({ gateway: { auth: { mode: 'none' } } })), [
      CHECKS.find((c) => c.meta.id === 'door.no_auth')!,
    ]);
    expect(JSON.stringify(noAuth.findings)).toContain('taking connections on 0.0.0.0:443');
    expect(JSON.stringify(noAuth.findings)).toContain('TCP:127.0.0.1:18789 → 127.0.0.1:18789, taking connections on unix:/run/openclaw.sock');
    // A relay on a relative path: which file it is depends on its working directory, so the way is unknown, never "not the gateway".
    const relative = socatDoor(['socat', 'UNIX-LISTEN:openclaw.sock,fork', 'TCP:127.0.0.1:18789'], 9)!;
    const unsure = host(unixNginx('/srv/gw/openclaw.sock'), withDoors([relative]));
    expect(cell(unsure, 'nginx', 443)).toMatchObject({ verdict: 'unknown' });
    expect(cell(unsure, 'nginx', 443)?.reason).toContain('listens on the unix socket openclaw.sock');
    expect(exposure(unsure).result).not.toBe('pass');
  });
});

describe('upstream host names (review 2, finding 5)', () => {
  const noAuth = (ctx: ReturnType<typeof host>) => runChecks(ctx, [CHECKS.find((c) => c.meta.id === 'door.no_auth')!]).checks[0]!.result;
  const AUTH_OFF = withConfig({ gateway: { auth: { mode: 'none' } } });

  it('loopback names in any case, with a trailing dot, in their RHEL and .localhost forms, are the gateway on 127.0.0.1', () => {
    for (const name of ['localhost', 'LOCALHOST', 'localhost.', 'localhost.localdomain', 'localhost4', 'localhost4.localdomain4', 'gw.localhost']) {
      const ctx = host(socat(9, 443, `${name}:18789`, '0.0.0.0').patch, AUTH_OFF);
      expect(cell(ctx, 'socat', 443), name).toMatchObject({ verdict: 'open', listener: { gateway: true } });
      expect(exposure(ctx).result, name).toBe('fail');
      expect(noAuth(ctx), name).toBe('fail');
    }
  });

  it("the host's own name (and a .localdomain name) is this host at an address not read: unknown, or decided when every address takes it", () => {
    for (const name of ['fixture', 'FIXTURE.', 'fixture.localdomain']) {
      const ctx = host(socat(9, 443, `${name}:18789`, '0.0.0.0').patch, AUTH_OFF);
      const c = cell(ctx, 'socat', 443);
      expect(c, name).toMatchObject({ verdict: 'unknown', listener: { gateway: true } });
      expect(c?.reason, name).toContain('which of its addresses was not read');
      expect(exposure(ctx).result, name).toBe('unknown');
    }
    // A socat on every address in between: whichever address the name is, it takes the hop and goes on to the gateway.
    const wild = host(socat(9, 443, 'fixture:8080', '0.0.0.0').patch, socat(10, 8080, '127.0.0.1:18789', '0.0.0.0').patch);
    expect(cell(wild, 'socat', 443)).toMatchObject({ verdict: 'open', listener: { gateway: true } });
    // Nothing of this host listens on the port: it leads nowhere.
    expect(cell(host(socat(9, 443, 'fixture:9999', '0.0.0.0').patch), 'socat', 443)?.listener.gateway).toBe(false);
  });

  it('any other name resolves outside what clawmoat read: unknown, never "another host"', () => {
    const ctx = host(socat(9, 443, 'gw.example.net:18789', '0.0.0.0').patch, AUTH_OFF);
    const c = cell(ctx, 'socat', 443);
    expect(c).toMatchObject({ verdict: 'unknown', listener: { gateway: true } });
    expect(c?.reason).toContain('resolves outside what clawmoat read');
    expect(exposure(ctx).result).toBe('unknown');
    expect(noAuth(ctx)).not.toBe('pass');
    // An address of another host is still another host.
    const other = host(socat(9, 443, '203.0.113.9:18789', '0.0.0.0').patch);
    expect(cell(other, 'socat', 443)?.listener.gateway).toBe(false);
    expect(exposure(other).result).toBe('pass');
  });
});
