import type { Drift, DriftFinding, ReachCellSummary } from './types.js';
import { sanitize } from './common.js';

const finding = (f: DriftFinding) =>
  `${f.severity} ${f.id} (${f.status}${f.previousStatus ? `, was ${f.previousStatus}` : ''})${f.previousSeverity ? ` was ${f.previousSeverity}` : ''}: ${f.message}`;
const cell = (c: ReachCellSummary) => `${c.listener}${c.gateway ? ' (gateway)' : ''} from ${c.zone}`;

/**
 * What changed, as titled lists of one line per item (raw host text: each format escapes it its
 * own way), the empty ones left out: the one wording of drift that text, Markdown, HTML and JUnit share.
 */
export function driftGroups(drift: Drift): { title: string; items: string[] }[] {
  return [
    { title: 'new', items: drift.new.map(finding) },
    { title: 'resolved', items: drift.resolved.map(finding) },
    { title: 'changed', items: drift.changed.map(finding) },
    { title: 'reach opened', items: drift.opened.map(cell) },
    { title: 'reach closed', items: drift.closed.map(cell) },
  ].filter((g) => g.items.length > 0);
}

/** The heading line's words after "Since" / "Changes since": the baseline's name and when it was collected. */
export function baselineName(drift: Drift): string {
  return `${drift.baseline.source}${drift.baseline.collectedAt ? ` (collected ${drift.baseline.collectedAt})` : ''}`;
}

/**
 * The drift section as lines of text (no trailing newline): what is new, resolved, changed, opened,
 * closed. Messages, listeners and the baseline's name come from hosts: every line is sanitized.
 */
export function driftLines(drift: Drift, indent = ''): string[] {
  return driftLinesRaw(drift, indent).map((line) => sanitize(line));
}

function driftLinesRaw(drift: Drift, indent: string): string[] {
  const out: string[] = [`${indent}Since ${baselineName(drift)}:`];
  for (const g of driftGroups(drift)) out.push(`${indent}  ${g.title}:`, ...g.items.map((i) => `${indent}    ${i}`));
  if (out.length === 1) out.push(`${indent}  nothing changed`);
  for (const l of drift.limitations) out.push(`${indent}  note: ${l}`);
  return out;
}

function md(text: string): string {
  return sanitize(text)
    .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/** The drift section in Markdown. */
export function driftMarkdown(drift: Drift, heading = '##'): string[] {
  const out: string[] = [`${heading} Changes since ${md(drift.baseline.source)}`, ''];
  for (const g of driftGroups(drift)) out.push(`**${g.title[0]!.toUpperCase()}${g.title.slice(1)}**`, '', ...g.items.map((i) => `- ${md(i)}`), '');
  if (out.length === 2) out.push('Nothing changed.', '');
  for (const l of drift.limitations) out.push(`> ${md(l)}`, '');
  return out;
}
