import { describe, expect, it } from 'vitest';
import { REPORT_FORMATS, isReportFormat, renderJson, renderJunit, renderMarkdown, renderReport, renderSarif, renderText } from '../../../src/report/index.js';
import { sampleReport } from './sample.js';

describe('renderReport', () => {
  it('dispatches each format to its renderer', () => {
    const report = sampleReport();
    expect(renderReport(report, 'text', { color: true })).toBe(renderText(report, { color: true }));
    expect(renderReport(report, 'json')).toBe(renderJson(report));
    expect(renderReport(report, 'sarif')).toBe(renderSarif(report));
    expect(renderReport(report, 'junit')).toBe(renderJunit(report));
    expect(renderReport(report, 'markdown')).toBe(renderMarkdown(report));
  });

  it.each(REPORT_FORMATS)('%s ends with exactly one newline and does not change the report', (format) => {
    const report = sampleReport();
    const out = renderReport(report, format);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.endsWith('\n\n')).toBe(false);
    expect(report).toEqual(sampleReport());
  });

  it('knows its formats', () => {
    expect(REPORT_FORMATS).toEqual(['text', 'json', 'sarif', 'junit', 'markdown', 'prometheus']);
    expect(isReportFormat('sarif')).toBe(true);
    expect(isReportFormat('html')).toBe(false);
  });
});

describe('renderJson', () => {
  it('is the report itself, indented', () => {
    const report = sampleReport();
    const out = renderJson(report);
    expect(JSON.parse(out)).toEqual(report);
    expect(out).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });

  it('keeps the documented top-level names', () => {
    const parsed = JSON.parse(renderJson(sampleReport())) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(expect.arrayContaining(['findings', 'checks', 'summary', 'limitations', 'gateway']));
    const finding = (parsed.findings as Record<string, unknown>[])[0]!;
    expect(Object.keys(finding)).toEqual(expect.arrayContaining(['id', 'severity', 'title', 'status', 'evidence', 'remediation']));
  });
});
