import { describe, expect, it } from 'vitest';
import { kubectlDoors, socatDoor, socatProblem, sshDoors } from '../../../src/collect/doors/forwarders.js';
import { nginxDoors, nginxErrorPlace, splitNginxDump } from '../../../src/collect/doors/nginx.js';
import { caddyDoors } from '../../../src/collect/doors/caddy.js';
import { haproxyDoors } from '../../../src/collect/doors/haproxy.js';
import { apacheDoors } from '../../../src/collect/doors/apache.js';
import { cloudflaredDoors } from '../../../src/collect/doors/cloudflared.js';
import { ngrokDoors } from '../../../src/collect/doors/ngrok.js';
import { frpDoors } from '../../../src/collect/doors/frp.js';
import { rinetdDoors } from '../../../src/collect/doors/rinetd.js';
import { doorKindOf, nginxArgs } from '../../../src/collect/doors/index.js';

/**
 * Doors read from command lines and configs, in the documented formats (reference/doors.md).
 * The programs that can run here (nginx, Caddy, HAProxy, Apache, socat) are also run for real in
 * test/system/doors.test.ts; cloudflared, ngrok and frp cannot, so these fixtures are their only test.
 */

describe('forwarders from the command line', () => {
  it('socat TCP-LISTEN on the wildcard, bind=, range=, TCP6-LISTEN, reversed order', () => {
    expect(socatDoor(['socat', 'TCP-LISTEN:443,fork,reuseaddr', 'TCP:127.0.0.1:18789'], 7)).toMatchObject({
      kind: 'socat',
      pid: 7,
      listen: [{ address: '0.0.0.0', port: 443 }],
      upstream: { host: '127.0.0.1', port: 18789 },
      layer: 'tcp',
      forwardedFor: 'none',
      auth: [],
    });
    expect(socatDoor(['socat', '-d', '-d', '-lf', '/tmp/log', 'tcp-l:8080,bind=127.0.0.1,fork', 'tcp:localhost:18789'])).toMatchObject({
      listen: [{ address: '127.0.0.1', port: 8080 }],
      upstream: { host: 'localhost', port: 18789 },
    });
    expect(socatDoor(['socat', 'TCP6-LISTEN:8443,fork', 'TCP:[::1]:18789'])).toMatchObject({
      listen: [{ address: '::', port: 8443 }],
      upstream: { host: '::1', port: 18789 },
    });
    expect(socatDoor(['socat', 'TCP:127.0.0.1:18789', 'TCP-LISTEN:9000,fork,range=10.0.0.0/8'])?.auth[0]?.text).toMatch(/range=10\.0\.0\.0\/8/);
    expect(socatDoor(['socat', 'TCP-LISTEN:9000', 'UNIX-CONNECT:/run/gw.sock'])?.upstream).toEqual({ unix: '/run/gw.sock' });
    expect(socatDoor(['socat', 'STDIO', 'TCP:example.com:80'])).toBeUndefined();
  });

  it('socat: options with a separate value (-T 30, -b 8192, -lp NAME), abstract and unix sockets; a listening socat it cannot follow is a problem, a client is nothing', () => {
    const gw = 'TCP:127.0.0.1:18789';
    for (const opts of [['-T', '30'], ['-t', '1'], ['-b', '8192'], ['-lp', 'relay'], ['-r', '/tmp/dump'], ['-R', '/tmp/dump'], ['-T10']]) {
      expect(socatDoor(['socat', ...opts, 'TCP-LISTEN:443,fork', gw]), opts.join(' ')).toMatchObject({ listen: [{ port: 443 }] });
    }
    expect(socatDoor(['socat', 'ABSTRACT-LISTEN:gw,fork', gw])).toMatchObject({ listenUnix: [{ path: '@gw' }] });
    expect(socatDoor(['socat', 'TCP-LISTEN:443,fork', 'ABSTRACT-CONNECT:gw'])?.upstream).toEqual({ unix: '@gw' });
    expect(socatDoor(['socat', 'unix-l:/run/a:b.sock,fork', gw])).toMatchObject({ listenUnix: [{ path: '/run/a:b.sock' }] });
    expect(socatDoor(['socat', 'UNIX-LISTEN:/run/in.sock,fork', 'UNIX-CONNECT:/run/out.sock'])).toMatchObject({
      listenUnix: [{ path: '/run/in.sock' }],
      upstream: { unix: '/run/out.sock' },
    });
    expect(socatProblem(['socat', 'TCP-LISTEN:443,fork', 'SYSTEM:nc 127.0.0.1 18789'])).toMatch(
      /^socat TCP-LISTEN:443,fork SYSTEM:nc 127\.0\.0\.1 18789: where SYSTEM sends/,
    );
    expect(socatProblem(['socat', 'TCP-LISTEN:443,fork'])).toMatch(/1 addresses where socat takes two/);
    expect(socatProblem(['socat', 'STDIO', 'TCP:example.com:80'])).toBeUndefined();
    expect(socatProblem(['socat', 'TCP-LISTEN:443,fork', gw])).toBeUndefined();
  });

  it('ssh -L to this host is a door; -R is a tunnel whose far end the remote sshd decides', () => {
    expect(sshDoors(['ssh', '-N', '-L', '0.0.0.0:8443:127.0.0.1:18789', 'localhost'])).toMatchObject([
      { kind: 'ssh', listen: [{ address: '0.0.0.0', port: 8443 }], upstream: { host: '127.0.0.1', port: 18789 } },
    ]);
    expect(sshDoors(['ssh', '-gNL', '8443:127.0.0.1:18789', 'u@127.0.0.1'])[0]?.listen).toEqual([{ address: '0.0.0.0', port: 8443 }]);
    // -L to another host sends to that host's 127.0.0.1: not a door to this gateway.
    expect(sshDoors(['ssh', '-L', '18789:127.0.0.1:18789', 'user@vps.example.net'])).toEqual([]);
    const [r] = sshDoors(['autossh', '-M', '0', '-N', '-R', '8080:localhost:18789', 'u@vps.example.net']);
    expect(r).toMatchObject({ remote: { url: 'tcp://vps.example.net:8080', audience: 'internet' }, upstream: { host: 'localhost', port: 18789 } });
    expect(r?.remote?.gate).toMatch(/GatewayPorts/);
    expect(sshDoors(['ssh', '-o', 'RemoteForward=0.0.0.0:443 127.0.0.1:18789', 'vps'])[0]?.remote?.gate).toMatch(/0\.0\.0\.0:443/);
  });

  it('kubectl port-forward: localhost by default, --address 0.0.0.0 exposes it', () => {
    expect(kubectlDoors(['kubectl', 'port-forward', 'pod/openclaw-0', '18789'])).toMatchObject([
      {
        listen: [
          { address: '127.0.0.1', port: 18789 },
          { address: '::1', port: 18789 },
        ],
        upstream: { host: 'pod pod/openclaw-0', port: 18789 },
      },
    ]);
    expect(kubectlDoors(['kubectl', '-n', 'ai', 'port-forward', '--address', '0.0.0.0', 'svc/openclaw', '8443:18789'])[0]?.listen).toEqual([
      { address: '0.0.0.0', port: 8443 },
    ]);
  });

  it('knows each program from its argv, nginx by its rewritten title', () => {
    expect(doorKindOf(['nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf'])).toBe('nginx');
    expect(doorKindOf(['nginx: worker process'])).toBeUndefined();
    expect(doorKindOf(['/usr/bin/caddy', 'run', '--environ', '--config', '/etc/caddy/Caddyfile'])).toBe('caddy');
    expect(doorKindOf(['/usr/bin/caddy', 'version'])).toBeUndefined();
    expect(doorKindOf(['cloudflared', '--no-autoupdate', 'tunnel', 'run'])).toBe('cloudflared');
    expect(nginxArgs(['nginx: master process nginx -p /tmp/t/ -e /tmp/t/error.log -c /tmp/t/nginx.conf -g daemon off; pid /tmp/t/nginx.pid;'])).toEqual({
      binary: 'nginx',
      prefix: '/tmp/t/',
      errorLog: '/tmp/t/error.log',
      conf: '/tmp/t/nginx.conf',
    });
  });
});

