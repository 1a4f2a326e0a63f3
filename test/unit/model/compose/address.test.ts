import { describe, expect, it } from 'vitest';
import { isPublicHostIp, parseHostIp } from '../../../../src/model/compose/address.js';

describe('isPublicHostIp', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['0.0.0.0', true],
    ['::', true],
    ['[::]', true],
    ['192.168.1.10', true],
    ['10.0.0.1', true],
    ['100.101.102.103', true],
    ['203.0.113.7', true],
    ['fd00::1', true],
    ['2001:db8::1', true],
    ['127.0.0.1', false],
    ['127.1.2.3', false],
    ['::1', false],
    ['[::1]', false],
    ['0:0:0:0:0:0:0:1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', true],
    ['localhost', true],
    ['garbage', true],
  ];
  it.each(cases)('%j → %s', (ip, expected) => {
    expect(isPublicHostIp(ip)).toBe(expected);
  });
});

describe('parseHostIp', () => {
  const cases: [string, string | undefined][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['[fe80::1]', 'fe80::1'],
    ['[127.0.0.1]', '127.0.0.1'],
    ['::', '::'],
    ['[::1', undefined],
    ['localhost', undefined],
    ['127.1', undefined],
    ['010.0.0.1', undefined],
    ['256.0.0.1', undefined],
    ['fe80::1%eth0', undefined],
    ['', undefined],
  ];
  it.each(cases)('%j → %j', (written, expected) => {
    expect(parseHostIp(written)).toBe(expected);
  });
});
