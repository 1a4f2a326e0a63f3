import { hostPort } from '../../model/addresses.js';
import type { ReachCell, ReachListener, ReachMatrix, ReachVerdict } from '../../model/reach.js';
import type { Step } from '../../netfilter/simulate/types.js';
import type { GatewaySummary } from '../types.js';
import { html, join, type Html } from './escape.js';

/**
 * The reachability matrix as a grid (gateway rows first), every verdict marked by a shape and a
 * word as well as a colour, and every cell's path rule by rule in a section of its own: a cell
 * links to its path, and the page's script shows that path beside the grid when it is clicked.
 */

export const VERDICT_MARK: Record<ReachVerdict, string> = { open: '▲', filtered: '■', closed: '○', unknown: '?' };

const VERDICT_MEANING: Record<ReachVerdict, string> = {
  open: 'a client there completes a connection',
  filtered: 'dropped or rejected on the way',
  closed: 'reaches the host, but no socket takes it',
  unknown: 'the model cannot decide; the path names why',
};

export function verdictBadge(verdict: ReachVerdict): Html {
  return html`<span class="v v-${verdict}"><span aria-hidden="true">${VERDICT_MARK[verdict]} </span>${verdict}</span>`;
}

export function listenerEndpoint(l: { address: string; port: number; protocol?: string }): string {
  return `${l.protocol ? `${l.protocol} ` : ''}${hostPort(l.address, l.port)}`;
}

interface Row {
  listener: ReachListener;
  cells: Map<string, { cell: ReachCell; index: number }>;
}

function sameListener(a: ReachListener, b: ReachListener): boolean {
  return (
    a === b ||
    (a.address === b.address &&
      a.port === b.port &&
      a.protocol === b.protocol &&
      a.pid === b.pid &&
      a.process === b.process &&
      a.serve === b.serve &&
      a.gateway === b.gateway)
  );
}

/** Rows in the matrix's own order (cells come listener by listener), the gateway's first. */
export function matrixRows(cells: readonly ReachCell[]): Row[] {
  const rows: Row[] = [];
  let row: Row | undefined;
  cells.forEach((cell, index) => {
    if (!row || !sameListener(row.listener, cell.listener) || row.cells.has(cell.zone.name)) {
      row = { listener: cell.listener, cells: new Map() };
      rows.push(row);
    }
    row.cells.set(cell.zone.name, { cell, index });
  });
  return [...rows.filter((r) => r.listener.gateway), ...rows.filter((r) => !r.listener.gateway)];
}

/** The zones the cells are in, in the matrix's order. */
function zonesOf(matrix: ReachMatrix, cells: readonly ReachCell[]): ReachMatrix['zones'] {
  const used = new Set(cells.map((c) => c.zone.name));
  return matrix.zones.filter((z) => used.has(z.name));
}

function listenerHeader(l: ReachListener): Html {
  const proc = [l.process, l.pid !== undefined ? `pid ${l.pid}` : undefined].filter(Boolean).join(', ');
  return html`<code>${listenerEndpoint(l)}</code>${l.gateway ? html`<span class="badge gw">gateway</span>` : ''}${proc ? html`<br><span class="proc wrap">${proc}</span>` : ''}${l.serve ? html`<br><span class="proc wrap">serves ${l.serve}</span>` : ''}`;
}

function zoneHeader(z: ReachMatrix['zones'][number]): Html {
  return html`<th scope="col"><span class="wrap">${z.name}</span><span class="zone-kind">${z.kind} · ${z.interface}</span></th>`;
}

export function legend(): Html {
  const verdicts: ReachVerdict[] = ['open', 'filtered', 'closed', 'unknown'];
  return html`<ul class="legend">${verdicts.map((v) => html`<li>${verdictBadge(v)} ${VERDICT_MEANING[v]}</li>`)}</ul>`;
}

/**
 * A page keeps at most this many paths (about 1 kB each), so a host with thousands of listeners
 * still makes a page a browser opens at once; which ones is `keptPaths`.
 */
