import { describe, expect, it } from 'vitest';
import { prepare, simulate } from '../../../../src/netfilter/simulate/index.js';
import { ipt, labHost, merge, nft, nftDoc, tcp, x } from './helpers.js';

/** Chains, hooks and verdicts: the order the kernel runs things in and what ends what. */

const W = (port: number, daddr = '198.51.100.10') => tcp('eth0', '203.0.113.9', daddr, port);

describe('chain walk', () => {
  it('a DROP policy with no rule drops, and the step names the policy', () => {
    const r = simulate(ipt('*filter\n:INPUT DROP [0:0]\nCOMMIT\n'), labHost(), W(22));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'policy', rejected: false });
    expect(r.steps.at(-1)).toMatchObject({ hook: 'input', table: 'ip filter', chain: 'INPUT', text: 'policy DROP', action: 'policy-drop' });
  });

  it('an empty ruleset delivers locally', () => {
    const r = simulate(ipt(''), labHost(), W(22));
    expect(r).toMatchObject({ disposition: 'local', daddr: '198.51.100.10', dport: 22, unknownReasons: [] });
    expect(r.steps.map((s) => s.text)).toContain('route: local delivery to 198.51.100.10 (address of eth0)');
  });

  it('records the matched rule with its table, chain, index, line and text', () => {
    const text = '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';
    const r = simulate(ipt(text), labHost(), W(22));
    expect(r.disposition).toBe('local');
    expect(r.steps).toContainEqual({
      hook: 'input',
      table: 'ip filter',
      chain: 'INPUT',
      rule: 2,
      line: 4,
      text: '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
      action: 'accept',
    });
  });

  it('goto returns to the chain that jumped, jump returns to the caller', () => {
    const rules = (how: '-g' | '-j') =>
      ipt(`*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A INPUT -j ACCEPT\n-A A ${how} B\n-A A -j DROP\n-A B -j RETURN\nCOMMIT\n`);
    // -g: B's RETURN resumes INPUT after `-j A` → ACCEPT. -j: it resumes A after `-j B` → DROP.
    expect(simulate(rules('-g'), labHost(), W(22))).toMatchObject({ disposition: 'local' });
    expect(simulate(rules('-j'), labHost(), W(22))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
  });

  it('RETURN in a base chain and the end of a user chain reached by goto apply the policy', () => {
    const r1 = simulate(ipt('*filter\n:INPUT DROP [0:0]\n-A INPUT -j RETURN\n-A INPUT -j ACCEPT\nCOMMIT\n'), labHost(), W(22));
    expect(r1).toMatchObject({ disposition: 'dropped', reason: 'policy' });
    const r2 = simulate(ipt('*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n-A INPUT -g A\n-A INPUT -j ACCEPT\nCOMMIT\n'), labHost(), W(22));
    expect(r2).toMatchObject({ disposition: 'dropped', reason: 'policy' });
  });

  it('a rule without a target, LOG and comment rules only count', () => {
    const text =
      '*filter\n:INPUT DROP [0:0]\n-A INPUT -m comment --comment "just counts"\n-A INPUT -j LOG --log-prefix "x "\n-A INPUT -p tcp -j ACCEPT\nCOMMIT\n';
    const r = simulate(ipt(text), labHost(), W(22));
    expect(r.disposition).toBe('local');
    expect(r.steps.filter((s) => s.chain === 'INPUT').map((s) => s.action)).toEqual(['continue', 'log', 'accept']);
  });

  it('REJECT is reported with its type', () => {
    const r = simulate(ipt('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset\nCOMMIT\n'), labHost(), W(25));
    expect(r).toMatchObject({ disposition: 'dropped', rejected: true, rejectWith: 'tcp-reset', reason: 'rule' });
  });

  it('a jump to a missing chain makes the result unknown, naming the rule', () => {
    const ruleset = nft(nftDoc({ family: 'inet', name: 't', chains: [{ name: 'input', base: { hook: 'input', prio: 0 }, rules: [[x.jump('nowhere')]] }] }));
    const r = simulate(ruleset, labHost(), W(22));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons[0]).toMatch(/inet t input rule 1.*nowhere/);
  });
});

