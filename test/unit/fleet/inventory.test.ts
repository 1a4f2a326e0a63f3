import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { analyseFleet, fleetRow } from '../../../src/fleet/analyse.js';
import { inventoryNames } from '../../../src/fleet/inventory.js';
import { renderFleetPrometheus, renderFleetText } from '../../../src/fleet/render.js';
import { exposedHost, loopbackHost } from './hosts.js';

/**
 * Review 2, finding 11, and review 1, finding 19: a host chooses the hostname its snapshot
 * declares. Named after another (or after another's renamed label), it took that host's series
 * and baseline. The fleet names hosts by their files; the declared name is only shown.
 */
function seriesKeys(prom: string): string[] {
  return prom
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/ [^ ]+$/, ''));
}

describe('fleet host names (review 2 finding 11, review 1 finding 19)', () => {
  it('a host declaring "web (fl/a.json)" cannot collide with the hosts of fl/a.json and fl/b.json that both declare "web"', () => {
    const rows = [
      fleetRow('fl/a.json', auditSnapshot(loopbackHost('web'))),
      fleetRow('fl/b.json', auditSnapshot(loopbackHost('web'))),
      // Hostile: more findings, so it sorts first and its series would win.
      fleetRow('fl/c.json', auditSnapshot(exposedHost('web (fl/a.json)'))),
    ];
    const fleet = analyseFleet(rows, [], '0');
    expect(fleet.hosts.map((h) => h.host).sort()).toEqual(['a', 'b', 'c']);
    expect(fleet.hosts.find((h) => h.host === 'c')!.hostname).toBe('web (fl/a.json)');
    const keys = seriesKeys(renderFleetPrometheus(fleet));
    expect(new Set(keys).size).toBe(keys.length);
    // The real host a keeps its own series: not exposed.
    expect(renderFleetPrometheus(fleet)).toContain('clawmoat_gateway_exposed{host="a",zone_kind="internet"} 0');
    expect(renderFleetText(fleet)).toContain('c  (fl/c.json, declares hostname web (fl/a.json),');
  });

  it('a host naming itself after an absent host takes neither its baseline nor hides it from "missing"', () => {
    const before = auditSnapshot(loopbackHost('db'));
    const baseline = {
      source: 'old/',
      hosts: new Map([
        ['db', { findings: before.findings, ...(before.reach ? { reach: before.reach } : {}), source: 'old/db.json' }],
        ['web', { findings: [], source: 'old/web.json' }],
      ]),
    };
    // db.json is absent this run; web.json now declares "db".
    const fleet = analyseFleet([fleetRow('new/web.json', auditSnapshot(exposedHost('db')))], [], '0', baseline);
    expect(fleet.baseline!.missing).toEqual(['db']);
    expect(fleet.hosts[0]!.host).toBe('web');
    expect(fleet.hosts[0]!.drift!.baseline.source).toBe('old/web.json');
  });

  it('inventoryNames: stems when unique, paths when stems collide, unique in every case', () => {
    expect(inventoryNames(['fl/a.json', 'fl/b.out'])).toEqual(['a', 'b']);
    expect(inventoryNames(['x/web.json', 'y/web.json', 'web'])).toEqual(['x/web', 'y/web', 'web']);
    expect(inventoryNames(['web', 'web.json'])).toEqual(['web', 'web.json']);
    const twice = inventoryNames(['a.json', 'a.json', 'a.json#2']);
    expect(new Set(twice).size).toBe(3);
  });
});
