import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { buildContext } from '../../../src/model/context.js';
import { parseIpRuleJson } from '../../../src/collect/network.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withGatewayProcess,
  withInterface,
  withIptables,
  withSockets,
  withSysctl,
} from '../../fixtures/builders/snapshot.js';
import type { PolicyRule, Snapshot } from '../../../src/snapshot/types.js';

/**
 * A second uplink with policy routing (review C finding 3): eth1's default route is only in
 * table 100, picked by `ip rule from 93.184.216.10 lookup 100`, and rp_filter=1. The kernel
 * accepts a client on eth1 (its reverse-path lookup follows the rule: test/system shows it); the
 * simulator looks in main alone, whose route back leaves via eth0. Until rules are evaluated, that
 * drop must not read as a fact: the cell is unknown, naming the rule. The primary uplink is closed
 * to the gateway port, so a filtered eth1 cell would make exposure.internet pass.
 */

// `ip -j rule` and `ip -6 -j rule` in the namespace the system test builds (iproute2 6.x).
const RULES4 = [
  { priority: 0, src: 'all', table: 'local' },
  { priority: 32765, src: '93.184.216.10', table: '100' },
  { priority: 32766, src: 'all', table: 'main' },
  { priority: 32767, src: 'all', table: 'default' },
];
const RULES6 = [
  { priority: 0, src: 'all', table: 'local' },
  { priority: 32766, src: 'all', table: 'main' },
];
const DEFAULTS: PolicyRule[] = [
  ...parseIpRuleJson(
    RULES4.filter((r) => r.priority !== 32765),
    4,
  ),
  ...parseIpRuleJson(RULES6, 6),
];
const WITH_RULE: PolicyRule[] = [...parseIpRuleJson(RULES4, 4), ...parseIpRuleJson(RULES6, 6)];

const V4 = [
  '*filter',
  ':INPUT ACCEPT [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -i eth0 -p tcp -m tcp --dport 18789 -j DROP',
  'COMMIT',
  '',
].join('\n');

function host(rules: PolicyRule[] | undefined): Snapshot {
  const s = compose(
    withInterface('eth0', '198.51.100.10', 24, 'default'),
    withInterface('eth1', '93.184.216.10', 24),
    withSysctl({ 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth1.rp_filter': '1' }),
    withIptables(V4),
    withSockets(tcpListener('0.0.0.0', 18789, 200, 'openclaw-gateway')),
    withGatewayProcess(200, ['openclaw-gateway']),
  )(baselineSnapshot());
  const routes = s.network.routes.status === 'ok' ? s.network.routes.data : [];
  const network = {
    ...s.network,
    routes: { status: 'ok' as const, data: [...routes, { family: 4 as const, dst: 'default', gateway: '93.184.216.1', dev: 'eth1', table: '100' }] },
  };
  return { ...s, network: rules ? { ...network, rules: { status: 'ok', data: rules } } : network };
}

const cell = (s: Snapshot, zone: string) =>
  buildContext(s)
    .reach()
    .cells.find((c) => c.listener.port === 18789 && c.zone.name === zone);
const exposure = (s: Snapshot) => auditSnapshot(s).checks.find((c) => c.id === 'exposure.internet')?.result;

describe('policy routing and rp_filter', () => {
  it('ip -j rule is read with the selectors the model reads, and the names of the rest', () => {
    expect(WITH_RULE).toContainEqual({ family: 4, priority: 32765, src: '93.184.216.10', table: '100' });
    const odd = parseIpRuleJson([{ priority: 600, not: null, src: 'all', oif: 'd0', uid_start: 5, uid_end: 6, action: 'unreachable' }], 4);
    expect(odd).toEqual([{ family: 4, priority: 600, src: 'all', oif: 'd0', not: true, action: 'unreachable', other: ['uid_start', 'uid_end'] }]);
  });

  it('a from-rule to a second table: the strict reverse-path drop is unknown, naming the rule, and exposure.internet does not pass', () => {
    const s = host(WITH_RULE);
    const eth1 = cell(s, 'internet:eth1');
    expect(eth1?.verdict).toBe('unknown');
    expect(eth1?.reason).toMatch(/policy routing rules are not modelled \(ip rule 32765: from 93\.184\.216\.10 lookup 100\)/);
    expect(cell(s, 'internet:eth0')?.verdict).toBe('filtered');
    expect(exposure(s)).toBe('unknown');
  });

  it('rules not in the snapshot (older collector): the drop is unknown too', () => {
    expect(cell(host(undefined), 'internet:eth1')?.verdict).toBe('unknown');
  });

  it('only the default rules: main decides, and the drop stands', () => {
    const s = host(DEFAULTS);
    expect(cell(s, 'internet:eth1')?.verdict).toBe('filtered');
    expect(exposure(s)).toBe('pass');
  });
});
