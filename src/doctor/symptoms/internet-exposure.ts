import { doorAdvice } from '../../checks/door-advice.js';
import { gatewayDoors, type GatewayDoor } from '../../checks/doors.js';
import type { Evidence } from '../../checks/types.js';
import { describeDoor, describeListens, describeLocation, doorName } from '../../model/doors.js';
import { describeSocket } from '../../model/gateway.js';
import { hostPort } from '../../model/addresses.js';
import type { ReachCell } from '../../model/reach.js';
import { tailscaleFacts } from '../../model/tailscale/facts.js';
import type { Door } from '../../snapshot/types.js';
import { isLoopback, joinAnd, note, unavailableDetail, unknown, zoneLabel } from '../facts.js';
import type { DoctorContext, Symptom } from '../symptom.js';
import type { Diagnosis } from '../types.js';
import { SYMPTOM_META } from '../catalogue.js';

/**
 * "Why is the gateway reachable from the internet?" Usually not its own socket (that stays on
 * loopback) but a door in front of it: a reverse proxy or forwarder listening on every address,
 * or an outbound tunnel whose far end is public. Doctor names each door with its file and line
 * and says how to close it: bind the door's listener to 127.0.0.1 or the tailnet address, add an
 * allow list or authentication; for a tunnel, an access policy at its far end or stopping it.
 */

function cellLine(c: ReachCell): Evidence {
  return { kind: 'rule', text: `${hostPort(c.listener.address, c.listener.port)} from ${zoneLabel(c.zone)}: ${c.verdict} (${c.reason})` };
}

/** Where the door listens, written as the program writes it, with the place it is written. */
function listenText(door: Door): string {
  return describeListens(door, true);
}

/** The concrete change for one door, in the words the exposure checks use (checks/door-advice.ts). */
function doorFix(door: Door, bindTo: string): string {
  return `${describeDoor(door)}: ${doorAdvice(
    door,
    (door.listen ?? []).filter((l) => !isLoopback(l.address)),
    bindTo,
  )}`;
}

