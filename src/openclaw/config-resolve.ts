import { dirname, join } from 'node:path';
import { ok, unavailable } from '../collect/host.js';
import { OWN_READS } from '../collect/owner-read.js';
import { isSecretName, redactObject, redactedSecret, type SecretVault } from '../snapshot/redact.js';
import type { OpenClawConfigInvalid, OpenClawConfigState } from '../snapshot/types.js';
import { applyConfigEnvBlock, layerEnv, parseDotEnv, substituteEnv } from './config-env.js';
import { MAX_NESTING, resolveIncludes } from './config-include.js';
import { firstValueAt, locationsFor, nestingExceededAt, scanKeyLocations } from './config-locate.js';
import { parseJson5 } from './config-parse.js';
import { configCandidates, existingLegacyDirs, includeRoots, probePath, resolveStateDir, type ConfigCandidate } from './config-paths.js';
import { ConfigAccessError, ConfigError, isPlainObject, type ConfigResolveInput } from './config-types.js';
import { setOwn } from '../snapshot/set-own.js';

export type { ConfigResolveInput } from './config-types.js';

/**
 * The OpenClaw config as the gateway would load it: which file, JSON5, $include,
 * .env files and ${VAR}; secrets redacted before anything leaves this module.
 */

export interface ConfigResolveResult {
  /** Every config path considered, in the order OpenClaw would look. */
  candidates: string[];
  config: OpenClawConfigState;
  /** Legacy state dirs still present (~/.clawdbot, ~/.moltbot, ...). */
  legacyDirs: string[];
}

export async function resolveOpenClawConfig(input: ConfigResolveInput, vault: SecretVault): Promise<ConfigResolveResult> {
  const candidates = configCandidates(input);
  const legacyDirs = await existingLegacyDirs(input).catch(() => []);
  let config: OpenClawConfigState;
  try {
    config = await resolveConfig(input, candidates, vault);
  } catch (error) {
    // Anything unforeseen is recorded, never thrown.
    const message = error instanceof Error ? error.message : String(error);
    config = unavailable('error', vault.scrubText(`resolving the OpenClaw config failed: ${message}`));
  }
  return { candidates: candidates.map((c) => c.path), config, legacyDirs };
}