describe('several base chains on one hook', () => {
  const twoChains = (later: unknown[][], laterPolicy: 'accept' | 'drop' = 'accept') =>
    nft(
      nftDoc(
        {
          family: 'inet',
          name: 'filter',
          chains: [{ name: 'input', base: { hook: 'input', prio: 0, policy: 'drop' }, rules: [[x.tcpDport(x.set(22, 8080)), x.accept]] }],
        },
        { family: 'inet', name: 'blocks', chains: [{ name: 'input', base: { hook: 'input', prio: 10, policy: laterPolicy }, rules: later }] },
      ),
    );

  it('accept in one chain does not stop a drop in a later one', () => {
    const r = simulate(twoChains([[x.tcpDport(8080), x.drop]]), labHost(), W(8080));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(r.steps.filter((s) => s.hook === 'input').map((s) => `${s.table}/${s.chain} ${s.action}`)).toEqual([
      'inet filter/input accept',
      'inet blocks/input drop',
    ]);
    expect(simulate(twoChains([[x.tcpDport(8080), x.drop]]), labHost(), W(22))).toMatchObject({ disposition: 'local' });
  });

  it('runs chains by priority whatever the table order, and an early accept does not skip later chains', () => {
    const ruleset = nft(
      nftDoc(
        { family: 'inet', name: 'late', chains: [{ name: 'input', base: { hook: 'input', prio: 0, policy: 'drop' }, rules: [[x.tcpDport(22), x.accept]] }] },
        { family: 'inet', name: 'early', chains: [{ name: 'input', base: { hook: 'input', prio: -5 }, rules: [[x.iifname('tailscale0'), x.accept]] }] },
      ),
    );
    const r = simulate(ruleset, labHost(), tcp('tailscale0', '100.64.0.5', '100.101.102.103', 5000));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'policy' });
    expect(r.steps.filter((s) => s.hook === 'input').map((s) => s.table)).toEqual(['inet early', 'inet late']);
  });

  it('iptables-legacy and iptables-nft tables of one name both run; either drop wins, and the explanation tells them apart', () => {
    const legacy = ipt(
      '# Generated by iptables-save v1.8.9 on x\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 8080 -j DROP\nCOMMIT\n',
      'ip',
      'legacy.txt',
    );
    const nftBackend = ipt(
      '# Generated by iptables-save v1.8.9 (nf_tables) on x\n*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m multiport --dports 22,8080 -j ACCEPT\nCOMMIT\n',
      'ip',
      'nft.txt',
    );
    const sim = prepare(merge(legacy, nftBackend), labHost());
    const r = sim.simulate(W(8080));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(r.steps.map((s) => s.table).filter(Boolean)).toContain('ip filter (iptables-legacy)');
    expect(sim.simulate(W(22)).disposition).toBe('local');
  });
});

