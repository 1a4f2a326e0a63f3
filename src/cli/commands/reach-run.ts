import { loadContext } from '../../model/analysis-context.js';
import type { ReachCell } from '../../model/reach.js';
import { parseZoneSpec, type ZoneSpec } from '../../model/zones.js';
import { hostMeta, type DocumentWriter } from '../../report/html/load.js';
import { renderReachExplanation, renderReachMatrix } from '../../report/reach.js';
import { sanitize } from '../../report/common.js';
import { hostPort } from '../../model/addresses.js';
import { UserError } from '../../errors.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { CommandIo } from '../io.js';
import { emit, useColor } from '../output.js';
import { zoneSpecs, type AnalyseFlags } from './shared.js';

export interface ReachFlags extends AnalyseFlags {
  port?: string;
  from?: string;
  json?: boolean;
  format: 'text' | 'json' | 'html' | 'pdf';
  output?: string;
  color?: boolean;
}

const ZONE_KINDS = new Set(['loopback', 'internet', 'lan', 'tailnet', 'docker', 'custom']);

/** `--from IFACE:SRC` asks for a client of our choosing: it becomes a zone of its own. */
function adHocZone(from: string | undefined): ZoneSpec | undefined {
  if (!from) return undefined;
  const match = /^([^:]+):(.+)$/.exec(from);
  if (!match || ZONE_KINDS.has(match[1]!) || match[1]!.startsWith('docker')) return undefined;
  return { ...parseZoneSpec(`adhoc=${match[1]}:${match[2]}`), name: from };
}

function zoneMatches(cell: ReachCell, from: string): boolean {
  return cell.zone.name === from || cell.zone.kind === from || cell.zone.interface === from;
}

/**
 * The matrix of a snapshot, filtered and written: what `clawmoat reach` loads (one lazy import,
 * while the snapshot is read) once its flags are checked. Returns the exit code: 1 when
 * --fail-on-open matched (a gateway cell of that kind open, or undecided), else 0.
 */
export async function runReach(
  snapshot: Snapshot,
  flags: ReachFlags & { failOnOpen?: string },
  { port, document }: { port: number | undefined; document: DocumentWriter | undefined },
  io: CommandIo,
): Promise<0 | 1> {
  const json = flags.json === true || flags.format === 'json';
  const adHoc = adHocZone(flags.from);
  const ctx = await loadContext(snapshot, { zones: [...zoneSpecs(flags), ...(adHoc ? [adHoc] : [])] });
  const matrix = ctx.reach();
  let cells = matrix.cells;
  if (port !== undefined) {
    cells = cells.filter((c) => c.listener.port === port);
    if (cells.length === 0)
      throw new UserError(
        `--port ${port}: nothing listens on port ${port} on this host (listeners: ${[...new Set(matrix.listeners.map((l) => l.port))].join(', ') || 'none'})`,
      );
  }
  if (flags.from !== undefined) {
    const from = flags.from;
    cells = cells.filter((c) => zoneMatches(c, from));
    if (cells.length === 0) throw new UserError(`--from ${from}: no such zone (zones: ${matrix.zones.map((z) => z.name).join(', ')})`);
  }
  const color = !flags.output && useColor(flags.color, io);
  if (document) await document.write('reach', { meta: hostMeta(snapshot, flags.snapshot), matrix, cells }, flags.output);
  else {
    let text: string;
    if (json) text = `${JSON.stringify({ schemaVersion: 1, zones: matrix.zones, cells, limitations: matrix.limitations }, null, 2)}\n`;
    else {
      text = flags.port !== undefined || flags.from !== undefined ? renderReachExplanation(cells, { color }) : renderReachMatrix(matrix, { color });
    }
    await emit(text, flags.output, io);
  }
  if (flags.failOnOpen) {
    const kinds = flags.failOnOpen === 'any' ? ['internet', 'lan', 'tailnet', 'docker', 'custom'] : [flags.failOnOpen];
    const gatewayCells = cells.filter((c) => c.listener.gateway && kinds.includes(c.zone.kind));
    if (gatewayCells.some((c) => c.verdict === 'open')) return 1;
    // A gate that asks "is the gateway open from there?" must not pass on a cell the model could
    // not decide (an unreadable ruleset, an unread Serve config): that is the silent pass. Exit 1
    // as for open, with the reason on stderr so the caller sees it was undecided, not open.
    const undecided = gatewayCells.filter((c) => c.verdict === 'unknown');
    for (const c of undecided)
      io.err(
        `clawmoat reach: could not decide whether the gateway ${sanitize(`${c.listener.protocol} ${hostPort(c.listener.address, c.listener.port)}`)} is open from ${sanitize(c.zone.name)}: ${sanitize(c.reason)}\n`,
      );
    if (undecided.length > 0) return 1;
  }
  return 0;
}
