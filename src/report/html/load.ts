import { UserError } from '../../errors.js';
import { writeOutputFile } from '../../safe-fs/write.js';
import type { Snapshot } from '../../snapshot/types.js';
import { TOOL_VERSION } from '../../version.js';
import type { HostMeta, HostView } from './index.js';
import type { FleetReport } from '../../fleet/types.js';

/**
 * The CLI's side of the HTML and PDF formats: small, in the main bundle. The renderer itself is
 * imported only when one of these formats is asked for (./entry.ts, bundled apart).
 */

/** Set by the bundler (scripts/bundle.mjs): the renderer's own bundle, next to the CLI's. */
declare const __CLAWMOAT_HTML_BUNDLE__: string | undefined;

export const DOCUMENT_FORMATS = ['html', 'pdf'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

export function isDocumentFormat(value: string): value is DocumentFormat {
  return (DOCUMENT_FORMATS as readonly string[]).includes(value);
}

type Renderer = typeof import('./entry.js');

/** Set by the startup snapshot's bundle (src/startup/): code the snapshot builder compiled has no import() of its own. */
declare const __CLAWMOAT_IMPORT__: ((specifier: string) => Promise<unknown>) | undefined;

function loadRenderer(): Promise<Renderer> {
  // A specifier the bundler cannot follow, so the renderer stays out of the CLI's bundle.
  const specifier = new URL(typeof __CLAWMOAT_HTML_BUNDLE__ === 'string' ? __CLAWMOAT_HTML_BUNDLE__ : './entry.js', import.meta.url).href;
  return (typeof __CLAWMOAT_IMPORT__ === 'function' ? __CLAWMOAT_IMPORT__(specifier) : import(specifier)) as Promise<Renderer>;
}

/** Who and what the page is about: the snapshot's host, and where the snapshot came from. */
export function hostMeta(snapshot: Snapshot, snapshotFile: string | undefined): HostMeta {
  return {
    hostname: snapshot.host.hostname,
    collectedAt: snapshot.collectedAt,
    uid: snapshot.host.uid,
    collectedBy: snapshot.tool.version,
    source: snapshotFile ? `snapshot file ${snapshotFile}` : 'read live from this host',
  };
}

export interface DocumentWriter {
  write(kind: 'audit' | 'reach', view: HostView, output: string | undefined): Promise<void>;
  /** `clawmoat fleet --format html|pdf`. */
  writeFleet(report: FleetReport, output: string | undefined): Promise<void>;
}

/**
 * Ready to write an HTML or PDF report. Called before the host is read, so that a PDF without a
 * browser to print it is refused at once, in one line.
 */
export async function documentWriter(format: DocumentFormat, output: string | undefined): Promise<DocumentWriter> {
  const renderer = await loadRenderer();
  let chromium: string | undefined;
  if (format === 'pdf') {
    const found = renderer.findChromium();
    if ('missing' in found) throw new UserError(found.missing);
    chromium = found.path;
    if (!output && process.stdout.isTTY) throw new UserError('--format pdf writes a binary file: give -o FILE (or redirect the output)');
  }
  const info = () => ({ version: TOOL_VERSION, renderedAt: new Date().toISOString() });
  const deliver = async (page: string, out: string | undefined): Promise<void> => {
    let body: string | Uint8Array = page;
    if (chromium) {
      const printed = await renderer.htmlToPdf(page, chromium);
      if ('error' in printed) throw new UserError(`--format pdf: ${printed.error}`);
      body = printed.pdf;
    }
    if (out) await writeOutputFile(out, body);
    else process.stdout.write(body);
  };
  return {
    async write(kind, view, out) {
      await deliver(
        kind === 'audit' && view.report ? renderer.renderAuditHtml({ ...view, report: view.report }, info()) : renderer.renderReachHtml(view, info()),
        out,
      );
    },
    async writeFleet(report, out) {
      await deliver(renderer.renderFleetHtml(report, info()), out);
    },
  };
}