describe('equal priorities: the chain registered last runs first (nf_hook_entries_grow)', () => {
  const natTable = (name: string, addr: string) => ({
    family: 'ip' as const,
    name,
    chains: [{ name: 'pre', base: { type: 'nat' as const, hook: 'prerouting', prio: -100 }, rules: [[x.tcpDport(8080), x.dnat(addr, 80)]] }],
  });

  it('of two nft tables with nat chains at one priority, the later-created one binds first', () => {
    const r = simulate(nft(nftDoc(natTable('first', '172.17.0.2'), natTable('second', '172.17.0.3'))), labHost(), W(8080));
    expect(r).toMatchObject({ disposition: 'forward', daddr: '172.17.0.3' });
    expect(r.steps).toContainEqual(expect.objectContaining({ table: 'ip first', action: 'skip' }));
  });

  it('an iptables-nft table takes its place from its nft twin in the listing', () => {
    const ipNft = ipt(
      '# Generated by iptables-save v1.8.9 (nf_tables) on x\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n',
      'ip',
      'nft.txt',
    );
    const twin = {
      family: 'ip' as const,
      name: 'nat',
      chains: [{ name: 'PREROUTING', base: { type: 'nat' as const, hook: 'prerouting', prio: -100 }, rules: [[{ xt: { type: 'target', name: 'DNAT' } }]] }],
    };
    // The iptables-nft table was created after the native one: it binds first.
    const after = merge(ipNft, nft(nftDoc(natTable('native', '172.17.0.3'), twin)));
    expect(simulate(after, labHost(), W(8080))).toMatchObject({ disposition: 'forward', daddr: '172.17.0.2' });
    const before = merge(ipNft, nft(nftDoc(twin, natTable('native', '172.17.0.3'))));
    expect(simulate(before, labHost(), W(8080))).toMatchObject({ disposition: 'forward', daddr: '172.17.0.3' });
  });

  it('an iptables-legacy chain has no known registration time: unknown when the order matters, decided when it does not', () => {
    const legacy = ipt(
      '# Generated by iptables-save v1.8.9 on x\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n',
      'ip',
      'legacy.txt',
    );
    const sim = prepare(merge(legacy, nft(nftDoc(natTable('native', '172.17.0.3')))), labHost());
    const r = sim.simulate(W(8080));
    expect(r.disposition).toBe('unknown');
    expect(r.unknownReasons.join(' ')).toMatch(/depends on when each registered/);
    expect(sim.simulate(W(22)).disposition).toBe('local');
  });

  it('an empty iptables-legacy chain with an accept policy changes nothing wherever it runs: no ambiguity', () => {
    const empty = ipt('# Generated by iptables-save v1.8.9 on x\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\nCOMMIT\n', 'ip', 'legacy.txt');
    const r = simulate(merge(empty, nft(nftDoc(natTable('native', '172.17.0.3')))), labHost(), W(8080));
    expect(r).toMatchObject({ disposition: 'forward', daddr: '172.17.0.3' });
    expect(r.steps.map((s) => s.text).join('\n')).not.toMatch(/registered/);
  });
});

