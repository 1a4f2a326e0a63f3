import { dirname, join, resolve } from 'node:path';
import type { ComposeFile } from '../snapshot/types.js';
import { REDACTED_TEXT, SecretVault, isSecretName, redactUrlUserinfo } from '../snapshot/redact.js';
import { redactYaml } from '../snapshot/redact-yaml.js';
import { ok, readText } from './host.js';
import { parseShellAssignments } from './ufw.js';

/** Compose files: given with --compose, else the ones docker compose would pick in the working directory. */

const DEFAULT_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

async function readDotenv(dir: string, vault: SecretVault): Promise<Record<string, string> | undefined> {
  const text = await readText(join(dir, '.env'));
  if (text.status !== 'ok') return undefined;
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseShellAssignments(text.data))) {
    if (isSecretName(name)) {
      vault.remember(value);
      values[name] = REDACTED_TEXT;
    } else values[name] = redactUrlUserinfo(value, vault);
  }
  return values;
}

/** Shell variables the file interpolates, with their current values (secret ones redacted). */
function referencedEnvironment(text: string, vault: SecretVault): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = match[1]!;
    const value = process.env[name];
    if (value === undefined) continue;
    if (isSecretName(name)) {
      vault.remember(value);
      values[name] = REDACTED_TEXT;
    } else values[name] = redactUrlUserinfo(value, vault);
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

export async function collectCompose(paths: string[], cwd: string, vault: SecretVault): Promise<ComposeFile[]> {
  const explicit = paths.length > 0;
  const candidates = explicit ? paths.map((p) => resolve(cwd, p)) : DEFAULT_NAMES.map((n) => join(cwd, n));
  const files: ComposeFile[] = [];
  for (const path of candidates) {
    const text = await readText(path);
    if (!explicit && text.status !== 'ok') continue;
    const file: ComposeFile = redactComposeFile({ path, origin: explicit ? 'argument' : 'cwd', content: text }, vault);
    const dotenv = await readDotenv(dirname(path), vault);
    if (dotenv) file.dotenv = dotenv;
    if (text.status === 'ok') {
      const environment = referencedEnvironment(text.data, vault);
      if (Object.keys(environment).length > 0) file.environment = environment;
    }
    files.push(file);
  }
  return files;
}