export const internetExposure: Symptom = {
  meta: SYMPTOM_META['internet-exposure'],
  diagnose(ctx: DoctorContext): Diagnosis {
    const a = ctx.analysis;
    if (a.snapshot.sockets.status !== 'ok') return unknown(`the host's sockets were not checked: ${unavailableDetail(a.snapshot.sockets)}`);
    const cells = a.reach().cells.filter((c) => c.listener.gateway && c.zone.kind === 'internet');
    const open = cells.filter((c) => c.verdict === 'open');
    const undecided = cells.filter((c) => c.verdict === 'unknown');
    const direct = open.filter((c) => c.listener.door === undefined && c.listener.serve === undefined);
    const funnel = open.filter((c) => c.listener.serve !== undefined || c.listener.door?.kind === 'tailscale');

    const doors = gatewayDoors(a);
    const viaDoor = (d: GatewayDoor, verdict: 'open' | 'unknown') =>
      (verdict === 'open' ? d.openBeyondLoopback : d.unknownBeyondLoopback).filter((c) => c.zone.kind === 'internet');
    const openDoors = doors.filter((d) => viaDoor(d, 'open').length > 0);
    const unknownDoors = doors.filter((d) => viaDoor(d, 'open').length === 0 && viaDoor(d, 'unknown').length > 0);

    const ts = tailscaleFacts(a);
    const tailnet = ts.state === 'running' ? ts.addresses.find((x) => !x.includes(':')) : undefined;
    const bindTo = '127.0.0.1';
    const orTailnet = tailnet
      ? ` (or the tailnet address ${tailnet}, to reach it from your tailnet)`
      : " (or this host's tailnet address, to reach it from your tailnet)";

    const doorSaw = (d: GatewayDoor, verdict: 'open' | 'unknown'): Evidence[] => {
      const door = d.door;
      const where = door.remote ? `its far end ${door.remote.url}` : listenText(door);
      const head: Evidence = {
        kind: door.location ? 'file' : 'process',
        text: `${describeDoor(door)} → ${'unix' in door.upstream ? door.upstream.unix : `${door.upstream.host}:${door.upstream.port}`}, taking connections on ${where}${door.auth.length === 0 ? ', with no authentication of its own' : `, behind ${door.auth.map((x) => x.text).join(', ')}`}`,
        ...(door.location ? { location: door.location } : {}),
      };
      return [head, ...viaDoor(d, verdict).slice(0, 2).map(cellLine)];
    };

    const saw: Evidence[] = a.gateway.listeners.map((s) => ({ kind: 'socket', text: `gateway: ${describeSocket(s)}` }));
    for (const d of openDoors) saw.push(...doorSaw(d, 'open'));
    for (const c of direct) saw.push(cellLine(c));
    for (const c of funnel) saw.push(cellLine(c));

    if (openDoors.length + direct.length + funnel.length > 0) {
      const reasons: string[] = [];
      if (openDoors.length > 0)
        reasons.push(
          `through ${openDoors.length === 1 ? 'a door' : `${openDoors.length} doors`}: ${openDoors.map((d) => `${doorName(d.door.kind)} (${describeLocation(d.door.location) || (d.door.pid !== undefined ? `pid ${d.door.pid}` : d.door.via)})`).join(', ')}`,
        );
      if (direct.length > 0)
        reasons.push(
          `directly: its own socket ${[...new Set(direct.map((c) => hostPort(c.listener.address, c.listener.port)))].join(', ')} is open from the internet`,
        );
      if (funnel.length > 0) reasons.push('through Tailscale Funnel');
      const loopbackOnly = a.gateway.listeners.length > 0 && a.gateway.listeners.every((s) => isLoopback(s.address));
      const steps = [
        ...openDoors.map((d) => doorFix(d.door, bindTo)),
        ...(direct.length > 0 ? ['the gateway itself: bind it to loopback (`gateway.bind: "loopback"`; `clawmoat harden` plans it)'] : []),
        ...(funnel.length > 0 ? ['Tailscale Funnel: `sudo tailscale funnel reset`, and use `tailscale serve` (tailnet only) instead'] : []),
      ];
      return {
        status: 'problem',
        cause: `the gateway${loopbackOnly ? ', though it listens on loopback only,' : ''} is reachable from the internet ${joinAnd(reasons)}`,
        saw,
        fix: {
          text: `Close each way in. A proxy or forwarder: bind its listener to ${bindTo}${orTailnet}, or keep it public and add an allow list or authentication in front of the gateway. An outbound tunnel: an access policy at its far end, or stop it. Then check with \`clawmoat reach --from internet\`.`,
          commands: steps,
        },
      };
    }

    if (undecided.length > 0) {
      const lines = unknownDoors.flatMap((d) => doorSaw(d, 'unknown'));
      return {
        status: 'unknown',
        cause: `whether the internet reaches the gateway could not be decided: ${undecided[0]!.reason}`,
        saw: [...saw, ...(lines.length > 0 ? lines : undecided.slice(0, 3).map(cellLine))],
        ...(unknownDoors.length > 0
          ? {
              fix: { text: 'If the policy at the far end is not what you expect, close the door:', commands: unknownDoors.map((d) => doorFix(d.door, bindTo)) },
            }
          : {}),
      };
    }

    const closedDoors = doors.filter((d) => d.door.listen && d.door.listen.length > 0);
    // No internet zone because the routes or interfaces were not read is not "no default route".
    const network = [a.snapshot.network.routes, a.snapshot.network.interfaces].find((c) => c.status !== 'ok');
    if (cells.length === 0 && network) return unknown(`whether the host has an internet zone was not checked: ${unavailableDetail(network)}`, saw);
    return {
      status: 'ok',
      cause:
        cells.length === 0
          ? 'no internet zone was found on this host (no default route), so nothing reaches the gateway from there'
          : `nothing makes the gateway reachable from the internet: not its own socket${closedDoors.length > 0 ? `, nor ${closedDoors.length === 1 ? 'the door' : `the ${closedDoors.length} doors`} in front of it (${closedDoors.map((d) => `${doorName(d.door.kind)} on ${listenText(d.door)}`).join('; ')})` : ''}`,
      saw: [...saw, ...closedDoors.map((d) => note(`${describeDoor(d.door)}: listens on ${listenText(d.door)}, not reachable from the internet`))],
    };
  },
};
