import { Option, type Command } from 'commander';
import type { ReachCell } from '../../model/reach.js';
import { parseZoneSpec, type ZoneSpec } from '../../model/zones.js';
import { UserError } from '../../snapshot/io.js';
import { emit, useColor } from '../output.js';
import { analyseOptions, obtainSnapshot, preload, zoneSpecs, type AnalyseFlags } from './shared.js';
import { PathOption } from '../paths.js';
import { DOCUMENT_FORMATS, documentWriter, hostMeta, isDocumentFormat } from '../../report/html/load.js';

interface ReachFlags extends AnalyseFlags {
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

export function registerReach(program: Command): void {
  const command = program
    .command('reach')
    .description('who can reach each listener from each zone (loopback, internet, LAN, tailnet, Docker networks), rule by rule')
    .option('--port <port>', 'only listeners on this port (and explain them)')
    .option('--from <zone>', 'only this zone: a zone name, a kind (internet, lan, tailnet, docker), or an interface')
    .option('--json', 'print the whole matrix with paths as JSON (schema: docs/reach-format.md)')
    .addOption(
      new Option('-f, --format <format>', 'output format: html is one page to open offline, pdf needs Chromium')
        .choices(['text', 'json', ...DOCUMENT_FORMATS])
        .default('text'),
    )
    .addOption(new PathOption('-o, --output <file>', 'write to a file instead of stdout', 'output', ''))
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addOption(new Option('--fail-on-open <kind>', 'exit 1 when a gateway listener is open from a zone of this kind').choices(['internet', 'lan', 'any']))
    .addHelpText(
      'after',
      `
Examples:
  $ sudo clawmoat reach                             # the matrix for this host
  $ sudo clawmoat reach --port 18789 --from internet # explain one cell, rule by rule
  $ clawmoat reach --snapshot host.json --json | jq '.cells[] | select(.verdict=="open")'
  $ sudo clawmoat reach --zone office=eth1:192.168.1.50
  $ sudo clawmoat reach --format html -o reach.html   # the matrix as a page; click a cell for its path

Verdicts: open (a client there completes a connection), filtered (dropped or rejected
on the way), closed (reaches the host, but no socket takes it), unknown (the model cannot
decide; the reason names the rule). Exit codes: 0 done, 1 --fail-on-open matched, 2 error.`,
    );
  analyseOptions(command).action(async (flags: ReachFlags & { failOnOpen?: string }) => {
    // A typo in --port should not cost a collection.
    const port = flags.port === undefined ? undefined : Number(flags.port);
    if (port !== undefined && (!/^\d+$/.test(flags.port!) || port < 1 || port > 65535))
      throw new UserError(`--port ${flags.port}: not a port number (1-65535)`);
    const document = isDocumentFormat(flags.format) && !flags.json ? await documentWriter(flags.format, flags.output) : undefined;
    // The model and the renderer load while the snapshot is read.
    const model = preload(() => import('../../model/analysis-context.js'));
    const renderer = preload(() => import('../../report/reach.js'));
    const json = flags.json === true || flags.format === 'json';
    const snapshot = await obtainSnapshot(flags, () => {
      void model();
      if (!document && !json) void renderer();
    });
    const adHoc = adHocZone(flags.from);
    const { loadContext } = await model();
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
    const color = !flags.output && useColor(flags.color);
    if (document) await document.write('reach', { meta: hostMeta(snapshot, flags.snapshot), matrix, cells }, flags.output);
    else {
      let text: string;
      if (json) text = `${JSON.stringify({ schemaVersion: 1, zones: matrix.zones, cells, limitations: matrix.limitations }, null, 2)}\n`;
      else {
        const { renderReachExplanation, renderReachMatrix } = await renderer();
        text = flags.port !== undefined || flags.from !== undefined ? renderReachExplanation(cells, { color }) : renderReachMatrix(matrix, { color });
      }
      await emit(text, flags.output);
    }
    if (flags.failOnOpen) {
      const kinds = flags.failOnOpen === 'any' ? ['internet', 'lan', 'tailnet', 'docker', 'custom'] : [flags.failOnOpen];
      if (cells.some((c) => c.listener.gateway && c.verdict === 'open' && kinds.includes(c.zone.kind))) process.exitCode = 1;
    }
  });
}
