import { describe, expect, it } from 'vitest';
import type { Match, Rule } from '../../../src/netfilter/model.js';
import { parseNftJson } from '../../../src/netfilter/nft-json/parse.js';
import { CORPUS_SKIP_REASON, corpusAvailable, corpusFile } from '../../support/corpus.js';
import { allRules, chain, table } from './helpers.js';

const skipNote = corpusAvailable ? '' : ` (${CORPUS_SKIP_REASON})`;

function corpusJson(...parts: string[]): unknown {
  return JSON.parse(corpusFile(...parts)) as unknown;
}

/** A ruleset with one inet table, one input chain and the given rules' expr lists. */
function doc(exprs: unknown[][], extra: unknown[] = []): unknown {
  return {
    nftables: [
      { metainfo: { version: '1.0.6', json_schema_version: 1 } },
      { table: { family: 'inet', name: 't', handle: 1 } },
      { chain: { family: 'inet', table: 't', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 10, policy: 'drop' } },
      { chain: { family: 'inet', table: 't', name: 'c', handle: 2 } },
      ...extra,
      ...exprs.map((expr, i) => ({ rule: { family: 'inet', table: 't', chain: 'input', handle: 10 + i, expr } })),
    ],
  };
}

function rulesOf(exprs: unknown[][], extra: unknown[] = []): Rule[] {
  const { ruleset, errors } = parseNftJson(doc(exprs, extra));
  expect(errors).toEqual([]);
  return allRules(ruleset);
}

const tcpDport = (right: unknown) => ({ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right } });

