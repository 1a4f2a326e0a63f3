/**
 * What `--format html` and `--format pdf` load, only when asked: a bundle of its own
 * (dist/report-html.mjs), so the CLI's start-up does not carry it.
 */
export { renderAuditHtml, renderReachHtml, type HostView, type RenderInfo } from './index.js';
export { findChromium, htmlToPdf } from './pdf.js';
export { renderFleetHtml } from './fleet.js';
