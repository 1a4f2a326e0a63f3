import type { CheckResult, CheckResultKind, Finding } from '../../checks/types.js';
import { checksToShow, effectiveSeverity, findingsFor, formatLocation, groupByGuide, RESULT_MARK, sameLocation, stepText } from '../common.js';
import type { Report } from '../types.js';
import { html, type Html } from './escape.js';

/** The checklist in the guide's order: each check's result told apart by a mark and a word, then its findings with evidence and fix. */

export function resultBadge(result: CheckResultKind): Html {
  return html`<span class="result r-${result}"><span aria-hidden="true">${RESULT_MARK[result]} </span>${result}</span>`;
}

function evidenceItems(finding: Finding): Html[] {
  const items = finding.evidence.map(
    (e) =>
      html`<li><span class="where">${e.kind}:</span> <code>${e.text}</code>${e.location ? html` <span class="where">at <code>${formatLocation(e.location)}</code></span>` : ''}</li>`,
  );
  const loc = finding.location;
  if (loc && !finding.evidence.some((e) => e.location && sameLocation(e.location, loc)))
    items.unshift(html`<li><span class="where">at</span> <code>${formatLocation(loc)}</code></li>`);
  return items;
}

function findingBlock(finding: Finding): Html {
  const r = finding.remediation;
  const evidence = evidenceItems(finding);
  return html`<div class="finding">
<p><span class="chip s-${finding.severity}">${finding.severity}</span> ${finding.status === 'unknown' ? html`<strong>could not decide:</strong> ` : ''}${finding.message}</p>
${evidence.length > 0 ? html`<p class="note">Evidence</p><ul>${evidence}</ul>` : ''}
<p><strong>Fix:</strong> ${r.summary} ${r.automatic ? html`<span class="badge auto">clawmoat harden can apply this</span>` : html`<span class="badge manual">by hand</span>`}</p>
${r.steps.map((step) => html`<div class="cmd"><pre><code>${stepText(step)}</code></pre><button type="button" class="copy">Copy</button></div>`)}
</div>`;
}

function checkItem(check: CheckResult, findings: Finding[]): Html {
  const severity = effectiveSeverity(check, findings);
  return html`<li class="check" id="check-${check.id}"><div class="head">${resultBadge(check.result)}<strong>${check.title}</strong> <code class="note">${check.id}</code> <span class="chip s-${severity}">${severity}</span></div>
${check.reason && !findings.some((f) => f.message === check.reason) ? html`<p class="note">${check.reason}</p>` : ''}${findings.map(findingBlock)}</li>`;
}

export function checklistSection(report: Report, prefix = ''): Html {
  const groups = groupByGuide(checksToShow(report));
  if (groups.length === 0) return html`<p class="statement">No check ran.</p>`;
  return html`${groups.map((g, i) => html`<h3 id="${prefix}guide-${i}">${g.guide}</h3><ul class="checks">${g.checks.map((c) => checkItem(c, findingsFor(report, c.id)))}</ul>`)}`;
}

export function summaryCounts(report: Report): Html {
  const s = report.summary;
  const results: [CheckResultKind, number][] = [
    ['pass', s.pass],
    ['fail', s.fail],
    ['unknown', s.unknown],
    ['skipped', s.skipped],
  ];
  return html`<ul class="counts" aria-label="Check results">${results.map(([r, n]) => html`<li class="chip r-${r}"><span aria-hidden="true">${RESULT_MARK[r]} </span>${n} ${r}</li>`)}
<li class="chip s-critical">${s.critical} critical</li><li class="chip s-warn">${s.warn} warn</li><li class="chip s-info">${s.info} info</li></ul>`;
}
