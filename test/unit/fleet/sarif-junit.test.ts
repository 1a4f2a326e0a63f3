import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Log, Result } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseFleet, fleetExitCode } from '../../../src/fleet/analyse.js';
import { auditFiles, readFleetBaseline } from '../../../src/fleet/read.js';
import { renderFleet } from '../../../src/fleet/render.js';
import { UNREADABLE_RULE } from '../../../src/fleet/sarif.js';
import type { FleetReport } from '../../../src/fleet/types.js';
import { elements, parseXml, textOf, type XmlElement } from '../report/xml-check.js';
import { exposedHost, loopbackHost } from './hosts.js';

/**
 * `fleet --format sarif` and `--format junit`: the shapes CI and code scanning read, pinned. The
 * SARIF is validated against the SARIF 2.1.0 schema as the audit's is (sarif-code-scanning.test.ts).
 */

let dir: string;
let validate: ValidateFunction;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-ci-'));
  writeFileSync(join(dir, 'quiet.json'), JSON.stringify(loopbackHost('quiet')));
  writeFileSync(join(dir, 'open.json'), JSON.stringify(exposedHost('open')));
  writeFileSync(join(dir, 'cut.json'), JSON.stringify(exposedHost('cut')).slice(0, 300));
  writeFileSync(
    join(dir, 'db1.failed.json'),
    JSON.stringify({
      clawmoat: 'collection-failed',
      host: 'db1',
      reason: 'Failed to connect to the host via ssh: ssh: connect to host 10.0.0.9 port 22: No route',
    }),
  );
  const schema = JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/sarif/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  const { $schema: _draft04, id, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  validate = ajv.compile({ ...rest, $id: id as string });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fleetOf(paths: string[], baseline?: string[]): Promise<FleetReport> {
  const { rows, unreadable } = await auditFiles(paths);
  return analyseFleet(rows, unreadable, '0.0.0-test', baseline ? await readFleetBaseline(baseline) : undefined);
}

function sarif(report: FleetReport, workingDirectory?: string): Log {
  const log = JSON.parse(renderFleet(report, 'sarif', workingDirectory ? { workingDirectory } : {})) as Log;
  expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
  return log;
}

describe('fleet --format sarif', () => {
  it('is valid SARIF 2.1.0: one run, one result per host × finding, the host in the logical location and properties', async () => {
    const report = await fleetOf([dir]);
    const log = sarif(report, dir);
    expect(log.runs).toHaveLength(1);
    const results = log.runs[0]!.results!;
    const perHost = (host: string): Result[] => results.filter((r) => r.properties?.host === host && r.ruleId !== UNREADABLE_RULE);
    for (const h of report.hosts) {
      const mine = perHost(h.host);
      expect(mine.map((r) => r.ruleId)).toEqual(h.findings.map((f) => f.id));
      for (const r of mine) {
        expect(r.locations![0]!.logicalLocations).toEqual([{ name: h.host, fullyQualifiedName: h.host, kind: 'host' }]);
        expect(r.message.text!.startsWith(`${h.host}: `)).toBe(true);
        // The snapshot inside the working directory is named relative to %SRCROOT%.
        expect(r.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: `${h.host}.json`, uriBaseId: '%SRCROOT%' });
      }
    }
    const bind = perHost('open').find((r) => r.ruleId === 'gateway.bind.public')!;
    expect(bind).toMatchObject({ kind: 'fail', level: 'error', properties: { severity: 'critical', status: 'fail' } });
    expect(log.runs[0]!.tool.driver.rules![bind.ruleIndex!]!.id).toBe('gateway.bind.public');
    // The same finding on two hosts is two alerts, not one.
    const quietPrints = new Set(perHost('quiet').map((r) => r.partialFingerprints!['clawmoat/v1']));
    for (const r of perHost('open')) expect(quietPrints.has(r.partialFingerprints!['clawmoat/v1']!)).toBe(false);
  });

  it('makes each host that could not be read a result to review, with its reason, and a notification', async () => {
    const log = sarif(await fleetOf([dir]));
    const unread = log.runs[0]!.results!.filter((r) => r.ruleId === UNREADABLE_RULE);
    expect(unread.map((r) => r.message.text).sort()).toEqual([
      expect.stringMatching(/cut\.json: /),
      'db1: collection failed: Failed to connect to the host via ssh: ssh: connect to host 10.0.0.9 port 22: No route',
    ]);
    for (const r of unread) expect(r).toMatchObject({ kind: 'review', level: 'none' });
    const notes = log.runs[0]!.invocations![0]!.toolExecutionNotifications!.filter((n) => n.level === 'error');
    expect(notes.map((n) => n.message.text)).toContain(
      'db1: collection failed: Failed to connect to the host via ssh: ssh: connect to host 10.0.0.9 port 22: No route',
    );
  });

  it('with --baseline, marks each result new, updated or unchanged', async () => {
    const before = join(dir, 'before');
    const after = join(dir, 'after');
    mkdirSync(before);
    mkdirSync(after);
    writeFileSync(join(before, 'web.json'), JSON.stringify(loopbackHost('web')));
    writeFileSync(join(after, 'web.json'), JSON.stringify(exposedHost('web')));
    writeFileSync(join(after, 'fresh.json'), JSON.stringify(exposedHost('fresh')));
    for (const d of [before, after]) writeFileSync(join(d, 'same.json'), JSON.stringify(loopbackHost('same')));
    const report = await fleetOf([after], [before]);
    const log = sarif(report);
    const results = log.runs[0]!.results!;
    const web = results.filter((r) => r.properties?.host === 'web');
    const drift = report.hosts.find((h) => h.host === 'web')!.drift!;
    expect(web.find((r) => r.ruleId === 'gateway.bind.public')!.baselineState).toBe('new');
    // Each state is what drift says of that finding; the ones drift does not name were there before.
    const expected = (id: string) => (drift.new.some((f) => f.id === id) ? 'new' : drift.changed.some((f) => f.id === id) ? 'updated' : 'unchanged');
    expect(web.map((r) => r.baselineState)).toEqual(web.map((r) => expected(r.ruleId!)));
    expect(new Set(web.map((r) => r.baselineState))).toEqual(new Set(['new', 'updated']));
    // A host as it was: every result unchanged.
    const same = results.filter((r) => r.properties?.host === 'same');
    expect(same.length).toBeGreaterThan(0);
    expect(same.every((r) => r.baselineState === 'unchanged')).toBe(true);
    // A host absent from the baseline: everything is new.
    expect(results.filter((r) => r.properties?.host === 'fresh').every((r) => r.baselineState === 'new')).toBe(true);
  });
});

