import type { Snapshot } from '../../snapshot/types.js';
import { mergeProject } from './merge.js';
import { parseCompose } from './parse.js';
import type { ComposeModel } from './types.js';

/** A snapshot's compose files parsed one by one (`files`), and merged per project as `docker compose` runs them (`projects`). */
export interface ComposeModels {
  files: ComposeModel[];
  projects: ComposeModel[];
}

/** docker compose interpolates from the shell first, then the .env file. */
function composeEnv(file: Snapshot['compose'][number]): Record<string, string> {
  return { ...(file.dotenv ?? {}), ...(file.environment ?? {}) };
}

/**
 * Each compose file parsed on its own (its errors name its own path and line), then the files
 * of one project merged in order into what `docker compose` would run. A file that could not be
 * read has no model; it is a problem of the compose input (see inputs.ts), never "no compose file".
 * This module brings the YAML library: model/context.ts loads it only for a snapshot with a compose file to parse.
 */
export function composeModels(snapshot: Snapshot): ComposeModels {
  const files: ComposeModel[] = [];
  const groups = new Map<string, ComposeModel[]>();
  snapshot.compose.forEach((f, index) => {
    if (f.content.status !== 'ok') return;
    const model = parseCompose({ path: f.path, text: f.content.data, env: composeEnv(f) });
    files.push(model);
    const key = f.project !== undefined ? `project:${f.project}` : `file:${index}`;
    groups.set(key, [...(groups.get(key) ?? []), model]);
  });
  return { files, projects: [...groups.values()].map(mergeProject) };
}
