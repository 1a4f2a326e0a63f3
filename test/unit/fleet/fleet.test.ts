import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseFleet, fleetExitCode } from '../../../src/fleet/analyse.js';
import { auditFiles, readFleetBaseline } from '../../../src/fleet/read.js';
import { renderFleet, renderFleetText } from '../../../src/fleet/render.js';
import type { FleetReport } from '../../../src/fleet/types.js';
import { exposedHost, loopbackHost } from './hosts.js';

const README_HOST = resolve(__dirname, '../../fixtures/readme/host.json');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-'));
  writeFileSync(join(dir, 'a-quiet.json'), JSON.stringify(loopbackHost('quiet')));
  writeFileSync(join(dir, 'b-open.json'), JSON.stringify(exposedHost('open')));
  writeFileSync(join(dir, 'c-readme.json'), readFileSync(README_HOST));
  writeFileSync(join(dir, 'd-truncated.json'), JSON.stringify(exposedHost('cut')).slice(0, 200));
  writeFileSync(join(dir, 'e-empty.json'), '');
  writeFileSync(join(dir, 'f-future.json'), JSON.stringify({ ...exposedHost('next'), schemaVersion: 99 }));
  writeFileSync(join(dir, 'notes.txt'), 'not a snapshot, not *.json');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fleetOf(...paths: string[]): Promise<FleetReport> {
  const { rows, unreadable } = await auditFiles(paths);
  return analyseFleet(rows, unreadable, '0.0.0-test');
}

