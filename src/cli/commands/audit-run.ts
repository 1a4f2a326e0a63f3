import { auditContext, exitCodeFor } from '../../audit-context.js';
import { CHECKS } from '../../checks/catalogue.js';
import type { Severity } from '../../checks/types.js';
import { loadContext } from '../../model/analysis-context.js';
import type { ZoneSpec } from '../../model/zones.js';
import { hostMeta, type DocumentFormat, type DocumentWriter } from '../../report/html/load.js';
import { renderReport, type ReportFormat } from '../../report/index.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { CommandIo } from '../io.js';
import { emit, useColor } from '../output.js';
import { startProgress } from '../progress.js';
import type { probeSettings } from './probe-options.js';
import type { AnalyseFlags } from './shared.js';

export interface AuditFlags extends AnalyseFlags {
  probe?: boolean;
  netns?: string[];
  via?: string[];
  target?: string;
  timeout: string;
  concurrency: string;
  format: ReportFormat | DocumentFormat;
  json?: boolean;
  failOn: Severity | 'none';
  output?: string;
  color?: boolean;
  baseline?: string;
}

/** What audit.ts settled before the snapshot was read. */
export interface AuditPlan {
  started: number;
  format: ReportFormat | DocumentFormat;
  zones: ZoneSpec[];
  document?: DocumentWriter;
  /** Set when a probe was asked for. */
  settings?: ReturnType<typeof probeSettings>;
}

/**
 * The audit of a snapshot, from the analysis to the report written: what `clawmoat audit` loads
 * (one lazy import, while the snapshot is read) once its flags are checked. Returns the exit code.
 */
export async function runAudit(
  snapshot: Snapshot,
  flags: AuditFlags,
  { started, format, zones, document, settings }: AuditPlan,
  io: CommandIo,
): Promise<0 | 1> {
  // One context, so the matrix is computed once for the checks and the page (and the probe's predictions).
  const base = await loadContext(snapshot, { zones });
  let probe;
  if (settings) {
    const { runProbe } = await import('../../probe/run.js');
    const progress = startProgress('probing', { enabled: io.terminal.err });
    try {
      probe = await runProbe(base, { ...settings, onProgress: (t) => progress.update(t) });
    } finally {
      progress.stop();
    }
  }
  const ctx = probe ? await loadContext(snapshot, { zones, probe }) : base;
  const report = auditContext(ctx);
  if (probe) report.limitations.push(...probe.errors.map((e) => `probe from ${e.vantage}: ${e.message}`));
  let driftCode: 0 | 1 | undefined;
  if (flags.baseline) {
    const [{ readBaselineReport }, { computeDrift, driftExitCode }] = await Promise.all([import('../../fleet/read.js'), import('../../fleet/drift.js')]);
    const before = await readBaselineReport(flags.baseline, zones);
    report.drift = computeDrift(before, report, { source: flags.baseline, collectedAt: before.host.collectedAt });
    driftCode = driftExitCode(report.drift, flags.failOn);
  }
  if (document) {
    const matrix = ctx.reach();
    await document.write('audit', { meta: hostMeta(snapshot, flags.snapshot), report, matrix, ...(probe ? { probe } : {}) }, flags.output);
  } else {
    const checkDocs = Object.fromEntries(CHECKS.map((c) => [c.meta.id, c.meta.docs]));
    const finished = io.now();
    let text = renderReport(report, format as ReportFormat, {
      color: format === 'text' && !flags.output && useColor(flags.color, io),
      checkDocs,
      workingDirectory: io.cwd,
      runFinishedAt: finished / 1000,
      runDurationSeconds: (finished - started) / 1000,
    });
    if (report.drift && (format === 'text' || format === 'markdown')) {
      const { driftLines, driftMarkdown } = await import('../../report/drift.js');
      text = `${text.replace(/\n+$/, '')}\n\n${(format === 'text' ? driftLines(report.drift) : driftMarkdown(report.drift)).join('\n').replace(/\n+$/, '')}\n`;
    }
    await emit(text, flags.output, io);
  }
  return driftCode ?? exitCodeFor(report, flags.failOn);
}