describe('nginx', () => {
  const main = '/etc/nginx/nginx.conf';
  const site = [
    'upstream openclaw { server 127.0.0.1:18789; }',
    'server {',
    '    listen 443 ssl;',
    '    listen [::]:443 ssl;',
    '    server_name gw.example.com;',
    '    proxy_set_header Host $host;',
    '    location / {',
    '        proxy_pass http://openclaw;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    }',
    '    location /admin/ {',
    '        auth_basic "admin";',
    '        auth_basic_user_file /etc/nginx/htpasswd;',
    '        proxy_pass http://127.0.0.1:18789/;',
    '    }',
    '}',
    '',
  ].join('\n');
  const files = () =>
    new Map([
      [main, 'events {}\nhttp {\n    include /etc/nginx/sites-enabled/*;\n}\nstream {\n    server { listen 127.0.0.1:9443; proxy_pass 127.0.0.1:18789; }\n}\n'],
      ['/etc/nginx/sites-enabled/openclaw', site],
    ]);

  it('proxy_pass through an upstream block, with its listeners, XFF mode and auth per location', () => {
    const { doors, problems } = nginxDoors({ files: files(), main, pid: 5 });
    expect(problems).toEqual([]);
    expect(doors).toHaveLength(3);
    expect(doors[0]).toMatchObject({
      kind: 'nginx',
      listen: [
        { address: '0.0.0.0', port: 443, location: { file: '/etc/nginx/sites-enabled/openclaw', line: 3 } },
        { address: '::', port: 443 },
      ],
      upstream: { host: '127.0.0.1', port: 18789 },
      via: 'proxy_pass http://openclaw',
      location: { file: '/etc/nginx/sites-enabled/openclaw', line: 8 },
      forwardedFor: 'append',
      forwardedForLocation: { line: 9 },
      auth: [],
      serverNames: ['gw.example.com'],
      tls: true,
    });
    // The /admin/ location defines no proxy_set_header of its own but inherits the server's (Host only): no XFF.
    expect(doors[1]).toMatchObject({ forwardedFor: 'none', auth: [{ text: 'auth_basic admin', location: { line: 12 } }] });
    expect(doors[2]).toMatchObject({ layer: 'tcp', listen: [{ address: '127.0.0.1', port: 9443 }], forwardedFor: 'none' });
  });

  it('reads an nginx -T dump, and a syntax error names the file and line', () => {
    const dump = [...files()].map(([f, t]) => `# configuration file ${f}:\n${t}\n`).join('');
    expect([...splitNginxDump(dump).keys()]).toEqual([main, '/etc/nginx/sites-enabled/openclaw']);
    expect(nginxDoors({ files: splitNginxDump(dump), main }).doors).toHaveLength(3);
    const broken = files();
    broken.set('/etc/nginx/sites-enabled/openclaw', `${site}}\n`);
    const { problems } = nginxDoors({ files: broken, main, pid: 5 });
    expect(problems[0]).toMatchObject({ kind: 'nginx', pid: 5, source: '/etc/nginx/sites-enabled/openclaw', line: 17 });
    expect(
      nginxErrorPlace('nginx: [emerg] unexpected "}" in /etc/nginx/sites-enabled/openclaw:10\nnginx: configuration file /etc/nginx/nginx.conf test failed'),
    ).toEqual({ message: 'unexpected "}"', file: '/etc/nginx/sites-enabled/openclaw', line: 10 });
  });

  it('a missing include and a proxy_pass with a variable are problems, never silence', () => {
    const f = new Map([
      [main, 'http {\n include /etc/nginx/conf.d/openclaw.conf;\n server { listen 80; location / { set $b 127.0.0.1:18789; proxy_pass http://$b; } }\n}\n'],
    ]);
    const { problems } = nginxDoors({ files: f, main });
    expect(problems.map((p) => p.line)).toEqual([2, 3]);
    expect(problems[1]?.detail).toMatch(/variable/);
  });

  it('an unclosed ${ is a syntax error at its line (it used to loop for ever); a closed one stays in its word', () => {
    // No `}` anywhere after the `${` (a `}` further on would close it, as before).
    const f = new Map([[main, 'http {\n server {\n  listen 80;\n  set $a ${b;\n  location / { proxy_pass http://127.0.0.1:18789;\n']]);
    const { doors, problems } = nginxDoors({ files: f, main, pid: 5 });
    expect(doors).toEqual([]);
    expect(problems).toEqual([{ kind: 'nginx', pid: 5, source: main, line: 4, detail: `nginx config ${main} does not parse: unterminated "\${"` }]);
    const closed = new Map([[main, 'http { server { listen 80; location / { set $a x${b}y;\n proxy_pass http://127.0.0.1:18789; } } }']]);
    expect(nginxDoors({ files: closed, main }).doors.map((d) => d.location)).toEqual([{ file: main, line: 2 }]);
  });

  it('a server with no listen takes *:80; `listen 8080` is IPv4 only', () => {
    const f = new Map([
      [main, 'http { server { location / { proxy_pass http://localhost:18789; } } server { listen 8080; location / { proxy_pass http://[::1]:18789; } } }'],
    ]);
    const { doors } = nginxDoors({ files: f, main });
    expect(doors.map((d) => d.listen)).toMatchObject([[{ address: '0.0.0.0', port: 80 }], [{ address: '0.0.0.0', port: 8080 }]]);
    expect(doors[1]?.upstream).toEqual({ host: '::1', port: 18789 });
  });

  it('a server listening on a unix socket alone takes no TCP port (not *:80): its door listens on that path', () => {
    const f = new Map([[main, 'http {\n server {\n  listen unix:/run/nginx-gw.sock;\n  location / { proxy_pass http://127.0.0.1:18789; }\n }\n}\n']]);
    const { doors } = nginxDoors({ files: f, main });
    expect(doors).toHaveLength(1);
    expect(doors[0]!.listen).toEqual([]);
    expect(doors[0]!.listenUnix).toEqual([{ path: '/run/nginx-gw.sock', location: { file: main, line: 3 } }]);
  });

  it('proxy_pass to a unix socket: the path ends at ":" (http), or is the whole address (stream, an upstream block)', () => {
    const f = new Map([
      [
        main,
        'http {\n' +
          ' upstream sock { server unix:/run/up.sock; }\n' +
          ' server { listen 80; location / { proxy_pass http://unix:/run/gw.sock:/api/; } location /u { proxy_pass http://sock; } }\n' +
          '}\n' +
          'stream { server { listen 9000; proxy_pass unix:/run/stream.sock; } }\n',
      ],
    ]);
    const { doors, problems } = nginxDoors({ files: f, main });
    expect(problems).toEqual([]);
    expect(doors.map((d) => d.upstream)).toEqual([{ unix: '/run/gw.sock' }, { unix: '/run/up.sock' }, { unix: '/run/stream.sock' }]);
  });
});

