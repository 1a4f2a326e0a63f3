import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../../src/netfilter/iptables-save/parse.js';
import { parseNftJson } from '../../../src/netfilter/nft-json/parse.js';
import { emptyRuleset, mergeRulesets } from '../../../src/netfilter/ruleset.js';
import { deniesOnPath, filtersInbound, firstDenyOnPath, hasDenyOnPath, inputChains, reachableChains } from '../../../src/netfilter/summary.js';
import { CORPUS_SKIP_REASON, corpusAvailable, corpusFile } from '../../support/corpus.js';
import { chain, familyOfFile, IPTABLES_FILES, NFT_JSON_FILES, table } from './helpers.js';

const skipNote = corpusAvailable ? '' : ` (${CORPUS_SKIP_REASON})`;

describe('summary: synthetic rulesets', () => {
  it('an empty ruleset has no input chain and filters nothing', () => {
    const r = emptyRuleset();
    expect(inputChains(r, 'ip')).toEqual([]);
    expect(filtersInbound(r, 'ip')).toBe(false);
    expect(filtersInbound(r, 'ip6')).toBe(false);
  });

  it('an all-ACCEPT ruleset has input chains but no deny on their path', () => {
    const { ruleset } = parseIptablesSave(
      '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:X - [0:0]\n-A INPUT -j X\n-A X -p tcp -j ACCEPT\n-A X -j LOG\nCOMMIT\n',
      { family: 'ip' },
    );
    const [input] = inputChains(ruleset, 'ip');
    expect(input).toMatchObject({ policy: 'accept', priority: 0 });
    expect(input && reachableChains(ruleset, input.chain).map((c) => c.name)).toEqual(['INPUT', 'X']);
    expect(input && hasDenyOnPath(ruleset, input.chain)).toBe(false);
    // The FORWARD DROP policy is not on the input path.
    expect(filtersInbound(ruleset, 'ip')).toBe(false);
    expect(inputChains(ruleset, 'ip6')).toEqual([]);
  });

  it('a reject two jumps deep counts; a chain reachable only from elsewhere does not', () => {
    const { ruleset } = parseIptablesSave(
      '*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n:C - [0:0]\n-A INPUT -j A\n-A A -g B\n-A B -p tcp -j REJECT\n-A C -j DROP\nCOMMIT\n',
      { family: 'ip' },
    );
    const input = chain(table(ruleset, 'filter'), 'INPUT');
    expect(reachableChains(ruleset, input).map((c) => c.name)).toEqual(['INPUT', 'A', 'B']);
    const d = deniesOnPath(ruleset, input);
    expect(d.rules.map((r) => r.origin.text)).toEqual(['-A B -p tcp -j REJECT']);
    expect(hasDenyOnPath(ruleset, chain(table(ruleset, 'filter'), 'C'))).toBe(true);
  });

  it('follows verdict-map targets and sees a drop inside a vmap', () => {
    const { ruleset } = parseNftJson({
      nftables: [
        { table: { family: 'inet', name: 't' } },
        { chain: { family: 'inet', table: 't', name: 'in', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
        { chain: { family: 'inet', table: 't', name: 'wan' } },
        {
          rule: {
            family: 'inet',
            table: 't',
            chain: 'in',
            expr: [{ vmap: { key: { meta: { key: 'iifname' } }, data: { set: [['eth0', { jump: { target: 'wan' } }]] } } }],
          },
        },
        { rule: { family: 'inet', table: 't', chain: 'wan', expr: [{ accept: null }] } },
      ],
    });
    const input = chain(table(ruleset, 't'), 'in');
    expect(reachableChains(ruleset, input).map((c) => c.name)).toEqual(['in', 'wan']);
    expect(hasDenyOnPath(ruleset, input)).toBe(false);
    expect(inputChains(ruleset, 'ip6').map((c) => c.chain.name)).toEqual(['in']);
  });

  it('reports verdicts it cannot read separately', () => {
    const { ruleset } = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NFQUEUE --queue-num 0\nCOMMIT\n', { family: 'ip' });
    const input = chain(table(ruleset, 'filter'), 'INPUT');
    expect(deniesOnPath(ruleset, input).unknown).toHaveLength(1);
    expect(hasDenyOnPath(ruleset, input)).toBe(false);
  });
});

describe('summary: corpus', () => {
  it.skipIf(!corpusAvailable)(`ufw-basic denies on the input path, both families (ufw/)${skipNote}`, () => {
    for (const [file, family] of [
      ['ufw-basic.iptables-save.txt', 'ip'],
      ['ufw-basic.ip6tables-save.txt', 'ip6'],
    ] as const) {
      const { ruleset } = parseIptablesSave(corpusFile('ufw', file), { family });
      const chains = inputChains(ruleset, family);
      expect(chains.map((c) => [c.table.name, c.chain.name, c.policy])).toEqual([['filter', 'INPUT', 'drop']]);
      expect(hasDenyOnPath(ruleset, chains[0]!.chain)).toBe(true);
      expect(reachableChains(ruleset, chains[0]!.chain).map((c) => c.name)).toContain(family === 'ip' ? 'ufw-user-input' : 'ufw6-user-input');
      expect(filtersInbound(ruleset, family)).toBe(true);
    }
  });

  it.skipIf(!corpusAvailable)(`Docker alone filters nothing inbound: INPUT ACCEPT, drops only on FORWARD (docker/real-docker20)${skipNote}`, () => {
    const { ruleset } = parseIptablesSave(corpusFile('docker', 'real-docker20', 'docker20-proxy.1-containers.iptables-save.txt'), { family: 'ip' });
    expect(inputChains(ruleset, 'ip').map((c) => c.policy)).toEqual(['accept']);
    expect(filtersInbound(ruleset, 'ip')).toBe(false);
  });

  it.skipIf(!corpusAvailable)(`several nft base chains on input run in priority order (nftables/generated/multi-table-same-hook)${skipNote}`, () => {
    const { ruleset } = parseNftJson(JSON.parse(corpusFile('nftables', 'generated', 'multi-table-same-hook.nft.json')) as unknown);
    const chains = inputChains(ruleset, 'ip');
    expect(chains.map((c) => [c.table.name, c.chain.name, c.priority, c.policy])).toEqual([
      ['site-blocks', 'early', -5, 'accept'],
      ['filter', 'input', 0, 'drop'],
      ['site-blocks', 'input', 10, 'accept'],
    ]);
    expect(chains.map((c) => hasDenyOnPath(ruleset, c.chain))).toEqual([false, true, true]);
  });

  it.skipIf(!corpusAvailable)(
    `legacy + iptables-nft + native nft on one host: merged, nft copies of iptables-nft tables dropped (mixed-backends/)${skipNote}`,
    () => {
      const nftSave = parseIptablesSave(corpusFile('mixed-backends', 'legacy-and-nft.iptables-nft-save.txt'), { family: 'ip', file: 'iptables-nft-save' });
      const legacy = parseIptablesSave(corpusFile('mixed-backends', 'legacy-and-nft.iptables-legacy-save.txt'), { family: 'ip', file: 'iptables-legacy-save' });
      const nft = parseNftJson(JSON.parse(corpusFile('mixed-backends', 'legacy-and-nft.nft.json')) as unknown, { file: 'nft' });
      expect(nft.ruleset.tables.find((t) => t.name === 'filter')?.managedByIptables).toBe(true);
      const merged = mergeRulesets([nftSave.ruleset, legacy.ruleset, nft.ruleset]);
      const chains = inputChains(merged, 'ip');
      expect(chains.map((c) => `${c.table.source}:${c.table.file ?? ''} ${c.table.family} ${c.table.name} ${c.chain.name} ${c.policy}`)).toEqual([
        'iptables:iptables-nft-save ip filter INPUT drop',
        'iptables:iptables-legacy-save ip filter INPUT accept',
        'nft:nft inet extra input accept',
      ]);
      expect(legacy.ruleset.sources[0]?.backend).toBe('legacy');
      expect(chains.map((c) => hasDenyOnPath(merged, c.chain))).toEqual([true, true, expect.any(Boolean)]);
    },
  );

  it.skipIf(!corpusAvailable)(`Docker 29 nftables: forward reaches per-bridge chains through verdict maps (docker/moby-nftablesdoc)${skipNote}`, () => {
    const { ruleset } = parseNftJson(JSON.parse(corpusFile('docker', 'moby-nftablesdoc', 'v29.7.2', 'usernet-portmap.nft.json')) as unknown);
    const fwd = chain(table(ruleset, 'docker-bridges'), 'filter-FORWARD');
    const names = reachableChains(ruleset, fwd).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['filter-forward-in__docker0', 'filter-forward-in__bridge1', 'filter-forward-out__bridge1']));
    expect(hasDenyOnPath(ruleset, fwd)).toBe(true);
  });
});

describe('firstDenyOnPath', () => {
  it.skipIf(!corpusAvailable)(`finds the rule deniesOnPath lists first, for every input chain of the corpus${skipNote}`, () => {
    let compared = 0;
    const wrong: string[] = [];
    const rulesets = [
      ...IPTABLES_FILES.map((f) => ({ f, r: parseIptablesSave(corpusFile(f), { family: familyOfFile(f) }).ruleset })),
      ...NFT_JSON_FILES.map((f) => ({ f, r: parseNftJson(corpusFile(f)).ruleset })),
    ];
    for (const { f, r } of rulesets) {
      for (const family of ['ip', 'ip6'] as const) {
        for (const { chain: c } of inputChains(r, family)) {
          const all = deniesOnPath(r, c);
          const first = firstDenyOnPath(r, c);
          compared++;
          if (first.rule !== all.rules[0]) wrong.push(`${f} ${c.name}: first deny differs`);
          if (!first.rule && first.dropPolicy !== all.dropPolicies.length > 0) wrong.push(`${f} ${c.name}: drop policy differs`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(compared).toBeGreaterThan(100);
  });
});
