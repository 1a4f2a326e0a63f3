import type { AnalysisContext } from '../../model/context.js';
import { describeLocation, doorName, snapshotDoors } from '../../model/doors.js';
import { hostPort, isLoopback, isSafeBindAddress, parseAddress } from '../../model/addresses.js';
import type { ReachCell } from '../../model/reach.js';
import type { Door } from '../../snapshot/types.js';
import type { DoorListenRef, DoorRef, FixIntent } from '../fix-intents.js';
import type { Remediation } from '../types.js';

/**
 * The fix for a gateway cell that is open through a door, owned by the check that found it:
 * a reverse proxy harden can rewrite (nginx, Caddy) gets a `door.bind-private` intent; an
 * outbound tunnel gets `door.explain-tunnel` (its policy lives at the far end: explained, never
 * guessed); any other door gets the manual fix in words.
 */

/** Proxies whose listeners harden can move itself (harden/plan/door-steps.ts). */
const REWRITABLE = new Set<Door['kind']>(['nginx', 'caddy']);

const WILDCARDS = new Set(['0.0.0.0', '::', '*', '']);

function sameAddress(a: string, b: string): boolean {
  if (WILDCARDS.has(a) || WILDCARDS.has(b)) return WILDCARDS.has(a) && WILDCARDS.has(b);
  const pa = parseAddress(a);
  const pb = parseAddress(b);
  return pa !== undefined && pb !== undefined && pa.kind() === pb.kind() && pa.toString() === pb.toString();
}

/** The snapshot's door behind a cell's hop: same directive, same place. */
function doorOf(ctx: AnalysisContext, cell: ReachCell): Door | undefined {
  const hop = cell.listener.door;
  if (!hop || hop.kind === 'tailscale' || hop.unknown) return undefined;
  return snapshotDoors(ctx.snapshot).doors.find(
    (d) =>
      d.kind === hop.kind &&
      d.via === hop.via &&
      describeLocation(d.location) === describeLocation(hop.location) &&
      (d.remote !== undefined || (d.listen ?? []).some((l) => l.port === cell.listener.port)),
  );
}

export function doorRef(door: Door): DoorRef {
  return {
    kind: door.kind,
    via: door.via,
    ...(door.pid !== undefined ? { pid: door.pid } : {}),
    ...(door.location ? { location: door.location } : {}),
  };
}

function where(door: Door): string {
  return door.location ? ` (${describeLocation(door.location)})` : '';
}

/** What to tell a user about a tunnel, by kind: the policy at its far end, or stopping it. */
export function tunnelAdvice(door: Door): Remediation {
  const remote = door.remote!;
  const config = door.location ? door.location.file : 'its config';
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
              `Cloudflare Zero Trust → Access → Applications: a self-hosted application for ${remote.url.replace(/^\w+:\/\//, '')} that allows only you`,
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

/** How to close any other door by hand, by kind. */
function manualAdvice(door: Door, listens: DoorListenRef[]): Remediation {
  const at = listens.map((l) => `${hostPort(l.address, l.port)}${l.location ? ` (${describeLocation(l.location)})` : ''}`).join(', ');
  const how: Partial<Record<Door['kind'], string>> = {
    haproxy: `bind it to 127.0.0.1: \`bind 127.0.0.1:PORT\` in the frontend${where(door)}, then \`haproxy -c -f CONFIG\` and reload`,
    apache: `\`Listen 127.0.0.1:PORT\` instead of a bare port, then \`apachectl configtest\` and reload`,
    socat: 'restart it with `bind=127.0.0.1` in its TCP-LISTEN address',
    rinetd: `use 127.0.0.1 as its bind address${where(door)} and restart rinetd`,
    ssh: 'bind the forward to 127.0.0.1 (`-L 127.0.0.1:PORT:…`), or drop GatewayPorts',
    kubectl: 'drop `--address 0.0.0.0` (the default is localhost)',
    traefik: 'give the entry point a loopback address (`address: 127.0.0.1:PORT`), or an `ipAllowList` middleware on the router, then restart traefik',
  };
  return {
    summary: `Make ${doorName(door.kind)} listen on loopback only (now on ${at}); reach it through an SSH tunnel or Tailscale.`,
    steps: [how[door.kind] ?? `bind ${doorName(door.kind)} to 127.0.0.1`],
    automatic: false,
  };
}

/**
 * The fix of an open (or undecided) gateway cell that goes through a door; undefined when the
 * cell is not a door's (the gateway's own socket: the caller's remediation stands).
 */
export function doorFix(ctx: AnalysisContext, cell: ReachCell): { fix?: FixIntent; remediation: Remediation } | undefined {
  const door = doorOf(ctx, cell);
  if (!door) return undefined;
  if (door.remote) {
    const remote = { url: door.remote.url, ...(door.remote.gate ? { gate: door.remote.gate } : {}) };
    return { fix: { kind: 'door.explain-tunnel', door: doorRef(door), remote }, remediation: tunnelAdvice(door) };
  }
  // Every listener of the door beyond loopback and the tailnet, not only this cell's: the same
  // server block on [::]:443 is the same exposure over IPv6, whether or not a zone here has IPv6.
  const listens: DoorListenRef[] = (door.listen ?? [])
    .filter((l) => (l.port === cell.listener.port && sameAddress(l.address, cell.listener.address)) || !isSafeBindAddress(l.address, ctx.snapshot))
    .filter((l) => !isLoopback(l.address))
    .map((l) => ({ address: l.address, port: l.port, ...(l.location ? { location: l.location } : {}) }));
  if (!REWRITABLE.has(door.kind) || listens.length === 0) return { remediation: manualAdvice(door, listens) };
  const at = listens.map((l) => (l.location ? describeLocation(l.location) : hostPort(l.address, l.port))).join(', ');
  return {
    fix: { kind: 'door.bind-private', door: doorRef(door), listens },
    remediation: {
      summary: `Make ${doorName(door.kind)} listen on loopback (or the tailnet address) instead of ${listens.map((l) => hostPort(l.address, l.port)).join(', ')}; reach it through an SSH tunnel or Tailscale.`,
      steps: [
        door.kind === 'nginx'
          ? `in ${at}: listen 127.0.0.1:${listens[0]!.port} (and [::1] for an IPv6 listen), then nginx -t and nginx -s reload`
          : `in ${door.location?.file ?? 'the Caddyfile'}: \`bind 127.0.0.1\` in the site block, then caddy validate and caddy reload`,
      ],
      automatic: true,
    },
  };
}