describe('Caddy (the JSON `caddy adapt` prints)', () => {
  it('reverse_proxy under a host matcher, basic_auth before it, listen :443', () => {
    const json = JSON.stringify({
      apps: {
        http: {
          servers: {
            srv0: {
              listen: [':443'],
              routes: [
                {
                  match: [{ host: ['gw.example.com'] }],
                  handle: [
                    {
                      handler: 'subroute',
                      routes: [
                        { handle: [{ handler: 'authentication', providers: { http_basic: { accounts: [{ username: 'a', password: 'JDJhJDE0...' }] } } }] },
                        { handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:18789' }] }] },
                      ],
                    },
                  ],
                  terminal: true,
                },
              ],
            },
          },
        },
      },
    });
    const caddyfile = 'gw.example.com {\n\tbasic_auth {\n\t\ta JDJhJDE0...\n\t}\n\treverse_proxy 127.0.0.1:18789\n}\n';
    const { doors, problems } = caddyDoors(json, { file: '/etc/caddy/Caddyfile', text: caddyfile, pid: 3 });
    expect(problems).toEqual([]);
    expect(doors).toMatchObject([
      {
        kind: 'caddy',
        listen: [{ address: '::', port: 443 }],
        upstream: { host: '127.0.0.1', port: 18789 },
        location: { line: 5 },
        forwardedFor: 'overwrite',
        serverNames: ['gw.example.com'],
        tls: true,
        auth: [{ text: 'authentication (http_basic)', location: { line: 2 } }],
      },
    ]);
    // The password hash never becomes part of a door.
    expect(JSON.stringify(doors)).not.toContain('JDJh');
  });

  it('a server listening on a unix socket ("unix//path", with or without "|mode") is a door on that path; a dial to one is a unix upstream', () => {
    const json = JSON.stringify({
      apps: {
        http: {
          servers: {
            inner: { listen: ['unix//run/caddy/gw.sock|0222'], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:18789' }] }] }] },
            outer: { listen: [':8445'], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: 'unix//run/caddy/gw.sock' }] }] }] },
          },
        },
      },
    });
    const { doors } = caddyDoors(json, { file: '/etc/caddy/caddy.json', text: json });
    expect(doors).toMatchObject([
      { listen: [], listenUnix: [{ path: '/run/caddy/gw.sock' }], upstream: { host: '127.0.0.1', port: 18789 } },
      { listen: [{ address: '::', port: 8445 }], upstream: { unix: '/run/caddy/gw.sock' } },
    ]);
  });
});

