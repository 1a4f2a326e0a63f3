import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { runAudit } from '../../../src/cli/commands/audit-run.js';
import { listChecks } from '../../../src/cli/commands/checks.js';
import { runDoctorCommand } from '../../../src/cli/commands/doctor-run.js';
import { runFleet } from '../../../src/cli/commands/fleet-run.js';
import { runReach } from '../../../src/cli/commands/reach-run.js';
import { runTailscalePlan } from '../../../src/cli/commands/tailscale-run.js';
import type { CommandIo } from '../../../src/cli/io.js';
import { renderAuditHtml } from '../../../src/report/html/index.js';
import type { DocumentWriter } from '../../../src/report/html/load.js';
import type { Report } from '../../../src/report/types.js';
import { readSnapshot } from '../../../src/snapshot/io.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { REPO } from '../../support/cli-bundle.js';

/**
 * Each command's function, run in this process with I/O the test holds: what it writes to stdout
 * and stderr, and the exit code it returns (the CLI only sets process.exitCode from it). The host
 * is the README's sample: a gateway started with --bind lan on 0.0.0.0:18789, UFW never enabled.
 */

const SAMPLE = join(REPO, 'test/fixtures/readme/host.json');
const ANSI = /\u001b\[/;

function recordingIo(options: { env?: Record<string, string>; terminal?: boolean } = {}): CommandIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
    terminal: { out: options.terminal === true, err: false },
    env: options.env ?? {},
    cwd: REPO,
    now: () => Date.UTC(2026, 11, 7, 12, 0, 0),
  };
  return io;
}

let snapshot: Snapshot;
beforeAll(async () => {
  snapshot = await readSnapshot(SAMPLE);
});

const auditFlags = { snapshot: SAMPLE, timeout: '2000', concurrency: '8', format: 'text' as const, failOn: 'warn' as const };

