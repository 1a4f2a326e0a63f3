import {
  CGNAT_UPLINK,
  compose,
  tcpListener,
  withCgnatUplink,
  withContainers,
  withDoors,
  withGatewayProcess,
  withIptables,
  withSockets,
  withSocat,
  withoutDoors,
} from '../../../fixtures/builders/snapshot.js';
import { nginxDoor, withNginx } from './doors-fixtures.js';
import type { CheckCases } from '../../../../src/checks/types.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';

const LOOPBACK_GATEWAY = compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)));

const DROP_ALL_BUT_SSH =
  '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';

/** A classic bogon/anti-spoofing block (review C s11 finding 1): the model's documentation-range clients are among them. */
const BOGON_DROPS =
  '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 0.0.0.0/8 -j DROP\n-A INPUT -s 192.0.2.0/24 -j DROP\n-A INPUT -s 198.51.100.0/24 ! -i eth0 -j DROP\n-A INPUT -s 203.0.113.0/24 -j DROP\n-A INPUT -s 240.0.0.0/4 -j DROP\nCOMMIT\n';

/** A GeoIP allow-list: every source outside the country's prefixes is dropped. */
const withGeoAllowList = (s: Snapshot): Snapshot =>
  compose(withIptables('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set ! --match-set geo-de src -j DROP\nCOMMIT\n'))({
    ...s,
    netfilter: {
      ...s.netfilter,
      ipsetSave: { status: 'ok', data: 'create geo-de hash:net family inet hashsize 1024 maxelem 65536\nadd geo-de 5.1.0.0/17\nadd geo-de 31.16.0.0/14\n' },
    },
  });

/** The gateway in a container published on the host's 8080 (8080:18789), and no gateway on the host itself. */
const CONTAINER_ON_8080 = withContainers({
  name: 'openclaw-gateway',
  ports: [{ hostIp: '0.0.0.0', hostPort: '8080', containerPort: 18789, protocol: 'tcp' }],
});

