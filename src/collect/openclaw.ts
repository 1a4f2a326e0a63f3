import { basename, dirname, join } from 'node:path';
import type { Collected, OpenClawProcess, OpenClawState, OpenClawUnit, RedactedSecret } from '../snapshot/types.js';
import { SecretVault, isSecretName, redactArgv, redactText, redactedSecret } from '../snapshot/redact.js';
import { resolveOpenClawConfig } from '../openclaw/config-resolve.js';
import { parseGatewayFlags } from '../openclaw/flags.js';
import { exists, hostFacts, ok, tryRealpath, unavailable, which } from './host.js';
import { OWN_READS, ownerMayWrite, ownerOf, readerFor, type OwnerReader } from './owner-read.js';
import { cwdOf, exeOf, netnsOf, processIds, readEnviron, userOf } from './proc.js';
import type { ScriptReads } from './script/declare.js';

/**
 * OpenClaw on this host: the gateway processes in our network namespace (their
 * argv and environment decide the effective bind, port and auth), the config they
 * resolve, their service units and the installed version.
 */

const PRODUCT = /(openclaw|clawdbot|moltbot|clawdis)/i;
const ENV_PREFIX = /^(OPENCLAW|CLAWDBOT|MOLTBOT)_/;
const KEEP_ENV = new Set(['HOME', 'USER', 'PWD']);

/** Is this argv an OpenClaw gateway? (`openclaw gateway [run]`, a service wrapper, or a renamed process title.) */
export function isGatewayArgv(argv: string[]): boolean {
  if (argv.length === 0) return false;
  const first = basename(argv[0]!);
  if (/^(openclaw|clawdbot|moltbot)-gateway/i.test(first)) return true;
  const productIndex = argv.findIndex((a) => PRODUCT.test(basename(a)) || /\/node_modules\/(openclaw|clawdbot|moltbot)\//.test(a));
  if (productIndex < 0) return false;
  return argv.slice(productIndex + 1).includes('gateway');
}

function gatewayEnv(env: Record<string, string>, vault: SecretVault): Record<string, string | RedactedSecret> {
  const out: Record<string, string | RedactedSecret> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_PREFIX.test(name) && !KEEP_ENV.has(name)) continue;
    if (isSecretName(name)) {
      vault.remember(value);
      out[name] = redactedSecret(value);
    } else out[name] = value;
  }
  return out;
}

async function findGatewayProcesses(
  vault: SecretVault,
  table: Map<number, string[]>,
  uncounted: NonNullable<OpenClawState['uncounted']>,
): Promise<{ process: OpenClawProcess; rawEnv?: Record<string, string>; home?: string; ppid?: number }[]> {
  const ours = await netnsOf('self');
  const found: { process: OpenClawProcess; rawEnv?: Record<string, string>; home?: string; ppid?: number }[] = [];
  for (const [pid, argv] of table) {
    if (pid === hostFacts().pid || !isGatewayArgv(argv)) continue;
    // Only a gateway in this network namespace listens here (not one in a container or another
    // namespace). When its namespace cannot be read (another user's process, read without root)
    // it is not counted, and the audit says so rather than judging a stranger's process.
    const theirs = await netnsOf(pid);
    if (!ours || !theirs) {
      uncounted.push({ pid, detail: `its network namespace (/proc/${pid}/ns/net) could not be read` });
      continue;
    }
    if (ours !== theirs) continue;
    const [environ, cwd, exe, user, ids] = await Promise.all([readEnviron(pid), cwdOf(pid), exeOf(pid), userOf(pid), processIds(pid)]);
    const entry: OpenClawProcess = {
      pid,
      flags: parseGatewayFlags(argv, vault),
      cmdline: redactArgv(argv, vault),
      env: environ.status === 'ok' ? ok(gatewayEnv(environ.data, vault)) : environ,
    };
    if (cwd) entry.cwd = cwd;
    if (exe) entry.exe = exe;
    if (user?.name) entry.user = user.name;
    const result: { process: OpenClawProcess; rawEnv?: Record<string, string>; home?: string; ppid?: number } = { process: entry };
    if (ids?.ppid !== undefined) result.ppid = ids.ppid;
    if (environ.status === 'ok') result.rawEnv = environ.data;
    const home = (environ.status === 'ok' ? environ.data.HOME : undefined) ?? user?.home;
    if (home) result.home = home;
    found.push(result);
  }
  // A wrapper (`openclaw gateway` → node child) shows up twice: keep both, they share the listener anyway.
  return found;
}

const UNIT_NAME = /^(openclaw|clawdbot|moltbot)-gateway.*\.service$/;

/** A home a gateway process's environment (or account) names, with the reader of that process's owner. */
interface Home {
  dir: string;
  reader: OwnerReader;
}