describe('parseNftJson: structure', () => {
  it('reads tables, base chains (hook, priority, policy) and regular chains', () => {
    const { ruleset, errors } = parseNftJson(doc([]));
    expect(errors).toEqual([]);
    const t = table(ruleset, 't', 'inet');
    expect(t).toMatchObject({ source: 'nft', family: 'inet', managedByIptables: false, handle: 1 });
    expect(chain(t, 'input').base).toEqual({ type: 'filter', hook: 'input', priority: 10, policy: 'drop' });
    expect(chain(t, 'c').base).toBeUndefined();
    expect(ruleset.sources[0]).toMatchObject({ source: 'nft', generator: 'nft 1.0.6' });
  });

  it('accepts the JSON text too, and reports text that is not JSON', () => {
    expect(parseNftJson(JSON.stringify(doc([[{ accept: null }]]))).ruleset.tables).toHaveLength(1);
    const bad = parseNftJson('{"nftables": [');
    expect(bad.errors[0]?.message).toMatch(/not JSON/);
    expect(bad.ruleset.tables).toEqual([]);
    expect(parseNftJson({ foo: 1 }).errors[0]?.message).toMatch(/nftables/);
  });

  it('records origin: index, handle, printable text, comment', () => {
    const { ruleset } = parseNftJson({
      nftables: [
        { table: { family: 'ip', name: 'x' } },
        { chain: { family: 'ip', table: 'x', name: 'in', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
        {
          rule: {
            family: 'ip',
            table: 'x',
            chain: 'in',
            handle: 7,
            comment: 'ssh',
            expr: [
              { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'eth0' } },
              tcpDport(22),
              { counter: { packets: 1, bytes: 2 } },
              { accept: null },
            ],
          },
        },
      ],
    });
    const [r] = allRules(ruleset);
    expect(r?.origin).toEqual({
      source: 'nft',
      family: 'ip',
      table: 'x',
      chain: 'in',
      index: 1,
      handle: 7,
      text: 'iifname "eth0" tcp dport 22 accept comment "ssh"',
    });
    expect(r?.comment).toBe('ssh');
    expect(r?.matches[0]).toEqual({ kind: 'comment', text: 'ssh' });
  });

  it('keeps a rule whose chain was not listed, and says so', () => {
    const { ruleset, errors } = parseNftJson({ nftables: [{ rule: { family: 'ip', table: 'x', chain: 'ghost', expr: [{ drop: null }] } }] });
    expect(errors.length).toBeGreaterThan(0);
    expect(allRules(ruleset)[0]?.verdict).toEqual({ kind: 'drop' });
  });
});

describe('parseNftJson: expressions', () => {
  it('interfaces (wildcards), addresses (prefix, range, set), ports (set, range, comparison)', () => {
    const rules = rulesOf([
      [{ match: { op: '!=', left: { meta: { key: 'iifname' } }, right: { set: ['lo', 'veth*'] } } }, { accept: null }],
      [
        {
          match: {
            op: '==',
            left: { payload: { protocol: 'ip6', field: 'saddr' } },
            right: { set: [{ prefix: { addr: '2001:db8::', len: 32 } }, { range: ['fd00::1', 'fd00::9'] }, '::1'] },
          },
        },
      ],
      [tcpDport({ set: [22, { range: [8000, 8100] }] })],
      [{ match: { op: '<', left: { payload: { protocol: 'udp', field: 'sport' } }, right: 1024 } }],
    ]);
    expect(rules.map((r) => r.matches[0])).toEqual<Match[]>([
      {
        kind: 'iface',
        dir: 'in',
        patterns: [
          { name: 'lo', wildcard: false },
          { name: 'veth', wildcard: true },
        ],
        negate: true,
      },
      {
        kind: 'addr',
        dir: 'src',
        family: 'ip6',
        addrs: [
          { kind: 'prefix', address: '2001:db8::', length: 32 },
          { kind: 'range', from: 'fd00::1', to: 'fd00::9' },
          { kind: 'prefix', address: '::1', length: 128 },
        ],
        negate: false,
      },
      {
        kind: 'port',
        dir: 'dst',
        protocol: 'tcp',
        ports: [
          { from: 22, to: 22 },
          { from: 8000, to: 8100 },
        ],
        negate: false,
      },
      { kind: 'port', dir: 'src', protocol: 'udp', ports: [{ from: 0, to: 1023 }], negate: false },
    ]);
  });

  it('ct state/status, meta l4proto, ip protocol, nfproto, pkttype, masked mark', () => {
    const rules = rulesOf([
      [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }],
      [{ match: { op: 'in', left: { ct: { key: 'status' } }, right: 'dnat' } }],
      [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: { set: ['tcp', 'icmpv6'] } } }],
      [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'protocol' } }, right: 'icmp' } }],
      [{ match: { op: '==', left: { meta: { key: 'pkttype' } }, right: 'host' } }],
      [{ match: { op: '==', left: { '&': [{ meta: { key: 'mark' } }, 16711680] }, right: 262144 } }],
    ]);
    expect(rules.map((r) => r.matches)).toEqual<Match[][]>([
      [{ kind: 'ctstate', states: ['ESTABLISHED', 'RELATED'], negate: false }],
      [{ kind: 'ctstatus', statuses: ['DNAT'], negate: false }],
      [{ kind: 'protocol', protocols: ['tcp', 'ipv6-icmp'], negate: false }],
      [
        { kind: 'nfproto', family: 'ip', negate: false },
        { kind: 'protocol', protocols: ['icmp'], negate: false },
      ],
      [{ kind: 'pkttype', types: ['host'], negate: false }],
      [{ kind: 'mark', on: 'packet', value: 0x40000, mask: 0xff0000, negate: false }],
    ]);
  });

  it('tcp flags: masked compare, whole-byte compare, single flag test', () => {
    const flags = { payload: { protocol: 'tcp', field: 'flags' } };
    const rules = rulesOf([
      [{ match: { op: '!=', left: { '&': [flags, { '|': ['fin', 'syn', 'rst', 'ack'] }] }, right: 'syn' } }],
      [{ match: { op: '==', left: flags, right: 'syn' } }],
      [{ match: { op: 'in', left: flags, right: 'syn' } }],
      [{ match: { op: 'in', left: flags, right: ['syn', 'ack'] } }],
    ]);
    expect(rules.map((r) => r.matches[0])).toEqual<Match[]>([
      { kind: 'tcpflags', mask: ['FIN', 'SYN', 'RST', 'ACK'], set: ['SYN'], negate: true },
      { kind: 'tcpflags', mask: ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECN', 'CWR'], set: ['SYN'], negate: false },
      { kind: 'tcpflags', mask: ['SYN'], set: ['SYN'], negate: false },
      // Several flags with `in`: any of them on.
      { kind: 'tcpflags', mask: ['SYN', 'ACK'], set: ['SYN', 'ACK'], negate: false, nonzero: true },
    ]);
  });

  it('fib: daddr type local is addrtype; saddr . mark . iif oif missing is a failed reverse-path check', () => {
    const rules = rulesOf([
      [{ match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } }],
      [{ match: { op: '==', left: { fib: { result: 'type', flags: ['daddr', 'iif'] } }, right: { set: ['local', 'broadcast'] } } }],
      [{ match: { op: '==', left: { fib: { result: 'oif', flags: ['saddr', 'mark', 'iif'] } }, right: false } }, { drop: null }],
    ]);
    expect(rules.map((r) => r.matches[0])).toEqual<Match[]>([
      { kind: 'addrtype', dir: 'dst', types: ['LOCAL'], negate: false },
      { kind: 'addrtype', dir: 'dst', types: ['LOCAL', 'BROADCAST'], negate: false, limitIfaceIn: true },
      { kind: 'rpfilter', invert: true, loose: false, validmark: true, acceptLocal: false },
    ]);
  });

  it('named sets are resolved; concatenations with anonymous sets become set matches', () => {
    const rules = rulesOf(
      [
        [tcpDport('@ports'), { drop: null }],
        [
          {
            match: {
              op: '==',
              left: { concat: [{ meta: { key: 'iifname' } }, { payload: { protocol: 'tcp', field: 'dport' } }] },
              right: { set: [{ concat: ['eth0', 22] }] },
            },
          },
        ],
      ],
      [{ set: { family: 'inet', table: 't', name: 'ports', type: 'inet_service', handle: 3, elem: [8080, { range: [9000, 9100] }] } }],
    );
    expect(rules[0]?.matches[0]).toEqual({
      kind: 'set',
      keys: ['tcp dport'],
      name: 'ports',
      elements: [[{ kind: 'exact', value: 8080 }], [{ kind: 'range', from: 9000, to: 9100 }]],
      dynamic: false,
      negate: false,
      setId: 'inet t ports',
    });
    expect(rules[1]?.matches[0]).toEqual({
      kind: 'set',
      keys: ['iifname', 'tcp dport'],
      elements: [
        [
          { kind: 'exact', value: 'eth0' },
          { kind: 'exact', value: 22 },
        ],
      ],
      dynamic: false,
      negate: false,
    });
  });

  it('a missing set is an error and the match is marked dynamic (unknowable)', () => {
    const { ruleset, errors } = parseNftJson(doc([[tcpDport('@nope'), { drop: null }]]));
    expect(errors[0]?.message).toMatch(/@nope not found/);
    expect(allRules(ruleset)[0]?.matches[0]).toMatchObject({ kind: 'set', dynamic: true, missing: true });
  });

  it('anything not understood is unsupported with its printed text, never dropped', () => {
    const rules = rulesOf([
      [{ match: { op: '==', left: { meta: { key: 'cpu' } }, right: 1 } }, { accept: null }],
      [{ synproxy: { mss: 1460 } }, { accept: null }],
      [{ xt: { type: 'match', name: 'conntrack' } }, { xt: { type: 'target', name: 'REJECT' } }],
      [{ mangle: { key: { meta: { key: 'mark' } }, value: 1 } }, tcpDport(22), { accept: null }],
    ]);
    expect(rules[0]?.matches[0]).toMatchObject({ kind: 'unsupported', text: 'meta cpu 1' });
    expect(rules[1]?.matches[0]).toMatchObject({ kind: 'unsupported', reason: 'statement "synproxy" is not modelled' });
    expect(rules[2]?.matches[0]).toMatchObject({ kind: 'unsupported', text: 'xt match conntrack' });
    expect(rules[2]?.verdict).toMatchObject({ kind: 'unsupported', text: 'xt target REJECT' });
    // The mark is set even when dport is not 22: the model cannot express that order.
    expect(rules[3]?.matches.map((m) => m.kind)).toEqual(['unsupported', 'port']);
  });
});

