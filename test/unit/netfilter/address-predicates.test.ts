import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressPredicates, addressText, addressValue, prefixSpan, textSpan } from '../../../src/netfilter/address-predicates.js';
import { parseIptablesSave } from '../../../src/netfilter/iptables-save/parse.js';
import type { PacketFamily } from '../../../src/netfilter/model.js';
import { CORPUS_SKIP_REASON, corpusAvailable, corpusFile } from '../../support/corpus.js';
import { familyOfFile, IPTABLES_FILES } from './helpers.js';

/** What ipaddr.js makes of a dotted quad: the reading the fast path must agree with. */
function viaIpaddr(text: string): bigint {
  return ipaddr
    .parse(text)
    .toByteArray()
    .reduce((v, b) => (v << 8n) | BigInt(b), 0n);
}

describe('address values and spans', () => {
  it('reads dotted quads as ipaddr.js does, at the edges and in between', () => {
    for (const text of ['0.0.0.0', '255.255.255.255', '10.96.0.1', '198.51.100.77', '127.0.0.1', '1.2.3.4', '128.0.0.0']) {
      expect(addressValue(text), text).toEqual({ family: 4, value: viaIpaddr(text) });
      expect(addressText(4, viaIpaddr(text))).toBe(text);
    }
  });

  it('refuses what is no address (the short inet_aton forms such as 1.2.3 are left to ipaddr.js), and still reads IPv6', () => {
    for (const text of ['256.0.0.1', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', 'a.b.c.d', '']) expect(addressValue(text), text).toBeUndefined();
    expect(addressValue('2001:db8::1')).toEqual({ family: 6, value: (0x20010db8n << 96n) | 1n });
  });

  it('spans a prefix from its network to its broadcast address, host bits ignored as the kernel does', () => {
    expect(prefixSpan('10.1.2.3', 8)).toEqual({ family: 4, span: [viaIpaddr('10.0.0.0'), viaIpaddr('10.255.255.255')] });
    expect(prefixSpan('203.0.113.77', 32)).toEqual({ family: 4, span: [viaIpaddr('203.0.113.77'), viaIpaddr('203.0.113.77')] });
    expect(prefixSpan('198.51.100.200', 0)).toEqual({ family: 4, span: [0n, 0xffffffffn] });
    expect(prefixSpan('192.168.1.0', 33)).toBeUndefined();
    expect(textSpan('192.168.1.10-192.168.1.20')).toEqual({ family: 4, span: [viaIpaddr('192.168.1.10'), viaIpaddr('192.168.1.20')] });
    expect(prefixSpan('2001:db8::', 32)).toEqual({ family: 6, span: [0x20010db8n << 96n, (0x20010db9n << 96n) - 1n] });
  });
});

/** Every rule parsed first: the predicates as the parse gives them. */
function parsedPredicates(text: string, family: PacketFamily) {
  const { ruleset } = parseIptablesSave(text, { family, file: 'test' });
  for (const table of ruleset.tables) for (const chain of table.chains) void chain.rules.length;
  return addressPredicates(ruleset);
}

/** As reach reads them: the chains still held as text. */
function heldPredicates(text: string, family: PacketFamily) {
  return addressPredicates(parseIptablesSave(text, { family, file: 'test' }).ruleset);
}

const RULES = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':ALLOW - [0:0]',
  '-A INPUT -s 10.0.0.0/8 -j ALLOW',
  '-A INPUT ! -s 192.168.1.0/24 -d 198.51.100.10/32 -p tcp -m tcp --dport 22 -j ACCEPT',
  '-A INPUT -m iprange --src-range 203.0.113.10-203.0.113.20 -j ACCEPT',
  '-A INPUT -m conntrack --ctorigsrc 100.64.0.0/10 --ctstate NEW -j ACCEPT',
  '-A INPUT -m set --match-set geo src -j ACCEPT',
  '-A INPUT -m comment --comment -s -s 5.6.7.8/32 -j DROP',
  '-A INPUT -s 1.2.3.4/255.255.255.0 -j DROP',
  '-A INPUT -s 9.9.9.9/32 -m comment --comment "kube: -d 8.8.8.8 \\"quoted\\"" -j ACCEPT',
  '-A INPUT -p tcp -m tcp --dport 18789 -j DROP',
  '-A ALLOW -d 172.16.0.0/12 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

describe('address predicates from held rule text', () => {
  it('are those of the parsed rules: prefixes, negations, ranges, conntrack tuples, a set, comments (quoted too), a netmask', () => {
    const held = heldPredicates(RULES, 'ip');
    expect(held).toEqual(parsedPredicates(RULES, 'ip'));
    // The comment's "-s" is no address test; the rule's own -s is.
    // One predicate per address test: rule 2 tests its source and its destination.
    expect(held.map((p) => p.rule.index)).toEqual([1, 2, 2, 3, 4, 6, 7, 8, 1]);
    expect(held.filter((p) => p.closes).map((p) => p.rule.index)).toEqual([6, 7]);
    expect(held.find((p) => p.rule.index === 8)?.spans).toEqual([prefixSpan('9.9.9.9', 32)!.span]);
    expect(held.find((p) => p.rule.index === 6)?.spans).toEqual([prefixSpan('5.6.7.8', 32)!.span]);
  });

  it.skipIf(!corpusAvailable)(
    `are those of the parsed rules for every iptables-save file of the corpus${corpusAvailable ? '' : ` (${CORPUS_SKIP_REASON})`}`,
    () => {
      let predicates = 0;
      for (const file of IPTABLES_FILES) {
        const text = corpusFile(file);
        const held = heldPredicates(text, familyOfFile(file));
        expect(held, file).toEqual(parsedPredicates(text, familyOfFile(file)));
        predicates += held.length;
      }
      expect(predicates).toBeGreaterThan(1000);
    },
  );
});
