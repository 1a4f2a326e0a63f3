import { statKind, type PathKind } from '../collect/host.js';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import type { ConfigResolveInput } from './config-types.js';

/**
 * Where OpenClaw looks for its config, in its order. Explicit choices
 * (clawmoat's own flag, OPENCLAW_CONFIG_PATH, a profile) are final: OpenClaw
 * does not fall back to the default file when they point at nothing, it runs
 * without a config. Only the implicit search walks on to the default and
 * legacy names.
 */

export const CONFIG_FILENAME = 'openclaw.json';

/** Pre-rename state directories and the config file each one used. */
export const LEGACY_STATE_DIRS: readonly { dir: string; file: string }[] = [
  { dir: '.clawdbot', file: 'clawdbot.json' },
  { dir: '.moltbot', file: 'moltbot.json' },
  { dir: '.moldbot', file: 'moldbot.json' },
  { dir: '.clawdis', file: 'clawdis.json' },
];

export interface ConfigCandidate {
  path: string;
  /** Which rule chose this path: "OPENCLAW_CONFIG_PATH", "default", "legacy ~/.clawdbot"... */
  resolvedBy: string;
}

/** An env var as OpenClaw reads path variables: trimmed, empty means unset. */
export function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** `~` and `~/x` against home; a relative path against the working dir. */
export function expandUserPath(input: string, home: string, cwd?: string): string {
  if (input === '~') return normalize(home);
  if (input.startsWith('~/')) return normalize(join(home, input.slice(2)));
  if (isAbsolute(input)) return normalize(input);
  return resolve(cwd ?? process.cwd(), input);
}

/** OPENCLAW_HOME replaces HOME for every default path. */
export function effectiveHome(input: ConfigResolveInput): string {
  const override = envValue(input.env, 'OPENCLAW_HOME');
  return override ? expandUserPath(override, input.homeDir, input.cwd) : input.homeDir;
}

const PROFILE_NAME = /^[A-Za-z0-9_-]+$/;

/** The profile in effect: --profile wins over --dev; names OpenClaw would refuse are ignored. */
export function activeProfile(input: ConfigResolveInput): { name: string; label: string } | undefined {
  const named = input.profile?.trim();
  if (named && PROFILE_NAME.test(named)) return { name: named, label: `profile ${named}` };
  if (input.dev) return { name: 'dev', label: '--dev' };
  return undefined;
}

export function profileStateDir(home: string, profile: string): string {
  // OpenClaw maps the profile "default" to the plain state dir.
  return join(home, profile.toLowerCase() === 'default' ? '.openclaw' : `.openclaw-${profile}`);
}

function homeNote(input: ConfigResolveInput): string {
  return envValue(input.env, 'OPENCLAW_HOME') ? ' (OPENCLAW_HOME)' : '';
}

/** Every path OpenClaw would consider, in order; the first that exists is the config. */
export function configCandidates(input: ConfigResolveInput): ConfigCandidate[] {
  const home = effectiveHome(input);
  const note = homeNote(input);
  if (input.configPathOverride?.trim()) {
    return [{ path: expandUserPath(input.configPathOverride.trim(), input.homeDir, process.cwd()), resolvedBy: 'explicit path' }];
  }
  const configPath = envValue(input.env, 'OPENCLAW_CONFIG_PATH');
  if (configPath) return [{ path: expandUserPath(configPath, home, input.cwd), resolvedBy: 'OPENCLAW_CONFIG_PATH' }];

  const stateDir = envValue(input.env, 'OPENCLAW_STATE_DIR');
  const profile = activeProfile(input);
  if (profile) {
    // A profile pins OPENCLAW_CONFIG_PATH to its state dir (OPENCLAW_STATE_DIR, when set, wins).
    if (stateDir) return [{ path: join(expandUserPath(stateDir, home, input.cwd), CONFIG_FILENAME), resolvedBy: 'OPENCLAW_STATE_DIR' }];
    return [{ path: join(profileStateDir(home, profile.name), CONFIG_FILENAME), resolvedBy: `${profile.label}${note}` }];
  }

  const candidates: ConfigCandidate[] = [];
  if (stateDir) {
    const dir = expandUserPath(stateDir, home, input.cwd);
    candidates.push({ path: join(dir, CONFIG_FILENAME), resolvedBy: 'OPENCLAW_STATE_DIR' });
    candidates.push({ path: join(dir, 'clawdbot.json'), resolvedBy: 'OPENCLAW_STATE_DIR (legacy file name)' });
  }
  candidates.push({ path: join(home, '.openclaw', CONFIG_FILENAME), resolvedBy: `default${note}` });
  candidates.push({ path: join(home, '.openclaw', 'clawdbot.json'), resolvedBy: `default (legacy file name)${note}` });
  for (const legacy of LEGACY_STATE_DIRS) {
    candidates.push({ path: join(home, legacy.dir, CONFIG_FILENAME), resolvedBy: `legacy ~/${legacy.dir}${note}` });
    candidates.push({ path: join(home, legacy.dir, legacy.file), resolvedBy: `legacy ~/${legacy.dir}${note}` });
  }
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.path) && seen.add(c.path));
}

export type { PathKind };

/** What is at a path on the host being read (this machine, or a collection script's recording). */
export function probePath(path: string): Promise<PathKind> {
  return statKind(path);
}

/**
 * The state dir, which holds the global .env. Without an override OpenClaw keeps
 * using a pre-rename dir until ~/.openclaw exists.
 */
export async function resolveStateDir(input: ConfigResolveInput): Promise<string> {
  const home = effectiveHome(input);
  const override = envValue(input.env, 'OPENCLAW_STATE_DIR');
  if (override) return expandUserPath(override, home, input.cwd);
  const profile = activeProfile(input);
  if (profile) return profileStateDir(home, profile.name);
  const current = join(home, '.openclaw');
  if ((await probePath(current)) !== 'missing') return current;
  const legacy = join(home, '.clawdbot');
  return (await probePath(legacy)) === 'directory' ? legacy : current;
}

/** Legacy state dirs still on disk (under OPENCLAW_HOME and the real HOME): they may hold old tokens. */
export async function existingLegacyDirs(input: ConfigResolveInput): Promise<string[]> {
  const homes = [...new Set([effectiveHome(input), input.homeDir])];
  const found: string[] = [];
  for (const home of homes) {
    for (const legacy of LEGACY_STATE_DIRS) {
      const dir = join(home, legacy.dir);
      if ((await probePath(dir)) === 'directory') found.push(dir);
    }
  }
  return found;
}

/** Extra directories `$include` may reach (OPENCLAW_INCLUDE_ROOTS, colon-separated, ~ expanded). */
export function includeRoots(input: ConfigResolveInput): string[] {
  const raw = envValue(input.env, 'OPENCLAW_INCLUDE_ROOTS');
  if (!raw) return [];
  const home = effectiveHome(input);
  const roots: string[] = [];
  for (const entry of raw.split(':')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    // A relative root depends on the gateway's working dir; without it, it cannot be placed.
    if (!isAbsolute(trimmed) && !trimmed.startsWith('~') && !input.cwd) continue;
    const root = expandUserPath(trimmed, home, input.cwd);
    if (!roots.includes(root)) roots.push(root);
  }
  return roots;
}
