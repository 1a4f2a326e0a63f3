import { describeLocation, doorName } from '../model/doors.js';
import { hostPort, isWildcard } from '../model/addresses.js';
import type { Door, SourceLocation } from '../snapshot/types.js';
import type { Remediation } from './types.js';
import { shellWordOr } from '../model/shell-word.js';

/** A door's file (and line) in a step: one quoted shell word, since steps are pasted and the file may be a user's. */
function place(location: SourceLocation): string {
  return shellWordOr(describeLocation(location), 'the file named in the evidence');
}

/**
 * How to close a door to the gateway by hand, by kind: the one wording the exposure checks give
 * as their remediation (and harden prints when it cannot make the change itself) and doctor
 * gives as its fix. A door that listens: its listener moved to loopback or the tailnet address,
 * or an allow list or authentication in front. An outbound tunnel: the policy at its far end, or
 * stopping it.
 */

/** A listener of the door to move, with the place its config writes it. */
export interface ListenAt {
  address: string;
  port: number;
  location?: SourceLocation;
}

function where(door: Door): string {
  return door.location ? ` (${place(door.location)})` : '';
}

/** What to tell a user about a tunnel, by kind: the policy at its far end, or stopping it. */
export function tunnelAdvice(door: Door): Remediation {
  const remote = door.remote!;
  const config = door.location ? shellWordOr(door.location.file, 'its config (named in the evidence)') : 'its config';
  const stop = door.pid !== undefined ? `stop it: find its unit (systemctl status ${door.pid}) and disable it, or kill ${door.pid}` : 'stop it';
  switch (door.kind) {
    case 'cloudflared':
      return /trycloudflare\.com/.test(remote.url)
        ? {
            summary: `A Cloudflare quick tunnel (${remote.url}) has no Access policy and cannot have one: ${stop}; for remote access use an SSH tunnel or Tailscale.`,
            steps: [stop],
            automatic: false,
          }
        : {
            summary: `Put a Cloudflare Access policy in front of ${remote.url} and have cloudflared check it, or stop the tunnel.`,
            steps: [
              `Cloudflare Zero Trust → Access → Applications: a self-hosted application for ${shellWordOr(remote.url.replace(/^\w+:\/\//, ''), 'the hostname named in the evidence')} that allows only you`,
              `in ${config}, under the ingress rule for it: originRequest: { access: { required: true, teamName: <team>, audTag: [<AUD>] } }`,
              `or ${stop}`,
            ],
            automatic: false,
          };
    case 'ngrok':
      return {
        summary: `Restrict the ngrok endpoint ${remote.url} with a traffic policy (restrict-ips, oauth or basic-auth), or stop ngrok.`,
        steps: [`in ${config}: traffic_policy with a restrict-ips action allowing only your addresses (or oauth)`, `or ${stop}`],
        automatic: false,
      };
    case 'frp':
      return {
        summary: `frpc publishes the gateway on ${remote.url}: make the proxy stcp (reachable only by a visitor holding its secretKey), or stop frpc.`,
        steps: [`in ${config}: type = "stcp" with a secretKey, and a [[visitors]] entry on your own machine`, `or ${stop}`],
        automatic: false,
      };
    default:
      return {
        summary: `${doorName(door.kind)} forwards the gateway to ${remote.url}: drop the remote forward, or keep the remote sshd at GatewayPorts no (loopback only there).`,
        steps: [`remove the -R forward${where(door)}`, `or ${stop}`],
        automatic: false,
      };
  }
}

/**
 * The change that closes a door that listens: `listens` (the ones beyond loopback) moved to
 * `bindTo`, in the file and line that write them, or an allow list or authentication in front.
 */
export function listenerAdvice(door: Door, listens: readonly ListenAt[], bindTo: string): string {
  const port = listens[0]?.port;
  const places = [...new Set(listens.flatMap((l) => (l.location ? [place(l.location)] : [])))];
  const at = places.length > 0 ? ` at ${places.join(', ')}` : door.location ? ` at ${place(door.location)}` : '';
  switch (door.kind) {
    case 'nginx': {
      // A reload opens the new sockets while the old ones are held: it cannot give up a socket on every address.
      const verb = listens.some((l) => isWildcard(l.address)) ? 'restart' : 'reload';
      const v6 = listens.some((l) => l.address.includes(':')) ? ' (and `[::1]` for the IPv6 listen)' : '';
      return `write \`listen ${bindTo}:${port ?? 443}${door.tls ? ' ssl' : ''};\`${at}${v6}, or keep it public and add \`allow <your network>; deny all;\` or \`auth_basic\` in front of proxy_pass; then \`nginx -t && systemctl ${verb} nginx\``;
    }
    case 'caddy':
      return `add \`bind ${bindTo}\` to the site block${at}, or \`basic_auth\` / a \`remote_ip\` matcher in front of reverse_proxy; then \`caddy validate\` and \`systemctl reload caddy\``;
    case 'haproxy':
      return `write \`bind ${bindTo}:${port ?? 443}\`${at}, or an ACL (\`tcp-request connection reject if !{ src <your network> }\`); then \`haproxy -c -f <config>\` and reload`;
    case 'apache':
      return `write \`Listen ${bindTo}:${port ?? 443}\`${at}, or \`Require ip <your network>\` / auth in the proxied location; then \`apachectl configtest\` and reload`;
    case 'socat':
      return `restart it with \`TCP-LISTEN:${port ?? '<port>'},fork,bind=${bindTo}\`, or with \`range=<your network>\``;
    case 'rinetd':
      return `bind the rule to ${bindTo}${at} instead of 0.0.0.0, or add an \`allow\` rule; then restart rinetd`;
    case 'ssh':
      return `restart it with \`-L ${bindTo}:${port ?? '<port>'}:…\` and without \`-g\``;
    case 'kubectl':
      return `restart it with \`--address ${bindTo}\` (127.0.0.1 is its default)`;
    case 'traefik':
      return `set the entry point's address to \`${bindTo}:${port ?? 443}\`${at}, or add an \`ipAllowList\` or \`basicAuth\` middleware to the router; then restart traefik`;
    default:
      return `bind ${doorName(door.kind)} to ${bindTo}${at}`;
  }
}

/** A remediation as one line: its summary, then each step. */
export function adviceLine(advice: Remediation): string {
  return [advice.summary, ...advice.steps].join(' — ');
}

/** The one line for any door: a tunnel's advice, or its listeners' change. */
export function doorAdvice(door: Door, listens: readonly ListenAt[], bindTo: string): string {
  return door.remote ? adviceLine(tunnelAdvice(door)) : listenerAdvice(door, listens, bindTo);
}
