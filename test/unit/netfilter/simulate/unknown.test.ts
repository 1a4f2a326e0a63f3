import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/netfilter/simulate/index.js';
import { ipt, labHost, nft, nftDoc, tcp, x } from './helpers.js';

/** `unknown` only when an undecidable rule could change the outcome, and always naming the rule. */

const W = (port: number) => tcp('eth0', '203.0.113.9', '198.51.100.10', port);
const filter = (rules: string, policy = 'DROP') => ipt(`*filter\n:INPUT ${policy} [0:0]\n${rules}COMMIT\n`);

describe('undecidable rules', () => {
  it('an unsupported match that decides the packet makes it unknown, naming the rule and line', () => {
    const r = simulate(filter('-A INPUT -p tcp -m tcp --dport 22 -m foo --bar x -j ACCEPT\n'), labHost(), W(22));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons).toHaveLength(1);
    expect(r.unknownReasons[0]).toMatch(
      /^ip filter INPUT rule 1 \(line 3\): unsupported match -m foo --bar x .*-A INPUT -p tcp -m tcp --dport 22 -m foo --bar x -j ACCEPT$/,
    );
  });

  it('one whose other matches fail does not matter', () => {
    const r = simulate(filter('-A INPUT -p tcp -m tcp --dport 22 -m foo --bar x -j ACCEPT\n'), labHost(), W(80));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'policy', unknownReasons: [] });
    expect(r.steps.some((s) => /undecidable/.test(s.text))).toBe(false);
  });

  it('one whose both answers lead to the same result does not matter, and the explanation says so', () => {
    const r = simulate(filter('-A INPUT -m foo --bar x -j LOG\n-A INPUT -m foo --bar y -j ACCEPT\n-A INPUT -j ACCEPT\n'), labHost(), W(22));
    expect(r).toMatchObject({ disposition: 'local', unknownReasons: [] });
    expect(r.steps.at(-1)?.text).toMatch(/^undecidable but irrelevant .*rule 1.*rule 2/);
  });

  it('statistic: endpoints on different addresses are unknown, a choice between equal outcomes is not', () => {
    const nat = (second: string) =>
      ipt(
        '*nat\n:PREROUTING ACCEPT [0:0]\n' +
          '-A PREROUTING -p tcp -m tcp --dport 80 -m statistic --mode random --probability 0.5 -j DNAT --to-destination 172.17.0.2:80\n' +
          `-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination ${second}\nCOMMIT\n`,
      );
    const differ = simulate(nat('172.17.0.3:80'), labHost(), W(80));
    expect(differ.disposition).toBe('unknown');
    expect(differ.unknownReasons[0]).toMatch(/statistic .*--probability 0.5/);
    expect(simulate(nat('172.17.0.2:80'), labHost(), W(80))).toMatchObject({ disposition: 'forward', daddr: '172.17.0.2' });
  });

  it('NFQUEUE matters unless something later decides anyway', () => {
    expect(simulate(filter('-A INPUT -p tcp -j NFQUEUE --queue-num 1\n'), labHost(), W(22)).disposition).toBe('unknown');
    const later = ipt('*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j NFQUEUE --queue-num 1\nCOMMIT\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n');
    expect(simulate(later, labHost(), W(22))).toMatchObject({ disposition: 'dropped', unknownReasons: [] });
  });

  it('an unsupported target is tried as continue, accept and drop', () => {
    const ruleset = nft(
      nftDoc({
        family: 'inet',
        name: 't',
        chains: [{ name: 'input', base: { hook: 'input', prio: 0 }, rules: [[x.tcpDport(22), { xt: { type: 'target', name: 'FOO' } }]] }],
      }),
    );
    const r = simulate(ruleset, labHost(), W(22));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons[0]).toMatch(/inet t input rule 1: unsupported target/);
    expect(simulate(ruleset, labHost(), W(80)).disposition).toBe('local');
  });

  it('an unmodelled mark change makes later mark matches undecidable', () => {
    const ruleset = ipt(
      '*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j CONNMARK --restore-mark\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n-A INPUT -m mark --mark 0x1 -j ACCEPT\nCOMMIT\n',
    );
    const r = simulate(ruleset, labHost(), W(22));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons[0]).toMatch(/mark/);
  });

  it('a computed DNAT target is unknown', () => {
    const ruleset = nft(
      nftDoc({
        family: 'ip',
        name: 'n',
        chains: [
          {
            name: 'pre',
            base: { type: 'nat', hook: 'prerouting', prio: -100 },
            rules: [[{ dnat: { addr: { map: { key: { jhash: { expr: x.payload('ip', 'saddr'), mod: 2 } }, data: { set: [[0, '172.17.0.2']] } } } } }]],
          },
        ],
      }),
    );
    const r = simulate(ruleset, labHost(), W(80));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons[0]).toMatch(/computed at run time/);
  });

  it('too many undecidable points that all matter give up, saying so', () => {
    const rules = Array.from(
      { length: 8 },
      (_, i) =>
        `-A INPUT -p tcp -m tcp --dport 22 -m statistic --mode nth --every ${i + 2} -j MARK --set-xmark 0x${(1 << i).toString(16)}/0x${(1 << i).toString(16)}\n`,
    ).join('');
    const r = simulate(filter(`${rules}-A INPUT -m mark --mark 0xff -j ACCEPT\n`), labHost(), W(22));
    // Only the last of the 256 combinations accepts; the walk gives up before it.
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons[0]).toBe('more than 64 combinations of undecidable rules');
  });

  it('a bad packet is unknown, not an exception', () => {
    expect(simulate(ipt(''), labHost(), { ...W(22), saddr: 'nonsense' })).toMatchObject({
      disposition: 'unknown',
      unknownReasons: ['not an IP address: nonsense'],
    });
    expect(simulate(ipt(''), labHost(), { ...W(22), family: 'ip6' }).disposition).toBe('unknown');
  });
});
