import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { doorEvidence, gatewayDoors } from '../doors.js';
import { describeDoor, describeLocation, snapshotDoors, type DoorHop } from '../../model/doors.js';

/** A door named as a hop names it: its directive and where that is written. */
const hopKey = (hop: Pick<DoorHop, 'via' | 'location'>) => `${hop.via}\u0000${describeLocation(hop.location)}`;

const FIX: Record<string, string> = {
  nginx: 'proxy_set_header X-Forwarded-For $remote_addr;',
  haproxy: 'http-request set-header X-Forwarded-For %[src]   # instead of option forwardfor',
  apache: 'RequestHeader unset X-Forwarded-For early   # before mod_proxy adds the peer',
  caddy: 'remove trusted_proxies, or list only real proxies in it',
};

export const proxyXffAppend: Check = {
  meta: {
    id: 'proxy.xff_append',
    title: 'Doors overwrite X-Forwarded-For instead of appending to it',
    severity: 'warn',
    guide: GUIDE.remote,
    docs:
      "The OpenClaw docs: a proxy must overwrite X-Forwarded-For (`$remote_addr`), not append to the client's " +
      '(`$proxy_add_x_forwarded_for`). Fails for each door to the gateway that appends: nginx with ' +
      "`$proxy_add_x_forwarded_for` or `$http_x_forwarded_for`, HAProxy `option forwardfor`, Apache's mod_proxy_http " +
      '(it appends unless `ProxyAddHeaders Off`), Caddy with `trusted_proxies`. The evidence names the line. Tunnels ' +
      '(whose edge sets the header) are not judged here. In a chain of doors the gateway sees what the door nearest to it sends: ' +
      'an appending door with one behind it that overwrites passes, and so does one that clients reach only through doors that overwrite.',
    fixable: false,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['nginx with $proxy_add_x_forwarded_for', 'HAProxy option forwardfor'],
      passes: [
        'no door',
        'nginx overwrites with $remote_addr',
        'nginx sends no XFF (its default)',
        'nginx appends, but the door behind it (127.0.0.1:8080) overwrites',
        'nginx on 127.0.0.1:8080 appends, reached only through a door that overwrites',
      ],
    },
  },
  evaluate(ctx) {
    if (!ctx.gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    const doors = gatewayDoors(ctx).filter((d) => !d.door.remote && d.door.layer === 'http');
    if (doors.length === 0) return { result: 'pass', reason: 'no HTTP door leads to the gateway' };
    // In a chain, the gateway sees what the door nearest to it sends: one behind that overwrites
    // the header makes whatever the doors in front of it did harmless.
    const overwrittenBehind = (d: (typeof doors)[number]) => d.behind.some((hop) => overwriters.has(hopKey(hop)));
    const overwriters = new Set(
      snapshotDoors(ctx.snapshot)
        .doors.filter((x) => x.layer === 'http' && x.forwardedFor === 'overwrite')
        .map((x) => hopKey({ via: x.via, location: x.location })),
    );
    // The usual chain: the first door overwrites, the ones behind it append the proxies they came
    // through. An appending door clients reach only through doors that overwrite cannot be lied to.
    const onlyBehindOverwriters = (d: (typeof doors)[number]) => {
      const key = hopKey({ via: d.door.via, location: d.door.location });
      const fronts = doors.filter((f) => f.behind.some((hop) => hopKey(hop) === key));
      return (
        fronts.length > 0 &&
        fronts.every((f) => f.door.forwardedFor === 'overwrite') &&
        d.openBeyondLoopback.length === 0 &&
        d.unknownBeyondLoopback.length === 0
      );
    };
    const appending = doors.filter((d) => d.door.forwardedFor === 'append' && !overwrittenBehind(d) && !onlyBehindOverwriters(d));
    if (appending.length === 0)
      return {
        result: 'pass',
        reason: doors
          .map(
            (d) =>
              `${describeDoor(d.door)}: X-Forwarded-For ${d.door.forwardedFor === 'none' ? 'not sent' : d.door.forwardedFor}${d.door.forwardedFor === 'append' ? (overwrittenBehind(d) ? ', then overwritten by a door behind it' : ', behind doors that overwrite it') : ''}`,
          )
          .join('; '),
      };
    const findings: FindingDraft[] = appending.map((d) => {
      const at = d.door.forwardedForLocation ?? d.door.location;
      const finding: FindingDraft = {
        status: 'fail',
        message: `${describeDoor(d.door)} appends the peer to the client's own X-Forwarded-For${d.door.forwardedForLocation ? ` (${describeLocation(d.door.forwardedForLocation)})` : ' (its default)'}: a client can put any address first, and OpenClaw 2026.8 and later refuse the chain (403 proxy_attribution_required).`,
        evidence: [
          ...doorEvidence(d),
          ...(d.door.forwardedForLocation
            ? [
                {
                  kind: 'file' as const,
                  text: `X-Forwarded-For appended at ${describeLocation(d.door.forwardedForLocation)}`,
                  location: d.door.forwardedForLocation,
                },
              ]
            : []),
        ],
        remediation: {
          summary: 'Make the door overwrite X-Forwarded-For with the peer address.',
          steps: [FIX[d.door.kind] ?? 'overwrite X-Forwarded-For with the peer address'],
          automatic: false,
        },
      };
      if (at) finding.location = at;
      return finding;
    });
    return { result: 'fail', findings };
  },
};