function suites(xml: string): XmlElement[] {
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  return elements(root, 'testsuite');
}

describe('fleet --format junit', () => {
  it('is one testsuite per host, worst first, one testcase per check; unreadable hosts are errors, never green', async () => {
    const report = await fleetOf([dir]);
    const xml = renderFleet(report, 'junit');
    const all = suites(xml);
    expect(all.map((s) => s.attrs.name)).toEqual([...report.hosts.map((h) => h.host), ...report.unreadable.map((u) => u.host ?? u.file)]);
    for (const h of report.hosts) {
      const s = all.find((x) => x.attrs.name === h.host)!;
      const cases = elements(s, 'testcase');
      expect(cases).toHaveLength(report.checks.length);
      expect(Number(s.attrs.failures)).toBe(Object.values(h.checks).filter((r) => r === 'fail').length);
      expect(Number(s.attrs.errors)).toBe(Object.values(h.checks).filter((r) => r === 'unknown').length);
      for (const c of cases) expect(c.attrs.classname).toBe(h.host);
    }
    const open = all.find((s) => s.attrs.name === 'open')!;
    const bind = elements(open, 'testcase').find((c) => c.attrs.name!.startsWith('gateway.bind.public: '))!;
    expect(elements(bind, 'failure')[0]!.attrs.type).toBe('critical');
    const quiet = all.find((s) => s.attrs.name === 'quiet')!;
    expect(
      elements(
        elements(quiet, 'testcase').find((c) => c.attrs.name!.startsWith('gateway.bind.public: '))!,
        'failure',
      ),
    ).toEqual([]);

    const db1 = all.find((s) => s.attrs.name === 'db1')!;
    expect(db1.attrs).toMatchObject({ tests: '1', errors: '1', hostname: 'db1' });
    const error = elements(db1, 'error')[0]!;
    expect(error.attrs.message).toMatch(/^collection failed: Failed to connect/);
    expect(textOf(error)).toContain('db1 could not be read');

    const root = parseXml(xml);
    const sum = (k: string) => all.reduce((n, s) => n + Number(s.attrs[k]), 0);
    for (const k of ['tests', 'failures', 'errors', 'skipped']) expect(Number(root.attrs[k])).toBe(sum(k));
  });
});

