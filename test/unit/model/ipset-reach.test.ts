import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { buildContext } from '../../../src/model/context.js';
import { baselineSnapshot, compose, tcpListener, withGatewayProcess, withInterface, withIptables, withSockets } from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';

/**
 * An ipset that decides a gateway's cell is read as the kernel reads it (review C finding 5):
 * a `nomatch` entry takes its prefix out of a wider one, and a hash:ip `netmask 24` set holds
 * the whole /24 of every address it was given. The save texts are real `ipset save` output;
 * the sets match on the destination (the host's address) so the zone's client does not matter.
 */

function host(rules: string, policy: 'ACCEPT' | 'DROP', save: string): Snapshot {
  const v4 = ['*filter', `:INPUT ${policy} [0:0]`, ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', rules, 'COMMIT', ''].join('\n');
  const s = compose(
    withInterface('eth0', '198.51.100.10', 24, 'default'),
    withIptables(v4),
    withSockets(tcpListener('0.0.0.0', 18789, 200, 'openclaw-gateway')),
    withGatewayProcess(200, ['openclaw-gateway']),
  )(baselineSnapshot());
  return { ...s, netfilter: { ...s.netfilter, ipsetSave: { status: 'ok', data: save } } };
}

function internetCell(s: Snapshot): string | undefined {
  return buildContext(s)
    .reach()
    .cells.find((c) => c.listener.port === 18789 && c.zone.kind === 'internet')?.verdict;
}

const NOMATCH = `create blocked hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xb78f80c1
add blocked 198.51.100.0/24 nomatch
add blocked 198.0.0.0/8
`;

const NETMASK = `create nm hash:ip family inet hashsize 1024 maxelem 65536 netmask 24 bucketsize 12 initval 0x69cc641f
add nm 198.51.100.0
`;

describe('an ipset that decides the gateway cell', () => {
  it('a nomatch entry excludes its prefix: a DROP on the set does not close the gateway', () => {
    const s = host('-A INPUT -m set --match-set blocked dst -j DROP', 'ACCEPT', NOMATCH);
    expect(internetCell(s)).toBe('open');
    expect(auditSnapshot(s).checks.find((c) => c.id === 'exposure.internet')?.result).toBe('fail');
  });

  it('hash:ip netmask 24: the host address is in the set, so its ACCEPT opens the gateway', () => {
    const s = host('-A INPUT -m set --match-set nm dst -j ACCEPT', 'DROP', NETMASK);
    expect(internetCell(s)).toBe('open');
    expect(auditSnapshot(s).checks.find((c) => c.id === 'exposure.internet')?.result).toBe('fail');
  });

  it('a set type that is not modelled leaves the cell unknown, naming it', () => {
    const save = 'create pp hash:ip,port family inet hashsize 1024 maxelem 65536\nadd pp 198.51.100.10,tcp:18789\n';
    const s = host('-A INPUT -m set --match-set pp dst -j DROP', 'ACCEPT', save);
    const cell = buildContext(s)
      .reach()
      .cells.find((c) => c.listener.port === 18789 && c.zone.kind === 'internet');
    expect(cell?.verdict).toBe('unknown');
    expect(cell?.reason).toMatch(/hash:ip,port set, which is not modelled/);
  });
});
