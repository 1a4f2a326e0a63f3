import { describe, expect, it } from 'vitest';
import { buildZones } from '../../../src/model/zones.js';
import { parseIpAddrJson } from '../../../src/collect/network.js';
import { classifyAddress, isSafeBindAddress } from '../../../src/model/addresses.js';
import type { NetInterface, Snapshot } from '../../../src/snapshot/types.js';
import { baselineSnapshot, CGNAT_UPLINK, compose, withCgnatUplink, withInterface } from '../../fixtures/builders/snapshot.js';

/** Review 2 findings 3 (100.64.0.0/10 is carrier-grade NAT unless Tailscale owns it) and 13 (link-local-only links). */

const withLink =
  (iface: NetInterface) =>
  (s: Snapshot): Snapshot => ({
    ...s,
    network: { ...s.network, interfaces: { status: 'ok', data: [...(s.network.interfaces.status === 'ok' ? s.network.interfaces.data : []), iface] } },
  });

const withTailscaleStatus =
  (ips: string[]) =>
  (s: Snapshot): Snapshot => ({
    ...s,
    tailscale: {
      status: 'ok',
      data: {
        binary: '/usr/bin/tailscale',
        status: { status: 'ok', data: { BackendState: 'Running', TailscaleIPs: ips, Self: { TailscaleIPs: ips } } },
        serve: { status: 'ok', data: {} },
      },
    },
  });

const zonesOf = (...patches: ((s: Snapshot) => Snapshot)[]) => buildZones(compose(...patches)(baselineSnapshot()));

describe('zones: carrier-grade NAT is not the tailnet', () => {
  it('makes the default-route interface the internet zone, whatever its 100.64.0.0/10 IPv4, and aims at its global IPv6', () => {
    const eth0 = zonesOf(withCgnatUplink()).find((z) => z.interface === 'eth0');
    expect(eth0).toMatchObject({ name: 'internet:eth0', kind: 'internet', reason: 'it holds the default route' });
    expect(eth0!.targets).toEqual({ 4: [CGNAT_UPLINK.v4], 6: [CGNAT_UPLINK.v6] });
    expect(eth0!.source[4]).toBeDefined();
    expect(eth0!.source[6]).toBeDefined();
  });

  it('makes a second uplink with a 100.64.0.0/10 IPv4 and a global IPv6 an internet zone too (the IPv6 decides)', () => {
    const wwan = zonesOf(withInterface('wwan0', '100.100.9.9', 30), (s) => {
      if (s.network.interfaces.status !== 'ok') return s;
      const data = s.network.interfaces.data.map((i) =>
        i.name === 'wwan0' ? { ...i, addresses: [...i.addresses, { family: 6 as const, address: '2a02:8108:9:9::1', prefixlen: 64, scope: 'global' }] } : i,
      );
      return { ...s, network: { ...s.network, interfaces: { status: 'ok', data } } };
    }).find((z) => z.interface === 'wwan0');
    expect(wwan).toMatchObject({ kind: 'internet', reason: 'it has a public address' });
  });

  it('makes a 100.64.0.0/10 interface with no default route and no public address a LAN, not the tailnet', () => {
    expect(zonesOf(withInterface('eth1', '100.72.8.1', 24)).find((z) => z.interface === 'eth1')).toMatchObject({ name: 'lan:eth1', kind: 'lan' });
  });

  it('keeps tailscale0, and an address tailscale status lists as its own on a renamed interface, in the tailnet', () => {
    const zones = zonesOf(withInterface('tailscale0', '100.101.102.103', 32), withInterface('ts-wan', '100.90.1.2', 32), withTailscaleStatus(['100.90.1.2']));
    expect(zones.find((z) => z.interface === 'tailscale0')).toMatchObject({ kind: 'tailnet', reason: 'a Tailscale interface' });
    expect(zones.find((z) => z.interface === 'ts-wan')).toMatchObject({ kind: 'tailnet' });
  });
});