export const MAX_PATHS = 2000;

/** Above this many rows the listener column no longer sticks while scrolling sideways (scrolling stays smooth). */
const STICKY_ROWS = 300;

/** The cells whose path the page holds: all of them up to `limit`, else the gateway's first, then what is open or undecided from outside, then the rest in order. */
export function keptPaths(cells: readonly ReachCell[], limit = MAX_PATHS): Set<number> {
  if (cells.length <= limit) return new Set(cells.keys());
  const rank = (c: ReachCell) => (c.listener.gateway ? 0 : c.zone.kind !== 'loopback' && (c.verdict === 'open' || c.verdict === 'unknown') ? 1 : 2);
  const order = [...cells.keys()].sort((a, b) => rank(cells[a]!) - rank(cells[b]!) || a - b);
  return new Set(order.slice(0, limit));
}

/** The grid; `cells` may be a subset of the matrix (reach --port/--from). */
export function matrixSection(matrix: ReachMatrix, cells: readonly ReachCell[], prefix: string, kept: ReadonlySet<number>): Html {
  const rows = matrixRows(cells);
  const zones = zonesOf(matrix, cells);
  const limits = matrix.limitations.length > 0 ? html`<ul>${matrix.limitations.map((l) => html`<li>${l}</li>`)}</ul>` : '';
  if (rows.length === 0) {
    return html`<p class="statement" role="status">The matrix is empty: no listening socket was found on this host${matrix.limitations.length > 0 ? ' (see why below)' : ''}, so there is nothing any zone can reach.</p>${limits}`;
  }
  const body = rows.map((row) => {
    const tds = zones.map((z) => {
      const entry = row.cells.get(z.name);
      if (!entry) return html`<td><span class="note">—</span></td>`;
      const v = entry.cell.verdict;
      return html`<td><a class="cell v v-${v}" href="#${prefix}${kept.has(entry.index) ? `p${entry.index}` : 'paths-left-out'}"><span aria-hidden="true">${VERDICT_MARK[v]} </span>${v}</a></td>`;
    });
    return html`<tr${row.listener.gateway ? html` class="gw"` : ''}><th scope="row">${listenerHeader(row.listener)}</th>${tds}</tr>\n`;
  });
  return html`${legend()}
<p class="note screen-only">${rows.length} listener${rows.length === 1 ? '' : 's'} × ${zones.length} zone${zones.length === 1 ? '' : 's'}. Choose a cell to see its path, rule by rule.</p>
<div class="matrix-wrap" tabindex="0" role="region" aria-label="Reachability matrix"><table class="matrix${rows.length > STICKY_ROWS ? ' many' : ''}">
<caption class="note">Who can reach each listener (rows) from each zone (columns)</caption>
<thead><tr><th scope="col">Listener</th>${zones.map(zoneHeader)}</tr></thead>
<tbody>
${body}</tbody></table></div>
<div id="cell-detail" class="screen-only" tabindex="-1" role="region" aria-live="polite" aria-label="Path of the chosen cell"><p class="note">The path of the cell you choose appears here.</p></div>
<h3>Zones</h3>
<ul>${zones.map((z) => html`<li><strong>${z.name}</strong>: ${z.kind} on <code>${z.interface}</code> (${z.reason}); clients from ${[z.source[4], z.source[6]].filter(Boolean).join(', ') || 'no address'}</li>`)}</ul>
${limits}`;
}

/** Where a step's rule is: the ruleset dump it was read from and its line there. */
export function stepSource(step: Step): string {
  if (step.line === undefined) return '';
  const dump = step.table.startsWith('ip6 ') ? 'ip6tables-save' : step.table.startsWith('ip ') ? 'iptables-save' : 'ruleset';
  return `${dump} line ${step.line}`;
}

function stepItem(step: Step): Html {
  const where = [step.hook, [step.table, step.chain].filter(Boolean).join(' '), step.rule !== undefined ? `rule ${step.rule}` : '', stepSource(step)]
    .filter(Boolean)
    .join(' · ');
  return html`<li><span class="where">${where}</span>${step.action ? html` <strong>${step.action}</strong>` : ''}<br><code>${step.text}</code></li>`;
}

