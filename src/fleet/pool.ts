import { Worker } from 'node:worker_threads';
import type { AuditedHost } from './analyse.js';
import { auditFiles, expandInputs, type FleetReadOptions } from './read.js';
import type { FleetUnreadable } from './types.js';

/** What a worker is given once, and answers per file. */
export interface FleetWorkerData {
  zones: FleetReadOptions['zones'];
}
export type FleetWorkerAnswer = { ok: true; audited: AuditedHost[]; unreadable: FleetUnreadable[] } | { ok: false; error: string };

/**
 * Below this many files per worker, starting one (it loads the analysis code, ~0.3 s of CPU) costs
 * more than it saves: measured with bench/fleet.mjs, a host takes ~20 ms.
 */
const MIN_FILES_PER_WORKER = 64;

export interface PoolOptions extends FleetReadOptions {
  /** How many snapshots are audited at once; 1 audits them in this thread. */
  jobs: number;
  /** The worker program (src/cli/fleet-worker.ts, built): it reads and audits one file per message with auditFiles. */
  worker?: URL;
}

/**
 * auditFiles, with the files shared among worker threads: each host's audit is independent and
 * CPU-bound, so a fleet takes about 1/jobs of the time on a machine with that many free cores. The
 * result is the same as auditFiles's, in the same file order; a file a worker could not audit is
 * an unreadable line as it would be in one thread, and a worker that fails is an error of the run.
 */
export async function auditFilesInParallel(paths: readonly string[], options: PoolOptions): Promise<{ audited: AuditedHost[]; unreadable: FleetUnreadable[] }> {
  const { files, unreadable } = await expandInputs(paths);
  const jobs = Math.min(options.jobs, Math.floor(files.length / MIN_FILES_PER_WORKER));
  if (!options.worker || jobs < 2) {
    const one = await auditFiles(files, options);
    return { audited: one.audited, unreadable: [...unreadable, ...one.unreadable] };
  }
  const results: FleetWorkerAnswer[] = new Array<FleetWorkerAnswer>(files.length);
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        const worker = new Worker(options.worker!, { workerData: { zones: options.zones ?? [] } satisfies FleetWorkerData });
        workers.push(worker);
        const ask = (file: string) =>
          new Promise<FleetWorkerAnswer>((resolve, reject) => {
            const onError = (error: Error) => reject(error);
            const onExit = (code: number) => reject(new Error(`a fleet worker exited (${code}) while auditing ${file}`));
            worker.once('error', onError);
            worker.once('exit', onExit);
            worker.once('message', (answer: FleetWorkerAnswer) => {
              worker.off('error', onError);
              worker.off('exit', onExit);
              resolve(answer);
            });
            worker.postMessage(file);
          });
        while (next < files.length) {
          const i = next++;
          options.onProgress?.(files[i]!);
          results[i] = await ask(files[i]!);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const audited: AuditedHost[] = [];
  for (const r of results) {
    if (!r.ok) throw new Error(r.error);
    audited.push(...r.audited);
    unreadable.push(...r.unreadable);
  }
  return { audited, unreadable };
}
