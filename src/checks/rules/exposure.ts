import type { AnalysisContext } from '../../model/context.js';
import type { ReachCell } from '../../model/reach.js';
import type { Zone } from '../../model/zones.js';
import type { CheckOutcome, Evidence, FindingDraft } from '../types.js';
import { hostPort } from '../../model/addresses.js';
import { doorName } from '../../model/doors.js';
import { doorFix } from './door-fix.js';
import { bindIntent } from './gateway-fix.js';
import type { FixIntent } from '../fix-intents.js';

/** Shared by the reach-based checks: gateway cells from zones of some kinds, and their paths as evidence. */

export function gatewayCells(ctx: AnalysisContext, kinds: Zone['kind'][]): ReachCell[] {
  return ctx.reach().cells.filter((c) => c.listener.gateway && kinds.includes(c.zone.kind));
}

export function describeListener(cell: ReachCell): string {
  const l = cell.listener;
  const base = `${l.protocol} ${hostPort(l.address, l.port)}${l.process ? ` (${l.process})` : ''}`;
  if (!l.door || l.door.kind === 'tailscale') return base;
  // Doors behind this one: "the gateway at 127.0.0.1:18789 through socat on 127.0.0.1:8080".
  const chain = l.door.chain ?? [];
  const targets = [l.door.target, ...chain.map((h) => h.target)];
  const through = chain.length > 0 ? ` through ${chain.map((h, i) => `${doorName(h.kind)} on ${targets[i]}`).join(', then ')}` : '';
  const to = l.door.unknown ? `what may be the gateway${through}` : `the gateway at ${targets[targets.length - 1]}${through}`;
  return `${base}, a door to ${to} (${l.door.via}${l.door.location ? ` at ${l.door.location.file}:${l.door.location.line}` : ''})`;
}

export function pathEvidence(cell: ReachCell): Evidence[] {
  const head: Evidence = {
    kind: 'note',
    text: `${describeListener(cell)} from ${cell.zone.name} (${cell.zone.source} → ${cell.destination}): ${cell.verdict}, ${cell.reason}`,
  };
  const steps: Evidence[] = cell.path
    .filter((s) => s.action !== 'continue')
    .map((s) => ({
      kind: 'rule',
      text: `${s.hook}${s.table ? ` ${s.table}` : ''}${s.chain ? ` ${s.chain}` : ''}${s.rule !== undefined ? ` rule ${s.rule}` : ''}: ${s.text}`,
    }));
  return [head, ...steps];
}

/**
 * What closes an open cell. Through a door (a proxy, a forwarder, a tunnel): the door's own fix,
 * and nothing else. The gateway's bind and a firewall on the gateway port cannot close a door
 * that reaches the gateway on loopback, and a firewall on the door's port would also cut off
 * whatever else it serves there; a gateway that is itself open has a cell, and fixes, of its own.
 * Otherwise: the gateway's bind, and a firewall that denies the port from that zone.
 */
function openCellFixes(ctx: AnalysisContext, cell: ReachCell, door: FixIntent | undefined): FixIntent[] {
  if (cell.listener.door && cell.listener.door.kind !== 'tailscale') return door ? [door] : [];
  const listener = hostPort(cell.listener.address, cell.listener.port);
  const rules = pathEvidence(cell)
    .slice(1)
    .map((e) => ({ text: e.text }));
  return [
    ...(door ? [door] : []),
    bindIntent(ctx, [listener]),
    { kind: 'firewall.deny-gateway-port', ports: [cell.listener.port], from: cell.zone.name, rules },
  ];
}

export function exposureOutcome(
  ctx: AnalysisContext,
  kinds: Zone['kind'][],
  describe: { what: string; remediation: FindingDraft['remediation'] },
): CheckOutcome {
  if (!ctx.gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
  const zones = ctx.reach().zones.filter((z) => kinds.includes(z.kind));
  if (zones.length === 0) return { result: 'skipped', reason: `this host has no ${kinds.join('/')} zone` };
  const cells = gatewayCells(ctx, kinds);
  if (cells.length === 0) return { result: 'pass', reason: 'the gateway has no listener on this host' };
  const open = cells.filter((c) => c.verdict === 'open');
  const unknown = cells.filter((c) => c.verdict === 'unknown');
  if (open.length > 0) {
    return {
      result: 'fail',
      findings: open.map((cell) => {
        // A door's cell carries the door's own fix (the check owns it; harden turns it into steps).
        const door = doorFix(ctx, cell);
        return {
          status: 'fail' as const,
          message: `${cell.listener.door && cell.listener.door.kind !== 'tailscale' ? 'The gateway is reachable through' : 'The gateway'} ${describeListener(cell)} ${cell.listener.door && cell.listener.door.kind !== 'tailscale' ? 'from' : 'is open from'} ${cell.zone.name}: ${describe.what}`,
          evidence: pathEvidence(cell),
          remediation: door?.remediation ?? describe.remediation,
          fixes: openCellFixes(ctx, cell, door?.fix),
        };
      }),
    };
  }
  if (unknown.length > 0) {
    return {
      result: 'unknown',
      reason: unknown.map((c) => `${describeListener(c)} from ${c.zone.name}: ${c.reason}`).join('; '),
      findings: unknown.map((cell) => {
        // Only a tunnel's explanation is worth giving for an undecided cell: nothing is rewritten on a guess.
        const door = doorFix(ctx, cell);
        const tunnel = door?.fix?.kind === 'door.explain-tunnel' ? door : undefined;
        return {
          status: 'unknown' as const,
          message: `Cannot tell whether ${describeListener(cell)} is reachable from ${cell.zone.name}: ${cell.reason}.`,
          evidence: pathEvidence(cell),
          remediation: tunnel?.remediation ?? describe.remediation,
          ...(tunnel?.fix ? { fixes: [tunnel.fix] } : {}),
        };
      }),
    };
  }
  return { result: 'pass', reason: cells.map((c) => `${describeListener(c)} ${c.verdict} from ${c.zone.name}`).join('; ') };
}
