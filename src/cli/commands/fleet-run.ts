import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FleetFormat } from '../../fleet/render.js';
import type { Severity } from '../../checks/types.js';
import { documentWriter, isDocumentFormat, type DocumentFormat } from '../../report/html/load.js';
import { parseZoneSpec } from '../../model/zones.js';
import type { CommandIo } from '../io.js';
import { emit } from '../output.js';
import { startProgress } from '../progress.js';
import { TOOL_VERSION } from '../../version.js';

export interface FleetFlags {
  format: FleetFormat | DocumentFormat;
  json?: boolean;
  failOn: Severity | 'none';
  output?: string;
  baseline?: string;
  zone?: string[];
  jobs: number;
}

/** `clawmoat fleet`, once its flags are parsed: every file audited, the report written. Returns the exit code. */

/** Set by the bundler (scripts/bundle.mjs): the fleet worker's own bundle, next to the CLI's chunks. */
declare const __CLAWMOAT_FLEET_WORKER__: string | undefined;

/** The worker program for --jobs: the bundle's, else the unbundled build's; none (one thread) when neither is there. */
function fleetWorker(): URL | undefined {
  const candidates: URL[] = [];
  if (typeof __CLAWMOAT_FLEET_WORKER__ === 'string') candidates.push(new URL(__CLAWMOAT_FLEET_WORKER__, import.meta.url));
  if (import.meta.url.endsWith('.js')) candidates.push(new URL('../fleet-worker.js', import.meta.url));
  return candidates.find((c) => existsSync(fileURLToPath(c)));
}

export async function runFleet(paths: string[], flags: FleetFlags, io: CommandIo): Promise<number> {
  const started = io.now();
  const format = flags.json ? 'json' : flags.format;
  // A PDF without a browser to print it is refused now, before any host is read.
  const document = isDocumentFormat(format) ? await documentWriter(format, flags.output) : undefined;
  const zones = (flags.zone ?? []).map(parseZoneSpec);
  const [{ readFleetBaseline }, { auditFilesInParallel }, { analyseFleet, fleetExitCode }, { renderFleet }, { snapshotIfScriptOutput }] = await Promise.all([
    import('../../fleet/read.js'),
    import('../../fleet/pool.js'),
    import('../../fleet/analyse.js'),
    import('../../fleet/render.js'),
    import('../../collect/index.js'),
  ]);
  const baseline = flags.baseline ? await readFleetBaseline([flags.baseline], zones) : undefined;
  const progress = startProgress('auditing', { enabled: io.terminal.err });
  let result;
  try {
    const worker = fleetWorker();
    result = await auditFilesInParallel(paths, {
      zones,
      onProgress: (f) => progress.update(f),
      fromOther: snapshotIfScriptOutput,
      jobs: flags.jobs,
      ...(worker ? { worker } : {}),
    });
  } finally {
    progress.stop();
  }
  const report = analyseFleet(result.rows, result.unreadable, TOOL_VERSION, baseline);
  const finished = io.now();
  if (document) await document.writeFleet(report, flags.output);
  else {
    // SARIF's rules carry each check's docs paragraph, as the audit's do.
    const checkDocs =
      format === 'sarif' ? Object.fromEntries((await import('../../checks/catalogue.js')).CHECKS.map((c) => [c.meta.id, c.meta.docs])) : undefined;
    const options = {
      runFinishedAt: finished / 1000,
      runDurationSeconds: (finished - started) / 1000,
      workingDirectory: io.cwd,
      ...(checkDocs ? { checkDocs } : {}),
    };
    await emit(renderFleet(report, format as FleetFormat, options), flags.output, io);
  }
  return fleetExitCode(report, flags.failOn);
}
