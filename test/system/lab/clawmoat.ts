import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult, Finding } from '../../../src/checks/types.js';
import type { Report } from '../../../src/report/types.js';
import { binary, labPath } from '../../support/binaries.js';
import { tempDir, type Scope } from './cleanup.js';
import type { Netns } from './netns.js';
import type { PrivateEtc } from './private-mounts.js';
import { run, type RunResult } from './proc.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let built: Promise<void> | undefined;

/**
 * Build dist/ when it is missing or older than src/: the system tests run the CLI a user runs,
 * not the sources. Once per test process: rebuilding while another lab runs the CLI (sources
 * edited during a run) would swap files under it.
 */
export function ensureBuilt(): Promise<void> {
  built ??= buildIfStale();
  return built;
}

async function buildIfStale(): Promise<void> {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestMtime(join(REPO, 'src'))) return;
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const started = Date.now();
  // Type errors are the typecheck's business (`npm test` runs it first); here what
  // matters is behaviour, so a build that emitted the CLI despite them is used.
  const build = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO, timeoutMs: 180_000, allowFail: true });
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < started - 1_000) {
    throw new Error(`the build did not produce ${CLI}:\n${(build.stdout + build.stderr).slice(0, 4000)}`);
  }
}

/**
 * The built CLI run inside a lab namespace with the private /etc copies, as root, with
 * a clean environment: an empty HOME (the gateway's config must be found through the
 * gateway process, not through the caller), and DOCKER_HOST pointing at the lab's
 * dockerd or at nothing, so a Docker daemon of the machine running the tests is never read.
 */
export class Clawmoat {
  private readonly home: string;

  constructor(
    scope: Scope,
    private readonly ns: Netns,
    private readonly etc: PrivateEtc,
    private readonly options: { dockerHost?: string } = {},
  ) {
    // A home mounted by the private mounts (ssh's ~/.ssh) is the HOME; otherwise an empty one.
    this.home = etc.home ?? tempDir(scope, 'clawmoat-home');
  }

  /** Any clawmoat command; resolves with its exit code, whatever it is. */
  async run(args: string[]): Promise<RunResult> {
    await ensureBuilt();
    const env: NodeJS.ProcessEnv = {
      PATH: labPath(),
      HOME: this.home,
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      DOCKER_HOST: this.options.dockerHost ?? `unix://${join(this.home, 'no-docker.sock')}`,
    };
    return this.etc.exec(this.ns, process.execPath, [CLI, ...args], { env, allowFail: true, timeoutMs: 60_000 });
  }

  /** `audit --format json`, parsed; exit 0 (clean) and 1 (findings) are both answers, anything else is an error. */
  async audit(args: string[] = []): Promise<Report> {
    const result = await this.run(['audit', '--format', 'json', ...args]);
    if (result.code !== 0 && result.code !== 1) {
      throw new Error(`clawmoat audit exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    }
    try {
      return JSON.parse(result.stdout) as Report;
    } catch (error) {
      throw new Error(`clawmoat audit did not print JSON (${String(error)}):\n${result.stdout.slice(0, 2000)}\n${result.stderr.slice(0, 2000)}`);
    }
  }

  /**
   * The collection script's way, as `collect --via` takes it: `collect --print-script` run by SHELL
   * (argv, e.g. [dash] or [busybox, sh]) in the namespace with the private /etc, its output
   * parsed by `collect --from`, then audited. Returns the records too, for what the script ran.
   */
  async auditThroughScript(scope: Scope, shell: string[]): Promise<{ report: Report; output: string }> {
    const work = tempDir(scope, 'through-script');
    const script = join(work, 'collect.sh');
    const output = join(work, 'collect.out');
    const snapshot = join(work, 'host.json');
    writeFileSync(script, (await this.run(['collect', '--print-script'])).stdout);
    const ran = await this.etc.exec(this.ns, binary('sh'), ['-c', `exec "$@" < "${script}" > "${output}"`, 'sh', ...shell], {
      env: { PATH: labPath() },
      allowFail: true,
      timeoutMs: 120_000,
    });
    if (ran.code !== 0) throw new Error(`the collection script exited with ${ran.code}: ${ran.stderr.slice(0, 2000)}`);
    const parsed = await this.run(['collect', '--from', output, '-o', snapshot]);
    if (parsed.code !== 0) throw new Error(`collect --from exited with ${parsed.code}: ${parsed.stderr.slice(0, 2000)}`);
    return { report: await this.audit(['--snapshot', snapshot]), output };
  }
}

export function findings(report: Report, id: string): Finding[] {
  return report.findings.filter((f) => f.id === id);
}

export function checkResult(report: Report, id: string): CheckResult | undefined {
  return report.checks.find((c) => c.id === id);
}

/** One line per finding, for assertion messages that show what the audit did say. */
export function describeFindings(report: Report): string {
  return report.findings.map((f) => `${f.id} (${f.status}): ${f.evidence.map((e) => e.text).join('; ')}`).join('\n') || '(no findings)';
}
