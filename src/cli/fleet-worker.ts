import { parentPort, workerData } from 'node:worker_threads';
import { snapshotIfScriptOutput } from '../collect/index.js';
import { auditFiles } from '../fleet/read.js';
import type { FleetWorkerAnswer, FleetWorkerData } from '../fleet/pool.js';

/**
 * A worker thread of `clawmoat fleet --jobs N` (fleet/pool.ts): given one file per message, it
 * reads and audits it exactly as one thread would (auditFiles, with the collection script's parser
 * for raw `*.out` outputs) and answers with the result. Here, not in fleet/: the parser is collect/'s.
 */
const { zones } = workerData as FleetWorkerData;
parentPort?.on('message', (file: string) => {
  auditFiles([file], { ...(zones ? { zones } : {}), fromOther: snapshotIfScriptOutput }).then(
    (result) => parentPort!.postMessage({ ok: true, ...result } satisfies FleetWorkerAnswer),
    (error: unknown) => parentPort!.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) } satisfies FleetWorkerAnswer),
  );
});
