import { describe, expect, it } from 'vitest';
import { hostPort, isLoopback } from '../../../src/model/addresses.js';

describe('one loopback test, one host:port', () => {
  it('counts every loopback form, the IPv4-mapped one too, and nothing else', () => {
    for (const a of ['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1', '[::1]']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '100.64.0.1', 'not-an-address']) expect(isLoopback(a), a).toBe(false);
  });

  it('puts IPv6 in brackets', () => {
    expect(hostPort('127.0.0.1', 18789)).toBe('127.0.0.1:18789');
    expect(hostPort('::1', 18789)).toBe('[::1]:18789');
  });
});
