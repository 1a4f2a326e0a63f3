import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { renderPrometheus, labelValue } from '../../../src/report/prometheus.js';
import { analyseFleet, fleetRow } from '../../../src/fleet/analyse.js';
import { renderFleetPrometheus } from '../../../src/fleet/render.js';
import { exposedHost, loopbackHost } from './hosts.js';

/** The exposition format's line grammar, enough to catch a malformed sample or a family without HELP/TYPE. */
function parse(text: string): Map<string, { type?: string; help?: string; samples: string[] }> {
  const families = new Map<string, { type?: string; help?: string; samples: string[] }>();
  const get = (n: string) => families.get(n) ?? (families.set(n, { samples: [] }), families.get(n)!);
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      get(meta[2]!)[meta[1] === 'HELP' ? 'help' : 'type'] = meta[3]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN)$/.exec(line);
    expect(sample, line).not.toBeNull();
    get(sample![1]!).samples.push(line);
  }
  return families;
}

describe('--format prometheus', () => {
  it('has HELP and TYPE for every family, the naming guide’s names, and the run metrics the caller passes', () => {
    const text = renderPrometheus(auditSnapshot(exposedHost('h')), { runFinishedAt: 1700000000.5, runDurationSeconds: 0.25 });
    const families = parse(text);
    expect([...families.keys()]).toEqual([
      'clawmoat_check_status',
      'clawmoat_findings',
      'clawmoat_gateway_exposed',
      'clawmoat_gateway_exposure_unknown',
      'clawmoat_snapshot_collected_timestamp_seconds',
      'clawmoat_last_run_timestamp_seconds',
      'clawmoat_run_duration_seconds',
    ]);
    for (const [, fam] of families) expect(fam).toMatchObject({ type: 'gauge', help: expect.any(String) });
    expect(text).toContain('clawmoat_check_status{check="gateway.bind.public",severity="critical"} 1');
    expect(text).toMatch(/clawmoat_gateway_exposed\{zone_kind="internet"\} [1-9]/);
    expect(text).toContain('clawmoat_last_run_timestamp_seconds 1700000000.5');
    expect(text).toContain('clawmoat_run_duration_seconds 0.25');
  });

  it('says 0 for a gateway on loopback only, and leaves the run metrics out when no clock was passed (pure)', () => {
    const text = renderPrometheus(auditSnapshot(loopbackHost('h')));
    expect(text).toContain('clawmoat_gateway_exposed{zone_kind="internet"} 0');
    expect(text).not.toContain('clawmoat_last_run_timestamp_seconds');
  });

  it('escapes label values', () => {
    expect(labelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  it('writes one file for a fleet, each series with its host', () => {
    const fleet = analyseFleet(
      [fleetRow('a.json', auditSnapshot(exposedHost('web"1'))), fleetRow('b.json', auditSnapshot(loopbackHost('db')))],
      [{ file: 'c.json', reason: 'empty' }],
      '0',
    );
    const text = renderFleetPrometheus(fleet, { runFinishedAt: 1, runDurationSeconds: 2 });
    parse(text);
    expect(text).toMatch(/clawmoat_gateway_exposed\{host="a",zone_kind="internet"\} [1-9]/);
    expect(text).toContain('clawmoat_gateway_exposed{host="b",zone_kind="internet"} 0');
    // The declared hostname is in its own label, escaped, never the key.
    expect(text).toContain('clawmoat_host_info{host="a",hostname="web\\"1"} 1');
    expect(text).toContain('clawmoat_fleet_hosts{state="unreadable"} 1');
  });

  it('never writes two series with the same labels, even when two snapshots name the same host', () => {
    const fleet = analyseFleet([fleetRow('a.json', auditSnapshot(exposedHost('gw'))), fleetRow('b.json', auditSnapshot(loopbackHost('gw')))], [], '0');
    expect(fleet.hosts.map((h) => h.host).sort()).toEqual(['a', 'b']);
    const series = renderFleetPrometheus(fleet)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/ [^ ]+$/, ''));
    expect(new Set(series).size).toBe(series.length);
  });
});
