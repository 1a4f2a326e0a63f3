import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { buildContext } from '../../../src/model/context.js';
import { baselineSnapshot, compose, tcpListener, withGatewayProcess, withInterface, withSockets, withSysctl } from '../../fixtures/builders/snapshot.js';
import type { Collected, Snapshot } from '../../../src/snapshot/types.js';

/**
 * Legacy x_tables beside nf_tables (review C finding 4): the collector runs iptables-legacy-save
 * only when /proc/net/ip_tables_names lists tables, so a dump that is there but not read means
 * rules exist that nobody read. Here they hold a DNAT from eth0:8443 to a loopback gateway
 * (route_localnet=1): read, the gateway is open from the internet; not read, it must not pass.
 */

const LEGACY_NAT = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp -m tcp --dport 8443 -j DNAT --to-destination 127.0.0.1:18789
COMMIT
`;

function host(legacy: Collected<string> | undefined): Snapshot {
  const s = compose(
    withInterface('eth0', '198.51.100.10', 24, 'default'),
    withSysctl({ 'net.ipv4.conf.eth0.route_localnet': '1' }),
    withSockets(tcpListener('127.0.0.1', 18789, 200, 'openclaw-gateway')),
    withGatewayProcess(200, ['openclaw-gateway']),
  )(baselineSnapshot());
  return legacy ? { ...s, netfilter: { ...s.netfilter, iptablesLegacySave: legacy } } : s;
}

const internet = (s: Snapshot) =>
  buildContext(s)
    .reach()
    .cells.find((c) => c.listener.port === 18789 && c.zone.kind === 'internet');
const exposure = (s: Snapshot) => auditSnapshot(s).checks.find((c) => c.id === 'exposure.internet')?.result;

describe('legacy iptables tables loaded beside nf_tables', () => {
  it('read: the DNAT in them opens the loopback gateway to the internet', () => {
    const s = host({ status: 'ok', data: LEGACY_NAT });
    expect(internet(s)?.verdict).toBe('open');
    expect(exposure(s)).toBe('fail');
  });

  it('iptables-legacy-save not installed: the cell is unknown and the audit names what to install, never pass', () => {
    const s = host({ status: 'unavailable', reason: 'not-installed', detail: 'iptables-legacy-save is not installed (not on PATH or in /usr/sbin)' });
    const cell = internet(s);
    expect(cell?.verdict).toBe('unknown');
    expect(cell?.reason).toMatch(/legacy iptables tables are loaded .* iptables-legacy-save is not installed/);
    expect(exposure(s)).toBe('unknown');
    expect(auditSnapshot(s).limitations).toContainEqual(
      expect.stringMatching(/iptables-legacy-save is not installed.*install iptables-legacy-save \(Debian\/Ubuntu: iptables; RHEL\/Fedora: iptables-legacy\)/),
    );
    expect(buildContext(s).reach().limitations).toContainEqual(expect.stringMatching(/every non-loopback IPv4 cell is unknown/));
  });

  it('no legacy tables loaded (no dump taken): nothing is missing', () => {
    const s = host(undefined);
    expect(internet(s)?.verdict).toBe('closed');
    expect(exposure(s)).toBe('pass');
  });
});
