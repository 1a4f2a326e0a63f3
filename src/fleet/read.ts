import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { auditSnapshot } from '../audit.js';
import type { ZoneSpec } from '../model/zones.js';
import { UserError } from '../errors.js';
import { MAX_SNAPSHOT_BYTES, readSnapshot, validateSnapshot } from '../snapshot/io.js';
import { readUntrusted } from '../safe-fs/read.js';
import type { Snapshot } from '../snapshot/types.js';
import { TEMP_MARK } from '../safe-fs/write.js';
import type { Report } from '../report/types.js';
import { fleetRow, type FleetBaseline, type FleetRow } from './analyse.js';
import { inventoryNames } from './inventory.js';
import type { FleetUnreadable } from './types.js';
import { isFailureRecordName, readFailureRecord } from './failed.js';

/**
 * The files named: each FILE as is, each DIR's `*.json` entries and the collection script's raw
 * `*.out` outputs (not recursive, sorted; hidden files and our own temp files left out). A path
 * that cannot be listed is one unreadable line.
 */
export async function expandInputs(paths: readonly string[]): Promise<{ files: string[]; unreadable: FleetUnreadable[] }> {
  const files: string[] = [];
  const unreadable: FleetUnreadable[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      unreadable.push({ file: path, reason: code === 'ENOENT' ? 'no such file or directory' : `cannot read it (${code ?? 'error'})` });
      continue;
    }
    if (!isDir) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path, { withFileTypes: true }))
      .filter((e) => !e.isDirectory() && /\.(json|out)$/.test(e.name) && !e.name.startsWith('.') && !e.name.includes(TEMP_MARK))
      .map((e) => e.name)
      .sort();
    if (names.length === 0)
      throw new UserError(`${path}: no *.json or *.out files in it; pass the directory where \`clawmoat collect -o\` wrote the snapshots`);
    files.push(...names.map((n) => join(path, n)));
  }
  return { files, unreadable };
}

export interface FleetReadOptions {
  zones?: ZoneSpec[];
  /**
   * A snapshot from a file that is not one, or undefined: the collection script's raw output,
   * parsed by the collectors (the CLI passes collect/'s parser; a fleet never reads a host).
   */
  fromOther?: (data: Buffer, file: string) => Promise<Snapshot> | undefined;
  onProgress?: (file: string) => void;
}

/**
 * Read and audit every snapshot, one at a time, keeping only each host's row (a fleet of big
 * rulesets stays within memory: a snapshot and its analysis are garbage once the row is made).
 * One bad file is one line, never the end.
 */
export async function auditFiles(paths: readonly string[], options: FleetReadOptions = {}): Promise<{ rows: FleetRow[]; unreadable: FleetUnreadable[] }> {
  const { files, unreadable } = await expandInputs(paths);
  const rows: FleetRow[] = [];
  for (const file of files) {
    options.onProgress?.(file);
    const one = await auditFile(file, options);
    if (isRow(one)) rows.push(one);
    else unreadable.push(one);
  }
  return { rows, unreadable };
}

export function isRow(one: FleetRow | FleetUnreadable): one is FleetRow {
  return 'columns' in one;
}

