import type { AnalysisContext } from '../../model/context.js';
import { describeLocation, doorName, snapshotDoors } from '../../model/doors.js';
import { hostPort, isLoopback, isSafeBindAddress, isWildcard, parseAddress } from '../../model/addresses.js';
import type { ReachCell } from '../../model/reach.js';
import type { Door } from '../../snapshot/types.js';
import { listenerAdvice, tunnelAdvice } from '../door-advice.js';
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

function sameAddress(a: string, b: string): boolean {
  if (isWildcard(a) || isWildcard(b)) return isWildcard(a) && isWildcard(b);
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

/** A listener beyond loopback, told by hand how to move: the door's own words (door-advice.ts). */
function manualAdvice(door: Door, listens: DoorListenRef[]): Remediation {
  const at = listens.map((l) => `${hostPort(l.address, l.port)}${l.location ? ` (${describeLocation(l.location)})` : ''}`).join(', ');
  return {
    summary: `Make ${doorName(door.kind)} listen on loopback only (now on ${at}); reach it through an SSH tunnel or Tailscale.`,
    steps: [listenerAdvice(door, listens, '127.0.0.1')],
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
  return {
    fix: { kind: 'door.bind-private', door: doorRef(door), listens },
    remediation: {
      summary: `Make ${doorName(door.kind)} listen on loopback (or the tailnet address) instead of ${listens.map((l) => hostPort(l.address, l.port)).join(', ')}; reach it through an SSH tunnel or Tailscale.`,
      steps: [listenerAdvice(door, listens, '127.0.0.1')],
      automatic: true,
    },
  };
}