describe('audit, as a function', () => {
  it('returns 1 for the sample host (criticals at or above --fail-on warn) and writes the report to its stdout only', async () => {
    const io = recordingIo();
    const code = await runAudit(snapshot, auditFlags, { started: io.now(), format: 'text', zones: [] }, io);
    expect(code).toBe(1);
    expect(io.stdout).toContain('✖ gateway.bind.public');
    expect(io.stdout).toContain('[critical]');
    expect(io.stderr).toBe('');
    expect(io.stdout).not.toMatch(ANSI);
  });

  it('returns 0 with --fail-on none, the same findings written', async () => {
    const io = recordingIo();
    const code = await runAudit(snapshot, { ...auditFlags, failOn: 'none' }, { started: io.now(), format: 'text', zones: [] }, io);
    expect(code).toBe(0);
    expect(io.stdout).toContain('✖ gateway.bind.public');
  });

  it('colours on a terminal, not under NO_COLOR, and under FORCE_COLOR even into a pipe', async () => {
    const plan = { started: 0, format: 'text' as const, zones: [] };
    const terminal = recordingIo({ terminal: true });
    await runAudit(snapshot, auditFlags, plan, terminal);
    expect(terminal.stdout).toMatch(ANSI);
    const noColor = recordingIo({ terminal: true, env: { NO_COLOR: '1' } });
    await runAudit(snapshot, auditFlags, plan, noColor);
    expect(noColor.stdout).not.toMatch(ANSI);
    const forced = recordingIo({ env: { FORCE_COLOR: '1' } });
    await runAudit(snapshot, auditFlags, plan, forced);
    expect(forced.stdout).toMatch(ANSI);
  });

  it('--baseline: a baseline whose rulesets were unreadable (exposure undecided), now read and open, returns 1 with the drift named', async () => {
    const unreadable = { status: 'unavailable', reason: 'permission-denied', detail: 'permission denied' } as const;
    const blind: Snapshot = { ...snapshot, netfilter: { ...snapshot.netfilter, iptablesSave: unreadable, ip6tablesSave: unreadable, nftRuleset: unreadable } };
    const dir = mkdtempSync(join(tmpdir(), 'clawmoat-drift-'));
    try {
      const baseline = join(dir, 'last.json');
      const first = recordingIo();
      await runAudit(blind, { ...auditFlags, json: true, format: 'json' }, { started: first.now(), format: 'json', zones: [] }, first);
      writeFileSync(baseline, first.stdout);
      const io = recordingIo();
      const code = await runAudit(snapshot, { ...auditFlags, baseline }, { started: io.now(), format: 'text', zones: [] }, io);
      expect(io.stdout).toMatch(/critical exposure\.internet \(fail\)/);
      expect(code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--baseline with --format html, sarif, junit, prometheus: each document shows the comparison the exit code comes from', async () => {
    const unreadable = { status: 'unavailable', reason: 'permission-denied', detail: 'permission denied' } as const;
    const blind: Snapshot = { ...snapshot, netfilter: { ...snapshot.netfilter, iptablesSave: unreadable, ip6tablesSave: unreadable, nftRuleset: unreadable } };
    const dir = mkdtempSync(join(tmpdir(), 'clawmoat-drift-'));
    try {
      const baseline = join(dir, 'last.json');
      const first = recordingIo();
      await runAudit(blind, { ...auditFlags, format: 'json' }, { started: first.now(), format: 'json', zones: [] }, first);
      // A baseline is a file anyone may hand over: host text in it reaches the page only escaped.
      const before = JSON.parse(first.stdout) as Report;
      const hostile = before.findings.find((f) => f.id === 'firewall.none')!;
      hostile.message = `${hostile.message} <img src=x onerror=alert(1)>`;
      writeFileSync(baseline, JSON.stringify(before));
      const runWith = async (format: 'json' | 'sarif' | 'junit' | 'prometheus' | 'html') => {
        const io = recordingIo();
        const document: DocumentWriter | undefined =
          format === 'html'
            ? { write: async (_kind, view) => io.out(renderAuditHtml({ ...view, report: view.report! }, { version: 'test' })), writeFleet: async () => {} }
            : undefined;
        const code = await runAudit(snapshot, { ...auditFlags, baseline, format }, { started: io.now(), format, zones: [], document }, io);
        // Exit 1 from the drift (new criticals), the same whatever the format.
        expect(code, format).toBe(1);
        return io.stdout;
      };
      const drift = (JSON.parse(await runWith('json')) as Report).drift!;
      expect(drift.new.map((f) => f.id)).toContain('exposure.internet');
      expect(drift.resolved.length).toBeGreaterThan(0);

      const sarif = JSON.parse(await runWith('sarif')) as {
        runs: { results: { ruleId: string; baselineState?: string; kind: string; level: string }[]; properties: { drift?: unknown } }[];
      };
      const results = sarif.runs[0]!.results;
      expect(results.every((r) => r.baselineState !== undefined)).toBe(true);
      expect(results.filter((r) => r.baselineState === 'new').map((r) => r.ruleId)).toEqual(expect.arrayContaining(['exposure.internet']));
      const absent = results.filter((r) => r.baselineState === 'absent');
      expect(absent).toHaveLength(drift.resolved.length);
      expect(absent.every((r) => r.kind !== 'fail' && r.level === 'none')).toBe(true);
      expect(sarif.runs[0]!.properties.drift).toEqual(drift);

      const junit = await runWith('junit');
      expect(junit).toContain(`<property name="baseline.new" value="${drift.new.length}"/>`);
      expect(junit).toContain(`<property name="baseline.resolved" value="${drift.resolved.length}"/>`);
      expect(junit).toMatch(new RegExp(`<property name="baseline" value="${baseline}`));
      expect(junit).toMatch(/<system-out>Since [^<]*\n {2}new:\n[^<]* {4}critical exposure\.internet \(fail\)/);

      const prometheus = await runWith('prometheus');
      expect(prometheus).toContain(`clawmoat_baseline_changes{change="new"} ${drift.new.length}`);
      expect(prometheus).toContain(`clawmoat_baseline_changes{change="resolved"} ${drift.resolved.length}`);

      const page = await runWith('html');
      expect(page).toContain('<h2 id="drift">Since the baseline</h2>');
      expect(page).toContain(`<strong>${baseline}`);
      expect(page).toMatch(/<h3>New<\/h3><ul>(<li>[^<]*<\/li>)*<li>critical exposure\.internet \(fail\)/);
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(page).not.toContain('<img src=x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stamps the Prometheus textfile with the run time and duration from its clock', async () => {
    const io = recordingIo();
    await runAudit(snapshot, { ...auditFlags, format: 'prometheus' }, { started: io.now() - 1500, format: 'prometheus', zones: [] }, io);
    expect(io.stdout).toMatch(new RegExp(`^clawmoat_last_run_timestamp_seconds ${io.now() / 1000}$`, 'm'));
    expect(io.stdout).toMatch(/^clawmoat_run_duration_seconds 1\.5$/m);
  });
});

describe('reach, as a function', () => {
  const reachFlags = { snapshot: SAMPLE, format: 'text' as const };

  it('returns 1 for --fail-on-open internet: the gateway on 0.0.0.0:18789 is open from the internet', async () => {
    const io = recordingIo();
    expect(await runReach(snapshot, { ...reachFlags, failOnOpen: 'internet' }, { port: undefined, document: undefined }, io)).toBe(1);
    expect(io.stdout).toContain('18789');
  });

  it('returns 1 for --fail-on-open internet when the gateway cell is unknown (rulesets unreadable), and says why on stderr', async () => {
    const unreadable = { status: 'unavailable', reason: 'permission-denied', detail: 'permission denied' } as const;
    const blind: Snapshot = {
      ...snapshot,
      netfilter: { ...snapshot.netfilter, iptablesSave: unreadable, ip6tablesSave: unreadable, nftRuleset: unreadable },
    };
    const io = recordingIo();
    expect(await runReach(blind, { ...reachFlags, failOnOpen: 'internet' }, { port: undefined, document: undefined }, io)).toBe(1);
    expect(io.stdout).toMatch(/18789.*unknown/);
    expect(io.stderr).toMatch(/^clawmoat reach: could not decide whether the gateway .*18789.* is open from internet/m);
  });

  it('returns 0 without --fail-on-open, and explains one cell as JSON with --port and --from', async () => {
    const io = recordingIo();
    expect(await runReach(snapshot, { ...reachFlags, json: true, port: '18789', from: 'internet' }, { port: 18789, document: undefined }, io)).toBe(0);
    const out = JSON.parse(io.stdout) as { cells: { listener: { port: number }; zone: { kind: string }; verdict: string }[] };
    expect(out.cells.length).toBeGreaterThan(0);
    expect(out.cells.every((c) => c.listener.port === 18789 && c.zone.kind === 'internet')).toBe(true);
    expect(out.cells.some((c) => c.verdict === 'open')).toBe(true);
  });
});

describe('doctor, checks and tailscale plan, as functions', () => {
  it('doctor internet-exposure returns 1 and names the cause; its session comes from the given environment, not the process', async () => {
    const io = recordingIo({ env: { SUDO_USER: 'alice' } });
    const code = await runDoctorCommand(snapshot, 'internet-exposure', { snapshot: SAMPLE, json: true }, io);
    const report = JSON.parse(io.stdout) as { results: { id: string; status: string }[]; summary: { problem: number } };
    expect(report.results.map((r) => r.id)).toEqual(['internet-exposure']);
    expect(report.results[0]!.status).toBe('problem');
    expect(code).toBe(1);
  });

  it('checks --json lists the whole catalogue and returns 0', () => {
    const io = recordingIo();
    expect(listChecks({ json: true }, io)).toBe(0);
    expect((JSON.parse(io.stdout) as { id: string }[]).map((c) => c.id)).toEqual(CHECKS.map((c) => c.meta.id));
  });

  it('tailscale plan returns 0 without a Funnel to the gateway, and recommends Serve for a gateway on 0.0.0.0', async () => {
    const io = recordingIo();
    expect(await runTailscalePlan({ snapshot: SAMPLE, json: true }, io)).toBe(0);
    const plan = JSON.parse(io.stdout) as { exposure: unknown[]; recommendation: { setup: string } };
    expect(plan.exposure).toEqual([]);
    expect(plan.recommendation.setup).toBe('serve');
  });

  it('fleet returns 1 for a fleet holding the sample host, and its JSON names the host once', async () => {
    const io = recordingIo();
    expect(await runFleet([SAMPLE], { format: 'json', failOn: 'warn', jobs: 1 }, io)).toBe(1);
    const report = JSON.parse(io.stdout) as { hosts: { host: string; hostname: string }[] };
    // Named by its file (host.json), the name it declares beside it.
    expect(report.hosts.map((h) => [h.host, h.hostname])).toEqual([['host', snapshot.host.hostname]]);
    expect(await runFleet([SAMPLE], { format: 'json', failOn: 'none', jobs: 1 }, recordingIo())).toBe(0);
  });
});