describe('parseNftJson: verdicts and effects', () => {
  it('jump, goto, return, reject with a type, dnat, redirect, masquerade, log', () => {
    const rules = rulesOf([
      [{ jump: { target: 'c' } }],
      [{ goto: { target: 'c' } }],
      [{ return: null }],
      [{ reject: { type: 'icmpx', expr: 'admin-prohibited' } }],
      [{ dnat: { family: 'ip', addr: '192.168.1.50', port: 80 } }],
      [{ redirect: { port: 22 } }],
      [{ masquerade: null }],
      [{ log: { prefix: 'x ' } }, { drop: null }],
    ]);
    expect(rules.map((r) => r.verdict)).toEqual([
      { kind: 'jump', target: 'c' },
      { kind: 'goto', target: 'c' },
      { kind: 'return' },
      { kind: 'reject', with: 'icmpx admin-prohibited' },
      { kind: 'dnat', addr: '192.168.1.50', port: 80 },
      { kind: 'redirect', port: 22 },
      { kind: 'masquerade' },
      { kind: 'drop' },
    ]);
    expect(rules[7]?.effects).toEqual([{ kind: 'log', prefix: 'x ' }]);
  });

  it('a dnat from maps keeps the lookups; one from an expression the model cannot read says the target is computed', () => {
    const dport = { payload: { protocol: 'tcp', field: 'dport' } };
    const [r] = rulesOf([
      [{ dnat: { addr: { map: { key: dport, data: { set: [[1000, '1.1.1.1']] } } }, port: { map: { key: dport, data: { set: [[1000, 1234]] } } } } }],
    ]);
    expect(r?.verdict).toEqual({
      kind: 'dnat',
      addrMap: { keys: ['tcp dport'], elements: [[{ kind: 'exact', value: 1000 }]], data: [[{ kind: 'exact', value: '1.1.1.1' }]], dynamic: false },
      portMap: { keys: ['tcp dport'], elements: [[{ kind: 'exact', value: 1000 }]], data: [[{ kind: 'exact', value: 1234 }]], dynamic: false },
    });
    const [h] = rulesOf([
      [{ dnat: { addr: { map: { key: { jhash: { expr: { payload: { protocol: 'ip', field: 'saddr' } }, mod: 2 } }, data: { set: [[0, '1.1.1.1']] } } } } }],
    ]);
    expect(h?.verdict).toMatchObject({ kind: 'dnat', computed: expect.stringContaining('map') });
  });

  it('inline and named verdict maps, numgen keys, mark arithmetic', () => {
    const rules = rulesOf(
      [
        [
          {
            vmap: {
              key: { meta: { key: 'iifname' } },
              data: {
                set: [
                  ['eth0', { jump: { target: 'c' } }],
                  ['wg*', { drop: null }],
                ],
              },
            },
          },
        ],
        [{ vmap: { key: { concat: [{ meta: { key: 'l4proto' } }, { payload: { protocol: 'th', field: 'dport' } }] }, data: '@m' } }],
        [
          {
            vmap: {
              key: { numgen: { mode: 'random', mod: 2, offset: 0 } },
              data: {
                set: [
                  [0, { goto: { target: 'c' } }],
                  [1, { goto: { target: 'c' } }],
                ],
              },
            },
          },
        ],
        [{ mangle: { key: { meta: { key: 'mark' } }, value: { '^': [{ meta: { key: 'mark' } }, 16384] } } }],
      ],
      [
        {
          map: {
            family: 'inet',
            table: 't',
            name: 'm',
            type: ['inet_proto', 'inet_service'],
            map: 'verdict',
            elem: [[{ elem: { val: { concat: ['tcp', 3001] }, comment: 'svc' } }, { drop: null }]],
          },
        },
      ],
    );
    expect(rules[0]?.verdict).toEqual({
      kind: 'vmap',
      keys: ['iifname'],
      elements: [
        { key: [{ kind: 'exact', value: 'eth0' }], verdict: { kind: 'jump', target: 'c' } },
        { key: [{ kind: 'wildcard', prefix: 'wg' }], verdict: { kind: 'drop' } },
      ],
      dynamic: false,
    });
    expect(rules[1]?.verdict).toEqual({
      kind: 'vmap',
      keys: ['meta l4proto', 'th dport'],
      map: 'm',
      elements: [
        {
          key: [
            { kind: 'exact', value: 'tcp' },
            { kind: 'exact', value: 3001 },
          ],
          verdict: { kind: 'drop' },
        },
      ],
      dynamic: false,
    });
    expect(rules[2]?.verdict).toMatchObject({ kind: 'vmap', keys: ['numgen'] });
    expect(rules[3]?.effects[0]).toMatchObject({ kind: 'mark', on: 'packet', mask: 0, xor: 0x4000 });
  });
});

