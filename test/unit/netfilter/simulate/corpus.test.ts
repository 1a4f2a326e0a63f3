import { describe, expect, it } from 'vitest';
import { prepare } from '../../../../src/netfilter/simulate/index.js';
import type { HostFacts } from '../../../../src/netfilter/simulate/types.js';
import { CORPUS_DIR, corpusAvailable, corpusFile } from '../../../support/corpus.js';
import { familyOfFile, IPTABLES_FILES, NFT_JSON_FILES } from '../helpers.js';
import { ipt, labHost, nft, tcp } from './helpers.js';

/**
 * Stacks the ground truth does not cover, on the corpus' real dumps (read in place): Docker 29
 * (iptables and nftables backends), kube-proxy; and every dump in the corpus simulated without a
 * crash, unknown only for the reasons the model documents.
 */

const skip = !corpusAvailable;
const note = corpusAvailable ? '' : ` (corpus not found at ${CORPUS_DIR})`;
const W = (daddr: string, port: number) => tcp('eth0', '203.0.113.9', daddr, port);

function withBridge1(): HostFacts {
  const h = labHost();
  h.addresses.push({ iface: 'bridge1', address: '192.0.2.1', prefixlen: 24, family: 4 });
  return h;
}

describe(`corpus stacks${note}`, () => {
  it.skipIf(skip)('Docker 29 nftables backend: DNAT, verdict maps, DROP DIRECT ACCESS', () => {
    const sim = prepare(nft(JSON.parse(corpusFile('docker/moby-nftablesdoc/v29.7.2/usernet-portmap.nft.json'))), withBridge1());
    const published = sim.simulate(W('198.51.100.10', 8080));
    expect(published).toMatchObject({ disposition: 'forward', daddr: '192.0.2.2', dport: 80, oif: 'bridge1' });
    expect(published.steps.map((s) => s.text)).toContain('@filter-forward-in-jumps: oifname hits element 2 → jump filter-forward-in__bridge1');
    expect(sim.simulate(W('192.0.2.2', 80))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(sim.simulate(W('198.51.100.10', 9999)).disposition).toBe('local');
  });

  it.skipIf(skip)('Docker 29 iptables, port published on 127.0.0.1: the raw table stops neighbours (moby#45610 closed)', () => {
    const sim = prepare(ipt(corpusFile('docker/moby-iptablesdoc/v29.7.2/usernet-portmap-lo.iptables-save.txt')), withBridge1());
    const r = sim.simulate(tcp('eth0', '198.51.100.20', '127.0.0.1', 8080));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(r.steps.at(-1)).toMatchObject({ table: 'ip raw', chain: 'PREROUTING', rule: 2 });
    expect(sim.simulate(tcp('lo', '127.0.0.1', '127.0.0.1', 8080)).disposition).toBe('local');
  });

  it.skipIf(skip)('kube-proxy: NodePort DNAT to a pod, REJECT for a service without endpoints, DROP without local endpoints', () => {
    const host = labHost();
    host.addresses.push({ iface: 'cni0', address: '10.180.0.254', prefixlen: 16, family: 4 });
    const sim = prepare(ipt(corpusFile('kubernetes/kube-proxy-iptables.iptables-save.txt')), host);
    expect(sim.simulate(W('198.51.100.10', 3003))).toMatchObject({ disposition: 'forward', daddr: '10.180.0.3', dport: 80, oif: 'cni0' });
    expect(sim.simulate(W('172.30.0.46', 80))).toMatchObject({ disposition: 'dropped', rejected: true, rejectWith: 'icmp-port-unreachable' });
    expect(sim.simulate(W('198.51.100.10', 3001))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
  });

  it.skipIf(skip)('every corpus dump simulates without throwing; unknown only for documented reasons', () => {
    const allowed = /iptables-nft extension|contents not collected|statistic|computed at run time|combinations of undecidable|is filled at run time/;
    const unexpected: string[] = [];
    let packets = 0;
    for (const f of [...IPTABLES_FILES, ...NFT_JSON_FILES]) {
      const ruleset = f.endsWith('.json') ? nft(JSON.parse(corpusFile(f))) : ipt(corpusFile(f), familyOfFile(f));
      const sim = prepare(ruleset, labHost({ 'net.ipv6.conf.all.forwarding': '1' }));
      for (const [iif, saddr, daddr] of [
        ['eth0', '203.0.113.9', '198.51.100.10'],
        ['eth1', '192.168.1.50', '192.168.1.10'],
        ['docker0', '172.17.0.2', '172.17.0.1'],
        ['eth0', '2001:db8:100::20', '2001:db8:100::10'],
        ['lo', '127.0.0.1', '127.0.0.1'],
        ['eth0', '203.0.113.9', '172.17.0.2'],
      ] as const) {
        for (const port of [22, 80, 8080, 5432, 3001]) {
          const r = sim.simulate(tcp(iif, saddr, daddr, port));
          packets++;
          for (const u of r.unknownReasons) if (!allowed.test(u)) unexpected.push(`${f}: ${u}`);
        }
      }
    }
    expect(packets).toBeGreaterThan(1000);
    expect(unexpected).toEqual([]);
  });
});
