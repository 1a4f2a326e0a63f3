import { Worker } from 'node:worker_threads';
import type { FleetRow } from './analyse.js';
import { auditFile, auditFiles, expandInputs, isRow, type FleetReadOptions } from './read.js';
import type { FleetUnreadable } from './types.js';

/** What a worker is given once. */
export interface FleetWorkerData {
  zones: FleetReadOptions['zones'];
}
/** A file to audit, by its place in the fleet's list: a worker holds more than one, and may answer in another order. */
export interface FleetWorkerQuestion {
  index: number;
  file: string;
}
type FleetFileResult = { ok: true; one: FleetRow | FleetUnreadable } | { ok: false; error: string };
export type FleetWorkerAnswer = { index: number } & FleetFileResult;

/**
 * Below this many files per thread, a worker costs more than it saves: a new thread compiles and
 * optimises the analysis code again, ~0.6 s of CPU (measured with bench/fleet.mjs on a fleet of 64
 * and of 300: --jobs 2 took 0.6-0.8 s more CPU than --jobs 1), as much as ~30 hosts' audits.
 */
const MIN_FILES_PER_THREAD = 64;
/**
 * Files given to a worker ahead of its answers: it starts the next file as soon as it answers one,
 * without waiting for this thread, which audits hosts too and reads the answers between them.
 */
const AHEAD = 2;

export interface PoolOptions extends FleetReadOptions {
  /** How many snapshots are audited at once, this thread's included; 1 audits them all in this thread. */
  jobs: number;
  /** The worker program (src/cli/fleet-worker.ts, built): it audits one file per message with auditFile. */
  worker?: URL;
}

/**
 * auditFiles, with the files shared among this thread and `jobs - 1` worker threads: each host's
 * audit is independent and CPU-bound, so a fleet takes about 1/jobs of the time on a machine with
 * that many free cores. The result is the same as auditFiles's, in the same file order; a file a
 * worker could not audit is an unreadable line as it would be in one thread, and a worker that
 * fails is an error of the run.
 */
export async function auditFilesInParallel(paths: readonly string[], options: PoolOptions): Promise<{ rows: FleetRow[]; unreadable: FleetUnreadable[] }> {
  const { files, unreadable } = await expandInputs(paths);
  const threads = Math.min(options.jobs, Math.floor(files.length / MIN_FILES_PER_THREAD));
  if (!options.worker || threads < 2) {
    const one = await auditFiles(files, options);
    return { rows: one.rows, unreadable: [...unreadable, ...one.unreadable] };
  }
  const results = new Array<FleetFileResult>(files.length);
  let next = 0;
  let failed = false;
  const take = (): number | undefined => {
    if (failed || next >= files.length) return undefined;
    options.onProgress?.(files[next]!);
    return next++;
  };
  const workers: Worker[] = [];
  const run = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(options.worker!, { workerData: { zones: options.zones ?? [] } satisfies FleetWorkerData });
      workers.push(worker);
      let held = 0;
      const fail = (error: Error) => {
        failed = true;
        reject(error);
      };
      const give = () => {
        const index = take();
        if (index === undefined) {
          if (held === 0) resolve();
          return;
        }
        held++;
        worker.postMessage({ index, file: files[index]! } satisfies FleetWorkerQuestion);
      };
      worker.on('message', ({ index, ...result }: FleetWorkerAnswer) => {
        held--;
        results[index] = result;
        give();
      });
      worker.once('error', fail);
      // After the last answer (resolved) this is the terminate below, and rejecting then changes nothing.
      worker.once('exit', (code) => fail(new Error(`a fleet worker exited (${code}) with ${held} file(s) to audit`)));
      for (let k = 0; k < AHEAD; k++) give();
    });
  try {
    const fromWorkers = Promise.all(Array.from({ length: threads - 1 }, run));
    // Handled now, awaited below: a worker that fails while this thread is auditing stops the run there.
    fromWorkers.catch(() => undefined);
    // This thread's share, from the same list. Each file's read awaits the file system, so the
    // workers' answers are taken (and their next files given) between hosts.
    for (let index = take(); index !== undefined; index = take()) results[index] = { ok: true, one: await auditFile(files[index]!, options) };
    await fromWorkers;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const rows: FleetRow[] = [];
  for (const r of results) {
    if (!r.ok) throw new Error(r.error);
    if (isRow(r.one)) rows.push(r.one);
    else unreadable.push(r.one);
  }
  return { rows, unreadable };
}
