import { withTrailingNewline, type RenderOptions } from './common.js';
import type { Report } from './types.js';

/** The report as published in schema/report.schema.json; field names are a stable contract. */
export function renderJson(report: Report, _options: RenderOptions = {}): string {
  return withTrailingNewline(JSON.stringify(report, null, 2));
}
