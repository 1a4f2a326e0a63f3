import pc from 'picocolors';
import type { ReachCell, ReachMatrix, ReachVerdict } from '../model/reach.js';
import { sanitize } from './common.js';
import { hostPort } from '../model/addresses.js';

/** The reachability matrix for a terminal, and the rule-by-rule explanation of cells. */

const MARK: Record<ReachVerdict, string> = { open: 'open', filtered: 'filtered', closed: 'closed', unknown: 'unknown' };

// Colours on, not picocolors' default export: that one decides at load from the environment and
// the terminal, which the caller has already weighed (and the startup snapshot loads it elsewhere).
const colors = pc.createColors(true);

function paint(verdict: ReachVerdict, text: string, color: boolean): string {
  if (!color) return text;
  return verdict === 'open' ? colors.red(text) : verdict === 'unknown' ? colors.yellow(text) : colors.green(text);
}

// Zone names carry interface names, and limitations and reasons quote the host: every such string
// is sanitized, as in report/text.ts, so a hostile interface name cannot drive the terminal.

function listenerLabel(cell: ReachCell): string {
  const l = cell.listener;
  return `${l.protocol} ${sanitize(hostPort(l.address, l.port))}${l.process ? ` ${sanitize(l.process)}` : ''}${l.gateway ? (l.door && l.door.kind !== 'tailscale' ? (l.door.unknown ? ' (door: unknown)' : ' (door to gateway)') : ' (gateway)') : ''}`;
}

export function renderReachMatrix(matrix: ReachMatrix, options: { color?: boolean } = {}): string {
  const color = options.color === true;
  const zones = matrix.zones.map((z) => sanitize(z.name));
  const rows = new Map<string, ReachCell[]>();
  for (const cell of matrix.cells) {
    const key = listenerLabel(cell);
    rows.set(key, [...(rows.get(key) ?? []), cell]);
  }
  const labelWidth = Math.max(8, ...[...rows.keys()].map((k) => k.length));
  const widths = zones.map((z) => Math.max(z.length, 8));
  const lines: string[] = [];
  lines.push(['listener'.padEnd(labelWidth), ...zones.map((z, i) => z.padEnd(widths[i]!))].join('  ').trimEnd());
  for (const [label, cells] of rows) {
    const byZone = new Map(cells.map((c) => [sanitize(c.zone.name), c]));
    const line = [
      label.padEnd(labelWidth),
      ...zones.map((z, i) => {
        const cell = byZone.get(z);
        const text = (cell ? MARK[cell.verdict] : '').padEnd(widths[i]!);
        return cell ? paint(cell.verdict, text, color) : text;
      }),
    ];
    lines.push(line.join('  ').trimEnd());
  }
  lines.push('');
  for (const z of matrix.zones)
    lines.push(
      sanitize(`${z.name}: ${z.kind} on ${z.interface} (${z.reason}); clients from ${[z.source[4], z.source[6]].filter(Boolean).join(', ') || 'no address'}`),
    );
  if (matrix.limitations.length > 0) lines.push('', ...matrix.limitations.map((l) => `limitation: ${sanitize(l)}`));
  lines.push('', 'Explain one cell: clawmoat reach --port PORT --from ZONE');
  return `${lines.join('\n')}\n`;
}

export function renderReachExplanation(cells: ReachCell[], options: { color?: boolean } = {}): string {
  const color = options.color === true;
  const blocks = cells.map((cell) => {
    const head = `${listenerLabel(cell)} ${sanitize(`from ${cell.zone.name} (${cell.zone.source} → ${cell.destination || '-'})`)}: ${paint(cell.verdict, cell.verdict.toUpperCase(), color)}`;
    const path = cell.path.map((s, i) => {
      const where = sanitize([s.table, s.chain].filter(Boolean).join(' '));
      const rule = s.rule !== undefined ? ` rule ${s.rule}` : '';
      const line = s.line !== undefined ? ` (line ${s.line})` : '';
      return `  ${String(i + 1).padStart(2)}. ${s.hook}${where ? ` ${where}` : ''}${rule}${line}: ${sanitize(s.text)}`;
    });
    return [head, ...path, `  => ${sanitize(cell.reason)}`].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}
