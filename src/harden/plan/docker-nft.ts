import type { Snapshot } from '../../snapshot/types.js';

/**
 * The guide's DOCKER-USER policy for Docker's nftables backend (Docker 29+, `firewall-backend:
 * nftables`). That backend keeps its rules in tables of its own (`ip docker-bridges`,
 * `ip6 docker-bridges`) and has no DOCKER-USER chain; Docker's docs ("Docker with nftables",
 * "Replacing DOCKER-USER with an nftables table") say to add a table of one's own with a base
 * chain of the same type and hook (filter, forward), and a lower priority to run before
 * Docker's chains. Two facts of nftables shape the policy:
 *  - every base chain on the forward hook runs, in priority order; `accept` ends only the
 *    chain it is in (Docker's chains still run and may still drop), `drop` is final. So the
 *    accepts below never open anything: they only skip our one drop.
 *  - the chain sees the packet after Docker's DNAT (prerouting runs first): `ct status dnat`
 *    marks a connection to a published port, and `tcp dport` is already the container's port.
 *    The 80/443 exception is about the host's web ports, so it matches the port as published
 *    (`ct original proto-dst`): a gateway published as 8080->80 must not pass as "web". (One
 *    rule per port: nft 1.0.6 prints a set of them as "[invalid type]", unreadable.)
 * One file, the same text for the plan's diff, for `nft -f` and for boot; and the same rules
 * as libnftables JSON (what `nft -j list ruleset` prints for them), so the reach model can
 * judge the host with the table in place before it exists.
 */

export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'clawmoat';
export const NFT_CHAIN = 'docker-forward';
/** `filter - 1`: before Docker's filter-FORWARD (priority filter), as DOCKER-USER ran first in FORWARD. */
export const NFT_PRIORITY = -1;
/** In /etc itself: atomic writes need an existing directory, and /etc/nftables.d is not a Debian default. */
export const NFT_FILE = '/etc/clawmoat-docker.nft';
export const DROP_COMMENT = 'clawmoat: new connection to a published port from elsewhere';