/** exposureInternet: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'wildcard listener, INPUT drops every source address (0.0.0.0/1, 128.0.0.0/1)',
      snapshot: compose(
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 8)),
        withIptables(
          '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 127.0.0.0/8 -j ACCEPT\n-A INPUT -s 0.0.0.0/1 -j DROP\n-A INPUT -s 128.0.0.0/1 -j DROP\nCOMMIT\n',
        ),
      ),
      result: 'pass',
    },
    {
      name: 'wildcard listener, INPUT drops all but SSH',
      snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8)), withIptables(DROP_ALL_BUT_SSH)),
      result: 'pass',
    },
    {
      name: 'loopback listener, no firewall',
      snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8))),
      result: 'pass',
    },
    { name: 'loopback gateway behind socat on 127.0.0.1 only', snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 8443, 18789, '127.0.0.1')), result: 'pass' },
    { name: 'socat on 0.0.0.0 to another service', snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 443, 3000)), result: 'pass' },
    {
      name: 'nginx on 0.0.0.0:443 to a socat on 127.0.0.1:8080 that it cannot reach (it aims at the public address)',
      snapshot: compose(
        LOOPBACK_GATEWAY,
        withSocat(9, 8080, 18789, '127.0.0.1'),
        withNginx(nginxDoor(443, { upstream: { host: '198.51.100.10', port: 8080 }, via: 'proxy_pass http://198.51.100.10:8080' })),
      ),
      result: 'pass',
    },
    {
      name: 'loopback gateway behind socat on 0.0.0.0, INPUT drops all but SSH',
      snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 443, 18789), withIptables(DROP_ALL_BUT_SSH)),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'wildcard listener behind a bogon drop list (INPUT accepts every other source)',
      snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8)), withIptables(BOGON_DROPS)),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['open from internet:eth0'],
    },
    {
      name: 'wildcard listener behind a GeoIP allow-list (an ipset of one country’s prefixes)',
      snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8)), withGeoAllowList),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['open from internet:eth0'],
    },
    {
      name: 'loopback gateway behind socat TCP-LISTEN:443 on 0.0.0.0 (the door is the exposure)',
      snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 443, 18789)),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: [],
      steps: [],
      evidenceIncludes: ['0.0.0.0:443 (socat)', 'door', 'socat TCP-LISTEN:443,fork TCP:127.0.0.1:18789', 'the gateway (127.0.0.1:18789, pid 8)'],
    },
    {
      name: 'loopback gateway behind nginx listening on 0.0.0.0:443: its fix moves that listen directive',
      snapshot: compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['door.bind-private'],
      steps: ['door.nginx.listen', 'door.nginx.check', 'door.nginx.reload'],
      evidenceIncludes: ['proxy_pass http://127.0.0.1:18789 at /etc/nginx/sites-enabled/openclaw:5'],
    },
    {
      name: 'loopback gateway behind socat on 127.0.0.1:8080 behind nginx on 0.0.0.0:443: the fix moves the outer door, nginx',
      snapshot: compose(
        LOOPBACK_GATEWAY,
        withSocat(9, 8080, 18789, '127.0.0.1'),
        withNginx(nginxDoor(443, { upstream: { host: '127.0.0.1', port: 8080 }, via: 'proxy_pass http://127.0.0.1:8080' })),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['door.bind-private'],
      steps: ['door.nginx.listen', 'door.nginx.check', 'door.nginx.reload'],
      evidenceIncludes: [
        'through socat on 127.0.0.1:8080 (proxy_pass http://127.0.0.1:8080 at /etc/nginx/sites-enabled/openclaw:5)',
        'door: nginx proxy_pass http://127.0.0.1:8080 (/etc/nginx/sites-enabled/openclaw:5) forwards it to 127.0.0.1:8080, where socat (127.0.0.1:8080, pid 9)',
        'door: socat TCP-LISTEN:8080,fork,bind=127.0.0.1 TCP:127.0.0.1:18789 forwards it to 127.0.0.1:18789, where the gateway (127.0.0.1:18789, pid 8)',
      ],
    },
    {
      name: 'nginx on 0.0.0.0:443 in front of an HAProxy whose config could not be read: unknown, naming it',
      snapshot: compose(
        LOOPBACK_GATEWAY,
        withSockets(tcpListener('127.0.0.1', 8081, 31, 'haproxy')),
        // withNginx first: it starts the snapshot's doors afresh.
        withNginx(nginxDoor(443, { upstream: { host: '127.0.0.1', port: 8081 }, via: 'proxy_pass http://127.0.0.1:8081' })),
        withDoors([], [{ kind: 'haproxy', pid: 31, source: '/etc/haproxy/haproxy.cfg', line: 7, detail: 'unknown keyword "bnd"' }]),
      ),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      steps: [],
      evidenceIncludes: ['where haproxy (127.0.0.1:8081, pid 31) takes it', 'unknown keyword "bnd" (/etc/haproxy/haproxy.cfg:7)'],
    },
    {
      name: 'a Cloudflare quick tunnel to the gateway (no Access exists for it)',
      snapshot: compose(
        LOOPBACK_GATEWAY,
        withDoors([
          {
            kind: 'cloudflared',
            pid: 12,
            remote: { url: 'https://*.trycloudflare.com', port: 443, audience: 'internet' },
            upstream: { host: 'localhost', port: 18789 },
            via: 'cloudflared tunnel --url http://localhost:18789',
            layer: 'http',
            forwardedFor: 'append',
            auth: [],
          },
        ]),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['door.explain-tunnel'],
      steps: [],
      evidenceIncludes: ['trycloudflare.com', 'no listener here'],
    },
    {
      name: 'a named Cloudflare Tunnel to the gateway: Access decides at Cloudflare, unknown',
      snapshot: compose(
        LOOPBACK_GATEWAY,
        withDoors([
          {
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
          },
        ]),
      ),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      fixes: ['door.explain-tunnel'],
      steps: [],
      evidenceIncludes: ['Cloudflare Access', '/etc/cloudflared/config.yml:4'],
    },
    {
      name: 'a snapshot without doors (older clawmoat) and a socat on 0.0.0.0:443: unknown, not closed',
      snapshot: compose(
        LOOPBACK_GATEWAY,
        withSockets({ ...tcpListener('0.0.0.0', 443, 7000, 'socat'), cmdline: ['socat', 'TCP-LISTEN:443,fork,reuseaddr', 'TCP:127.0.0.1:18789'] }),
        withoutDoors(),
      ),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      steps: [],
      evidenceIncludes: ['no doors section', 'collect it again'],
    },
    {
      name: 'nginx on 0.0.0.0:443 whose config does not parse: unknown, naming the file and line',
      snapshot: compose(
        LOOPBACK_GATEWAY,
        withSockets(tcpListener('0.0.0.0', 443, 20, 'nginx')),
        withDoors(
          [],
          [{ kind: 'nginx', pid: 20, source: '/etc/nginx/sites-enabled/openclaw', line: 12, detail: 'nginx -T fails for the nginx of pid 20: unexpected "}"' }],
        ),
      ),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      steps: [],
      evidenceIncludes: ['/etc/nginx/sites-enabled/openclaw:12', 'unexpected'],
    },
    {
      name: 'wildcard listener, no firewall',
      snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['internet:eth0', 'delivered to 0.0.0.0:18789'],
    },
    {
      name: 'a gateway container published on 8080:18789, docker-proxy on 0.0.0.0:8080',
      snapshot: compose(CONTAINER_ON_8080, withSockets(tcpListener('0.0.0.0', 8080, 999, 'docker-proxy'))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['0.0.0.0:8080 (docker-proxy)', 'internet:eth0'],
    },
    {
      name: 'a gateway container published on 8080:18789 with the userland proxy off (no socket)',
      snapshot: CONTAINER_ON_8080,
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['0.0.0.0:8080 (docker (openclaw-gateway, published))'],
    },
    {
      // Review 2 finding 3: a 100.64.0.0/10 uplink was taken for the tailnet, and the host had no internet zone.
      name: 'gateway on :: behind a carrier-grade NAT uplink with a global IPv6, no firewall',
      snapshot: compose(withCgnatUplink(), withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('::', 18789, 8))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['internet:eth0', CGNAT_UPLINK.v6],
    },
    {
      name: 'an ACCEPT for the port before the DROP',
      snapshot: compose(
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('::', 18789, 8)),
        withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 18789 -j ACCEPT\nCOMMIT\n'),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private', 'firewall.deny-gateway-port'],
      steps: [],
      evidenceIncludes: ['--dport 18789 -j ACCEPT'],
    },
  ],
};
