import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Log, Result } from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { FINGERPRINT_KEY, renderSarif, SRCROOT } from '../../../src/report/sarif.js';
import type { Report } from '../../../src/report/types.js';
import { baselineSnapshot, compose, withIptables, withUfw } from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { CONFIG_PATH, sampleReport } from './sample.js';

/**
 * SARIF that GitHub code scanning can use: valid against the SARIF 2.1.0 JSON schema, files in
 * the working tree named relative to %SRCROOT%, and fingerprints that stay the same from one run
 * to the next so an upload updates its alerts instead of duplicating them.
 *
 * The schema is test/fixtures/sarif/sarif-2.1.0-rtm.5.json (see the README there for where it
 * comes from); it is draft-04, which Ajv 8 reads once its `id` is spelled `$id`.
 */

let validate: ValidateFunction;

beforeAll(() => {
  const schema = JSON.parse(readFileSync(new URL('../../fixtures/sarif/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const { $schema: _draft04, id, ...rest } = schema;
  // unicodeRegExp off: the schema's `language` pattern (`...[a-zA-Z]{2}]?$`) is valid only without the u flag.
  const ajv = new Ajv({ allErrors: true, unicodeRegExp: false });
  // The formats the schema names, checked as strictly as SARIF needs: an absolute URI has a scheme.
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  validate = ajv.compile({ ...rest, $id: id as string });
});

function sarif(report: Report, workingDirectory?: string): Log {
  const text = renderSarif(report, workingDirectory ? { workingDirectory } : {});
  const log = JSON.parse(text) as Log;
  expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
  return log;
}

function results(log: Log): Result[] {
  return log.runs[0]!.results!;
}

/** The sample report with a compose file inside the working tree and a relative one. */
function withComposeFindings(report: Report): Report {
  report.findings[0]!.evidence.push(
    { kind: 'file', text: 'compose publishes 18789 on 0.0.0.0', location: { file: '/srv/app/deploy/compose.yml', line: 12, column: 9 } },
    { kind: 'file', text: 'override publishes 18791', location: { file: './compose.override.yml', line: 4 } },
  );
  return report;
}

describe('SARIF for GitHub code scanning', () => {
  it('is valid SARIF 2.1.0, with and without a working directory', () => {
    // The validator does reject what is not SARIF.
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'critical' }] }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, originalUriBaseIds: { [SRCROOT]: { uri: 42 } } }] })).toBe(false);
    sarif(sampleReport());
    sarif(withComposeFindings(sampleReport()), '/srv/app');
    sarif(sampleReport(), '/');
  });

  it('with a baseline: valid SARIF, every result has a baselineState, and what was resolved is an absent result that is no failure', () => {
    const report = sampleReport();
    const [first, second] = report.findings as [Report['findings'][number], Report['findings'][number]];
    const summary = (f: typeof first) => ({ id: f.id, severity: f.severity, status: f.status, title: f.title, message: f.message });
    const gone = { id: 'ssh.password_auth', severity: 'warn' as const, status: 'fail' as const, title: 'SSH password login', message: 'was on' };
    report.drift = {
      baseline: { source: 'last.json', collectedAt: '2026-12-01T00:00:00Z' },
      new: [summary(first)],
      resolved: [gone],
      changed: [{ ...summary(second), previousSeverity: 'info' }],
      opened: [],
      closed: [],
      limitations: [],
    };
    const log = sarif(report);
    const states = results(log).map((r) => [r.ruleId, r.baselineState]);
    expect(states.slice(0, 2)).toEqual([
      [first.id, 'new'],
      [second.id, 'updated'],
    ]);
    expect(states.slice(2, -1).every(([, s]) => s === 'unchanged')).toBe(true);
    expect(results(log).at(-1)).toMatchObject({
      ruleId: 'ssh.password_auth',
      baselineState: 'absent',
      level: 'none',
      message: { text: 'resolved since last.json (collected 2026-12-01T00:00:00Z): was on' },
    });
    expect(results(log).at(-1)!.kind).not.toBe('fail');
  });

  it('names files in the working tree relative to %SRCROOT%, and the rest by absolute file URI with no base', () => {
    const log = sarif(withComposeFindings(sampleReport()), '/srv/app');
    expect(log.runs[0]!.originalUriBaseIds![SRCROOT]).toMatchObject({ uri: 'file:///srv/app/' });
    const bind = results(log).find((r) => r.ruleId === 'gateway.bind.public')!;
    expect(bind.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: `file://${CONFIG_PATH}` });
    expect(bind.relatedLocations!.map((l) => l.physicalLocation!.artifactLocation)).toEqual([
      { uri: 'deploy/compose.yml', uriBaseId: SRCROOT },
      { uri: 'compose.override.yml', uriBaseId: SRCROOT },
    ]);
    expect(bind.relatedLocations![0]!.physicalLocation!.region).toEqual({ startLine: 12, startColumn: 9 });
    const ssh = results(log).find((r) => r.ruleId === 'ssh.password_auth')!;
    expect(ssh.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'file:///etc/ssh/sshd_config' });
  });

  it('a working directory that holds the config makes it relative too', () => {
    const log = sarif(sampleReport(), '/home/u');
    const bind = results(log).find((r) => r.ruleId === 'gateway.bind.public')!;
    expect(bind.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: '.openclaw/openclaw.json', uriBaseId: SRCROOT });
  });

  it('without a working directory, a relative path is still relative to %SRCROOT%, which says it is the directory of the run', () => {
    const log = sarif(withComposeFindings(sampleReport()));
    expect(log.runs[0]!.originalUriBaseIds![SRCROOT]!.uri).toBeUndefined();
    const related = results(log).find((r) => r.ruleId === 'gateway.bind.public')!.relatedLocations!;
    expect(related[1]!.physicalLocation!.artifactLocation).toEqual({ uri: 'compose.override.yml', uriBaseId: SRCROOT });
  });

  it('fingerprints are the same on the next run, from another checkout, at another time', () => {
    const first = sarif(withComposeFindings(sampleReport()), '/srv/app');
    const later = withComposeFindings(sampleReport());
    later.host = { ...later.host, collectedAt: '2026-06-01T12:34:56.000Z', hostname: 'box-2' };
    // Another process id, another timing; the compose file in another checkout of the same repository.
    later.findings[0]!.evidence[0] = { kind: 'socket', text: 'tcp 0.0.0.0:18789 (pid 9999 node)' };
    later.findings[0]!.evidence[2]!.location = { file: '/builds/ci/42/deploy/compose.yml', line: 12, column: 9 };
    later.findings[2]!.evidence[0]!.location = { file: '/etc/ssh/sshd_config', line: 61 };
    const again = sarif(later, '/builds/ci/42');
    const prints = (log: Log) => results(log).map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
    expect(prints(again)).toEqual(prints(first));
    for (const p of prints(first)) expect(p).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fingerprints tell different findings apart', () => {
    const report = sampleReport();
    const second = structuredClone(report.findings[0]!);
    second.evidence[0] = { kind: 'socket', text: 'tcp 0.0.0.0:18791 (pid 4242 node)' };
    report.findings.push(second);
    const prints = results(sarif(report)).map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
    expect(new Set(prints).size).toBe(prints.length);
  });

  it("cites the line of /etc/default/ufw that sets the policy (line 11 in Debian's file), not line 1", () => {
    const patch = (s: Snapshot): Snapshot => {
      const ufw = s.ufw.status === 'ok' ? s.ufw.data : undefined;
      if (!ufw) throw new Error('no ufw in the fixture');
      return { ...s, ufw: { status: 'ok', data: { ...ufw, files: { ...ufw.files, defaultsLines: { input: 11, output: 15, forward: 19 } } } } };
    };
    const snapshot = patch(compose(withUfw(true, ''), withIptables('*filter\n:ufw-user-input - [0:0]\nCOMMIT\n'))(baselineSnapshot()));
    const log = sarif(auditSnapshot(snapshot), '/srv/app');
    const r = results(log).find((x) => x.ruleId === 'firewall.ufw.ssh_not_allowed')!;
    const where = [...(r.locations ?? []), ...(r.relatedLocations ?? [])].map((l) => l.physicalLocation!);
    expect(where).toContainEqual({ artifactLocation: { uri: 'file:///etc/default/ufw' }, region: { startLine: 11 } });
  });
});