/** Loopback, RFC 1918 and the tailnet (100.64.0.0/10), as nft sorts them in a set. */
const V4 = [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const;
/** Loopback, ULA (Tailscale's fd7a:115c:a1e0::/48 is inside) and link-local. */
const V6 = [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const;
const WEB_PORTS = [80, 443];

const cidr = ([addr, len]: readonly [string, number]) => (len === 128 ? addr : `${addr}/${len}`);

/** The file `nft -f` loads: replaces the table whole (add, delete, define: one transaction), so loading it twice is fine. */
export function nftPolicyText(finding: string): string {
  return [
    '#!/usr/sbin/nft -f',
    `# Written by \`clawmoat harden\` (${finding}); \`clawmoat harden --rollback\` removes it.`,
    "# The guide's DOCKER-USER policy for Docker's nftables backend, which has no DOCKER-USER chain:",
    '# a published container port stays reachable from private ranges, the tailnet (100.64.0.0/10)',
    '# and on 80/443; a new connection to it from anywhere else is dropped.',
    '# Remove it now: nft delete table inet clawmoat',
    '',
    '# Declare, delete, define: the table is replaced whole, so loading this file again is harmless.',
    `table ${NFT_FAMILY} ${NFT_TABLE} {}`,
    `delete table ${NFT_FAMILY} ${NFT_TABLE}`,
    '',
    `table ${NFT_FAMILY} ${NFT_TABLE} {`,
    `\tchain ${NFT_CHAIN} {`,
    "\t\t# Same hook as Docker's filter-FORWARD, one step earlier. Every forward base chain runs:",
    "\t\t# an accept here ends this chain only (Docker's chains still decide), a drop is final.",
    `\t\ttype filter hook forward priority filter - ${-NFT_PRIORITY}; policy accept;`,
    '\t\t# Replies and connections already let in.',
    '\t\tct state established,related accept',
    '\t\t# Loopback, private ranges and the tailnet.',
    `\t\tip saddr { ${V4.map(cidr).join(', ')} } accept`,
    `\t\tip6 saddr { ${V6.map(cidr).join(', ')} } accept`,
    "\t\t# The host's web ports (a reverse proxy published on 80/443), as published, before DNAT.",
    ...WEB_PORTS.map((p) => `\t\tmeta l4proto tcp ct original proto-dst ${p} accept`),
    '\t\t# Anything else new that Docker DNATed to a container: dropped before Docker can accept it.',
    `\t\tct status dnat ct state new counter drop comment "${DROP_COMMENT}"`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

type Json = Record<string, unknown>;

const prefix = ([addr, len]: readonly [string, number]): unknown => (len === 128 || len === 32 ? addr : { prefix: { addr, len } });

/** The table as `nft -j list ruleset` prints it (nft 1.0.6; handles left out), for the reach model. */
export function nftPolicyJson(): Json[] {
  const rule = (expr: unknown[], extra: Json = {}): Json => ({ rule: { family: NFT_FAMILY, table: NFT_TABLE, chain: NFT_CHAIN, ...extra, expr } });
  const match = (op: string, left: unknown, right: unknown) => ({ match: { op, left, right } });
  const accept = { accept: null };
  return [
    { table: { family: NFT_FAMILY, name: NFT_TABLE } },
    { chain: { family: NFT_FAMILY, table: NFT_TABLE, name: NFT_CHAIN, type: 'filter', hook: 'forward', prio: NFT_PRIORITY, policy: 'accept' } },
    rule([match('in', { ct: { key: 'state' } }, ['established', 'related']), accept]),
    rule([match('==', { payload: { protocol: 'ip', field: 'saddr' } }, { set: V4.map(prefix) }), accept]),
    rule([match('==', { payload: { protocol: 'ip6', field: 'saddr' } }, { set: V6.map(prefix) }), accept]),
    ...WEB_PORTS.map((p) => rule([match('==', { meta: { key: 'l4proto' } }, 'tcp'), match('==', { ct: { key: 'proto-dst', dir: 'original' } }, p), accept])),
    rule(
      [match('in', { ct: { key: 'status' } }, 'dnat'), match('in', { ct: { key: 'state' } }, 'new'), { counter: { packets: 0, bytes: 0 } }, { drop: null }],
      { comment: DROP_COMMENT },
    ),
  ];
}

function nftItems(snapshot: Snapshot): Json[] {
  const nft = snapshot.netfilter.nftRuleset;
  if (nft.status !== 'ok') return [];
  const items = (nft.data as { nftables?: unknown } | null)?.nftables;
  return Array.isArray(items) ? (items.filter((i) => typeof i === 'object' && i !== null) as Json[]) : [];
}

function tables(snapshot: Snapshot): { family: string; name: string }[] {
  return nftItems(snapshot)
    .map((i) => i.table as { family?: unknown; name?: unknown } | undefined)
    .filter((t): t is { family: string; name: string } => typeof t?.family === 'string' && typeof t.name === 'string');
}

export interface DockerNftBackend {
  /** Why we think Docker uses nftables: its tables, or its daemon.json. */
  evidence: string;
}

/**
 * Does Docker filter with nftables here? Its `docker-bridges` tables say so; so does
 * daemon.json's `firewall-backend` when Docker has not made them yet. A DOCKER-USER chain left
 * in iptables from before a migration does not count: Docker no longer jumps to it after a
 * reboot, so a policy there would not last.
 */
export function dockerNftBackend(snapshot: Snapshot): DockerNftBackend | undefined {
  const found = tables(snapshot).filter((t) => t.name === 'docker-bridges' && (t.family === 'ip' || t.family === 'ip6'));
  if (found.length > 0) return { evidence: `nft ruleset has ${found.map((t) => `table ${t.family} ${t.name}`).join(' and ')}` };
  const config = snapshot.docker.status === 'ok' && snapshot.docker.data.daemonConfig.status === 'ok' ? snapshot.docker.data.daemonConfig.data : undefined;
  if (config?.['firewall-backend'] === 'nftables') return { evidence: 'daemon.json sets "firewall-backend": "nftables"' };
  return undefined;
}

/** Is our table loaded already (a second run plans no `nft -f`)? */
export function hasPolicyTable(snapshot: Snapshot): boolean {
  return tables(snapshot).some((t) => t.family === NFT_FAMILY && t.name === NFT_TABLE);
}

/** The snapshot as it will be once the table is loaded: the reach model and the lockout check read this. */
export function withPolicyTable(snapshot: Snapshot): Snapshot {
  if (hasPolicyTable(snapshot) || snapshot.netfilter.nftRuleset.status !== 'ok') return snapshot;
  const data = { nftables: [...nftItems(snapshot), ...nftPolicyJson()] };
  return { ...snapshot, netfilter: { ...snapshot.netfilter, nftRuleset: { status: 'ok', data } } };
}

/** The unit that loads the table at boot; its name is also one of the undo commands rollback may run. */
export const NFT_UNIT = 'clawmoat-docker-nft.service';

/**
 * Remove the table if it is there, and succeed if it is not: rollback may run an undo for a
 * command that never ran (see rollback.ts). nft 1.0.6 has no `destroy`; declaring the table
 * first makes the delete always find it, in one transaction.
 */
export const NFT_UNDO_ARGV = ['nft', `add table ${NFT_FAMILY} ${NFT_TABLE}; delete table ${NFT_FAMILY} ${NFT_TABLE}`];
