import type { Drift, DriftFinding, ReachCellSummary } from './types.js';
import { sanitize } from './common.js';

const finding = (f: DriftFinding) =>
  `${f.severity} ${f.id} (${f.status}${f.previousStatus ? `, was ${f.previousStatus}` : ''})${f.previousSeverity ? ` was ${f.previousSeverity}` : ''}: ${f.message}`;
const cell = (c: ReachCellSummary) => `${c.listener}${c.gateway ? ' (gateway)' : ''} from ${c.zone}`;

/**
 * The drift section as lines of text (no trailing newline): what is new, resolved, changed, opened,
 * closed. Messages, listeners and the baseline's name come from hosts: every line is sanitized.
 */
export function driftLines(drift: Drift, indent = ''): string[] {
  return driftLinesRaw(drift, indent).map((line) => sanitize(line));
}

function driftLinesRaw(drift: Drift, indent: string): string[] {
  const out: string[] = [];
  const when = drift.baseline.collectedAt ? ` (collected ${drift.baseline.collectedAt})` : '';
  out.push(`${indent}Since ${drift.baseline.source}${when}:`);
  const section = (title: string, items: string[]) => {
    if (items.length > 0) out.push(`${indent}  ${title}:`, ...items.map((i) => `${indent}    ${i}`));
  };
  section('new', drift.new.map(finding));
  section('resolved', drift.resolved.map(finding));
  section('changed', drift.changed.map(finding));
  section('reach opened', drift.opened.map(cell));
  section('reach closed', drift.closed.map(cell));
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
  const section = (title: string, items: string[]) => {
    if (items.length > 0) out.push(`**${title}**`, '', ...items.map((i) => `- ${md(i)}`), '');
  };
  section('New', drift.new.map(finding));
  section('Resolved', drift.resolved.map(finding));
  section('Changed', drift.changed.map(finding));
  section('Reach opened', drift.opened.map(cell));
  section('Reach closed', drift.closed.map(cell));
  if (out.length === 2) out.push('Nothing changed.', '');
  for (const l of drift.limitations) out.push(`> ${md(l)}`, '');
  return out;
}
