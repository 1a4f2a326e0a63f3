import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressText, addressValue, prefixSpan, textSpan } from '../../../src/netfilter/address-predicates.js';

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
