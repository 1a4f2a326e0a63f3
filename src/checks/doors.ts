import ipaddr from 'ipaddr.js';
import type { AnalysisContext } from '../model/context.js';
import { describeDoor, describeLocation, snapshotDoors } from '../model/doors.js';
import { snapshotDoorTargets } from '../model/door-chains.js';
import type { DoorHop, ReachCell } from '../model/reach.js';
import type { Door, SourceLocation } from '../snapshot/types.js';
import { gatewayTargetPorts } from '../model/tailscale/facts.js';
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

export function gatewayDoors(ctx: AnalysisContext): GatewayDoor[] {
  const { doors } = snapshotDoors(ctx.snapshot);
  if (doors.length === 0) return [];
  const ports = gatewayTargetPorts(ctx);
  const behind = snapshotDoorTargets(ctx.snapshot, { ports, sockets: ctx.gateway.listeners });
  const cells = ctx.reach().cells;
  return doors
    .filter((d) => behind(d).gateway)
    .map((door) => {
      const chain = behind(door).chain ?? [];
      const mine = cells.filter(
        (c) =>
          c.listener.door?.via === door.via && describeLocation(c.listener.door.location) === describeLocation(door.location) && c.zone.kind !== 'loopback',
      );
      return {
        door,
        openBeyondLoopback: mine.filter((c) => c.verdict === 'open'),
        unknownBeyondLoopback: mine.filter((c) => c.verdict === 'unknown'),
        behind: chain,
      };
    });
}

export function doorEvidence(d: GatewayDoor): Evidence[] {
  const door = d.door;
  const where = door.remote
    ? `its far end ${door.remote.url}`
    : (door.listen ?? []).map((l) => `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`).join(', ');
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