describe('NAT', () => {
  const docker = (extraFilter = '', sysctl: Record<string, string> = {}) =>
    prepare(
      ipt(
        '*nat\n:PREROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n' +
          '-A DOCKER -i docker0 -j RETURN\n-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n' +
          '-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp -m tcp --dport 5432 -j DNAT --to-destination 172.17.0.3:5432\nCOMMIT\n' +
          `*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:DOCKER - [0:0]\n${extraFilter}-A FORWARD -o docker0 -j DOCKER\n` +
          '-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT\n' +
          '-A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 5432 -j ACCEPT\nCOMMIT\n',
      ),
      labHost(sysctl),
    );

  it('DNAT in PREROUTING sends a published port through FORWARD (INPUT is never consulted)', () => {
    const r = docker().simulate(W(8080));
    expect(r).toMatchObject({ disposition: 'forward', daddr: '172.17.0.2', dport: 80, oif: 'docker0' });
    const texts = r.steps.map((s) => s.text);
    expect(texts).toContain('DNAT 198.51.100.10:8080 → 172.17.0.2:80');
    expect(texts).toContain('route: forward via docker0 (route 172.17.0.0/16 dev docker0)');
    expect(r.steps.some((s) => s.hook === 'input')).toBe(false);
  });

  it('weak host: the published port answers on every local address, the tailnet one too', () => {
    expect(docker().simulate(tcp('eth1', '192.168.1.50', '100.101.102.103', 8080))).toMatchObject({ disposition: 'forward', daddr: '172.17.0.2' });
  });

  it('FORWARD rules see the translated destination; conntrack still knows the original one', () => {
    const user = '-A FORWARD -m conntrack --ctstate DNAT --ctorigdst 198.51.100.10 --ctorigdstport 8080 -j DROP\n';
    expect(docker(user).simulate(W(8080))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(docker(user).simulate(tcp('eth1', '192.168.1.50', '192.168.1.10', 8080))).toMatchObject({ disposition: 'forward' });
  });

  it('forwarding disabled drops the DNATed packet', () => {
    const r = docker('', { 'net.ipv4.ip_forward': '0' }).simulate(W(8080));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'forwarding-off' });
  });

  it('dnat to <key> map { … } : <key> map { … } looks both up; a key without an element ends the rule unmatched', () => {
    const dport = x.payload('tcp', 'dport');
    const ruleset = nft(
      nftDoc({
        family: 'ip',
        name: 'nat',
        chains: [
          {
            name: 'pre',
            base: { type: 'nat', hook: 'prerouting', prio: 0 },
            rules: [
              [
                {
                  dnat: {
                    addr: {
                      map: {
                        key: dport,
                        data: {
                          set: [
                            [1000, '172.17.0.2'],
                            [3000, '172.17.0.3'],
                          ],
                        },
                      },
                    },
                    port: {
                      map: {
                        key: dport,
                        data: {
                          set: [
                            [1000, 80],
                            [3000, 5432],
                          ],
                        },
                      },
                    },
                  },
                },
              ],
              [x.tcpDport(4000), x.dnat('172.20.0.2', 3000)],
            ],
          },
        ],
      }),
    );
    expect(simulate(ruleset, labHost(), W(1000))).toMatchObject({ disposition: 'forward', daddr: '172.17.0.2', dport: 80 });
    expect(simulate(ruleset, labHost(), W(3000))).toMatchObject({ disposition: 'forward', daddr: '172.17.0.3', dport: 5432 });
    // No element for 4000: the map rule does not match, the next one does.
    expect(simulate(ruleset, labHost(), W(4000))).toMatchObject({ disposition: 'forward', daddr: '172.20.0.2', dport: 3000 });
    expect(simulate(ruleset, labHost(), W(22))).toMatchObject({ disposition: 'local', daddr: '198.51.100.10', dport: 22 });
  });

  it('only the first NAT binding applies: later nat chains on the hook are skipped', () => {
    const ruleset = nft(
      nftDoc(
        {
          family: 'ip',
          name: 'a',
          chains: [{ name: 'pre', base: { type: 'nat', hook: 'prerouting', prio: -100 }, rules: [[x.tcpDport(8080), x.dnat('172.17.0.2', 80)]] }],
        },
        {
          family: 'ip',
          name: 'b',
          chains: [{ name: 'pre', base: { type: 'nat', hook: 'prerouting', prio: -90 }, rules: [[x.tcpDport(8080), x.dnat('172.17.0.9', 9)]] }],
        },
      ),
    );
    const r = simulate(ruleset, labHost(), W(8080));
    expect(r).toMatchObject({ disposition: 'forward', daddr: '172.17.0.2', dport: 80 });
    expect(r.steps).toContainEqual(expect.objectContaining({ table: 'ip b', chain: 'pre', action: 'skip' }));
  });

  it('nat chains run at the nat hook priority, not their own: a filter chain at -95 sees the translated packet', () => {
    const ruleset = nft(
      nftDoc(
        {
          family: 'ip',
          name: 'n',
          chains: [{ name: 'pre', base: { type: 'nat', hook: 'prerouting', prio: -50 }, rules: [[x.tcpDport(8080), x.dnat('172.17.0.2', 80)]] }],
        },
        { family: 'ip', name: 'f', chains: [{ name: 'pre', base: { hook: 'prerouting', prio: -95 }, rules: [[x.tcpDport(80), x.drop]] }] },
      ),
    );
    expect(simulate(ruleset, labHost(), W(8080))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
  });

  it('REDIRECT goes to the primary address of the input interface, with the new port', () => {
    const ruleset = ipt('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i eth1 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 3128\nCOMMIT\n');
    expect(simulate(ruleset, labHost(), tcp('eth1', '192.168.1.50', '198.51.100.10', 80))).toMatchObject({
      disposition: 'local',
      daddr: '192.168.1.10',
      dport: 3128,
    });
    expect(simulate(ruleset, labHost(), W(80))).toMatchObject({ disposition: 'local', daddr: '198.51.100.10', dport: 80 });
  });

  it('SNAT and MASQUERADE are recorded and do not drop', () => {
    const ruleset = ipt(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n-A POSTROUTING -o docker0 -j MASQUERADE\nCOMMIT\n',
    );
    const r = simulate(ruleset, labHost(), W(8080));
    expect(r.disposition).toBe('forward');
    expect(r.steps).toContainEqual(expect.objectContaining({ hook: 'postrouting', action: 'masquerade' }));
  });

  it('NOTRACK in raw leaves the packet untracked: no NAT, ctstate UNTRACKED', () => {
    const ruleset = ipt(
      '*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j CT --notrack\nCOMMIT\n' +
        '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n' +
        '*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT\nCOMMIT\n',
    );
    expect(simulate(ruleset, labHost(), W(8080))).toMatchObject({ disposition: 'local', daddr: '198.51.100.10', dport: 8080 });
  });

  it('raw runs before conntrack: a ctstate NEW match there does not match', () => {
    const ruleset = ipt(
      '*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m conntrack --ctstate NEW -j DROP\n-A PREROUTING -m conntrack --ctstate INVALID -j ACCEPT\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n',
    );
    expect(simulate(ruleset, labHost(), W(22))).toMatchObject({ disposition: 'local' });
  });
});

