/** The prober's defaults, apart from the prober: `--help` names them without loading it. */
export const PROBE_DEFAULTS = { timeoutMs: 2_000, concurrency: 64, adaptiveTimeout: true };
