import { parseJson5 } from '../openclaw/config-parse.js';
import { redactObject, redactText, type SecretVault } from './redact.js';
import { redactYaml } from './redact-yaml.js';

/**
 * The secret values a file holds, read the way its format is parsed: an OpenClaw config as
 * JSON5 (values under secret-named keys, URL passwords), a compose file as YAML (redact-yaml.ts),
 * a unit, an .env or anything else as text (`Environment=…TOKEN=…`, `--token X`, URLs).
 * harden, tailscale plan and doctor show diffs of live files: each value found here is masked
 * on every line of the diff (context, `-` and `+`), the old token included.
 */
export function rememberFileSecrets(text: string, vault: SecretVault): void {
  const json = parseJson5(text);
  if (json.ok && typeof json.value === 'object') redactObject(json.value, vault);
  // A compose file; anything that is not YAML (a unit, an .env) is masked line by line, strictly.
  else redactYaml(text, vault);
  // Comments of a config, lines of a unit or an .env: the loose text rules catch what structure does not.
  redactText(text, vault);
}
