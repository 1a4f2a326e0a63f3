import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';

import { exposureOutcome } from './exposure.js';

export const exposureInternet: Check = {
  meta: {
    id: 'exposure.internet',
    title: 'The gateway is not reachable from the internet',
    severity: 'critical',
    guide: GUIDE.firewall,
    docs:
      "Computed, not guessed: a client's first packet is walked through the host's real netfilter ruleset " +
      "(raw, mangle and nat PREROUTING with Docker's DNAT, the routing decision, filter INPUT or FORWARD, then the " +
      "socket's bind address) from each internet zone — an interface holding the default route or a public address. " +
      'Every door counts: a reverse proxy or forwarder (nginx, Caddy, HAProxy, Apache, Traefik, socat, rinetd, ssh -L, kubectl ' +
      "port-forward, or one in a container whose port Docker publishes) whose upstream is a gateway port — or another door's listener that leads there " +
      '(nginx → socat → the gateway) — is a row of its own, its kernel path extended by each hop (config file and line); ' +
      'a door behind whose config could not be read makes it `unknown`; an outbound tunnel (cloudflared, ngrok, frp, ssh -R) is reachable from its far end, ' +
      '`unknown` where a policy outside the host (Cloudflare Access, an ngrok policy) decides. ' +
      'Fails when a gateway listener or a door to it is open from one, and shows the path rule by rule. `unknown` when a rule on the ' +
      'path cannot be modelled; the rule is named. See `clawmoat reach --port PORT --from internet`. ' +
      'A finding through a door carries its own fix: nginx or Caddy listeners that `harden` moves to loopback (or the ' +
      'tailnet address) in the file and line the config names, checked with `nginx -t` / `caddy validate` before a reload; ' +
      'for a tunnel, the policy at its far end or stopping it, explained and never applied.',
    fixable: true,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'wildcard listener behind a bogon drop list (INPUT accepts every other source)',
        'wildcard listener behind a GeoIP allow-list (an ipset of one country’s prefixes)',
        'loopback gateway behind socat TCP-LISTEN:443 on 0.0.0.0 (the door is the exposure)',
        'loopback gateway behind nginx listening on 0.0.0.0:443: its fix moves that listen directive',
        'loopback gateway behind socat on 127.0.0.1:8080 behind nginx on 0.0.0.0:443: the fix moves the outer door, nginx',
        'nginx on 0.0.0.0:443 in front of an HAProxy whose config could not be read: unknown, naming it (unknown)',
        'a Cloudflare quick tunnel to the gateway (no Access exists for it)',
        'a named Cloudflare Tunnel to the gateway: Access decides at Cloudflare, unknown (unknown)',
        'a snapshot without doors (older clawmoat) and a socat on 0.0.0.0:443: unknown, not closed (unknown)',
        'nginx on 0.0.0.0:443 whose config does not parse: unknown, naming the file and line (unknown)',
        'wildcard listener, no firewall',
        'a gateway container published on 8080:18789, docker-proxy on 0.0.0.0:8080',
        'a gateway container published on 8080:18789 with the userland proxy off (no socket)',
        'gateway on :: behind a carrier-grade NAT uplink with a global IPv6, no firewall',
        'an ACCEPT for the port before the DROP',
      ],
      passes: [
        'no gateway (skipped)',
        'wildcard listener, INPUT drops every source address (0.0.0.0/1, 128.0.0.0/1)',
        'wildcard listener, INPUT drops all but SSH',
        'loopback listener, no firewall',
        'loopback gateway behind socat on 127.0.0.1 only',
        'socat on 0.0.0.0 to another service',
        'nginx on 0.0.0.0:443 to a socat on 127.0.0.1:8080 that it cannot reach (it aims at the public address)',
        'loopback gateway behind socat on 0.0.0.0, INPUT drops all but SSH',
      ],
    },
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
};