describe('collection-failure records (HOST.failed.json)', () => {
  it('is the host, unreadable, with the reason in one line; a malformed one says so; neither is ever a pass', async () => {
    const d = join(dir, 'records');
    mkdirSync(d);
    writeFileSync(join(d, 'web.json'), JSON.stringify(loopbackHost('web')));
    writeFileSync(
      join(d, 'a.failed.json'),
      JSON.stringify({ clawmoat: 'collection-failed', host: 'a', reason: 'sudo: a password is required\n\u001b[31mred\u001b[0m' }),
    );
    writeFileSync(join(d, 'b.failed.json'), JSON.stringify({ host: 'b', reason: 'x' }));
    writeFileSync(join(d, 'c.failed.json'), '{"clawmoat":"collection-fa');
    writeFileSync(join(d, 'd.failed.json'), JSON.stringify({ clawmoat: 'collection-failed', host: 'd', reason: 'x'.repeat(5000) }));
    // Ansible's reason can hold a whole stderr: a password in a URL there is never shown.
    writeFileSync(
      join(d, 'e.failed.json'),
      JSON.stringify({ clawmoat: 'collection-failed', host: 'e', reason: 'fatal: could not fetch https://deploy:Hunter2Secret@git.example/x' }),
    );
    const report = await fleetOf([d]);
    expect(report.unreadable.find((u) => u.host === 'e')?.reason).toMatch(/^collection failed: fatal: could not fetch https:\/\/.*git\.example\/x$/);
    expect(JSON.stringify(report)).not.toContain('Hunter2Secret');
    expect(['sarif', 'junit', 'text', 'markdown'].map((f) => renderFleet(report, f as 'text')).join('')).not.toContain('Hunter2Secret');
    expect(report.hosts.map((h) => h.host)).toEqual(['web']);
    const by = Object.fromEntries(report.unreadable.map((u) => [u.file.slice(d.length + 1), u]));
    expect(by['a.failed.json']).toEqual({ file: join(d, 'a.failed.json'), host: 'a', reason: 'collection failed: sudo: a password is required [31mred [0m' });
    expect(by['b.failed.json']!.reason).toMatch(/not one/);
    expect(by['b.failed.json']!.host).toBeUndefined();
    expect(by['c.failed.json']!.reason).toMatch(/not JSON/);
    expect(by['d.failed.json']!.reason.length).toBeLessThanOrEqual(520);
    expect(fleetExitCode(report, 'critical')).toBe(1);
    const text = renderFleet(report, 'text');
    expect(text).toContain(`a (${join(d, 'a.failed.json')}): collection failed: sudo: a password is required`);
    // A baseline directory holding a failure record is still a baseline: that host simply has none.
    const withBaseline = await fleetOf([join(d, 'web.json')], [d]);
    expect(withBaseline.hosts[0]!.drift).toBeDefined();
  });

  it('validates against schema/fleet.schema.json with the host field', async () => {
    const schema = JSON.parse(readFileSync(resolve(__dirname, '../../../schema/fleet.schema.json'), 'utf8')) as Record<string, unknown>;
    const check = new Ajv({ allErrors: true }).compile(schema);
    expect(check(JSON.parse(renderFleet(await fleetOf([dir]), 'json'))), JSON.stringify(check.errors)).toBe(true);
  });
});
