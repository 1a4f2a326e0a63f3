import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ComposeFile } from '../snapshot/types.js';
import { REDACTED_TEXT, SecretVault, isSecretName, redactUrls } from '../snapshot/redact.js';
import { redactYaml } from '../snapshot/redact-yaml.js';
import { exists, hostFacts, ok, readText } from './host.js';
import { parseShellAssignments } from './ufw.js';
import type { ScriptReads } from './script/declare.js';

/**
 * Compose files, found the way `docker compose` finds them: the files given with --compose
 * (like `-f`, in order), else COMPOSE_FILE (from the shell or the working directory's .env,
 * split on COMPOSE_PATH_SEPARATOR), else the first of compose.yaml, compose.yml,
 * docker-compose.yml, docker-compose.yaml in the working directory or the nearest parent
 * that has one, followed by its override file. All files found form one project, merged in
 * order during analysis. A file that was named but cannot be read is recorded, never dropped.
 */

/** docker compose's precedence (compose-go `DefaultFileNames` / `DefaultOverrideFileNames`). */
export const DEFAULT_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const OVERRIDE_NAMES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

async function readDotenv(dir: string, vault: SecretVault): Promise<Record<string, string> | undefined> {
  const text = await readText(join(dir, '.env'));
  if (text.status !== 'ok') return undefined;
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseShellAssignments(text.data))) {
    if (isSecretName(name)) {
      vault.remember(value);
      values[name] = REDACTED_TEXT;
    } else values[name] = redactUrls(value, vault);
  }
  return values;
}

/** Shell variables the file interpolates, with their current values (secret ones redacted). */
function referencedEnvironment(text: string, vault: SecretVault, env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = match[1]!;
    const value = env[name];
    if (value === undefined) continue;
    if (isSecretName(name)) {
      vault.remember(value);
      values[name] = REDACTED_TEXT;
    } else values[name] = redactUrls(value, vault);
  }
  return values;
}

/**
 * The file text with its secrets masked on the parsed YAML (redact-yaml.ts): the model parses it
 * again later, so ports, volumes and networks must come through unchanged. Run again with the
 * full vault once every source is read, so a secret another source saw is masked here too.
 */
export function redactComposeFile(file: ComposeFile, vault: SecretVault): ComposeFile {
  if (file.content.status !== 'ok') return file;
  const { text, fallback } = redactYaml(file.content.data, vault);
  const out: ComposeFile = { ...file, content: ok(text) };
  if (fallback) out.redaction = fallback;
  return out;
}

async function firstExisting(dir: string, names: string[]): Promise<string | undefined> {
  for (const name of names) if (await exists(join(dir, name))) return join(dir, name);
  return undefined;
}

/** The default file in `cwd` or the nearest parent that has one, then its override. */
async function defaultFiles(cwd: string): Promise<string[]> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const winner = await firstExisting(dir, DEFAULT_NAMES);
    if (winner) {
      const override = await firstExisting(dir, OVERRIDE_NAMES);
      return override ? [winner, override] : [winner];
    }
    if (dirname(dir) === dir) return [];
  }
}

/** Which files docker compose would load, and how it found them. */
export async function composeFilesToRead(
  paths: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  cwdDotenv: Record<string, string> | undefined,
): Promise<{ files: string[]; origin: ComposeFile['origin'] }> {
  if (paths.length > 0) return { files: paths.map((p) => resolve(cwd, p)), origin: 'argument' };
  const list = env.COMPOSE_FILE ?? cwdDotenv?.COMPOSE_FILE;
  if (list) {
    const separator = env.COMPOSE_PATH_SEPARATOR ?? cwdDotenv?.COMPOSE_PATH_SEPARATOR ?? ':';
    const files = list.split(separator).filter((f) => f !== '');
    if (files.length > 0) return { files: files.map((f) => (isAbsolute(f) ? f : resolve(cwd, f))), origin: 'COMPOSE_FILE' };
  }
  return { files: await defaultFiles(cwd), origin: 'cwd' };
}

export async function collectCompose(paths: string[], cwd: string, vault: SecretVault, env: NodeJS.ProcessEnv = hostFacts().env): Promise<ComposeFile[]> {
  const cwdDotenv = await readDotenv(cwd, vault);
  const { files: candidates, origin } = await composeFilesToRead(paths, cwd, env, cwdDotenv);
  if (candidates.length === 0) return [];
  // The project directory is the first file's; its .env feeds the interpolation of every file.
  const project = dirname(candidates[0]!);
  const dotenv = await readDotenv(project, vault);
  const files: ComposeFile[] = [];
  for (const path of candidates) {
    const text = await readText(path);
    const file: ComposeFile = redactComposeFile({ path, origin, project, content: text }, vault);
    if (dotenv) file.dotenv = dotenv;
    if (text.status === 'ok') {
      const environment = referencedEnvironment(text.data, vault, env);
      if (Object.keys(environment).length > 0) file.environment = environment;
    }
    files.push(file);
  }
  return files;
}

/** What collectCompose reads, for the collection script: discovery from the script's working directory. */
export const COMPOSE_READS: ScriptReads = { env: ['COMPOSE_FILE', 'COMPOSE_PATH_SEPARATOR'], rounds: ['compose'] };