async function resolveConfig(input: ConfigResolveInput, candidates: ConfigCandidate[], vault: SecretVault): Promise<OpenClawConfigState> {
  let chosen: ConfigCandidate | undefined;
  for (const candidate of candidates) {
    const kind = await probePath(candidate.path);
    if (kind === 'missing') continue;
    if (kind === 'denied') return unavailable('permission-denied', `${candidate.path} cannot be checked (permission denied on a parent directory)`);
    chosen = candidate;
    break;
  }
  if (!chosen) {
    return unavailable('not-found', `no OpenClaw config file; looked for ${candidates.map((c) => c.path).join(', ')}`);
  }
  const { path, resolvedBy } = chosen;
  const invalid = (error: { file: string; line?: number; column?: number; message: string }): OpenClawConfigInvalid => ({
    status: 'invalid',
    path,
    resolvedBy,
    error: { ...error, message: vault.scrubText(error.message) },
  });

  // A path the gateway's environment chose is read as its owner could; one the admin named, as clawmoat.
  const reader = input.gateway && resolvedBy !== 'explicit path' ? input.gateway.reader : OWN_READS;
  const text = await reader.read(path);
  if (text.status !== 'ok') return text;
  const parsed = parseJson5(text.data);
  if (!parsed.ok) return invalid({ file: path, line: parsed.line, column: parsed.column, message: parsed.message });
  if (!isPlainObject(parsed.value)) return invalid({ ...firstValueAt(text.data, path), message: 'the config root must be an object' });
  const deep = nestingExceededAt(text.data, path, MAX_NESTING);
  if (deep) return invalid({ ...deep, message: `the config nests deeper than ${MAX_NESTING} levels` });

  const mainNode = scanKeyLocations(text.data, path);
  let included;
  try {
    included = await resolveIncludes(path, parsed.value, mainNode, {
      rootDir: dirname(path),
      extraRoots: includeRoots(input),
      reader,
    });
  } catch (error) {
    if (error instanceof ConfigError) return invalid({ ...error.location, message: error.message });
    if (error instanceof ConfigAccessError) return unavailable(error.reason, vault.scrubText(error.message));
    throw error;
  }
  const merged = included.located.value;
  if (!isPlainObject(merged)) {
    const at = mainNode.children?.get('$include')?.at ?? firstValueAt(text.data, path);
    return invalid({ ...at, message: 'the config root must be an object, but $include made it something else' });
  }

  const warnings: string[] = [];
  const env = await loadEnv(input, vault, warnings);
  applyConfigEnvBlock(merged, env);
  const substituted = substituteEnv(merged, env);
  for (const [keyPath, names] of substituted.missing) {
    // OpenClaw's env substitution throws MissingEnvVarError for an unset or empty variable: the
    // gateway refuses to load this config until it is set.
    for (const name of names) warnings.push(`${keyPath}: environment variable ${name} is not set; OpenClaw refuses to load the config until it is`);
  }
  const origin = (keyPath: string): string | undefined => {
    const used = substituted.used.get(keyPath);
    if (used) return `env:${used.join(',')}`;
    const missing = substituted.missing.get(keyPath);
    return missing ? `unresolved-env:${missing.join(',')}` : undefined;
  };
  const redacted = redactObject(redactPlaceholders(substituted.value, substituted.missing), vault, origin);
  const value = vault.scrub(redacted) as Record<string, unknown>;
  const writer = input.gateway && resolvedBy !== 'explicit path' ? { gatewayPid: input.gateway.pid, gatewayMayWrite: await input.gateway.mayWrite(path) } : {};
  return ok({
    ...writer,
    path,
    resolvedBy,
    files: [path, ...included.files.filter((f) => f !== path)],
    value,
    locations: locationsFor(included.located.node),
    warnings: warnings.map((w) => vault.scrubText(w)),
    ...(substituted.missing.size > 0 ? { unset: Object.fromEntries(substituted.missing) } : {}),
  });
}

const PLACEHOLDER = /^\s*\$\{([A-Z_][A-Z0-9_]*)\}\s*$/;

/**
 * A secret key still holding a bare `${NAME}` (NAME unset) is redacted here,
 * without the vault: remembering "${NAME}" as a secret would erase that
 * reference from unit files and compose files collected later.
 */
function redactPlaceholders(value: unknown, missing: Map<string, string[]>, path = ''): unknown {
  if (Array.isArray(value)) return value.map((v, i) => redactPlaceholders(v, missing, `${path}[${i}]`));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const placeholder = typeof child === 'string' && missing.has(childPath) ? PLACEHOLDER.exec(child) : null;
    if (placeholder && isSecretName(key)) setOwn(out, key, redactedSecret(child as string, `unresolved-env:${placeholder[1]!}`));
    else setOwn(out, key, redactPlaceholders(child, missing, childPath));
  }
  return out;
}

/**
 * The gateway's environment: its own, then the cwd .env, then the state-dir
 * .env, none overriding what an earlier one set.
 */
async function loadEnv(input: ConfigResolveInput, vault: SecretVault, warnings: string[]): Promise<Record<string, string>> {
  const files: string[] = [];
  if (input.cwd) files.push(join(input.cwd, '.env'));
  const stateEnv = join(await resolveStateDir(input), '.env');
  if (!files.includes(stateEnv)) files.push(stateEnv);
  const layers: Record<string, string | undefined>[] = [input.env];
  const reader = input.gateway?.reader ?? OWN_READS;
  for (const file of files) {
    const text = await reader.read(file);
    if (text.status !== 'ok') {
      if (text.reason !== 'not-found') warnings.push(`${file} could not be read (${text.reason}); variables it may set are unknown`);
      continue;
    }
    layers.push(parseDotEnv(text.data));
  }
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) if (value && isSecretName(name)) vault.remember(value);
  }
  return layerEnv(...layers);
}
