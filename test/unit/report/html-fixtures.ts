import { auditSnapshot } from '../../../src/audit.js';
import { buildContext } from '../../../src/model/context.js';
import { parseGatewayFlags } from '../../../src/openclaw/flags.js';
import { renderAuditHtml, renderReachHtml } from '../../../src/report/html/index.js';
import type { ProbeReport } from '../../../src/probe/types.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withConfig,
  withContainers,
  withComposeFile,
  withGatewayProcess,
  withInterface,
  withIptables,
  withSockets,
  withSshd,
  withUfw,
} from '../../fixtures/builders/snapshot.js';
import type { Snapshot, Socket } from '../../../src/snapshot/types.js';

/**
 * Hosts for the HTML report's tests (unit and browser): a typical one, a hostile one (markup in
 * every name and value a host can hold), one with no gateway, one with nothing listening, and one
 * with thousands of listeners. The browser tests write them as snapshot files for the CLI.
 */

/** UFW as `ufw enable` leaves it, abridged: INPUT drops by default; SSH allowed, the web server and the gateway allowed from the LAN. */
export function ufwRuleset(comment = "'dapp_OpenSSH'"): string {
  return `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:ufw-before-input - [0:0]
:ufw-user-input - [0:0]
:ufw-after-input - [0:0]
-A INPUT -j ufw-before-input
-A INPUT -j ufw-after-input
-A ufw-before-input -i lo -j ACCEPT
-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A ufw-before-input -m conntrack --ctstate INVALID -j DROP
-A ufw-before-input -j ufw-user-input
-A ufw-user-input -p tcp --dport 22 -m comment --comment ${comment} -j ACCEPT
-A ufw-user-input -s 192.168.1.0/24 -p tcp --dport 80 -j ACCEPT
-A ufw-user-input -s 192.168.1.0/24 -p tcp --dport 18789 -j ACCEPT
-A ufw-user-input -p tcp --dport 9100 -j REJECT --reject-with tcp-reset
COMMIT
`;
}

const GATEWAY_ARGV = ['openclaw-gateway', '--bind', 'lan'];

function gatewayHost(extraSockets: Socket[], hostname = 'gw'): Snapshot {
  const snapshot = compose(
    withGatewayProcess(4242, GATEWAY_ARGV, {}, parseGatewayFlags(GATEWAY_ARGV)),
    withConfig(
      { gateway: { mode: 'local', bind: 'loopback', auth: { mode: 'token', token: { $redacted: true, length: 64 } } } },
      { 'gateway.bind': 3, 'gateway.auth.token': 5 },
    ),
    withSockets(tcpListener('0.0.0.0', 18789, 4242, 'openclaw-gatewa'), tcpListener('0.0.0.0', 22, 612, 'sshd'), ...extraSockets),
    withSshd({ port: ['22'], passwordauthentication: ['yes'], pubkeyauthentication: ['yes'], permitrootlogin: ['prohibit-password'] }),
    withInterface('eth1', '192.168.1.10', 24, '192.168.1.0/24'),
    withInterface('tailscale0', '100.101.102.103', 32),
  )(baselineSnapshot());
  return { ...snapshot, tool: { name: 'clawmoat', version: '0.1.0' }, host: { ...snapshot.host, hostname }, collectedAt: '2026-11-24T15:02:11.000Z' };
}

/** A small VPS with a gateway started with --bind lan, UFW on, a web server, a database and some local services. */
export function typicalHost(): Snapshot {
  const extra = [
    tcpListener('127.0.0.1', 18791, 4242, 'openclaw-gatewa'),
    tcpListener('0.0.0.0', 80, 900, 'nginx'),
    tcpListener('::', 443, 900, 'nginx'),
    tcpListener('127.0.0.1', 5432, 700, 'postgres'),
    tcpListener('127.0.0.53', 53, 500, 'systemd-resolve'),
    tcpListener('127.0.0.1', 631, 520, 'cupsd'),
    tcpListener('0.0.0.0', 9100, 800, 'node_exporter'),
    tcpListener('127.0.0.1', 6379, 710, 'redis-server'),
    tcpListener('::', 3000, 1200, 'node'),
    tcpListener('0.0.0.0', 8080, 1300, 'docker-proxy'),
  ];
  return compose(withUfw(true, ufwRuleset()), withIptables(ufwRuleset()))(gatewayHost(extra));
}

export const HOSTILE = {
  script: '<script>document.title="pwned"</script>',
  img: '<img src=x onerror="document.title=\'pwned\'">',
  attr: '"><svg onload=alert(1)>',
  closeCode: '</code></li></ol><script>alert(2)</script>',
};

