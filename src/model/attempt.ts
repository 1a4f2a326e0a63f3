import type { Packet, SimResult, Step } from '../netfilter/simulate/types.js';
import type { Socket } from '../snapshot/types.js';
import { socketAccepts } from './listeners.js';
import type { ReachCell, ReachListener, ReachVerdict } from './reach-types.js';
import type { Zone } from './zones.js';

export type { ReachVerdict };

/**
 * One client's first packet to one destination, judged: what the matrix keeps of it, and the
 * parts of judging it that do not depend on which row (kernel socket or Serve port) is asked.
 */

export interface Attempt {
  verdict: ReachVerdict;
  destination: string;
  /** The port the client aimed at, when a translation took it from there to the listener's. */
  port?: number;
  source: string;
  reason: string;
  path: Step[];
}

/** Most permissive first: a cell is as open as its most open attempt. */
export const RANK: Record<ReachVerdict, number> = { open: 3, unknown: 2, closed: 1, filtered: 0 };

/**
 * What answers where the packet lands: a SYN-ACK if any socket takes it (a DNAT may move it to
 * another one), else the stack's RST; the simulator walks that answer back.
 */
export function answerFor(
  sockets: readonly Socket[],
  family: 4 | 6,
  protocol: Socket['protocol'],
  iif: string,
): (at: { daddr: string; dport: number }) => 'synack' | 'rst' {
  return (at) => (sockets.some((s) => socketAccepts(s, { family, protocol, daddr: at.daddr, dport: at.dport, iif })) ? 'synack' : 'rst');
}

/**
 * What the path decides before a socket is asked: an answer lost on its way back, a rule the
 * model cannot decide, a drop. Undefined when the packet is delivered or forwarded.
 */
export function judgePath(result: SimResult, packet: Packet): Attempt | undefined {
  // The path is copied only for an attempt decided here: most packets are delivered, and their caller copies it once.
  const base = () => ({ destination: packet.daddr, source: packet.saddr, path: [...result.steps] });
  if ((result.disposition === 'local' || result.disposition === 'forward') && result.answer && !result.answer.delivered) {
    // The first packet got through, but the host's answer never reaches the client: it times out.
    const why = `the first packet gets through, but the ${result.answer.kind === 'synack' ? 'SYN-ACK' : 'reset'} back does not: ${result.answer.why ?? 'lost'}`;
    const decided = base();
    decided.path.push({ hook: 'socket', table: '', chain: '', text: why, action: 'drop' });
    return { ...decided, verdict: 'filtered', reason: why };
  }
  if (result.disposition === 'unknown')
    return { ...base(), verdict: 'unknown', reason: result.unknownReasons.join('; ') || 'the model cannot decide this path' };
  if (result.disposition === 'dropped') return { ...base(), verdict: 'filtered', reason: result.rejected ? 'rejected on the way in' : 'dropped on the way in' };
  return undefined;
}

/**
 * The cell of LISTENER from ZONE, from its most open attempt. None: the zone had no source address
 * of FAMILY — closed when the interface has no address of that family (no such client there),
 * unknown when it has one but the model found no client address (a /32 with no route via it).
 */
export function cellOf(listener: ReachListener, zone: Zone, best: Attempt | undefined, family: 4 | 6, source: string): ReachCell {
  const name = family === 4 ? 'IPv4' : 'IPv6';
  const unsourced = !best && zone.unsourced?.includes(family) === true;
  const cell: ReachCell = {
    listener,
    zone: { name: zone.name, kind: zone.kind, interface: zone.interface, source: best?.source ?? source },
    verdict: best?.verdict ?? (unsourced ? 'unknown' : 'closed'),
    destination: best?.destination ?? '',
    reason:
      best?.reason ??
      (unsourced
        ? `no ${name} client address found for this zone: ${zone.interface} has only a host address (/32, /128) and no route via it names a client (clients routed in on ${zone.interface} are not modelled)`
        : `no ${name} address in this zone to send from`),
    path: best?.path ?? [],
  };
  if (best?.port !== undefined) cell.destinationPort = best.port;
  return cell;
}
