import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COVERAGE, NFT_SCHEMA_NAMES, renderCoverage, type CoverageEntry } from '../../../src/netfilter/coverage.js';
import { parseIptablesSave } from '../../../src/netfilter/iptables-save/parse.js';
import type { Match, Rule } from '../../../src/netfilter/model.js';
import { parseNftJson } from '../../../src/netfilter/nft-json/parse.js';

/**
 * Coverage is measured, not hoped (issue 15): every construct of src/netfilter/coverage.ts is
 * parsed from its sample, and its status must be what the parser really does; every statement and
 * expression section of libnftables-json(5) and every installed xtables extension has a row; the
 * generated doc is current.
 */

const DOC = fileURLToPath(new URL('../../../docs/netfilter-coverage.md', import.meta.url));
const MAN = '/usr/share/man/man5/libnftables-json.5.gz';
const XTABLES = '/usr/lib/x86_64-linux-gnu/xtables';

function rulesOf(e: CoverageEntry): { rules: Rule[]; errors: string[] } {
  if (typeof e.sample === 'string') {
    const [table, chain, ...rest] = e.sample.split(' ');
    const text = `*${table}\n:${chain} ACCEPT [0:0]\n-A ${chain} ${rest.join(' ')}\nCOMMIT\n`;
    const { ruleset, errors } = parseIptablesSave(text, { family: 'ip' });
    return { rules: ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules)), errors: errors.map((x) => x.message) };
  }
  const doc = {
    nftables: [
      { metainfo: { version: '1.0.6', json_schema_version: 1 } },
      { table: { family: 'inet', name: 't' } },
      { set: { family: 'inet', table: 't', name: 's', type: 'ipv4_addr', flags: ['dynamic'] } },
      { map: { family: 'inet', table: 't', name: 'm', type: 'ipv4_addr', map: 'mark', flags: ['dynamic'] } },
      { chain: { family: 'inet', table: 't', name: 'c' } },
      { chain: { family: 'inet', table: 't', name: 'input', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
      { rule: { family: 'inet', table: 't', chain: 'input', expr: e.sample } },
    ],
  };
  const { ruleset, errors } = parseNftJson(doc);
  return { rules: ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules)), errors: errors.map((x) => x.message) };
}

function unsupportedIn(rules: Rule[]): string[] {
  const out: string[] = [];
  const scan = (ms: readonly Match[]) => {
    for (const x of ms) {
      if (x.kind === 'unsupported') out.push(`${x.text} (${x.reason ?? ''})`);
      if (x.kind === 'dynset') scan(x.stmts);
    }
  };
  for (const r of rules) {
    scan(r.matches);
    for (const e of r.effects) if (e.kind === 'unsupported') out.push(e.text);
    if (r.verdict.kind === 'unsupported') out.push(r.verdict.text);
  }
  return out;
}

/** Parsed into a match the simulator answers `unknown` for by design (the uid of a socket, randomness) or a queue. */
function unknownByDesign(rules: Rule[]): boolean {
  return rules.some((r) => r.verdict.kind === 'queue' || r.matches.some((x) => x.kind === 'socket' || x.kind === 'statistic'));
}

describe('netfilter coverage (docs/netfilter-coverage.md)', () => {
  it.each(COVERAGE.map((e) => [`${e.group}: ${e.name} (${e.status})`, e] as const))('%s', (_, e) => {
    const { rules, errors } = rulesOf(e);
    expect(rules.length, `sample of ${e.name} gave no rule: ${errors.join('; ')}`).toBeGreaterThan(0);
    const unsupported = [...unsupportedIn(rules), ...errors.filter((x) => !/not found/.test(x))];
    if (e.status === 'modelled') expect(unsupported, `${e.name} is listed as modelled`).toEqual([]);
    else if (e.status === 'missing') expect(unsupported.length, `${e.name} is listed as missing but parses`).toBeGreaterThan(0);
    else expect(unsupported.length > 0 || unknownByDesign(rules), `${e.name} is listed as unknown by design but is decided`).toBe(true);
    expect(e.note.length > 0 || e.status === 'modelled').toBe(true);
  });

  it('docs/netfilter-coverage.md is generated from src/netfilter/coverage.ts', () => {
    expect(existsSync(DOC) ? readFileSync(DOC, 'utf8') : '(missing)').toBe(renderCoverage());
  });

  it.skipIf(!existsSync(MAN))('every STATEMENTS and EXPRESSIONS section of the installed libnftables-json(5) is in the table', () => {
    const roff = gunzipSync(readFileSync(MAN)).toString('utf8');
    const sections = (title: string, next: string) => {
      const body = roff.slice(roff.indexOf(`.SH "${title}"`), roff.indexOf(`.SH "${next}"`));
      return [...body.matchAll(/^\.SS "([^"]+)"/gm)].map((x) => x[1]!);
    };
    expect(sections('STATEMENTS', 'EXPRESSIONS')).toEqual([...NFT_SCHEMA_NAMES.statements]);
    expect(sections('EXPRESSIONS', 'AUTHOR')).toEqual([...NFT_SCHEMA_NAMES.expressions]);
  });

  it.skipIf(!existsSync(XTABLES))(`every match and target extension installed in ${XTABLES} has a row`, () => {
    const names = new Set(
      readdirSync(XTABLES)
        .map((f) => /^lib(?:xt|ipt|ip6t)_(.+)\.so$/.exec(f)?.[1])
        .filter((n): n is string => n !== undefined && n !== 'standard'),
    );
    const listed = new Set(COVERAGE.filter((e) => e.group.startsWith('iptables')).flatMap((e) => e.name.split(' / ').map((n) => n.trim())));
    // libxt_NAT provides SNAT and DNAT; libxt_NOTRACK is CT --notrack.
    for (const alias of ['NAT']) if (listed.has('DNAT')) listed.add(alias);
    const missing = [...names].filter((n) => !listed.has(n));
    expect(missing).toEqual([]);
  });
});
