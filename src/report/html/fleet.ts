import type { FleetHost, FleetReport } from '../../fleet/types.js';
import { RESULT_MARK } from '../common.js';
import { ZONE_KINDS, kindsWith } from '../exposure.js';
import { html, type Html } from './escape.js';
import { renderPage } from './page.js';
import type { RenderInfo } from './sections.js';

/**
 * `clawmoat fleet --format html`: one page for many hosts. First what a person looks for (how
 * many hosts, how many exposed, the worst), then the hosts × checks grid, worst host first, each
 * host's name a link to its own section, then the hosts that could not be read, said as such.
 * A host's section is compact (its findings and where its gateway is open), so that a page of a
 * thousand hosts stays a page; each host's own `audit --format html` has the paths.
 */

const hostId = (i: number) => `host-${i}`;

/** Open kinds in red, undecided kinds in amber; green "not reachable" only when every cell beyond loopback was decided. */
function exposureText(h: FleetHost): Html {
  const open = kindsWith(h.exposure);
  const unsure = kindsWith(h.undecided);
  if (open.length === 0 && unsure.length === 0) return html`<span class="r-pass">not reachable beyond loopback</span>`;
  const openText = open.length > 0 ? html`<span class="r-fail">open from ${open.join(', ')}</span>` : '';
  const unsureText = unsure.length > 0 ? html`<span class="r-unknown">could not decide (${unsure.join(', ')})</span>` : '';
  return html`${openText}${open.length > 0 && unsure.length > 0 ? '; ' : ''}${unsureText}`;
}

function grid(report: FleetReport): Html {
  if (report.hosts.length === 0) return html`<p class="statement">No host could be read: see below.</p>`;
  const head = html`<tr><th scope="col">host</th><th scope="col">worst</th><th scope="col">gateway</th>${report.checks.map((c) => html`<th scope="col"><abbr title="${c.title}">${c.id}</abbr></th>`)}</tr>`;
  const rows = report.hosts.map(
    (h, i) =>
      html`<tr><th scope="row"><a href="#${hostId(i)}">${h.host}</a></th><td><span class="chip s-${h.worst === 'none' ? 'none' : h.worst}">${h.worst}</span></td><td>${exposureText(h)}</td>${report.checks.map(
        (c) => {
          const result = h.checks[c.id];
          return result
            ? html`<td class="result r-${result}" title="${c.id}: ${result}"><span aria-hidden="true">${RESULT_MARK[result]}</span><span class="sr-only"> ${result}</span></td>`
            : html`<td class="note">—</td>`;
        },
      )}</tr>`,
  );
  return html`<div class="matrix-wrap" tabindex="0" role="region" aria-label="Hosts and checks"><table class="matrix fleet"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
}

function hostSection(h: FleetHost, i: number): Html {
  return html`<section aria-labelledby="${hostId(i)}"><h3 id="${hostId(i)}">${h.host}</h3>
<p class="note">From <code>${h.file}</code>${h.hostname !== h.host ? html`, declares hostname <code>${h.hostname}</code>` : ''}, collected <time datetime="${h.collectedAt}">${h.collectedAt}</time>. Gateway: ${exposureText(h)}.</p>
${h.findings.length === 0 ? html`<p class="statement">No finding.</p>` : html`<ul class="checks">${h.findings.map((f) => html`<li><span class="chip s-${f.severity}">${f.severity}</span> ${f.status === 'unknown' ? html`<strong>could not decide:</strong> ` : ''}<code>${f.id}</code> ${f.message}</li>`)}</ul>`}
${h.limitations.length > 0 ? html`<p class="note">Not read, or not fully:</p><ul>${h.limitations.map((l) => html`<li>${l}</li>`)}</ul>` : ''}
</section>\n`;
}

export function renderFleetHtml(report: FleetReport, info: RenderInfo): string {
  const s = report.summary;
  const exposedInternet = s.exposed.internet ?? 0;
  const undecidedInternet = s.undecided.internet ?? 0;
  // Hosts whose internet cells could not be decided are counted apart: never part of "no gateway is reachable".
  // Hosts that could not be read are unknown too: the answer is never green while one is missing.
  const unread = s.unreadable > 0 ? ` ${s.unreadable} host(s) could not be read: nothing is known of them.` : '';
  const unsure =
    (undecidedInternet > 0 ? ` For ${undecidedInternet} host(s) it could not be decided whether the gateway is reachable from the internet.` : '') + unread;
  const lead =
    report.hosts.length === 0
      ? `No host could be read.${unread}`
      : exposedInternet > 0
        ? `${exposedInternet} of ${report.hosts.length} host(s) have a gateway reachable from the internet.${unsure}`
        : undecidedInternet > 0 || s.unreadable > 0
          ? `No gateway of the ${report.hosts.length} host(s) read is known to be reachable from the internet.${unsure}`
          : `No gateway of the ${report.hosts.length} host(s) read is reachable from the internet.`;
  const tone = exposedInternet > 0 ? 'bad' : undecidedInternet > 0 || s.unreadable > 0 || report.hosts.length === 0 ? 'warn' : 'good';
  const sections = [
    { id: 'overview', label: 'Overview' },
    { id: 'grid', label: 'Hosts × checks' },
    { id: 'unreadable', label: 'Hosts not read' },
    { id: 'hosts', label: 'Each host' },
  ];
  const title = `clawmoat fleet: ${report.hosts.length} host(s)`;
  return renderPage({
    title,
    header: html`<h1>${title}</h1><p class="note">Rendered by clawmoat ${info.version}${info.renderedAt ? ` at ${info.renderedAt}` : ''}.</p>`,
    toc: sections,
    main: html`<section aria-labelledby="overview"><h2 id="overview">Overview</h2>
<div class="answer ${tone}" role="status"><p class="lead">${lead}</p></div>
<ul class="counts" aria-label="Fleet"><li class="chip">${s.hosts} read</li><li class="chip ${s.unreadable > 0 ? 'r-unknown' : ''}">${s.unreadable} not read</li><li class="chip s-critical">${s.critical} critical</li><li class="chip s-warn">${s.warn} warn</li><li class="chip s-info">${s.info} info</li></ul>
<p>Hosts whose gateway is open beyond loopback: ${ZONE_KINDS.filter((k) => k !== 'loopback')
      .map((k) => `${k} ${s.exposed[k] ?? 0}`)
      .join(', ')}.${
      kindsWith(s.undecided).length > 0
        ? ` Hosts for which it could not be decided: ${kindsWith(s.undecided)
            .map((k) => `${k} ${s.undecided[k]}`)
            .join(', ')}.`
        : ''
    }</p></section>
<section aria-labelledby="grid"><h2 id="grid">Hosts × checks</h2><p class="note">Worst host first; ${Object.values(RESULT_MARK).join(' ')} mark pass, fail, unknown, skipped. A host's name leads to its section.</p>${grid(report)}</section>
<section aria-labelledby="unreadable"><h2 id="unreadable">Hosts not read</h2>${report.unreadable.length === 0 ? html`<p class="statement">Every file was read.</p>` : html`<p>These are not a pass: nothing is known of them.</p><ul>${report.unreadable.map((u) => html`<li>${u.host ? html`<strong>${u.host}</strong> ` : ''}<code>${u.file}</code>: ${u.reason}</li>`)}</ul>`}</section>
<section aria-labelledby="hosts"><h2 id="hosts">Each host</h2>${report.hosts.map(hostSection)}</section>`,
    footer: html`<p>Made by clawmoat ${info.version}. This page loads nothing from anywhere. Secrets were redacted when each host was read.</p>`,
  });
}
