import ipaddr from 'ipaddr.js';
import type { AnalysisContext } from '../model/context.js';
import { describeDoor, describeListens, describeLocation, snapshotDoors } from '../model/doors.js';
import type { DoorHop, ReachCell, ReachMatrix } from '../model/reach.js';
import type { GatewayTarget } from '../model/reach-types.js';
import type { GatewayModel } from '../model/gateway.js';
import type { Door, SourceLocation } from '../snapshot/types.js';
import type { Evidence } from './types.js';

/** Shared by the proxy-trust checks: the doors that lead to the gateway, and how far each reaches. */

export interface GatewayDoor {
  door: Door;
  /** Cells of the door's row that are open from a zone other than loopback. */
  openBeyondLoopback: ReachCell[];
  /** Cells that are unknown (a policy outside the host, a rule the model cannot decide). */
  unknownBeyondLoopback: ReachCell[];
  /** The doors behind this one on its way to the gateway (none when it forwards to the gateway itself). */
  behind: DoorHop[];
}

/**
 * gatewayDoors of one context, worked out once: several checks ask, and with hundreds of doors
 * each asking anew walked every door's way again. Keyed on the objects the answer is derived
 * from, the context's reach matrix and gateway model (a context copied with another gateway, as
 * the Tailscale plan makes, has its own entry); an entry goes with its context, never to another.
 */
const known = new WeakMap<ReachMatrix, WeakMap<GatewayModel, readonly GatewayDoor[]>>();

export function gatewayDoors(ctx: AnalysisContext): GatewayDoor[] {
  const { doors } = snapshotDoors(ctx.snapshot);
  if (doors.length === 0) return [];
  // Read through ctx on every call, memo or not: a check's recorded inputs stay what they were.
  const behind = ctx.doorTargets();
  const gateway = ctx.gateway;
  const matrix = ctx.reach();
  let byGateway = known.get(matrix);
  if (!byGateway) known.set(matrix, (byGateway = new WeakMap()));
  let answer = byGateway.get(gateway);
  if (!answer) byGateway.set(gateway, (answer = leadingToGateway(doors, behind, matrix)));
  return [...answer];
}

function leadingToGateway(doors: readonly Door[], behind: (door: Door) => GatewayTarget, matrix: ReachMatrix): GatewayDoor[] {
  // The cells beyond loopback of each door's row, by the door's config line (its via, then its location).
  const rows = new Map<string, Map<string, ReachCell[]>>();
  for (const c of matrix.cells) {
    const door = c.listener.door;
    if (!door || c.zone.kind === 'loopback') continue;
    let byLocation = rows.get(door.via);
    if (!byLocation) rows.set(door.via, (byLocation = new Map()));
    const where = describeLocation(door.location);
    const list = byLocation.get(where);
    if (list) list.push(c);
    else byLocation.set(where, [c]);
  }
  return doors
    .filter((d) => behind(d).gateway)
    .map((door) => {
      const mine = rows.get(door.via)?.get(describeLocation(door.location)) ?? [];
      return {
        door,
        openBeyondLoopback: mine.filter((c) => c.verdict === 'open'),
        unknownBeyondLoopback: mine.filter((c) => c.verdict === 'unknown'),
        behind: behind(door).chain ?? [],
      };
    });
}

export function doorEvidence(d: GatewayDoor): Evidence[] {
  const door = d.door;
  const where = door.remote ? `its far end ${door.remote.url}` : describeListens(door);
  const head: Evidence = {
    kind: door.location ? 'file' : 'process',
    text: `${describeDoor(door)} → ${'unix' in door.upstream ? door.upstream.unix : `${door.upstream.host}:${door.upstream.port}`}, taking connections on ${where}`,
    ...(door.location ? { location: door.location } : {}),
  };
  const zones = [...new Set(d.openBeyondLoopback.map((c) => c.zone.name))];
  const reach: Evidence[] =
    zones.length > 0 ? [{ kind: 'note', text: `open from ${zones.join(', ')} (clawmoat reach --port ${d.openBeyondLoopback[0]!.listener.port})` }] : [];
  return [head, ...reach];
}

export function configAt(ctx: AnalysisContext, key: string): { value: unknown; location?: SourceLocation } {
  let cur: unknown = ctx.gateway.config;
  for (const part of key.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  const location = ctx.gateway.locations[key];
  return location ? { value: cur, location } : { value: cur };
}

export function configEvidence(ctx: AnalysisContext, key: string, text: string): Evidence {
  const { location } = configAt(ctx, key);
  return location
    ? { kind: 'file', text: `${text} (${describeLocation(location)})`, location }
    : { kind: 'config', text: `${text} in ${ctx.gateway.configPath ?? 'the OpenClaw config'}` };
}

/** The auth mode in force: --auth, else gateway.auth.mode. */
export function authMode(ctx: AnalysisContext): string | undefined {
  return ctx.gateway.auth.mode?.value;
}

/** Does a CIDR or address from gateway.trustedProxies contain this address? */
export function cidrContains(entry: string, address: string): boolean {
  try {
    const a = ipaddr.parse(address);
    const [net, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32];
    return a.kind() === net.kind() && a.match(net, bits);
  } catch {
    return false;
  }
}

/** Do two networks (CIDRs or addresses) share an address? One holds the other's base address, at the shorter prefix. */
export function networksOverlap(a: string, b: string): boolean {
  try {
    const parse = (t: string): [ipaddr.IPv4 | ipaddr.IPv6, number] => (t.includes('/') ? ipaddr.parseCIDR(t) : [ipaddr.parse(t), t.includes(':') ? 128 : 32]);
    const [na, ba] = parse(a);
    const [nb, bb] = parse(b);
    if (na.kind() !== nb.kind()) return false;
    const bits = Math.min(ba, bb);
    return na.match(nb, bits);
  } catch {
    return false;
  }
}

/** The gateway's cells (its own listeners and the doors to it) open from a zone other than loopback. */
export function openBeyondLoopback(ctx: AnalysisContext): ReachCell[] {
  return ctx.reach().cells.filter((c) => c.listener.gateway && c.zone.kind !== 'loopback' && c.verdict === 'open');
}