/** One file of a fleet, as expandInputs listed it: its host's row, or why it could not be read. */
export async function auditFile(file: string, options: FleetReadOptions = {}): Promise<FleetRow | FleetUnreadable> {
  if (isFailureRecordName(file)) return readFailureRecord(file);
  try {
    const snapshot = await readHost(file, options.fromOther);
    return fleetRow(file, auditSnapshot(snapshot, { zones: options.zones ?? [] }));
  } catch (error) {
    // Anything else is a file whose data broke the analysis (a shape no collector writes): still
    // that one host's line, so one hostile or damaged snapshot never ends the run for the others.
    if (!(error instanceof UserError)) return { file, reason: `could not be analysed: ${oneLine(error)}` };
    return { file, reason: error.message.startsWith(`${file}`) ? error.message.slice(file.length).replace(/^[:\s]+/, '') : error.message };
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}

/** A snapshot, or another file `fromOther` recognises (a script's raw output) parsed into one. */
async function readHost(file: string, fromOther: FleetReadOptions['fromOther']): Promise<Snapshot> {
  // A `.json` is a snapshot, read once by readSnapshot; any other file may be a script's output.
  if (fromOther && !file.endsWith('.json')) {
    const read = await readUntrusted(file, { maxBytes: MAX_SNAPSHOT_BYTES });
    const parsed = read.ok ? fromOther(read.data, file) : undefined;
    if (parsed) return parsed;
  }
  return readSnapshot(file);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A previous run, as a report, from one file: an `audit --format json` report (returned as is),
 * or a snapshot (audited now). Anything else is a UserError: a baseline that cannot be read must
 * not pass for "nothing changed".
 */
export async function readBaselineReport(file: string, zones: ZoneSpec[] = []): Promise<Report> {
  const parsed = await readJson(file);
  if (isReport(parsed)) return parsed;
  return auditSnapshot(validateSnapshot(parsed, file), { zones });
}

function isReport(v: unknown): v is Report {
  return isRecord(v) && Array.isArray(v.findings) && Array.isArray(v.checks) && isRecord(v.host) && isRecord(v.summary);
}

async function readJson(file: string): Promise<unknown> {
  const read = await readUntrusted(file, { maxBytes: MAX_SNAPSHOT_BYTES });
  if (!read.ok)
    throw new UserError(
      `baseline ${read.reason === 'not-found' ? `${file}: no such file` : read.detail}; pass a previous \`--format json\` report or snapshot`,
    );
  try {
    return JSON.parse(read.data.toString('utf8'));
  } catch {
    throw new UserError(`baseline ${file}: not JSON (truncated?); pass a previous \`--format json\` report or snapshot`);
  }
}

/**
 * The baseline of a fleet: a previous `fleet --format json` report, or a directory (or files) of
 * snapshots or `audit --format json` reports, matched to hosts by inventory name (the file each was
 * read from, fleet/inventory.ts), never by the hostname a snapshot declares: a host naming itself
 * after another would take that host's baseline and hide it from `missing`.
 */
export async function readFleetBaseline(paths: readonly string[], zones: ZoneSpec[] = []): Promise<FleetBaseline> {
  const { files, unreadable } = await expandInputs(paths);
  if (unreadable.length > 0) throw new UserError(`baseline ${unreadable[0]!.file}: ${unreadable[0]!.reason}`);
  const hosts: FleetBaseline['hosts'] = new Map();
  const single: { file: string; report: Report }[] = [];
  for (const file of files) {
    if (isFailureRecordName(file)) continue; // a host that could not be read then has no baseline: all it has now is new
    const parsed = await readJson(file);
    if (isRecord(parsed) && Array.isArray(parsed.hosts) && Array.isArray(parsed.unreadable)) {
      const previous = parsed.hosts as { host: string; file?: string; collectedAt?: string; findings: Report['findings']; reach?: Report['reach'] }[];
      // Named again from the files it read, as this run names its hosts (a report of an older clawmoat keyed them by hostname).
      const names = previous.every((h) => typeof h.file === 'string') ? inventoryNames(previous.map((h) => h.file!)) : previous.map((h) => h.host);
      for (const [i, h] of previous.entries()) {
        hosts.set(names[i]!, {
          findings: h.findings,
          ...(h.reach ? { reach: h.reach } : {}),
          ...(h.collectedAt ? { collectedAt: h.collectedAt } : {}),
          source: file,
        });
      }
      continue;
    }
    single.push({ file, report: isReport(parsed) ? parsed : auditSnapshot(validateSnapshot(parsed, file), { zones }) });
  }
  const names = inventoryNames(single.map((b) => b.file));
  for (const [i, { file, report }] of single.entries()) {
    hosts.set(names[i]!, {
      findings: report.findings,
      ...(report.reach ? { reach: report.reach } : {}),
      collectedAt: report.host.collectedAt,
      source: file,
    });
  }
  return { source: paths.join(' '), hosts };
}