describe('verdict maps and sets', () => {
  const vmapRuleset = (data: unknown, sets: NonNullable<Parameters<typeof nftDoc>[0]['sets']> = []) =>
    nft(
      nftDoc({
        family: 'inet',
        name: 'fw',
        sets,
        chains: [
          { name: 'input', base: { hook: 'input', prio: 0, policy: 'drop' }, rules: [[x.vmap(x.meta('iifname'), data)]] },
          { name: 'wan', rules: [[x.tcpDport(22), x.accept]] },
        ],
      }),
    );

  it('an inline vmap executes the element verdict; no element goes on', () => {
    const ruleset = vmapRuleset(x.set(['eth0', x.jump('wan')], ['tailscale0', x.accept]));
    const sim = prepare(ruleset, labHost());
    expect(sim.simulate(W(22)).disposition).toBe('local');
    expect(sim.simulate(W(80))).toMatchObject({ disposition: 'dropped', reason: 'policy' });
    expect(sim.simulate(tcp('tailscale0', '100.64.0.5', '100.101.102.103', 80)).disposition).toBe('local');
    expect(sim.simulate(tcp('eth1', '192.168.1.50', '192.168.1.10', 22))).toMatchObject({ disposition: 'dropped', reason: 'policy' });
  });

  it('a named verdict map is resolved from its elements; a dynamic one holds what is listed (a fresh client added nothing), said in the path', () => {
    const map = (flags: string[], elem: unknown[]) => [{ kind: 'map' as const, name: 'm', type: 'ifname', map: 'verdict', flags, elem }];
    const named = vmapRuleset('@m', map([], [['eth0', x.jump('wan')]]));
    expect(simulate(named, labHost(), W(22)).disposition).toBe('local');
    const dynamic = vmapRuleset('@m', map(['dynamic'], []));
    const r = simulate(dynamic, labHost(), W(22));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'policy' });
    expect(r.steps.map((s) => s.text).join('\n')).toMatch(/@m is filled at run time: its listed elements are taken/);
    const listed = vmapRuleset('@m', map(['dynamic'], [['eth0', x.jump('wan')]]));
    expect(simulate(listed, labHost(), W(22)).disposition).toBe('local');
  });

  it('named sets with prefixes and intervals', () => {
    const elem = Array.from({ length: 40 }, (_, i) => ({ prefix: { addr: `198.18.${i}.0`, len: 24 } }));
    const ruleset = nft(
      nftDoc({
        family: 'inet',
        name: 'fw',
        sets: [{ kind: 'set', name: 'block', type: 'ipv4_addr', flags: ['interval'], elem }],
        chains: [{ name: 'input', base: { hook: 'input', prio: 0 }, rules: [[x.ipSaddr('@block'), x.drop]] }],
      }),
    );
    const sim = prepare(ruleset, labHost());
    expect(sim.simulate(tcp('eth0', '198.18.39.7', '198.51.100.10', 22)).disposition).toBe('dropped');
    expect(sim.simulate(tcp('eth0', '198.18.40.7', '198.51.100.10', 22)).disposition).toBe('local');
    expect(sim.simulate(tcp('eth0', '2001:db8::1', '2001:db8:100::10', 22)).disposition).toBe('local');
  });
});
