import type { RenderOptions } from './common.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';
import { renderPrometheus } from './prometheus.js';
import type { Report } from './types.js';

import { REPORT_FORMATS, type ReportFormat } from './formats.js';

export { REPORT_FORMATS, type ReportFormat };

export type { RenderOptions } from './common.js';
export { renderJson, renderJunit, renderMarkdown, renderPrometheus, renderSarif, renderText };

const RENDERERS: Record<ReportFormat, (report: Report, options: RenderOptions) => string> = {
  text: renderText,
  json: renderJson,
  sarif: renderSarif,
  junit: renderJunit,
  markdown: renderMarkdown,
  prometheus: renderPrometheus,
};

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * Render a report. Pure: the caller decides colour (TTY, NO_COLOR) and where the output goes.
 * Every format returns a document ending in exactly one newline, ready for process.stdout.write
 * or a file.
 */
export function renderReport(report: Report, format: ReportFormat, options: RenderOptions = {}): string {
  return RENDERERS[format](report, options);
}
