import type { ProbeReport, ProbeResult } from '../../probe/types.js';
import { baselineName, driftGroups } from '../drift.js';
import type { Drift } from '../types.js';
import { html, type Html } from './escape.js';
import { listenerEndpoint, verdictBadge } from './matrix.js';

/** What the report is about and where it came from. */
export interface HostMeta {
  hostname: string;
  collectedAt: string;
  /** The uid the collection ran as: 0 reads everything, another uid misses what needs root. */
  uid: number;
  /** The clawmoat that collected the snapshot. */
  collectedBy: string;
  /** Where the data came from: "read live from this host" or "snapshot file host.json". */
  source: string;
}

export interface RenderInfo {
  /** The clawmoat that rendered the page. */
  version: string;
  /** When it was rendered (the caller's clock: renderers read none). */
  renderedAt?: string;
}

export function metaList(meta: HostMeta, info: RenderInfo): Html {
  return html`<dl class="meta">
<dt>Host</dt><dd><strong>${meta.hostname}</strong></dd>
<dt>Collected</dt><dd><time datetime="${meta.collectedAt}">${meta.collectedAt}</time> ${meta.uid === 0 ? 'as root' : html`as uid ${meta.uid} <span class="note">(not root: some sources could not be read)</span>`}</dd>
<dt>Source</dt><dd>${meta.source}</dd>
<dt>Tool</dt><dd>collected by clawmoat ${meta.collectedBy}; rendered by clawmoat ${info.version}${info.renderedAt ? ` at ${info.renderedAt}` : ''}</dd>
</dl>`;
}

function observedText(r: ProbeResult): Html {
  if (r.observed === 'error') return html`<span class="r-fail">error</span>${r.detail ? html`: ${r.detail}` : ''}`;
  return html`${r.observed}${r.observed === 'timeout' && r.detail ? html` <span class="note">(${r.detail})</span>` : ''}`;
}

function fingerprint(r: ProbeResult): Html {
  const o = r.openclaw;
  if (r.observed !== 'open') return html`<span class="note">—</span>`;
  if (!o.detected) return html`not OpenClaw`;
  const name = o.product === 'clawdbot' ? 'Clawdbot' : o.product === 'moltbot' ? 'Moltbot' : 'OpenClaw';
  return html`${name} ${o.version ?? '(version unknown)'}${o.protocol !== undefined ? `, protocol ${o.protocol}` : ''}, auth <strong>${o.auth}</strong>${o.evidence.length > 0 ? html`<ul>${o.evidence.map((e) => html`<li><code>${e}</code></li>`)}</ul>` : ''}`;
}

/** The door a probed port belongs to: what answered came through it (the proxy, its directive, where it is written, its upstream). */
function doorLine(r: ProbeResult): Html | string {
  const door = r.door;
  if (!door) return '';
  const where = door.location ? ` (${door.location.file}:${door.location.line})` : '';
  return html`<br><span class="note">through ${door.name}${where}${door.tls ? ', over TLS' : ''}: <code>${door.via}</code> → <code>${door.upstream}</code>${door.gateway ? ', which leads to the gateway' : ''}</span>`;
}

/** Observed versus predicted, per vantage point, with the gateway's fingerprint where one answered. */
export function probeSection(probe: ProbeReport): Html {
  const mismatches = probe.results.filter((r) => r.mismatch).length;
  const tables = probe.vantages.map((v) => {
    const rows = probe.results.filter((r) => r.vantage === v.name);
    return html`<h3>From ${v.name}${v.zone ? html` <span class="note">(compared with reach from ${v.zone})</span>` : ''}</h3>
${
  rows.length === 0
    ? html`<p class="note">No target was probed from here.</p>`
    : html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">Target</th><th scope="col">Observed</th><th scope="col">Predicted</th><th scope="col">Agrees</th><th scope="col">Fingerprint</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td><code>${listenerEndpoint(r)}</code>${r.listener?.process ? html`<br><span class="proc">${r.listener.process}</span>` : ''}${doorLine(r)}</td><td>${observedText(r)}</td><td>${r.predicted ? verdictBadge(r.predicted) : html`<span class="note">no prediction</span>`}</td><td>${r.mismatch ? html`<strong class="r-fail"><span aria-hidden="true">✖ </span>mismatch</strong>${r.prediction ? html`<br><span class="note">${r.prediction.zone}: ${r.prediction.reason}</span>` : ''}` : r.predicted ? html`<span class="r-pass"><span aria-hidden="true">✔ </span>yes</span>` : html`<span class="note">—</span>`}</td><td>${fingerprint(r)}</td></tr>\n`)}</tbody></table></div>`
}`;
  });
  return html`<p>${probe.results.length} connection${probe.results.length === 1 ? '' : 's'} made from ${probe.vantages.length} vantage point${probe.vantages.length === 1 ? '' : 's'}; ${mismatches === 0 ? 'every observation agrees with the reach model' : html`<strong class="r-fail">${mismatches} disagree with the reach model</strong> (it is missing something about this host)`}.</p>
${tables}
${probe.errors.length > 0 ? html`<h3>Vantage points that could not run</h3><ul>${probe.errors.map((e) => html`<li><strong>${e.vantage}</strong>: ${e.message}</li>`)}</ul>` : ''}
${probe.notes.length > 0 ? html`<ul class="note">${probe.notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}`;
}

export function limitationsSection(limitations: readonly string[]): Html {
  const unique = [...new Set(limitations)];
  if (unique.length === 0) return html`<p>Every source was read: nothing limits what this report says.</p>`;
  return html`<p>What was not read or not understood, and why. Results that rest on these are <em>unknown</em>, never guessed.</p><ul>${unique.map((l) => html`<li>${l}</li>`)}</ul>`;
}

/**
 * What changed since the report given with --baseline (the exit code comes from it, not from the
 * checklist): the same groups as the text report's, each item host text, escaped by the template.
 */
export function driftSection(drift: Drift): Html {
  const groups = driftGroups(drift);
  return html`<p>Compared with <strong>${baselineName(drift)}</strong>. With a baseline, the exit code says whether something new appeared, not whether findings remain.</p>
${groups.length === 0 ? html`<p>Nothing changed.</p>` : groups.map((g) => html`<h3>${g.title[0]!.toUpperCase()}${g.title.slice(1)}</h3><ul>${g.items.map((i) => html`<li>${i}</li>`)}</ul>\n`)}
${drift.limitations.length > 0 ? html`<ul class="note">${drift.limitations.map((l) => html`<li>${l}</li>`)}</ul>` : ''}`;
}