function pathEntry(cell: ReachCell, index: number, prefix: string): Html {
  const steps = cell.path.length > 0 ? html`<ol>${cell.path.map(stepItem)}</ol>` : html`<p class="note">No rule was walked.</p>`;
  return html`<div class="path" id="${prefix}p${index}"><h4>${listenerEndpoint(cell.listener)} from ${cell.zone.name} <span class="note">(${cell.zone.source || 'no client address'} → ${cell.destination || '—'})</span>: ${verdictBadge(cell.verdict)}</h4>
${steps}<p>⇒ ${cell.reason}</p></div>`;
}

/** Every kept cell's path, listener by listener, in the grid's order: what the grid links to, and what prints. */
export function pathsSection(cells: readonly ReachCell[], prefix: string, kept: ReadonlySet<number>): Html {
  const rows = matrixRows(cells);
  if (rows.length === 0) return html`<p class="note">No paths: the matrix is empty.</p>`;
  const leftOut = cells.length - kept.size;
  const note =
    leftOut > 0
      ? html`<p class="statement" id="${prefix}paths-left-out" tabindex="-1">This page holds ${kept.size} of the ${cells.length} paths (the gateway's first, then what is open or undecided from outside the host): ${leftOut} more would make it too big to open. Any cell's path, rule by rule: <code>clawmoat reach --port PORT --from ZONE</code> on this host or its snapshot.</p>`
      : '';
  const sections = rows.flatMap((row) => {
    const entries = [...row.cells.values()].filter(({ index }) => kept.has(index));
    if (entries.length === 0) return [];
    return [
      html`<section class="listener-paths"><h3>${listenerEndpoint(row.listener)}${row.listener.process ? ` (${row.listener.process})` : ''}${row.listener.gateway ? ' — gateway' : ''}</h3>
${entries.map(({ cell, index }) => pathEntry(cell, index, prefix))}</section>\n`,
    ];
  });
  return html`${note}${join(sections)}`;
}

/** The one-line answer at the top: who can reach the gateway. */
export function reachAnswer(
  cells: readonly ReachCell[],
  gateway: GatewaySummary | undefined,
): { tone: 'good' | 'warn' | 'bad'; lead: string; detail: string[] } {
  const gw = cells.filter((c) => c.listener.gateway);
  if (gw.length === 0) {
    if (gateway && gateway.detected) {
      return {
        tone: 'warn',
        lead: `A gateway was found (${gateway.detectedBy.join(', ')}), but no socket of it is listening now, so the matrix has no gateway row.`,
        detail: [`Its port: ${gateway.port?.value ?? gateway.ports.join(', ')}.`],
      };
    }
    return {
      tone: 'warn',
      lead: 'No OpenClaw gateway was found on this host: no gateway process, config or listener on its port.',
      detail: ['The matrix below still shows every listener.'],
    };
  }
  const zonesWhere = (v: ReachVerdict) => [
    ...new Set(gw.filter((c) => c.verdict === v && c.zone.kind !== 'loopback').map((c) => `${c.zone.name} (${c.zone.kind} on ${c.zone.interface})`)),
  ];
  const open = zonesWhere('open');
  const unknown = zonesWhere('unknown');
  const detail = unknown.length > 0 ? [`Not decided (unknown) from: ${unknown.join(', ')}.`] : [];
  if (open.length > 0) return { tone: 'bad', lead: `The gateway is reachable from ${open.join(', ')}.`, detail };
  if (unknown.length > 0) return { tone: 'warn', lead: 'No zone other than loopback is known to reach the gateway, but some could not be decided.', detail };
  const loop = gw.some((c) => c.verdict === 'open' && c.zone.kind === 'loopback');
  return { tone: 'good', lead: loop ? 'Only this host (loopback) can reach the gateway.' : 'No zone can reach the gateway.', detail };
}
