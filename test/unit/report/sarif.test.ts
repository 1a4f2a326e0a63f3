import type { Log, Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import { fileUri, renderSarif } from '../../../src/report/sarif.js';
import type { Report } from '../../../src/report/types.js';
import { CONFIG_PATH, sampleReport } from './sample.js';

function sarif(report: Report = sampleReport(), checkDocs?: Record<string, string>): Log {
  return JSON.parse(renderSarif(report, checkDocs ? { checkDocs } : {})) as Log;
}

function resultFor(log: Log, ruleId: string): Result {
  const found = log.runs[0]!.results!.filter((r) => r.ruleId === ruleId);
  expect(found, ruleId).toHaveLength(1);
  return found[0]!;
}

describe('renderSarif', () => {
  it('is one SARIF 2.1.0 run of clawmoat', () => {
    const log = sarif();
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]!.tool.driver).toMatchObject({ name: 'clawmoat', version: '0.1.0' });
  });

  it('has a rule per check with its title, guide tag and level from severity', () => {
    const rules = sarif().runs[0]!.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual(sampleReport().checks.map((c) => c.id));
    const bind = rules.find((r) => r.id === 'gateway.bind.public')!;
    expect(bind.shortDescription?.text).toBe('Gateway listens on a public address');
    expect(bind.defaultConfiguration?.level).toBe('error');
    expect(bind.properties?.tags).toContain('Bind to localhost only');
    expect(bind.help?.text).toContain('openclaw config set gateway.bind loopback');
    expect(rules.find((r) => r.id === 'ssh.password_auth')!.defaultConfiguration?.level).toBe('warning');
    expect(rules.find((r) => r.id === 'gateway.bind.drift')!.help).toBeUndefined();
  });

  it('maps info severity to note', () => {
    const report = sampleReport();
    report.checks[1]!.severity = 'info';
    expect(sarif(report).runs[0]!.tool.driver.rules![1]!.defaultConfiguration?.level).toBe('note');
  });

  it('uses the catalogue docs as fullDescription when given', () => {
    const rules = sarif(sampleReport(), { 'gateway.bind.public': 'Looks at every listener.' }).runs[0]!.tool.driver.rules!;
    expect(rules[0]!.fullDescription?.text).toBe('Looks at every listener.');
    expect(rules[1]!.fullDescription?.text).toContain('Bind to localhost only');
  });

  it('has one result per finding, pointing at its rule', () => {
    const log = sarif();
    const results = log.runs[0]!.results!;
    expect(results.map((r) => r.ruleId)).toEqual(sampleReport().findings.map((f) => f.id));
    for (const r of results) expect(log.runs[0]!.tool.driver.rules![r.ruleIndex!]!.id).toBe(r.ruleId);
  });

  it('points a fail at the file, line and column of the finding', () => {
    const r = resultFor(sarif(), 'gateway.bind.public');
    expect(r.level).toBe('error');
    expect(r.kind).toBe('fail');
    expect(r.message.text).toContain('0.0.0.0:18789');
    expect(r.locations).toHaveLength(1);
    const loc = r.locations![0]!.physicalLocation!;
    expect(loc.artifactLocation?.uri).toBe(`file://${CONFIG_PATH}`);
    expect(loc.region).toEqual({ startLine: 7, startColumn: 5 });
  });

  it('falls back to the first evidence location, without a column when there is none', () => {
    const r = resultFor(sarif(), 'ssh.password_auth');
    expect(r.level).toBe('warning');
    const loc = r.locations![0]!.physicalLocation!;
    expect(loc.artifactLocation?.uri).toBe('file:///etc/ssh/sshd_config');
    expect(loc.region).toEqual({ startLine: 58 });
  });

  it('makes an unknown a review result with level none and no location', () => {
    const r = resultFor(sarif(), 'firewall.none');
    expect(r.kind).toBe('review');
    expect(r.level).toBe('none');
    expect(r.properties).toMatchObject({ status: 'unknown', severity: 'critical' });
    expect(r.locations).toBeUndefined();
  });

  it('lists other evidence locations as related locations', () => {
    const report = sampleReport();
    report.findings[0]!.evidence.push({ kind: 'file', text: 'compose publishes 18789', location: { file: '/srv/compose.yml', line: 12 } });
    const r = resultFor(sarif(report), 'gateway.bind.public');
    expect(r.relatedLocations).toHaveLength(1);
    expect(r.relatedLocations![0]!.physicalLocation?.artifactLocation?.uri).toBe('file:///srv/compose.yml');
    expect(r.relatedLocations![0]!.physicalLocation?.region?.startLine).toBe(12);
  });

  it('drops a region whose line is not a real line', () => {
    const report = sampleReport();
    report.findings[0]!.location = { file: CONFIG_PATH, line: 0 };
    const loc = resultFor(sarif(report), 'gateway.bind.public').locations![0]!.physicalLocation!;
    expect(loc.artifactLocation?.uri).toBe(`file://${CONFIG_PATH}`);
    expect(loc.region).toBeUndefined();
  });

  it('gives a finding without a matching check a rule of its own', () => {
    const report = sampleReport();
    report.checks = report.checks.filter((c) => c.id !== 'ssh.password_auth');
    const log = sarif(report);
    const r = resultFor(log, 'ssh.password_auth');
    expect(log.runs[0]!.tool.driver.rules![r.ruleIndex!]!.id).toBe('ssh.password_auth');
  });

  it('reports the limitations as tool notifications', () => {
    const notes = sarif().runs[0]!.invocations![0]!.toolExecutionNotifications!;
    expect(notes.map((n) => n.message.text)).toEqual(sampleReport().limitations);
  });

  it('encodes paths as URIs', () => {
    expect(fileUri('/home/u/my config/open#claw.json')).toBe('file:///home/u/my%20config/open%23claw.json');
    expect(fileUri('./compose.yml')).toBe('./compose.yml');
    expect(fileUri('deploy/docker compose.yml')).toBe('deploy/docker%20compose.yml');
  });
});
