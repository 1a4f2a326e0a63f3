import pc from 'picocolors';
import { formatLocation } from '../checks/helpers.js';
import { sanitize, withTrailingNewline } from '../report/common.js';
import type { DoctorReport, DoctorResult, DoctorStatus } from './types.js';

/** `clawmoat doctor` for a terminal: each symptom, what was seen, the cause and the fix. */

type Colors = ReturnType<typeof pc.createColors>;

const MARK: Record<DoctorStatus, string> = { problem: '✖', ok: '✔', unknown: '?' };
const WORD: Record<DoctorStatus, string> = { problem: 'cause', ok: 'not this', unknown: 'not checked' };

function paint(c: Colors, status: DoctorStatus): (s: string) => string {
  return status === 'problem' ? c.red : status === 'ok' ? c.green : c.yellow;
}

function resultLines(r: DoctorResult, c: Colors): string[] {
  const p = paint(c, r.status);
  const lines = [`${p(MARK[r.status])} ${c.bold(sanitize(r.title))} ${c.dim(`(${r.id})`)}`, `  ${p(`${WORD[r.status]}:`)} ${sanitize(r.cause)}`];
  if (r.saw.length > 0) {
    lines.push(`  ${c.dim('saw:')}`);
    for (const e of r.saw) {
      // The location is shown once: many evidence lines already name their file and line.
      const where = e.location ? formatLocation(e.location) : '';
      const named = e.location !== undefined && e.text.includes(`${e.location.file}:${e.location.line}`);
      const at = where && !named ? c.dim(` (${sanitize(where)})`) : '';
      lines.push(`    - ${sanitize(e.text)}${at}`);
    }
  }
  if (r.fix) {
    lines.push(`  ${c.bold('fix:')} ${sanitize(r.fix.text)}`);
    for (const cmd of r.fix.commands ?? []) lines.push(`    ${c.cyan(`$ ${sanitize(cmd)}`)}`);
    if (r.fix.diff) {
      for (const line of sanitize(r.fix.diff, true).replace(/\n$/, '').split('\n')) {
        const coloured = line.startsWith('+') && !line.startsWith('+++') ? c.green(line) : line.startsWith('-') && !line.startsWith('---') ? c.red(line) : line;
        lines.push(`    ${coloured}`);
      }
    }
  }
  return lines;
}

export function renderDoctor(report: DoctorReport, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const lines: string[] = [
    `${c.bold(`clawmoat doctor`)} ${c.dim(`· host ${sanitize(report.host.hostname)} · collected ${sanitize(report.host.collectedAt)}`)}`,
  ];
  for (const r of report.results) lines.push('', ...resultLines(r, c));
  const { problem, ok, unknown } = report.summary;
  lines.push('', `${problem} ${problem === 1 ? 'problem' : 'problems'} found, ${ok} not the cause here, ${unknown} not checked.`);
  return withTrailingNewline(lines.join('\n'));
}