describe('parseNftJson: tables written by iptables-nft', () => {
  const base = (name: string, hook: string, prio: number) => ({ chain: { family: 'ip', table: 'filter', name, type: 'filter', hook, prio, policy: 'accept' } });

  it('is managed when a rule has xt expressions', () => {
    const { ruleset } = parseNftJson({
      nftables: [
        { table: { family: 'ip', name: 'filter' } },
        { chain: { family: 'ip', table: 'filter', name: 'DOCKER' } },
        { rule: { family: 'ip', table: 'filter', chain: 'DOCKER', expr: [{ xt: { type: 'match', name: 'conntrack' } }, { accept: null }] } },
      ],
    });
    expect(ruleset.tables[0]).toMatchObject({ managedByIptables: true, managedReason: expect.stringMatching(/xt/) as unknown });
  });

  it('is managed when every base chain is an iptables built-in at its standard priority', () => {
    const { ruleset } = parseNftJson({ nftables: [{ table: { family: 'ip', name: 'filter' } }, base('INPUT', 'input', 0), base('FORWARD', 'forward', 0)] });
    expect(ruleset.tables[0]?.managedByIptables).toBe(true);
  });

  it('is native for hand-written tables, other names or families', () => {
    const native = (objs: unknown[]) => parseNftJson({ nftables: objs }).ruleset.tables[0]?.managedByIptables;
    expect(native([{ table: { family: 'ip', name: 'filter' } }, base('input', 'input', 0)])).toBe(false);
    expect(native([{ table: { family: 'ip', name: 'filter' } }, base('INPUT', 'input', 10)])).toBe(false);
    expect(
      native([
        { table: { family: 'inet', name: 'filter' } },
        { chain: { family: 'inet', table: 'filter', name: 'INPUT', type: 'filter', hook: 'input', prio: 0 } },
      ]),
    ).toBe(false);
  });
});

