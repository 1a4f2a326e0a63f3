import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CORPUS_DIR, corpusAvailable } from '../../support/corpus.js';
import type { Chain, Match, PacketFamily, Rule, Ruleset, Table } from '../../../src/netfilter/model.js';

/** Corpus file lists and small ruleset walkers shared by the netfilter tests. */

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const all = corpusAvailable
  ? walk(CORPUS_DIR)
      .map((f) => relative(CORPUS_DIR, f))
      .sort()
  : [];

/** iptables-save output (also -legacy/-nft variants), moby's iptabler goldens, and kube-proxy's iptables-restore input. */
export const IPTABLES_FILES = all.filter((f) => /\.ip6?tables(-legacy|-nft)?-save\.txt$/.test(f) || /__ip6?tables\.golden$/.test(f) || f.endsWith('.restore'));
export const NFT_JSON_FILES = all.filter((f) => f.endsWith('.nft.json'));

export function familyOfFile(file: string): PacketFamily {
  return /ip6tables/.test(file) ? 'ip6' : 'ip';
}

export function allRules(ruleset: Ruleset): Rule[] {
  return ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
}

export function table(ruleset: Ruleset, name: string, family?: string): Table {
  const t = ruleset.tables.find((x) => x.name === name && (family === undefined || x.family === family));
  if (!t) throw new Error(`no table ${family ?? ''} ${name}`);
  return t;
}

export function chain(t: Table, name: string): Chain {
  const c = t.chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name} in ${t.name}`);
  return c;
}

export function ruleByText(ruleset: Ruleset, text: string): Rule {
  const r = allRules(ruleset).find((x) => x.origin.text === text);
  if (!r) throw new Error(`no rule ${text}`);
  return r;
}

/** Every unsupported item of a rule: matches, the verdict, effects. */
export function unsupportedOf(rule: Rule): string[] {
  const out: string[] = [];
  for (const m of rule.matches as Match[]) if (m.kind === 'unsupported') out.push(m.text);
  if (rule.verdict.kind === 'unsupported') out.push(rule.verdict.text);
  for (const e of rule.effects) if (e.kind === 'unsupported') out.push(e.text);
  return out;
}
