import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { compose, tcpListener, withDoors, withGatewayProcess, withIptables, withSockets, withSocat } from '../../snapshot/fixture.js';

const LOOPBACK_GATEWAY = compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)));
import { exposureOutcome } from './exposure.js';

const DROP_ALL_BUT_SSH = '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';

export const exposureInternet: Check = {
  meta: {
    id: 'exposure.internet',
    title: 'The gateway is not reachable from the internet',
    severity: 'critical',
    guide: GUIDE.firewall,
    docs:
      "Computed, not guessed: a client's first packet is walked through the host's real netfilter ruleset " +
      '(raw, mangle and nat PREROUTING with Docker\'s DNAT, the routing decision, filter INPUT or FORWARD, then the ' +
      "socket's bind address) from each internet zone — an interface holding the default route or a public address. " +
      'Every door counts: a reverse proxy or forwarder (nginx, Caddy, HAProxy, Apache, socat, rinetd, ssh -L, kubectl ' +
      'port-forward) whose upstream is a gateway port is a row of its own, its kernel path extended by the hop through ' +
      'it (config file and line); an outbound tunnel (cloudflared, ngrok, frp, ssh -R) is reachable from its far end, ' +
      '`unknown` where a policy outside the host (Cloudflare Access, an ngrok policy) decides. ' +
      'Fails when a gateway listener or a door to it is open from one, and shows the path rule by rule. `unknown` when a rule on the ' +
      'path cannot be modelled; the rule is named. See `clawmoat reach --port PORT --from internet`.',
    fixable: true,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
  },
  evaluate: (ctx) =>
    exposureOutcome(ctx, ['internet'], {
      what: 'anyone on the internet can drive the agent.',
      remediation: {
        summary: 'Bind the gateway to loopback and deny incoming traffic; reach it through an SSH tunnel or Tailscale.',
        steps: ['openclaw config set gateway.bind loopback', 'sudo ufw allow OpenSSH && sudo ufw default deny incoming && sudo ufw enable'],
        automatic: true,
      },
    }),
  cases: {
    valid: [
      { name: 'no gateway', snapshot: (s) => s, result: 'skipped' },
      { name: 'wildcard listener, INPUT drops all but SSH', snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8)), withIptables(DROP_ALL_BUT_SSH)), result: 'pass' },
      { name: 'loopback listener, no firewall', snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8))), result: 'pass' },
      { name: 'loopback gateway behind socat on 127.0.0.1 only', snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 8443, 18789, '127.0.0.1')), result: 'pass' },
      { name: 'socat on 0.0.0.0 to another service', snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 443, 3000)), result: 'pass' },
      { name: 'loopback gateway behind socat on 0.0.0.0, INPUT drops all but SSH', snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 443, 18789), withIptables(DROP_ALL_BUT_SSH)), result: 'pass' },
    ],
    invalid: [
      {
        name: 'loopback gateway behind socat TCP-LISTEN:443 on 0.0.0.0 (the door is the exposure)',
        snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 443, 18789)),
        result: 'fail',
        evidenceIncludes: ['0.0.0.0:443 (socat)', 'door', 'socat TCP-LISTEN:443,fork TCP:127.0.0.1:18789', 'the gateway (127.0.0.1:18789, pid 8)'],
      },
      {
        name: 'a Cloudflare quick tunnel to the gateway (no Access exists for it)',
        snapshot: compose(LOOPBACK_GATEWAY, withDoors([{ kind: 'cloudflared', pid: 12, remote: { url: 'https://*.trycloudflare.com', port: 443, audience: 'internet' }, upstream: { host: 'localhost', port: 18789 }, via: 'cloudflared tunnel --url http://localhost:18789', layer: 'http', forwardedFor: 'append', auth: [] }])),
        result: 'fail',
        evidenceIncludes: ['trycloudflare.com', 'no listener here'],
      },
      {
        name: 'a named Cloudflare Tunnel to the gateway: Access decides at Cloudflare, unknown',
        snapshot: compose(LOOPBACK_GATEWAY, withDoors([{ kind: 'cloudflared', pid: 12, remote: { url: 'https://gw.example.com', port: 443, audience: 'internet', gate: 'Cloudflare Access may guard gw.example.com: its policy lives at Cloudflare, not on this host' }, upstream: { host: 'localhost', port: 18789 }, via: 'ingress gw.example.com → http://localhost:18789', location: { file: '/etc/cloudflared/config.yml', line: 4 }, layer: 'http', forwardedFor: 'append', auth: [] }])),
        result: 'unknown',
        evidenceIncludes: ['Cloudflare Access', '/etc/cloudflared/config.yml:4'],
      },
      {
        name: "nginx on 0.0.0.0:443 whose config does not parse: unknown, naming the file and line",
        snapshot: compose(LOOPBACK_GATEWAY, withSockets(tcpListener('0.0.0.0', 443, 20, 'nginx')), withDoors([], [{ kind: 'nginx', pid: 20, source: '/etc/nginx/sites-enabled/openclaw', line: 12, detail: 'nginx -T fails for the nginx of pid 20: unexpected "}"' }])),
        result: 'unknown',
        evidenceIncludes: ['/etc/nginx/sites-enabled/openclaw:12', 'unexpected'],
      },
      { name: 'wildcard listener, no firewall', snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('0.0.0.0', 18789, 8))), result: 'fail', evidenceIncludes: ['internet:eth0', 'delivered to 0.0.0.0:18789'] },
      {
        name: 'an ACCEPT for the port before the DROP',
        snapshot: compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('::', 18789, 8)), withIptables('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 18789 -j ACCEPT\nCOMMIT\n')),
        result: 'fail',
        evidenceIncludes: ['--dport 18789 -j ACCEPT'],
      },
    ],
  },
};