describe('clawmoat fleet', () => {
  it('reads every snapshot of a directory; a bad file is one line, the others are still analysed', async () => {
    const report = await fleetOf(dir);
    // Hosts are named by their files (the inventory), each declared hostname beside it.
    expect(report.hosts.map((h) => h.host).sort()).toEqual(['a-quiet', 'b-open', 'c-readme']);
    expect(report.hosts.map((h) => h.hostname).sort()).toEqual(['gw', 'open', 'quiet']);
    expect(report.unreadable.map((u) => u.file.replace(`${dir}/`, ''))).toEqual(['d-truncated.json', 'e-empty.json', 'f-future.json']);
    const reasons = Object.fromEntries(report.unreadable.map((u) => [u.file.replace(`${dir}/`, ''), u.reason]));
    expect(reasons['d-truncated.json']).toMatch(/^1:\d+: /);
    expect(reasons['e-empty.json']).toMatch(/empty/);
    expect(reasons['f-future.json']).toMatch(/schemaVersion 99 is not supported/);
    for (const r of Object.values(reasons)) expect(r).not.toContain('\n');
  });

  it('puts the worst host first and the quiet one last', async () => {
    const report = await fleetOf(dir);
    expect(report.hosts[0]!.worst).toBe('critical');
    expect(report.hosts.at(-1)!.host).toBe('a-quiet');
    expect(report.hosts.at(-1)!.findings.filter((f) => f.severity === 'critical')).toEqual([]);
  });

  it("gives each host's gateway exposure by zone kind from the matrix", async () => {
    const report = await fleetOf(dir);
    const byHost = Object.fromEntries(report.hosts.map((h) => [h.hostname, h]));
    expect(byHost.open!.exposure.internet).toBeGreaterThan(0);
    expect(byHost.quiet!.exposure.internet).toBe(0);
    expect(byHost.quiet!.exposure.loopback).toBeGreaterThan(0);
    expect(byHost.gw!.exposure.internet).toBeGreaterThan(0);
    expect(report.summary.exposed.internet).toBe(2);
    expect(report.summary.exposed.loopback).toBe(0);
  });

  it('has a hosts × checks table with the same columns for every host', async () => {
    const report = await fleetOf(dir);
    const ids = report.checks.map((c) => c.id);
    expect(ids).toContain('gateway.bind.public');
    for (const h of report.hosts) expect(Object.keys(h.checks).sort()).toEqual([...ids].sort());
    expect(report.hosts.find((h) => h.host === 'b-open')!.checks['gateway.bind.public']).toBe('fail');
    expect(report.hosts.find((h) => h.host === 'a-quiet')!.checks['gateway.bind.public']).toBe('pass');
  });

  it('exits by the worst host against --fail-on; an unreadable host is never a pass', async () => {
    const all = await fleetOf(dir);
    expect(fleetExitCode(all, 'critical')).toBe(1);
    expect(fleetExitCode(all, 'none')).toBe(0);
    const quiet = await fleetOf(join(dir, 'a-quiet.json'));
    expect(fleetExitCode(quiet, 'critical')).toBe(0);
    const quietAndBroken = await fleetOf(join(dir, 'a-quiet.json'), join(dir, 'e-empty.json'));
    expect(fleetExitCode(quietAndBroken, 'critical')).toBe(1);
  });

  it('a missing path is an unreadable line too', async () => {
    const report = await fleetOf(join(dir, 'a-quiet.json'), join(dir, 'nope.json'));
    expect(report.hosts).toHaveLength(1);
    expect(report.unreadable).toEqual([{ file: join(dir, 'nope.json'), reason: expect.stringMatching(/no such file/) }]);
  });

  it("a snapshot of a shape no collector writes is that host's unreadable line; the others are still analysed", async () => {
    const shapes = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-shapes-'));
    try {
      const good = exposedHost('good');
      writeFileSync(join(shapes, 'good.json'), JSON.stringify(good));
      // A null socket, and a network section that is a number: both once ended the whole run with "internal error".
      writeFileSync(
        join(shapes, 'null-socket.json'),
        JSON.stringify({ ...good, sockets: { status: 'ok', data: [...('data' in good.sockets ? good.sockets.data : []), null] } }),
      );
      writeFileSync(join(shapes, 'number-network.json'), JSON.stringify({ ...good, network: { status: 'ok', data: 7 } }));
      const report = await fleetOf(shapes);
      expect(report.hosts.map((h) => h.host)).toEqual(['good']);
      expect(report.unreadable.map((u) => u.file.replace(`${shapes}/`, ''))).toEqual(['null-socket.json', 'number-network.json']);
      for (const u of report.unreadable) expect(u.reason).not.toContain('\n');
    } finally {
      rmSync(shapes, { recursive: true, force: true });
    }
  });

  it('text shows a hostile host name escaped: no terminal control reaches the console, no forged host line', async () => {
    const shapes = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-names-'));
    try {
      writeFileSync(join(shapes, 'web1.json'), JSON.stringify(exposedHost('web1\u001b[2J\u001b[1A\nok   web9  (all clear)')));
      const text = renderFleetText(await fleetOf(shapes));
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      expect(text).toContain('web1\\x1b[2J\\x1b[1A ok   web9');
      expect(text.split('\n').filter((l) => /^\s*ok\s+web9/.test(l))).toEqual([]);
    } finally {
      rmSync(shapes, { recursive: true, force: true });
    }
  });

  // Review B (session 11) finding 3: the fleet's Markdown escaped punctuation but never sanitized,
  // so ESC, C1 and bidi controls from a host's snapshot reached the terminal or CI log it went to.
  it('markdown shows hostile host strings escaped: no ESC, C1 or bidi control', async () => {
    const shapes = mkdtempSync(join(tmpdir(), 'clawmoat-fleet-md-'));
    try {
      writeFileSync(join(shapes, 'web1.json'), JSON.stringify(exposedHost('web1\u001b]0;PWN\u0007\u001b[31m\u009b2J\u202e')));
      writeFileSync(join(shapes, 'bad\u001b[8m.json'), '{');
      const md = renderFleet(await fleetOf(shapes), 'markdown');
      expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(md).toContain('web1');
      expect(md).toContain('## Could not be read');
    } finally {
      rmSync(shapes, { recursive: true, force: true });
    }
  });

  it('renders text, json and markdown', async () => {
    const report = await fleetOf(dir);
    const text = renderFleetText(report);
    expect(text).toMatch(/^clawmoat fleet: 3 hosts read, 3 unreadable/);
    expect(text).toContain('could not be read');
    expect(text).toMatch(/open .*\n\s+gateway reachable from: internet/);
    expect(JSON.parse(renderFleet(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
    const md = renderFleet(report, 'markdown');
    expect(md).toContain('| Host | Worst | Gateway reachable from |');
    expect(md).toContain('## Could not be read');
    for (const format of ['text', 'json', 'markdown', 'prometheus'] as const) expect(renderFleet(report, format)).toMatch(/[^\n]\n$/);
  });
});

describe('clawmoat fleet --baseline', () => {
  it('reports per host what is new, resolved and which reach cells opened, against a previous fleet report', async () => {
    const before = join(dir, 'before');
    const after = join(dir, 'after');
    for (const d of [before, after]) rmSync(d, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(before);
    mkdirSync(after);
    writeFileSync(join(before, 'web.json'), JSON.stringify(loopbackHost('web')));
    writeFileSync(join(before, 'db.json'), JSON.stringify(exposedHost('db')));
    writeFileSync(join(after, 'web.json'), JSON.stringify(exposedHost('web')));
    writeFileSync(join(after, 'db.json'), JSON.stringify(exposedHost('db')));
    // The previous run as `fleet --format json -o last.json` wrote it.
    const last = await fleetOf(before);
    writeFileSync(join(dir, 'last.json'), renderFleet(last, 'json'));

    for (const baselinePath of [join(dir, 'last.json'), before]) {
      const baseline = await readFleetBaseline([baselinePath]);
      const { rows, unreadable } = await auditFiles([after]);
      const report = analyseFleet(rows, unreadable, '0.0.0-test', baseline);
      const web = report.hosts.find((h) => h.host === 'web')!;
      const db = report.hosts.find((h) => h.host === 'db')!;
      expect(web.drift!.new.map((f) => f.id)).toContain('gateway.bind.public');
      expect(web.drift!.opened.some((c) => c.gateway && c.zoneKind === 'internet')).toBe(true);
      expect(db.drift!.new).toEqual([]);
      expect(db.drift!.opened).toEqual([]);
      expect(fleetExitCode(report, 'critical')).toBe(1);
      // The same fleet again: a steady state, exit 0 even though hosts have critical findings.
      const again = analyseFleet(rows, unreadable, '0.0.0-test', await readFleetBaseline([after]));
      expect(again.hosts.every((h) => h.drift && h.drift.new.length === 0)).toBe(true);
      expect(fleetExitCode(again, 'critical')).toBe(0);
      expect(renderFleetText(report)).toMatch(/new:\n\s+critical gateway\.bind\.public/);
    }
  });
});

describe('schema/fleet.schema.json', () => {
  it('validates the fleet report, with drift; the audit report with its reach cells validates against report.schema.json', async () => {
    const { Ajv } = await import('ajv');
    const ajv = new Ajv({ allErrors: true });
    const load = (p: string) => JSON.parse(readFileSync(resolve(__dirname, '../../..', p), 'utf8')) as Record<string, unknown>;
    const fleet = ajv.compile(load('schema/fleet.schema.json'));
    const report = await fleetOf(dir);
    const withDrift = analyseFleet((await auditFiles([dir])).rows, [], '0.0.0-test', await readFleetBaseline([join(dir, 'a-quiet.json')]));
    for (const r of [report, withDrift]) expect(fleet(JSON.parse(renderFleet(r, 'json'))), JSON.stringify(fleet.errors)).toBe(true);
    const { auditSnapshot } = await import('../../../src/audit.js');
    const audit = auditSnapshot(exposedHost('x'));
    expect(audit.reach!.length).toBeGreaterThan(0);
    const reportSchema = new Ajv({ allErrors: true }).compile(load('schema/report.schema.json'));
    expect(reportSchema(JSON.parse(JSON.stringify(audit))), JSON.stringify(reportSchema.errors)).toBe(true);
  });
});
