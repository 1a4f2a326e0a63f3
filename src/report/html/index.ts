import type { ReachCell, ReachMatrix } from '../../model/reach.js';
import type { ProbeReport } from '../../probe/types.js';
import type { Report } from '../types.js';
import { checklistSection, summaryCounts } from './checklist.js';
import { html, type Html } from './escape.js';
import { keptPaths, matrixSection, pathsSection, reachAnswer } from './matrix.js';
import { renderPage } from './page.js';
import { driftSection, limitationsSection, metaList, probeSection, type HostMeta, type RenderInfo } from './sections.js';

/**
 * One self-contained HTML page per report (docs/html-report.md). Pure: data in, a string out.
 * A page is made of host views; a fleet page (hosts × checks, each host linking to its own
 * section) is the same views under per-host id prefixes, with an overview in front.
 */

export type { HostMeta, RenderInfo } from './sections.js';
export { CONTENT_SECURITY_POLICY } from './page.js';

export interface HostView {
  meta: HostMeta;
  /** The audit; absent for `reach`. */
  report?: Report;
  matrix: ReachMatrix;
  /** Only these cells (reach --port/--from); default: every cell. */
  cells?: readonly ReachCell[];
  /** When `--probe` ran. */
  probe?: ProbeReport;
}

interface Part {
  id: string;
  label: string;
  body: Html;
}

/** The sections of one host, ids prefixed so that many hosts can share a page. */
export function hostParts(view: HostView, prefix = ''): Part[] {
  const cells = view.cells ?? view.matrix.cells;
  const answer = reachAnswer(cells, view.report?.gateway);
  const gateway = view.report?.gateway;
  const kept = keptPaths(cells);
  const parts: Part[] = [];
  parts.push({
    id: `${prefix}reach`,
    label: 'Who can reach the gateway',
    body: html`<div class="answer ${answer.tone}" role="status"><p class="lead">${answer.lead}</p>${answer.detail.map((d) => html`<p>${d}</p>`)}
${gateway?.detected ? html`<p class="note">Gateway: ${gateway.listeners.length > 0 ? gateway.listeners.join('; ') : 'no listener'}${gateway.bind ? ` · bind ${gateway.bind.value} (${gateway.bind.source})` : ''}${gateway.auth ? ` · auth ${gateway.auth.mode} (${gateway.auth.source})` : ''}${gateway.version ? ` · version ${gateway.version}` : ''}</p>` : ''}</div>
${matrixSection(view.matrix, cells, prefix, kept)}`,
  });
  if (view.report?.drift) parts.push({ id: `${prefix}drift`, label: 'Since the baseline', body: driftSection(view.report.drift) });
  if (view.report)
    parts.push({ id: `${prefix}checklist`, label: 'Checklist', body: html`${summaryCounts(view.report)}${checklistSection(view.report, prefix)}` });
  if (view.probe) parts.push({ id: `${prefix}probe`, label: 'Probe: observed vs predicted', body: probeSection(view.probe) });
  parts.push({ id: `${prefix}limitations`, label: 'Limitations', body: limitationsSection([...(view.report?.limitations ?? []), ...view.matrix.limitations]) });
  parts.push({ id: `${prefix}paths`, label: 'Paths, rule by rule', body: pathsSection(cells, prefix, kept) });
  return parts;
}

function page(kind: 'audit' | 'reach', view: HostView, info: RenderInfo): string {
  const parts = hostParts(view);
  const title = `clawmoat ${kind}: ${view.meta.hostname}`;
  return renderPage({
    title,
    header: html`<h1>${title}</h1>${metaList(view.meta, info)}`,
    toc: parts.map(({ id, label }) => ({ id, label })),
    main: html`${parts.map(
      (p) => html`<section aria-labelledby="${p.id}"><h2 id="${p.id}">${p.label}</h2>
${p.body}</section>\n`,
    )}`,
    footer: html`<p>Made by clawmoat ${info.version}. This page loads nothing from anywhere: it can be kept, mailed and opened offline. Secrets were redacted when the host was read.</p>`,
  });
}

/** `clawmoat audit --format html`. */
export function renderAuditHtml(view: HostView & { report: Report }, info: RenderInfo): string {
  return page('audit', view, info);
}

/** `clawmoat reach --format html`. */
export function renderReachHtml(view: HostView, info: RenderInfo): string {
  return page('reach', view, info);
}