describe('zones: links with only link-local addresses', () => {
  const fe80 = { family: 6 as const, address: 'fe80::a00:27ff:fe4e:66a1', prefixlen: 64, scope: 'link' };

  it('gives an up interface with only fe80:: a zone whose neighbour aims at that fe80:: and at every routable host address', () => {
    const zone = zonesOf(withLink({ name: 'eth1', up: true, linkType: 'ether', addresses: [fe80] })).find((z) => z.interface === 'eth1');
    expect(zone).toMatchObject({ name: 'lan:eth1', kind: 'lan', reason: 'a link with only link-local addresses' });
    expect(zone!.source[6]).toMatch(/^fe80::/);
    expect(zone!.source[4]).toBeUndefined();
    expect(zone!.targets[6]).toContain(fe80.address);
    expect(zone!.targets[4]).toContain('198.51.100.10');
  });

  it('gives none to a bridge port (what it receives is the bridge’s) nor to a down interface', () => {
    const zones = zonesOf(
      withLink({ name: 'veth1a2b3c', up: true, linkType: 'ether', kind: 'veth', master: 'docker0', addresses: [fe80] }),
      withLink({ name: 'eth2', up: false, linkType: 'ether', addresses: [fe80] }),
    );
    expect(zones.map((z) => z.interface)).not.toContain('veth1a2b3c');
    expect(zones.map((z) => z.interface)).not.toContain('eth2');
  });

  it('does not aim the internet at a link-local address', () => {
    const eth0 = zonesOf(withCgnatUplink()).find((z) => z.interface === 'eth0');
    expect(eth0!.targets[6].some((a) => a.startsWith('fe80:'))).toBe(false);
  });
});

describe('address classes: 100.64.0.0/10', () => {
  const s = compose(withCgnatUplink(), withInterface('tailscale0', '100.101.102.103', 32))(baselineSnapshot());

  it('is the tailnet on a tailscale interface, a private (unsafe) address anywhere else', () => {
    expect(classifyAddress('100.101.102.103', s)).toBe('tailnet');
    expect(isSafeBindAddress('100.101.102.103', s)).toBe(true);
    expect(classifyAddress(CGNAT_UPLINK.v4, s)).toBe('private');
    expect(isSafeBindAddress(CGNAT_UPLINK.v4, s)).toBe(false);
    // On no interface, or with no snapshot to tell: not safe.
    expect(isSafeBindAddress('100.64.0.1', s)).toBe(false);
    expect(isSafeBindAddress('100.64.0.1')).toBe(false);
  });
});

describe('interfaces as collected', () => {
  it('keep the bridge a port belongs to (ip -j addr’s "master"), so the port gets no zone of its own', () => {
    const [v0] = parseIpAddrJson([
      {
        ifname: 'v0',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        master: 'br0',
        link_type: 'ether',
        addr_info: [{ family: 'inet6', local: 'fe80::5c7d:20ff:fecc:279a', prefixlen: 64, scope: 'link' }],
      },
    ]);
    expect(v0).toMatchObject({ name: 'v0', up: true, master: 'br0' });
    expect(zonesOf(withLink(v0!)).map((z) => z.interface)).not.toContain('v0');
  });
});

describe('zones: an interface with only a host address (/32, /128) still has clients (review C s11 finding 2)', () => {
  it('gives a tailscale0 with 100.101.102.103/32 and fd7a:115c:a1e0::1/128 clients in the tailnet ranges', () => {
    const ts = zonesOf(withInterface('tailscale0', '100.101.102.103', 32), withInterface('tailscale0', 'fd7a:115c:a1e0::1', 128)).filter(
      (z) => z.interface === 'tailscale0',
    );
    expect(ts.length).toBeGreaterThan(0);
    const z = ts[0]!;
    expect(z.source[4]).toMatch(/^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./);
    expect(z.unsourced).toBeUndefined();
  });

  it('takes a client from a route via the interface (10.0.0.0/16 via ens10 on a 10.0.0.2/32)', () => {
    const z = zonesOf(withInterface('ens10', '10.0.0.2', 32, '10.0.0.0/16')).find((x) => x.interface === 'ens10');
    expect(z?.source[4]).toBe('10.0.0.200');
  });

  it('takes a host route via the interface as the client when nothing wider is routed there', () => {
    const z = zonesOf(withInterface('ens10', '10.0.0.2', 32, '10.0.0.1/32')).find((x) => x.interface === 'ens10');
    expect(z?.source[4]).toBe('10.0.0.1');
  });

  it('marks a /32 LAN with no route via it as unsourced, not as a zone without IPv4', () => {
    const z = zonesOf(withInterface('ens10', '10.0.0.2', 32)).find((x) => x.interface === 'ens10');
    expect(z?.source[4]).toBeUndefined();
    expect(z?.unsourced).toEqual([4]);
  });
});