async function findUnits(homes: Home[], vault: SecretVault): Promise<OpenClawUnit[]> {
  const dirs: { dir: string; scope: 'system' | 'user'; reader: OwnerReader }[] = [
    { dir: '/etc/systemd/system', scope: 'system', reader: OWN_READS },
    { dir: '/lib/systemd/system', scope: 'system', reader: OWN_READS },
    { dir: '/usr/lib/systemd/system', scope: 'system', reader: OWN_READS },
    ...homes.map((h) => ({ dir: join(h.dir, '.config/systemd/user'), scope: 'user' as const, reader: h.reader })),
  ];
  const units: OpenClawUnit[] = [];
  const seen = new Set<string>();
  for (const { dir, scope, reader } of dirs) {
    // Sorted: a directory's order is the filesystem's, and both transports must list units alike.
    for (const name of (await reader.names(dir)).sort()) {
      if (!UNIT_NAME.test(name)) continue;
      const path = join(dir, name);
      const real = (await tryRealpath(path)) ?? path;
      if (seen.has(real)) continue;
      seen.add(real);
      const text = await reader.read(path);
      if (text.status === 'ok') units.push({ path, scope, content: redactText(text.data, vault) });
    }
  }
  return units;
}

async function packageVersionAbove({ dir: start, reader }: Home): Promise<{ version: string; source: string } | undefined> {
  let dir = start;
  for (let i = 0; i < 8 && dir !== '/'; i++) {
    const pkg = await reader.read(join(dir, 'package.json'));
    if (pkg.status === 'ok') {
      try {
        const json = JSON.parse(pkg.data) as { name?: string; version?: string };
        if (json.name && PRODUCT.test(json.name) && json.version) return { version: json.version, source: join(dir, 'package.json') };
      } catch {
        // not the package we want; keep walking up
      }
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** The installed version, read from package.json (running `openclaw --version` costs seconds). */
async function findVersion(processes: OpenClawProcess[], homes: Home[]): Promise<Collected<{ version: string; source: string }>> {
  // A directory a process's argv or home names is walked as that process's owner could read it.
  const starts: Home[] = [];
  for (const p of processes) {
    const reader = readerFor(p.pid, 'the OpenClaw gateway');
    for (const arg of p.cmdline) if (arg.startsWith('/') && PRODUCT.test(arg)) starts.push({ dir: dirname(arg), reader });
  }
  const bin = (await which('openclaw')) ?? (await which('clawdbot'));
  if (bin) starts.push({ dir: dirname((await tryRealpath(bin)) ?? bin), reader: OWN_READS });
  const roots = [
    ...['/usr/lib/node_modules', '/usr/local/lib/node_modules'].map((dir) => ({ dir, reader: OWN_READS })),
    ...homes.map((h) => ({ dir: join(h.dir, '.npm-global/lib/node_modules'), reader: h.reader })),
  ];
  for (const root of roots) {
    for (const name of ['openclaw', 'clawdbot', 'moltbot'])
      if (await exists(join(root.dir, name))) starts.push({ dir: join(root.dir, name), reader: root.reader });
  }
  for (const start of starts) {
    const found = await packageVersionAbove(start);
    if (found) return ok(found);
  }
  return unavailable('not-found', 'no OpenClaw installation found (no openclaw on PATH, no global npm package, no running gateway)');
}

type FoundGateway = Awaited<ReturnType<typeof findGatewayProcesses>>[number];

/**
 * What decides how a gateway process runs besides its config file: its OpenClaw variables (config
 * path, state dir, profile, bind, port, token), HOME, working directory and its gateway flags
 * (--bind, --port, --auth, a token's length, --profile, --dev).
 */
function launchInputs(f: FoundGateway): string {
  const env = Object.entries(f.rawEnv ?? {})
    .filter(([name]) => ENV_PREFIX.test(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const flags = Object.entries(f.process.flags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([env, f.home ?? null, f.process.cwd ?? null, flags]);
}

/**
 * The gateway process whose config, environment and flags are the ones to audit: a process holding
 * a listening socket before one that does not (any user can start a process titled
 * `openclaw-gateway` with an environment naming another config, or `--auth token` on its command
 * line), a readable environment before an unreadable one; and the processes of the same rank that
 * would run otherwise.
 */
function configProcess(found: readonly FoundGateway[], listening: ReadonlySet<number>): { primary?: FoundGateway; disagree: number[] } {
  const readable = found.filter((f) => f.rawEnv);
  const pool = readable.length > 0 ? readable : [...found];
  const listeners = pool.filter((f) => listening.has(f.process.pid));
  const contenders = listeners.length > 0 ? listeners : pool;
  const primary = contenders[0];
  if (!primary) return { disagree: [] };
  const key = launchInputs(primary);
  return { primary, disagree: contenders.filter((f) => launchInputs(f) !== key).map((f) => f.process.pid) };
}

/**
 * The process whose command line launched PRIMARY: itself when it carries gateway flags, else its
 * nearest gateway ancestor (`openclaw gateway run --auth none` starts a child titled
 * `openclaw-gateway` with no flags of its own, and the child is the one that listens).
 */
function launcherOf(primary: FoundGateway, found: readonly FoundGateway[]): FoundGateway {
  let current = primary;
  for (let hops = 0; hops < 8 && Object.keys(current.process.flags).length === 0 && current.ppid !== undefined; hops++) {
    const parent = found.find((f) => f.process.pid === current.ppid);
    if (!parent) break;
    current = parent;
  }
  return current;
}

export async function collectOpenClaw(
  vault: SecretVault,
  table: Map<number, string[]>,
  options: { configPath?: string; listeningPids?: Promise<ReadonlySet<number>> } = {},
): Promise<OpenClawState> {
  const uncounted: NonNullable<OpenClawState['uncounted']> = [];
  const found = await findGatewayProcesses(vault, table, uncounted);
  const processes = found.map((f) => f.process);
  // Resolve the config the way the running gateway did: with its environment and HOME.
  const listening = found.length > 1 && options.listeningPids ? await options.listeningPids : new Set<number>();
  const { primary, disagree } = configProcess(found, listening);
  const ownEnv = hostFacts().env;
  const env: Record<string, string | undefined> = primary?.rawEnv ?? { ...ownEnv };
  const homeDir = primary?.home ?? env.HOME ?? ownEnv.HOME ?? '/root';
  const flags = primary?.process.flags ?? {};
  const input: Parameters<typeof resolveOpenClawConfig>[0] = { env, homeDir, dev: flags.dev === true };
  const profile = flags.profile ?? env.OPENCLAW_PROFILE;
  if (profile) input.profile = profile;
  if (primary?.process.cwd) input.cwd = primary.process.cwd;
  if (options.configPath) input.configPathOverride = options.configPath;
  if (primary) input.gateway = gatewayAccess(primary.process.pid);
  const resolved = await resolveOpenClawConfig(input, vault);
  const homes: Home[] = [];
  const addHome = (dir: string | undefined, reader: OwnerReader): void => {
    if (dir && !homes.some((h) => h.dir === dir)) homes.push({ dir, reader });
  };
  addHome(homeDir, input.gateway?.reader ?? OWN_READS);
  for (const f of found) addHome(f.home, readerFor(f.process.pid, 'the OpenClaw gateway'));
  const [units, version] = await Promise.all([findUnits(homes, vault), findVersion(processes, homes)]);
  // The model reads flags and environment from the first process: the one that launched the process
  // the config was resolved for (that process itself, or the launcher whose child it is), then it.
  const launcher = primary ? launcherOf(primary, found) : undefined;
  const first = [launcher?.process, primary?.process].filter((p, i, all): p is OpenClawProcess => p !== undefined && all.indexOf(p) === i);
  const ordered = [...first, ...processes.filter((p) => !first.includes(p))];
  const state: OpenClawState = {
    configCandidates: resolved.candidates,
    config: resolved.config,
    processes: ordered,
    units,
    version,
    legacyDirs: resolved.legacyDirs,
  };
  if (uncounted.length > 0) state.uncounted = uncounted;
  if (primary) state.configFor = { pid: primary.process.pid, listening: listening.has(primary.process.pid) };
  if (disagree.length > 0) state.configDisagrees = disagree;
  return state;
}

/**
 * The gateway process PID's rights over the files its environment, HOME and cwd lead to
 * (owner-read.ts): read as its owner could, and whether that owner could replace the config.
 * clawmoat not running as root reads and writes with its own rights, so there is nothing to add.
 */
function gatewayAccess(pid: number): NonNullable<Parameters<typeof resolveOpenClawConfig>[0]['gateway']> {
  const root = hostFacts().uid === 0;
  return {
    pid,
    reader: readerFor(pid, 'the OpenClaw gateway'),
    async mayWrite(path) {
      if (!root) return true;
      const owner = await ownerOf(pid);
      return owner !== undefined && (await ownerMayWrite(path, owner));
    },
  };
}

/** What collectOpenClaw reads, for the collection script. */
export const OPENCLAW_READS: ScriptReads = {
  which: ['openclaw', 'clawdbot'],
  files: ['/etc/passwd'],
  env: ['HOME', 'USER', 'PWD', 'PATH', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_STATE_DIR', 'OPENCLAW_HOME', 'OPENCLAW_PROFILE', 'OPENCLAW_INCLUDE_ROOTS'],
  processes: [{ pattern: 'openclaw|clawdbot|moltbot|clawdis', ignoreCase: true, reads: ['netns', 'environ', 'status', 'cwd', 'exe'] }],
  rounds: ['openclaw'],
};
