import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { analyseFleet, fleetRow } from '../../../src/fleet/analyse.js';
import { renderFleetMarkdown, renderFleetPrometheus, renderFleetText } from '../../../src/fleet/render.js';
import { renderFleetHtml } from '../../../src/report/html/fleet.js';
import { renderPrometheus } from '../../../src/report/prometheus.js';
import { exposedHost, loopbackHost, undecidedHost } from './hosts.js';

/**
 * Review 2, finding 6: a gateway on 0.0.0.0 whose ruleset could not be read is `unknown`, never
 * "not reachable". Every fleet view counts such hosts apart, and Prometheus has a series for it.
 */
describe('fleet views carry undecided exposure (review 2, finding 6)', () => {
  const report = auditSnapshot(undecidedHost('gw'));

  it('the audit itself has undecided internet cells for the gateway and no open one (the premise)', () => {
    const gatewayCells = (report.reach ?? []).filter((c) => c.gateway && c.zoneKind === 'internet');
    expect(gatewayCells.length).toBeGreaterThan(0);
    expect(gatewayCells.every((c) => c.verdict === 'unknown')).toBe(true);
  });

  const fleet = analyseFleet([fleetRow('gw.json', report)], [], '0');

  it('counts the host as undecided for the internet, not as loopback only', () => {
    expect(fleet.hosts[0]!.undecided.internet).toBeGreaterThan(0);
    expect(fleet.summary.undecided.internet).toBe(1);
    expect(fleet.summary.exposed.internet).toBe(0);
  });

  it('text and Markdown never say "loopback only" or "none beyond loopback" for it', () => {
    const text = renderFleetText(fleet);
    expect(text).not.toMatch(/loopback only|gateways exposed: none beyond loopback/);
    expect(text).toContain('could not decide: 1 for internet');
    expect(text).toMatch(/gateway reachable from: could not decide: internet/);
    const md = renderFleetMarkdown(fleet);
    expect(md).not.toContain('loopback only');
    expect(md).toContain('could not decide: internet');
  });

  it('HTML shows amber "could not decide" and no green "not reachable", and its lead counts the host apart', () => {
    const page = renderFleetHtml(fleet, { version: 'test' });
    expect(page).not.toContain('not reachable beyond loopback');
    expect(page).not.toContain('No gateway of the 1 host(s) read is reachable from the internet');
    expect(page).toContain('<span class="r-unknown">could not decide (internet');
    expect(page).toContain('For 1 host(s) it could not be decided whether the gateway is reachable from the internet.');
    expect(page).toContain('class="answer warn"');
  });

  it('Prometheus: clawmoat_gateway_exposure_unknown is above 0 beside clawmoat_gateway_exposed 0, in the fleet and in one audit', () => {
    for (const text of [renderFleetPrometheus(fleet), renderPrometheus(report)]) {
      expect(text).toMatch(/clawmoat_gateway_exposed\{(host="gw",)?zone_kind="internet"\} 0\n/);
      expect(text).toMatch(/clawmoat_gateway_exposure_unknown\{(host="gw",)?zone_kind="internet"\} [1-9]/);
    }
  });

  it('decided hosts are unchanged: loopback only, 0 undecided; an exposed host is still open', () => {
    const decided = analyseFleet([fleetRow('a.json', auditSnapshot(loopbackHost('a'))), fleetRow('b.json', auditSnapshot(exposedHost('b')))], [], '0');
    const text = renderFleetText(decided);
    expect(text).toContain('gateways exposed: 1 to internet\n');
    expect(text).toContain('gateway reachable from: loopback only');
    expect(decided.summary.undecided.internet).toBe(0);
    expect(renderFleetPrometheus(decided)).toMatch(/clawmoat_gateway_exposure_unknown\{host="a",zone_kind="internet"\} 0/);
  });
});

/** Review s11-B, finding 10: a host that could not be read is unknown, never part of "none beyond loopback" or a green answer. */
describe('fleet views with hosts that could not be read', () => {
  const unreadable = [{ file: 'web.failed.json', host: 'web', reason: 'collection failed: unreachable' }];

  it('text: no host read, one unreadable: not "none beyond loopback", the unreadable host counted', () => {
    const text = renderFleetText(analyseFleet([], unreadable, '0'));
    expect(text).not.toContain('none beyond loopback');
    expect(text).toContain('gateways exposed: none known beyond loopback among the 0 read; 1 host not read (unknown)');
  });

  it('text and HTML: clean hosts read plus one unreadable are "none known", amber, not green', () => {
    const fleet = analyseFleet([fleetRow('a.json', auditSnapshot(loopbackHost('a')))], unreadable, '0');
    expect(renderFleetText(fleet)).toContain('gateways exposed: none known beyond loopback among the 1 read; 1 host not read (unknown)');
    const page = renderFleetHtml(fleet, { version: 'test' });
    expect(page).not.toContain('class="answer good"');
    expect(page).toContain('class="answer warn"');
    expect(page).toContain('No gateway of the 1 host(s) read is known to be reachable from the internet. 1 host(s) could not be read');
    const none = renderFleetHtml(analyseFleet([], unreadable, '0'), { version: 'test' });
    expect(none).not.toContain('class="answer good"');
  });

  it('every host read and clean: still "none beyond loopback", green', () => {
    const fleet = analyseFleet([fleetRow('a.json', auditSnapshot(loopbackHost('a')))], [], '0');
    expect(renderFleetText(fleet)).toContain('gateways exposed: none beyond loopback\n');
    expect(renderFleetHtml(fleet, { version: 'test' })).toContain('class="answer good"');
  });
});
