import { parentPort, workerData } from 'node:worker_threads';
import { snapshotIfScriptOutput } from '../collect/index.js';
import { auditFile } from '../fleet/read.js';
import type { FleetWorkerAnswer, FleetWorkerData, FleetWorkerQuestion } from '../fleet/pool.js';

/**
 * A worker thread of `clawmoat fleet --jobs N` (fleet/pool.ts): given one file per message, it
 * reads and audits it exactly as one thread would (auditFile, with the collection script's parser
 * for raw `*.out` outputs) and answers with the host's row or its unreadable line, by the file's
 * index. Here, not in fleet/: the parser is collect/'s.
 */
const { zones } = workerData as FleetWorkerData;
parentPort?.on('message', ({ index, file }: FleetWorkerQuestion) => {
  auditFile(file, { ...(zones ? { zones } : {}), fromOther: snapshotIfScriptOutput }).then(
    (one) => parentPort!.postMessage({ index, ok: true, one } satisfies FleetWorkerAnswer),
    (error: unknown) =>
      parentPort!.postMessage({ index, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies FleetWorkerAnswer),
  );
});