describe('HAProxy', () => {
  it('frontend → default_backend → server; option forwardfor appends; mode tcp sends no headers', () => {
    const cfg = [
      'defaults',
      '    mode http',
      'frontend web',
      '    bind :8443',
      '    option forwardfor',
      '    default_backend gw',
      'backend gw',
      '    server s1 127.0.0.1:18789 check',
      'listen raw',
      '    mode tcp',
      '    bind 127.0.0.1:9000',
      '    server s 127.0.0.1:18789',
      '',
    ].join('\n');
    const { doors, problems } = haproxyDoors(new Map([['/etc/haproxy/haproxy.cfg', cfg]]), 9);
    expect(problems).toEqual([]);
    expect(doors).toMatchObject([
      {
        kind: 'haproxy',
        listen: [{ address: '0.0.0.0', port: 8443, location: { line: 4 } }],
        upstream: { host: '127.0.0.1', port: 18789 },
        location: { line: 8 },
        layer: 'http',
        forwardedFor: 'append',
        forwardedForLocation: { line: 5 },
      },
      { listen: [{ address: '127.0.0.1', port: 9000 }], layer: 'tcp', forwardedFor: 'none' },
    ]);
  });

  it('a port range binds every port of it (a door on 8001 is a row, not missed); one too wide is a problem, never silence', () => {
    const cfg = ['listen ranged', '    mode tcp', '    bind :8000-8002', '    bind :1-65535', '    server gw 127.0.0.1:18789', ''].join('\n');
    const { doors, problems } = haproxyDoors(new Map([['/etc/haproxy/haproxy.cfg', cfg]]), 9);
    expect(doors[0]!.listen!.map((l) => l.port)).toEqual([8000, 8001, 8002]);
    expect(problems).toMatchObject([{ kind: 'haproxy', line: 4, detail: expect.stringContaining('bind :1-65535') }]);
    const json = JSON.stringify({
      apps: {
        http: { servers: { s: { listen: [':9000-9001'], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:18789' }] }] }] } } },
      },
    });
    expect(caddyDoors(json, { file: '/etc/caddy/caddy.json', text: json }).doors[0]!.listen!.map((l) => l.port)).toEqual([9000, 9001]);
  });

  it("unix paths as the host sees them: a server's under the chroot (Debian's default), a bind's after unix-bind prefix; abns@ is abstract", () => {
    const cfg = [
      'global',
      '    chroot /var/lib/haproxy',
      '    unix-bind prefix /run/haproxy/ mode 660',
      'listen front',
      '    mode tcp',
      '    bind :8444',
      '    server relay /run/gw.sock',
      'listen inner',
      '    mode tcp',
      '    bind gw-in.sock',
      '    bind unix@relay.sock',
      '    bind abns@gw',
      '    server gw 127.0.0.1:18789',
      '',
    ].join('\n');
    const { doors, problems } = haproxyDoors(new Map([['/etc/haproxy/haproxy.cfg', cfg]]), 9);
    // A bare relative word is no address HAProxy binds: a problem, never dropped without a word.
    expect(problems.map((p) => p.detail)).toEqual([expect.stringContaining('bind gw-in.sock at /etc/haproxy/haproxy.cfg:10: an address clawmoat cannot read')]);
    expect(doors[0]!.upstream).toEqual({ unix: '/var/lib/haproxy/run/gw.sock' });
    expect(doors[1]!.listenUnix?.map((l) => l.path)).toEqual(['/run/haproxy/relay.sock', '@gw']);
  });

  it('a port range inside a bind list is expanded or a problem, on its own; past 65535 is a problem', () => {
    const cfg = ['listen ranged', '    mode tcp', '    bind :443,:1000-5000', '    bind :65530-65600', '    server gw 127.0.0.1:18789', ''].join('\n');
    const { doors, problems } = haproxyDoors(new Map([['/etc/haproxy/haproxy.cfg', cfg]]), 9);
    expect(doors[0]!.listen!.map((l) => l.port)).toEqual([443]);
    expect(problems.map((p) => p.line)).toEqual([3, 4]);
    expect(problems[0]!.detail).toContain('bind :1000-5000 at');
    expect(problems[1]!.detail).toContain('bind :65530-65600 at');
  });

  it('unix sockets: a frontend bound to one is a door on that path, a server on one is a unix upstream (not skipped)', () => {
    const cfg = [
      'listen front',
      '    mode tcp',
      '    bind :8444',
      '    server relay unix@/run/haproxy/relay.sock',
      'listen relay',
      '    mode tcp',
      '    bind /run/haproxy/relay.sock mode 600',
      '    server gw 127.0.0.1:18789',
      '',
    ].join('\n');
    const { doors, problems } = haproxyDoors(new Map([['/etc/haproxy/haproxy.cfg', cfg]]), 9);
    expect(problems).toEqual([]);
    expect(doors).toMatchObject([
      { listen: [{ address: '0.0.0.0', port: 8444 }], upstream: { unix: '/run/haproxy/relay.sock' } },
      { listen: [], listenUnix: [{ path: '/run/haproxy/relay.sock', location: { line: 7 } }], upstream: { host: '127.0.0.1', port: 18789 } },
    ]);
  });
});

describe('Apache', () => {
  it('ProxyPass in a VirtualHost, RewriteRule [P], Listen; XFF appended; Require valid-user is auth', () => {
    const conf = [
      'Listen 8081',
      'Listen 127.0.0.1:8082',
      '<VirtualHost *:8081>',
      '  ServerName gw.example.com',
      '  ProxyPass / http://127.0.0.1:18789/',
      '  <Location /x>',
      '    AuthType Basic',
      '    Require valid-user',
      '  </Location>',
      '</VirtualHost>',
      '<VirtualHost 127.0.0.1:8082>',
      '  RewriteEngine On',
      '  RewriteRule ^/(.*)$ http://localhost:18789/$1 [P,L]',
      '  ProxyAddHeaders Off',
      '</VirtualHost>',
      '',
    ].join('\n');
    const { doors, problems } = apacheDoors(new Map([['/t/httpd.conf', conf]]), '/t/httpd.conf', '/t', 4);
    expect(problems).toEqual([]);
    expect(doors).toMatchObject([
      {
        kind: 'apache',
        listen: [{ address: '::', port: 8081 }],
        upstream: { host: '127.0.0.1', port: 18789 },
        location: { line: 5 },
        forwardedFor: 'append',
        serverNames: ['gw.example.com'],
      },
      { listen: [{ address: '127.0.0.1', port: 8082 }], upstream: { host: 'localhost', port: 18789 }, location: { line: 13 } },
    ]);
  });
});

describe('outbound tunnels (fixtures from the documented formats)', () => {
  it('cloudflared: a quick tunnel is open to the internet; named ingress rules are gated by Access; a token tunnel is not visible', () => {
    expect(cloudflaredDoors(['cloudflared', 'tunnel', '--url', 'http://localhost:18789'], undefined).doors).toMatchObject([
      { remote: { url: 'https://*.trycloudflare.com', audience: 'internet' }, upstream: { host: 'localhost', port: 18789 } },
    ]);
    expect(cloudflaredDoors(['cloudflared', 'tunnel', '--url', 'http://localhost:18789'], undefined).doors[0]?.remote?.gate).toBeUndefined();
    const config = [
      'tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef',
      'credentials-file: /root/.cloudflared/6ff42ae2.json',
      'ingress:',
      '  - hostname: gw.example.com',
      '    service: http://localhost:18789',
      '    originRequest:',
      '      access:',
      '        required: true',
      '        teamName: acme',
      '  - service: http_status:404',
      '',
    ].join('\n');
    const { doors, problems } = cloudflaredDoors(['cloudflared', 'tunnel', 'run'], { path: '/etc/cloudflared/config.yml', text: config }, 11);
    expect(problems).toEqual([]);
    expect(doors).toMatchObject([
      {
        kind: 'cloudflared',
        pid: 11,
        remote: { url: 'https://gw.example.com', port: 443 },
        location: { file: '/etc/cloudflared/config.yml', line: 4 },
        auth: [{ text: expect.stringMatching(/Access token of team acme/) }],
      },
    ]);
    expect(doors[0]?.remote?.gate).toMatch(/Cloudflare Access/);
    expect(cloudflaredDoors(['cloudflared', 'tunnel', 'run', '--token', '[redacted]'], undefined, 11).problems).toMatchObject([
      { tunnel: true, detail: expect.stringMatching(/dashboard/) },
    ]);
    expect(
      cloudflaredDoors(['cloudflared', 'tunnel', 'run'], { path: '/etc/cloudflared/config.yml', text: 'ingress:\n  - service: [\n' }).problems[0],
    ).toMatchObject({ source: '/etc/cloudflared/config.yml', line: expect.any(Number) });
  });

  it('ngrok: `ngrok http 18789` is public; a traffic policy makes it unknown; config v2 and v3', () => {
    expect(ngrokDoors(['ngrok', 'http', '18789'], undefined).doors).toMatchObject([
      { remote: { audience: 'internet' }, upstream: { host: 'localhost', port: 18789 } },
    ]);
    expect(ngrokDoors(['ngrok', 'http', '18789'], undefined).doors[0]?.remote?.gate).toBeUndefined();
    expect(ngrokDoors(['ngrok', 'http', '--traffic-policy-file', 'p.yml', '127.0.0.1:18789'], undefined).doors[0]?.remote?.gate).toMatch(/traffic policy/);
    expect(ngrokDoors(['ngrok', 'http', '18789', '--basic-auth', 'u:secretpw'], undefined).doors[0]?.auth).toHaveLength(1);
    expect(JSON.stringify(ngrokDoors(['ngrok', 'http', '18789', '--basic-auth', 'u:secretpw'], undefined))).not.toContain('secretpw');
    const v2 = 'version: "2"\nauthtoken: abc\ntunnels:\n  gw:\n    proto: http\n    addr: 18789\n    domain: gw.ngrok.app\n';
    expect(ngrokDoors(['ngrok', 'start', '--all'], { path: '/root/.config/ngrok/ngrok.yml', text: v2 }).doors).toMatchObject([
      { remote: { url: 'https://gw.ngrok.app' }, location: { line: 4 } },
    ]);
    const v3 =
      'version: 3\nagent:\n  authtoken: abc\nendpoints:\n  - name: gw\n    url: https://gw.ngrok.app\n    upstream:\n      url: 18789\n    traffic_policy:\n      on_http_request: []\n';
    expect(ngrokDoors(['ngrok', 'start', 'gw'], { path: '/root/.config/ngrok/ngrok.yml', text: v3 }).doors[0]?.remote?.gate).toMatch(/traffic policy/);
  });

  it('frp: tcp proxies in frpc.toml and frpc.ini; stcp only for visitors', () => {
    const toml =
      'serverAddr = "frps.example.net"\nserverPort = 7000\n\n[[proxies]]\nname = "openclaw"\ntype = "tcp"\nlocalIP = "127.0.0.1"\nlocalPort = 18789\nremotePort = 6000\n';
    const { doors } = frpDoors(toml, '/etc/frp/frpc.toml', 8);
    expect(doors).toMatchObject([
      {
        kind: 'frp',
        remote: { url: 'tcp://frps.example.net:6000', port: 6000, audience: 'internet' },
        upstream: { host: '127.0.0.1', port: 18789 },
        location: { line: 4 },
      },
    ]);
    expect(doors[0]?.remote?.gate).toMatch(/proxyBindAddr/);
    const ini =
      '[common]\nserver_addr = 203.0.113.9\nserver_port = 7000\n\n[ssh]\ntype = tcp\nlocal_port = 22\nremote_port = 6001\n\n[gw]\ntype = stcp\nsk = s3cret\nlocal_port = 18789\n';
    expect(frpDoors(ini, '/etc/frp/frpc.ini').doors.map((d) => d.remote?.audience)).toEqual(['internet', 'remote-host']);
    expect(frpDoors('serverAddr = \n', '/etc/frp/frpc.toml').problems[0]).toMatchObject({ line: 1, source: '/etc/frp/frpc.toml' });
  });

  it("frp: a hostile frpc.toml cannot reach clawmoat's objects through __proto__ (the gateway's user writes it; root reads it)", () => {
    const hostile = [
      '__proto__.polluted = "yes"',
      '[__proto__]',
      'mode = "token"',
      '[[proxies]]',
      'name = "gw"',
      'type = "tcp"',
      'localPort = 18789',
      'remotePort = 6000',
      '[[proxies.__proto__]]',
      '',
    ].join('\n');
    const result = frpDoors(hostile, '/home/agent/.config/frp/frpc.toml', 8);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).mode).toBeUndefined();
    // A file TOML refuses (a table defined twice, here by [__proto__] after its dotted key) is a problem naming the file, never a door read half-way.
    expect(result.doors.length + result.problems.length).toBeGreaterThan(0);
    const plain = frpDoors('[[proxies]]\nname = "gw"\ntype = "tcp"\nlocalPort = 18789\nremotePort = 6000\n[__proto__]\nmode = "token"\n', '/x/frpc.toml', 8);
    expect(({} as Record<string, unknown>).mode).toBeUndefined();
    expect(plain.doors).toMatchObject([{ remote: { port: 6000 }, location: { line: 1 } }]);
  });

  it('rinetd: forwarding lines with their allow rules; a line it cannot read is a problem', () => {
    const { doors, problems } = rinetdDoors(
      'allow 192.168.1.*\n0.0.0.0 8443 127.0.0.1 18789\n127.0.0.1 9000 127.0.0.1 18789\ndeny *\nbogus\n',
      '/etc/rinetd.conf',
    );
    expect(doors).toMatchObject([
      { listen: [{ address: '0.0.0.0', port: 8443 }], auth: [{ text: 'allow 192.168.1.*' }] },
      { auth: [{ text: 'allow 192.168.1.*' }, { text: 'deny *' }] },
    ]);
    expect(problems).toMatchObject([{ line: 5 }]);
  });
});
