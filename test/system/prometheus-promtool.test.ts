import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary } from '../support/binaries.js';
import { bundleCli, REPO } from '../support/cli-bundle.js';
import { requires } from '../support/prerequisites.js';
import { exposedHost, loopbackHost } from '../unit/fleet/hosts.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { Netns } from './lab/netns.js';
import { run, spawnDaemon, stopPid, waitFor } from './lab/proc.js';

/**
 * `--format prometheus` as Prometheus's own tools read it: promtool lints what audit and fleet
 * write, checks the shipped alert rules and runs their unit tests (the exposure alert firing);
 * then node_exporter's textfile collector serves the file in a namespace of the test's own, and
 * the metrics are read back over HTTP.
 */
const RULES = join(REPO, 'deploy/prometheus/clawmoat.rules.yml');
const RULE_TESTS = join(REPO, 'deploy/prometheus/clawmoat.rules.test.yml');

const promtool = requires('prometheus output and alert rules, needs promtool', ['promtool']);
describe.skipIf(promtool.skip)(promtool.name, promtool.options, () => {
  const scope = new Scope();
  let cli: ReturnType<typeof bundleCli>;
  let dir: string;
  beforeAll(() => {
    cli = bundleCli();
    dir = tempDir(scope, 'prom');
    writeFileSync(join(dir, 'web.json'), JSON.stringify(exposedHost('web')));
    writeFileSync(join(dir, 'db.json'), JSON.stringify(loopbackHost('db')));
    writeFileSync(join(dir, 'cut.json'), '{"schemaVersion": 1, "tool"');
  }, 120_000);
  afterAll(async () => {
    cli?.dispose();
    await scope.dispose();
  });

  const clawmoat = (...args: string[]) => run(process.execPath, [cli.cli, ...args], { allowFail: true });

  it('audit --format prometheus -o writes a file promtool accepts, atomically (no temp file left)', async () => {
    const out = join(dir, 'out', 'clawmoat.prom');
    await run('mkdir', ['-p', join(dir, 'out')]);
    const result = await clawmoat('audit', '--snapshot', join(dir, 'web.json'), '--format', 'prometheus', '-o', out);
    expect(result.code, result.stderr).toBe(1);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^clawmoat_gateway_exposed\{zone_kind="internet"\} [1-9]/m);
    expect(text).toMatch(/^clawmoat_last_run_timestamp_seconds \d/m);
    expect(readdirSync(join(dir, 'out'))).toEqual(['clawmoat.prom']);
    const check = await run(binary('promtool'), ['check', 'metrics'], { input: text, allowFail: true });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('fleet --format prometheus writes one file for the fleet that promtool accepts', async () => {
    const result = await clawmoat('fleet', dir, '--format', 'prometheus');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/clawmoat_gateway_exposed\{host="web",zone_kind="internet"\} [1-9]/);
    expect(result.stdout).toContain('clawmoat_gateway_exposed{host="db",zone_kind="internet"} 0');
    expect(result.stdout).toContain('clawmoat_fleet_hosts{state="unreadable"} 1');
    const check = await run(binary('promtool'), ['check', 'metrics'], { input: result.stdout, allowFail: true });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('the shipped alert rules pass promtool check rules and their unit tests (the exposure alert fires)', async () => {
    const check = await run(binary('promtool'), ['check', 'rules', RULES], { allowFail: true });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('SUCCESS: 5 rules found');
    const test = await run(binary('promtool'), ['test', 'rules', RULE_TESTS], { allowFail: true });
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(readFileSync(RULE_TESTS, 'utf8')).toMatch(/alertname: ClawmoatGatewayNewlyExposedToInternet\n\s+exp_alerts:\n\s+- exp_labels:/);
  });

  const exporter = requires('node_exporter serves the textfile, needs promtool', ['root', 'netns', 'promtool', 'node-exporter']);
  describe.skipIf(exporter.skip)(exporter.name, exporter.options, () => {
    it('serves clawmoat.prom on 127.0.0.1 in a namespace of the test, read back over HTTP', async () => {
      const textfiles = join(dir, 'textfile');
      await run('mkdir', ['-p', textfiles]);
      const written = await clawmoat('fleet', dir, '--format', 'prometheus', '-o', join(textfiles, 'clawmoat.prom'));
      expect(written.code, written.stderr).toBe(1);
      const ns = await Netns.create(scope, 'prom');
      const [cmd, args] = ns.argv(binary('prometheus-node-exporter'), [
        '--web.listen-address=127.0.0.1:9100',
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textfiles}`,
      ]);
      const daemon = spawnDaemon(cmd, args, { env: process.env, logFile: join(dir, 'node-exporter.log') });
      scope.defer('node_exporter', () => stopPid(daemon.pid, daemon.startTime));
      const fetchScript = "fetch('http://127.0.0.1:9100/metrics').then(async (r) => { process.stdout.write(await r.text()); }, () => process.exit(3))";
      const body = await waitFor(
        async () => {
          if (daemon.exited()) throw new Error(`node_exporter ${daemon.exited()}: ${daemon.logTail()}`);
          const r = await ns.exec(process.execPath, ['-e', fetchScript], { allowFail: true });
          return r.code === 0 && r.stdout.includes('clawmoat_') ? r.stdout : undefined;
        },
        { timeoutMs: 20_000, what: 'node_exporter serving the textfile' },
      );
      expect(body).toMatch(/clawmoat_gateway_exposed\{host="web",zone_kind="internet"\} [1-9]/);
      expect(body).toContain('clawmoat_fleet_hosts{state="read"} 2');
      expect(body).toMatch(/node_textfile_mtime_seconds\{file="[^"]*clawmoat\.prom"\}/);
      expect(body).toMatch(/node_textfile_scrape_error 0/);
    }, 60_000);
  });
});
