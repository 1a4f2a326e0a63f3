import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { run, spawnDaemon, stopPid, waitFor, type RunResult } from './lab/proc.js';

/**
 * deploy/systemd: `systemd-analyze verify` accepts the units, and the service's command lines,
 * exactly as written in the unit (read from the file, %S and the paths swapped for the test's
 * directories), run with the real CLI in a lab host, in systemd's order: the steps of a first run,
 * a steady run, a run where a gateway appeared (step 3 fails the unit, the textfile still shows
 * it, the rotation still happens), and the steady run after it. On a host without node_exporter's
 * textfile directory the textfile step fails, and (its line is `-`) the comparison still runs.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const UNITS = join(REPO, 'deploy', 'systemd');
const CLAWMOAT_PATH = '/usr/local/bin/clawmoat';
const TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';

/** systemd's word splitting, as far as these units use it: words, and '…' / "…" quoted words. */
function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

function commandLines(unit: string, key: 'ExecStart' | 'ExecStopPost'): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

const req = requires('the systemd service and timer', ['root', 'netns', 'systemd']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let etc: PrivateEtc;
  let dir: string;
  let wrapper: string;
  let state: string;
  let textfile: string;
  const unit = readFileSync(join(UNITS, 'clawmoat-audit.service'), 'utf8');

  /** Where a run keeps its state and writes its textfile: the test's directories, or others. */
  interface Places {
    state: string;
    textfile: string;
  }

  /** A unit line with the machine's paths swapped for the test's. */
  function localise(line: string, places: Places): string {
    return line.replaceAll('%S', places.state).replaceAll(CLAWMOAT_PATH, wrapper).replaceAll(TEXTFILE_DIR, places.textfile);
  }

  /**
   * One activation of the service as systemd runs a oneshot: each ExecStart in turn until one fails
   * (a line prefixed with '-' fails without stopping the rest, and without failing the unit), then
   * ExecStopPost always.
   */
  async function activate(places: Places = { state, textfile }): Promise<{ steps: RunResult[]; failed: boolean }> {
    const steps: RunResult[] = [];
    let failed = false;
    for (const line of commandLines(unit, 'ExecStart')) {
      const ignoreFailure = line.startsWith('-');
      const [cmd, ...args] = splitCommandLine(localise(ignoreFailure ? line.slice(1) : line, places));
      const r = await etc.exec(lab.gw, cmd!, args, {
        allowFail: true,
        timeoutMs: 120_000,
        env: { PATH: labPath(), NO_COLOR: '1', HOME: join(dir, 'root-home') },
      });
      steps.push(r);
      if (r.code !== 0 && !ignoreFailure) {
        failed = true;
        break;
      }
    }
    for (const line of commandLines(unit, 'ExecStopPost')) {
      const [cmd, ...args] = splitCommandLine(localise(line, places));
      await etc.exec(lab.gw, cmd!, args, { env: { PATH: labPath() } });
    }
    return { steps, failed };
  }

  /** A state directory as StateDirectory= makes it (0700), holding LAST as the previous run's snapshot when given. */
  function stateDir(name: string, last?: string): string {
    const base = join(dir, name);
    mkdirSync(join(base, 'clawmoat'), { recursive: true });
    chmodSync(join(base, 'clawmoat'), 0o700);
    if (last) copyFileSync(last, join(base, 'clawmoat', 'last.json'));
    return base;
  }

  beforeAll(async () => {
    await ensureBuilt();
    dir = tempDir(scope, 'systemd-units');
    mkdirSync(join(dir, 'root-home'));
    wrapper = join(dir, 'clawmoat');
    writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
    state = join(dir, 'state');
    mkdirSync(join(state, 'clawmoat'), { recursive: true });
    chmodSync(join(state, 'clawmoat'), 0o700);
    textfile = join(dir, 'textfile');
    mkdirSync(textfile);
    lab = await wan(scope);
    etc = PrivateEtc.create(scope);
    // The lab host before any gateway: the baseline of the run without a textfile directory below.
    const quiet = await etc.exec(lab.gw, wrapper, ['collect', '-o', join(dir, 'quiet.json')], {
      allowFail: true,
      timeoutMs: 120_000,
      env: { PATH: labPath(), NO_COLOR: '1', HOME: join(dir, 'root-home') },
    });
    expect(quiet.code, quiet.stderr).toBe(0);
  }, 180_000);
  afterAll(() => scope.dispose());

  it('systemd-analyze verify accepts the service and the timer', async () => {
    const units = tempDir(scope, 'units');
    writeFileSync(join(units, 'clawmoat-audit.service'), unit.replaceAll(CLAWMOAT_PATH, wrapper));
    copyFileSync(join(UNITS, 'clawmoat-audit.timer'), join(units, 'clawmoat-audit.timer'));
    const r = await run(binary('systemd-analyze'), ['verify', join(units, 'clawmoat-audit.service'), join(units, 'clawmoat-audit.timer')], { allowFail: true });
    expect(r.code, r.stderr).toBe(0);
    // The shipped file names /usr/local/bin/clawmoat: verify rejects it only for being absent here.
    const shipped = await run(binary('systemd-analyze'), ['verify', join(UNITS, 'clawmoat-audit.service')], { allowFail: true });
    expect(shipped.stderr.trim().split('\n').filter(Boolean)).toEqual(
      existsSync(CLAWMOAT_PATH) ? [] : [`clawmoat-audit.service: Command ${CLAWMOAT_PATH} is not executable: No such file or directory`],
    );
  });

  it('runs its command lines with the real CLI: textfile refreshed, drift against the previous run, a change reported once', async () => {
    const prom = join(textfile, 'clawmoat.prom');
    const last = join(state, 'clawmoat', 'last.json');
    const current = join(state, 'clawmoat', 'current.json');

    const first = await activate();
    expect(first.failed, JSON.stringify(first.steps.map((s) => s.stderr))).toBe(false);
    expect(first.steps.at(-1)!.stdout).toContain('first run, no baseline yet');
    expect(readFileSync(prom, 'utf8')).toMatch(/^clawmoat_check_status\{check="gateway\.bind\.public",severity="critical"\} [03]$/m);
    expect(existsSync(last)).toBe(true);
    expect(existsSync(current)).toBe(false);

    const steady = await activate();
    expect(steady.failed, JSON.stringify(steady.steps.map((s) => s.stdout + s.stderr))).toBe(false);
    expect(steady.steps).toHaveLength(3);

    // A gateway appears, listening on every address: step 3 sees it as new and fails the unit.
    const gwHome = tempDir(scope, 'gw-home');
    mkdirSync(join(gwHome, '.openclaw'));
    writeFileSync(join(gwHome, '.openclaw', 'openclaw.json'), '{ gateway: { bind: "lan", port: 18789 } }\n');
    const script = "process.title = 'openclaw-gateway'; require('node:net').createServer((s) => s.on('error', () => {})).listen(18789, '0.0.0.0');";
    const daemon = spawnDaemon(...lab.gw.argv(process.execPath, ['-e', script]), { env: { PATH: labPath(), HOME: gwHome }, logFile: join(gwHome, 'log') });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'gateway' };
    hold(resource);
    scope.defer('gateway', async () => {
      await stopPid(daemon.pid, daemon.startTime, 3_000);
      release(resource);
    });
    await waitFor(async () => ((await lab.gw.exec(binary('ss'), ['-Hltn', 'sport', '=', ':18789'])).stdout.trim() ? true : undefined), {
      what: 'gateway',
      timeoutMs: 10_000,
    });
    const changed = await activate();
    expect(changed.failed).toBe(true);
    expect(changed.steps).toHaveLength(3);
    expect(changed.steps[2]!.code, changed.steps[2]!.stderr).toBe(1);
    expect(changed.steps[2]!.stdout).toMatch(/new:\n\s+critical gateway\.bind\.public/);
    expect(readFileSync(prom, 'utf8')).toMatch(/^clawmoat_gateway_exposed\{zone_kind="internet"\} [1-9]\d*$/m);
    expect(existsSync(current)).toBe(false);

    // Reported once: the next run has the exposed host as its baseline.
    const after = await activate();
    expect(after.failed, JSON.stringify(after.steps.map((s) => s.stdout + s.stderr))).toBe(false);
  });

  it("without node_exporter's textfile directory: the textfile step fails in the journal, the comparison still runs and decides", async () => {
    // The gateway of the test above still listens: against the quiet host it is new.
    const missing = join(dir, 'no-node-exporter', 'node-exporter');
    const changed = await activate({ state: stateDir('state-no-textfile', join(dir, 'quiet.json')), textfile: missing });
    expect(changed.steps).toHaveLength(3);
    expect(changed.steps[1]!.code).toBe(2);
    expect(changed.steps[1]!.stderr).toMatch(/does not exist; create it first/);
    expect(changed.steps[2]!.stdout).toMatch(/new:\n\s+critical gateway\.bind\.public/);
    expect(changed.failed).toBe(true);
    expect(existsSync(missing)).toBe(false);

    // A first run there is a success: nothing new, and no textfile to blame.
    const first = await activate({ state: stateDir('state-no-textfile-first'), textfile: missing });
    expect(first.failed, JSON.stringify(first.steps.map((s) => s.stderr))).toBe(false);
    expect(first.steps.at(-1)!.stdout).toContain('first run, no baseline yet');
  });
});