/** Markup in everything a host can name: process names, the hostname, containers, config values, compose paths, rule comments. */
export function hostileHost(): Snapshot {
  const extra = [tcpListener('0.0.0.0', 3000, 1200, HOSTILE.script), tcpListener('127.0.0.1', 4000, 1201, HOSTILE.img)];
  const base = gatewayHost(extra, `host${HOSTILE.attr}`);
  return compose(
    withUfw(true, ufwRuleset(`"${HOSTILE.closeCode}"`)),
    withIptables(ufwRuleset(`"${HOSTILE.closeCode}"`)),
    withConfig(
      { gateway: { mode: 'local', bind: HOSTILE.script, auth: { mode: HOSTILE.img } } },
      { 'gateway.bind': 3 },
      `/home/u/.openclaw/${HOSTILE.attr}.json`,
    ),
    withContainers({ name: HOSTILE.script, image: HOSTILE.img, ports: [{ hostIp: '0.0.0.0', hostPort: '18789', containerPort: 18789, protocol: 'tcp' }] }),
    withComposeFile(`/srv/${HOSTILE.img}/compose.yaml`, `services:\n  "${HOSTILE.script}":\n    image: openclaw\n    ports: ["0.0.0.0:18789:18789"]\n`),
  )(base);
}

/** sshd and a web server, no OpenClaw anywhere. */
export function noGatewayHost(): Snapshot {
  const s = compose(
    withSockets(tcpListener('0.0.0.0', 22, 612, 'sshd'), tcpListener('0.0.0.0', 80, 900, 'nginx')),
    withSshd({ port: ['22'], passwordauthentication: ['no'] }),
  )(baselineSnapshot());
  return { ...s, host: { ...s.host, hostname: 'plain' } };
}

/** Nothing listens at all. */
export function emptyHost(): Snapshot {
  const s = baselineSnapshot();
  return { ...s, host: { ...s.host, hostname: 'quiet' } };
}

/** The typical host with `count` more listeners (every third on loopback, the rest on all addresses). */
export function bigHost(count: number): Snapshot {
  const extra: Socket[] = [];
  for (let i = 0; i < count; i++) extra.push(tcpListener(i % 3 === 0 ? '127.0.0.1' : '0.0.0.0', 20000 + i, 5000 + i, `worker-${i}`));
  const typical = typicalHost();
  return compose(withSockets(...extra))({ ...typical, host: { ...typical.host, hostname: 'big' } });
}

/** What `--probe` adds: one vantage point, a gateway that answered, a port that disagrees with the model. */
export function sampleProbe(): ProbeReport {
  return {
    schemaVersion: 1,
    vantages: [{ name: 'netns:inet', kind: 'netns', zone: 'internet:eth0', timeout: { policy: 'adaptive', maxMs: 2000 } }],
    results: [
      {
        vantage: 'netns:inet',
        address: '198.51.100.10',
        port: 18789,
        observed: 'open',
        ms: 3,
        predicted: 'open',
        prediction: { zone: 'internet:eth0', reason: 'delivered to 0.0.0.0:18789', path: [] },
        mismatch: false,
        listener: { address: '0.0.0.0', process: 'openclaw-gatewa', gateway: true },
        openclaw: {
          detected: true,
          product: 'openclaw',
          version: '2026.9.6',
          protocol: 3,
          auth: 'enforced',
          evidence: ['GET / → <title>OpenClaw Control</title>', 'connect without token → 1008 unauthorized'],
        },
      },
      {
        vantage: 'netns:inet',
        address: '198.51.100.10',
        port: 9100,
        observed: 'timeout',
        detail: 'no answer in 2 s (tried twice)',
        ms: 4000,
        predicted: 'filtered',
        mismatch: false,
        openclaw: { detected: false, version: null, auth: 'unknown', evidence: [] },
      },
      {
        vantage: 'netns:inet',
        address: '198.51.100.10',
        port: 80,
        observed: 'open',
        ms: 2,
        predicted: 'filtered',
        prediction: { zone: 'internet:eth0', reason: 'policy DROP', path: ['input ip filter INPUT policy DROP'] },
        mismatch: true,
        listener: { address: '0.0.0.0', process: 'nginx', gateway: false },
        openclaw: { detected: false, version: null, auth: 'unknown', evidence: ['GET / → 200 nginx'] },
      },
    ],
    errors: [{ vantage: 'ssh://me@elsewhere.example', message: 'ssh asked for a password' }],
    notes: ['Every probe is logged by the gateway.'],
  };
}

const META = { collectedBy: '0.1.0', source: 'snapshot file host.json' };
const INFO = { version: '0.1.0', renderedAt: '2026-11-24T16:00:00.000Z' };

export function auditPage(snapshot: Snapshot, probe?: ProbeReport): string {
  const report = auditSnapshot(snapshot, probe ? { probe } : {});
  const matrix = buildContext(snapshot).reach();
  const meta = { ...META, hostname: snapshot.host.hostname, collectedAt: snapshot.collectedAt, uid: snapshot.host.uid };
  return renderAuditHtml({ meta, report, matrix, ...(probe ? { probe } : {}) }, INFO);
}

export function reachPage(snapshot: Snapshot): string {
  const matrix = buildContext(snapshot).reach();
  return renderReachHtml({ meta: { ...META, hostname: snapshot.host.hostname, collectedAt: snapshot.collectedAt, uid: snapshot.host.uid }, matrix }, INFO);
}