describe('parseNftJson: corpus rules decoded exactly', () => {
  it.skipIf(!corpusAvailable)(`Docker 29 nftables backend: vmap by oifname, fib daddr type local, DNAT (docker/moby-nftablesdoc)${skipNote}`, () => {
    const { ruleset } = parseNftJson(corpusJson('docker', 'moby-nftablesdoc', 'v29.7.2', 'usernet-portmap.nft.json'));
    const t = table(ruleset, 'docker-bridges', 'ip');
    expect(t.managedByIptables).toBe(false);
    const fwd = chain(t, 'filter-FORWARD');
    expect(fwd.base).toMatchObject({ hook: 'forward', type: 'filter', priority: 0 });
    const vmap = fwd.rules.find((r) => r.origin.text === 'oifname vmap @filter-forward-in-jumps');
    expect(vmap?.verdict).toEqual({
      kind: 'vmap',
      keys: ['oifname'],
      map: 'filter-forward-in-jumps',
      elements: [
        { key: [{ kind: 'exact', value: 'docker0' }], verdict: { kind: 'jump', target: 'filter-forward-in__docker0' } },
        { key: [{ kind: 'exact', value: 'bridge1' }], verdict: { kind: 'jump', target: 'filter-forward-in__bridge1' } },
      ],
      dynamic: false,
    });
    const local = allRules(ruleset).find((r) => r.origin.chain === 'nat-PREROUTING' && r.matches.some((m) => m.kind === 'addrtype'));
    expect(local?.matches).toContainEqual({ kind: 'addrtype', dir: 'dst', types: ['LOCAL'], negate: false });
    expect(local?.verdict).toEqual({ kind: 'jump', target: 'nat-prerouting-and-output' });
    const dnat = allRules(ruleset).find((r) => r.verdict.kind === 'dnat');
    expect(dnat?.verdict).toEqual({ kind: 'dnat', addr: '192.0.2.2', port: 80 });
    expect(dnat?.matches).toContainEqual({ kind: 'port', dir: 'dst', protocol: 'tcp', ports: [{ from: 8080, to: 8080 }], negate: false });
  });

  it.skipIf(!corpusAvailable)(`kube-proxy nftables mode: concatenated verdict map with element comments (kubernetes/)${skipNote}`, () => {
    const { ruleset } = parseNftJson(corpusJson('kubernetes', 'kube-proxy-nft.nft.json'));
    const r = allRules(ruleset).find((x) => x.verdict.kind === 'vmap' && x.verdict.map === 'no-endpoint-services');
    expect(r?.verdict).toMatchObject({ kind: 'vmap', keys: ['ip daddr', 'meta l4proto', 'th dport'] });
    expect(r?.verdict.kind === 'vmap' ? r.verdict.elements : []).toContainEqual({
      key: [
        { kind: 'exact', value: '172.30.0.46' },
        { kind: 'exact', value: 'tcp' },
        { kind: 'exact', value: 80 },
      ],
      verdict: { kind: 'goto', target: 'reject-chain' },
    });
    const affinity = allRules(ruleset).find((x) => x.matches.some((m) => m.kind === 'dynset'));
    expect(affinity?.matches.find((m) => m.kind === 'dynset')).toMatchObject({
      kind: 'dynset',
      op: 'update',
      set: 'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
      keys: ['ip saddr'],
    });
    const sticky = allRules(ruleset).find((x) => x.matches.some((m) => m.kind === 'set' && m.name?.startsWith('affinity')));
    expect(sticky?.matches[0]).toMatchObject({ kind: 'set', dynamic: true });
  });

  it.skipIf(!corpusAvailable)(`firewalld nftables: priorities filter+10, ipset source, ct status dnat, rpfilter (firewalld/)${skipNote}`, () => {
    const { ruleset } = parseNftJson(corpusJson('firewalld', 'fw-rich-nftables.nft.json'));
    const t = table(ruleset, 'firewalld', 'inet');
    expect(chain(t, 'filter_INPUT').base).toMatchObject({ hook: 'input', priority: 10, policy: 'accept' });
    const block = allRules(ruleset).find((r) => r.matches.some((m) => m.kind === 'set' && m.name === 'blocklist'));
    expect(block?.matches.find((m) => m.kind === 'set')).toMatchObject({
      keys: ['ip saddr'],
      elements: [[{ kind: 'prefix', address: '192.0.2.0', length: 24 }], [{ kind: 'prefix', address: '198.18.0.0', length: 15 }]],
    });
    expect(
      chain(t, 'filter_INPUT').rules.some((r) => r.matches.some((m) => m.kind === 'ctstatus' && m.statuses.includes('DNAT')) && r.verdict.kind === 'accept'),
    ).toBe(true);
    expect(allRules(ruleset).some((r) => r.matches.some((m) => m.kind === 'rpfilter' && m.invert) && r.verdict.kind === 'drop')).toBe(true);
    expect(chain(t, 'filter_INPUT').rules.at(-1)?.verdict).toEqual({ kind: 'reject', with: 'icmpx admin-prohibited' });
  });

  it.skipIf(!corpusAvailable)(`iptables-nft tables are flagged, native ones are not (ufw/ufw-basic, firewalld-docker)${skipNote}`, () => {
    const ufw = parseNftJson(corpusJson('ufw', 'ufw-basic.nft.json')).ruleset;
    expect(ufw.tables.map((t) => [t.family, t.name, t.managedByIptables])).toEqual([
      ['ip', 'filter', true],
      ['ip6', 'filter', true],
    ]);
    const mixed = parseNftJson(corpusJson('firewalld-docker', 'fw-nftables-docker20.nft.json')).ruleset;
    expect(
      mixed.tables
        .filter((t) => t.managedByIptables)
        .map((t) => `${t.family} ${t.name}`)
        .sort(),
    ).toEqual(expect.arrayContaining(['ip filter', 'ip nat']));
    expect(table(mixed, 'firewalld', 'inet').managedByIptables).toBe(false);
    expect(parseNftJson(corpusJson('ufw', 'ufw-basic-legacy.nft.json')).ruleset.tables).toEqual([]);
  });
});
