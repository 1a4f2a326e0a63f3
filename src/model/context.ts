import type { Snapshot } from '../snapshot/types.js';
import { contextFrom, type AnalysisContext, type AnalysisOptions } from './analysis-context.js';
import { composeModels } from './compose/models.js';

export { trackInputs, type AnalysisContext, type AnalysisOptions } from './analysis-context.js';

/**
 * Everything checks read, derived once from a snapshot, its compose files parsed here. Pure: no
 * I/O, no clock, no environment. The CLI, which starts for one command and pays for every module
 * it compiles, uses loadContext (analysis-context.ts) instead: it loads the YAML parser only for a
 * snapshot that has compose files; modules on its path import from analysis-context.ts.
 */
export function buildContext(snapshot: Snapshot, options: AnalysisOptions = {}): AnalysisContext {
  return contextFrom(snapshot, composeModels(snapshot), options);
}
