import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { binary } from '../support/binaries.js';
import { Scope } from './lab/cleanup.js';
import { Netns } from './lab/netns.js';
import { parseIpsetSave } from '../../src/netfilter/ipset.js';
import { HostTable } from '../../src/netfilter/simulate/host.js';
import { parseIp } from '../../src/netfilter/simulate/ip.js';

/**
 * ipset membership as the model reads it from `ipset save` against the kernel's own answer
 * (`ipset test`, the lookup `-m set` makes) for sets built in a scratch namespace: hash:net with
 * `nomatch` entries (the most specific prefix decides), hash:ip with `netmask`/`bitmask`, bitmap:ip.
 */

const BUILD = [
  'create blocked hash:net',
  'add blocked 203.0.0.0/8',
  'add blocked 203.0.113.0/24 nomatch',
  'add blocked 203.0.113.64/26',
  'add blocked 203.0.113.70 nomatch',
  'create nm hash:ip netmask 24',
  'add nm 203.0.113.5',
  'add nm 10.1.2.3',
  'create bm hash:ip bitmask 255.0.255.0',
  'add bm 1.2.3.4',
  'create bi bitmap:ip range 10.0.0.0/16 netmask 24',
  'add bi 10.0.5.7',
  'create t hash:net timeout 600 counters comment',
  'add t 1.2.0.0/16 timeout 500 comment "nomatch in a comment"',
  'add t 1.2.3.0/24 timeout 500 nomatch',
  'create n6 hash:net family inet6',
  'add n6 2001:db8::/32',
  'add n6 2001:db8:1::/48 nomatch',
  'add n6 2001:db8:1:2::/64',
  'create m6 hash:ip family inet6 netmask 64',
  'add m6 2001:db8:5::9',
].join('\n');

const PROBES: [string, string[]][] = [
  ['blocked', ['203.0.113.77', '203.0.113.70', '203.0.113.71', '203.0.113.5', '203.9.9.9', '198.51.100.1']],
  ['nm', ['203.0.113.77', '203.0.113.5', '203.0.114.1', '10.1.2.200', '10.1.3.3']],
  ['bm', ['1.9.3.7', '1.2.3.4', '1.9.4.7', '2.2.3.4']],
  ['bi', ['10.0.5.200', '10.0.5.7', '10.0.6.1']],
  ['t', ['1.2.3.4', '1.2.4.4', '1.3.0.1']],
  ['n6', ['2001:db8::5', '2001:db8:1::5', '2001:db8:1:2::5', '2001:db9::1']],
  ['m6', ['2001:db8:5::1', '2001:db8:5::ffff', '2001:db8:5:1::1']],
];

const req = requires('ipset membership: the model reads ipset save as the kernel tests it (needs root, netns, ipset)', ['root', 'netns', 'ipset']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let ns: Netns;
  let host: HostTable;

  beforeAll(async () => {
    ns = await Netns.create(scope, 'ipset');
    await ns.exec(binary('ipset'), ['restore'], { input: `${BUILD}\n` });
    const saved = await ns.exec(binary('ipset'), ['save']);
    host = new HostTable({ addresses: [], routes: [], sysctl: {}, ipsets: parseIpsetSave(saved.stdout) });
  }, 60_000);
  afterAll(() => scope.dispose());

  it.each(PROBES)('set %s: every probe agrees with ipset test', async (set, addresses) => {
    expect(host.ipsetUnknown(set)).toBeUndefined();
    for (const address of addresses) {
      const kernel = (await ns.exec(binary('ipset'), ['test', set, address], { allowFail: true })).code === 0;
      expect({ address, model: host.inIpset(set, parseIp(address)!) }).toEqual({ address, model: kernel });
    }
  });
});
