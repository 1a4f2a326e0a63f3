import type { Collected, Snapshot } from '../snapshot/types.js';
import type { Chain, PacketFamily, ParseError, Rule, Ruleset, Table } from '../netfilter/model.js';
import {
  firstDenyOnPath,
  inputChains,
  mergeRulesets,
  parseIptablesSave,
  parseNetlinkFamilies,
  parseNftJson,
  reachableChains,
  rulesThatMayHideFamily,
} from '../netfilter/index.js';

/**
 * The host's netfilter rulesets, parsed once, and the two questions the audit
 * asks before the full simulator runs: does anything on the INPUT path drop or
 * reject, and which rules accept a port from anywhere. Tables written by
 * iptables-nft are read from iptables-save (their nft JSON hides xtables
 * matches); native nft tables (firewalld, nftables.conf) from `nft -j`.
 */

export interface FamilyFiltering {
  family: PacketFamily;
  filtered: boolean;
  /** One line per input-hook chain: its policy and whether anything on its path denies. */
  evidence: string[];
}

export interface OpenRule {
  text: string;
  /** The chain it is in: UFW's user chains (ufw-user-input, ufw6-user-input) hold what user.rules' tuples say. */
  chain: string;
  /** The ports of `openAcceptRules`' list it admits. */
  ports: number[];
}

export interface NetfilterView {
  readable: boolean;
  /** Why the ruleset could not be read (when not readable). */
  reason: string;
  ruleset: Ruleset;
  /** Every parse error, `file:line: message`. Reading it parses every rule. */
  errors: string[];
  /**
   * What is wrong with the rulesets' structure (a dump cut off, lines not understood), found
   * without parsing rules, as limitations to show: the model may then differ from the kernel.
   */
  limitations: string[];
  inputFiltering(): FamilyFiltering[];
  openAcceptRules(ports: number[]): OpenRule[];
}

function describeChain(table: Table, chain: Chain): string {
  return table.source === 'iptables' ? `${table.name} ${chain.name}` : `${table.family} ${table.name} ${chain.name}`;
}

/** An ACCEPT for TCP to one of these ports with no source, interface or unknown condition. */
function opensPortToAnyone(rule: Rule, ports: number[]): boolean {
  if (rule.verdict.kind !== 'accept') return false;
  let coversPort = false;
  for (const m of rule.matches) {
    switch (m.kind) {
      case 'port':
        if (m.dir !== 'dst' || (m.protocol !== 'tcp' && m.protocol !== 'th')) return false;
        coversPort = m.negate ? false : ports.some((p) => m.ports.some((r) => p >= r.from && p <= r.to));
        if (!coversPort) return false;
        break;
      case 'protocol':
        if (m.negate || !m.protocols.includes('tcp')) return false;
        break;
      case 'ctstate':
        if (m.negate ? m.states.includes('NEW') : !m.states.includes('NEW')) return false;
        break;
      case 'comment':
      case 'limit':
      case 'nfacct':
        break;
      default:
        // Any other condition (a source, an interface, a mark, a set) narrows who is admitted.
        return false;
    }
  }
  return coversPort;
}

/** How many structure problems are shown one by one; the rest are counted. */
const SHOWN_PROBLEMS = 5;

/**
 * Rules whose family nft's listing may have hidden, when their bytecode was not collected (a
 * snapshot of an older clawmoat, or `nft --debug=netlink` failed): taken to apply to IPv4 and
 * IPv6 alike, which is what the listing says, and named so a user knows to collect again.
 */
function hiddenFamilyLimitations(doc: unknown, netlink: Collected<string> | undefined): string[] {
  const rules = rulesThatMayHideFamily(doc);
  if (rules.length === 0) return [];
  const why = netlink
    ? `nft --debug=netlink list ruleset could not be read (${netlink.status === 'ok' ? '' : netlink.detail})`
    : 'the snapshot has no rule bytecode (nft --debug=netlink list ruleset)';
  return [
    `firewall ruleset: ${rules.length} inet rule(s) ending in \`reject with tcp reset\` (first: ${rules[0]!.key}) may hold a \`meta nfproto\` match that nft's listing does not print; ${why}, so they are taken to apply to IPv4 and IPv6 alike; collect the snapshot again as root (sudo clawmoat collect -o FILE)`,
  ];
}

function rulesetLimitations(problems: readonly string[]): string[] {
  if (problems.length === 0) return [];
  const out = problems.slice(0, SHOWN_PROBLEMS).map((p) => `firewall ruleset: ${p}`);
  if (problems.length > SHOWN_PROBLEMS) out.push(`firewall ruleset: ${problems.length - SHOWN_PROBLEMS} more problem(s) of this kind`);
  out.push(
    'the firewall ruleset above is damaged or not fully understood: where it matters, the answers may differ from the kernel; collect the snapshot again (sudo clawmoat collect -o FILE) or check the dump',
  );
  return out;
}

export function buildNetfilterView(snapshot: Snapshot): NetfilterView {
  const nf = snapshot.netfilter;
  const parts: Ruleset[] = [];
  // Read when asked: reading a parse's errors parses the chains no question has entered yet.
  const errorSources: (() => string[])[] = [];
  const structure: string[] = [];
  const hiddenFamily: string[] = [];
  const dumps: [string, typeof nf.iptablesSave, PacketFamily][] = [
    ['iptables-save', nf.iptablesSave, 'ip'],
    ['ip6tables-save', nf.ip6tablesSave, 'ip6'],
  ];
  if (nf.iptablesLegacySave) dumps.push(['iptables-legacy-save', nf.iptablesLegacySave, 'ip']);
  if (nf.ip6tablesLegacySave) dumps.push(['ip6tables-legacy-save', nf.ip6tablesLegacySave, 'ip6']);
  for (const [file, dump, family] of dumps) {
    if (dump.status !== 'ok') continue;
    const parsed = parseIptablesSave(dump.data, { family, file });
    parts.push(parsed.ruleset);
    const where = (e: ParseError) => `${file}${e.line ? `:${e.line}` : ''}: ${e.message}`;
    errorSources.push(() => parsed.errors.map(where));
    structure.push(...parsed.structureErrors.map(where));
  }
  if (nf.nftRuleset.status === 'ok') {
    // mergeRulesets drops the iptables-nft tables iptables-save already gave: the nft parser
    // skips their rules (decoding them was a third of a kube-proxy host's analysis).
    const tablesFromIptables = new Set<string>();
    for (const p of parts) for (const t of p.tables) if (t.source === 'iptables') tablesFromIptables.add(`${t.family} ${t.name}`);
    const familyMatches = nf.nftNetlink?.status === 'ok' ? parseNetlinkFamilies(nf.nftNetlink.data) : undefined;
    if (!familyMatches) hiddenFamily.push(...hiddenFamilyLimitations(nf.nftRuleset.data, nf.nftNetlink));
    const parsed = parseNftJson(nf.nftRuleset.data, { file: 'nft -j list ruleset', tablesFromIptables, familyMatches });
    parts.push(parsed.ruleset);
    errorSources.push(() => parsed.errors.map((e) => `nft -j list ruleset: ${e.message}`));
    structure.push(...parsed.structureErrors.map((e) => `nft -j list ruleset: ${e.message}`));
  }
  // iptables-nft tables are read from iptables-save; their nft JSON hides xtables matches.
  const ruleset = mergeRulesets(parts);
  const readable = nf.iptablesSave.status === 'ok' || nf.nftRuleset.status === 'ok';
  const reason = readable
    ? ''
    : `the firewall ruleset could not be read (${[nf.iptablesSave, nf.nftRuleset]
        .map((c) => (c.status === 'ok' ? '' : c.detail))
        .filter(Boolean)
        .join('; ')})`;

  return {
    readable,
    reason,
    ruleset,
    get errors() {
      return errorSources.flatMap((read) => read());
    },
    limitations: [...rulesetLimitations(structure), ...hiddenFamily],
    inputFiltering() {
      return (['ip', 'ip6'] as const).map((family) => {
        const chains = inputChains(ruleset, family);
        if (chains.length === 0) return { family, filtered: false, evidence: ['no INPUT chain is loaded: the kernel accepts every inbound packet'] };
        let filtered = false;
        const evidence = chains.map(({ table, chain, policy }) => {
          // A DROP policy answers alone: the path behind it need not be read.
          if (policy === 'drop') {
            filtered = true;
            return `${describeChain(table, chain)} policy DROP`;
          }
          const first = firstDenyOnPath(ruleset, chain);
          const denyRule = first.rule;
          if (first.dropPolicy || denyRule) filtered = true;
          const denyText = denyRule ? `; denies in rule ${denyRule.origin.index} of ${denyRule.origin.chain}` : '; no DROP/REJECT on its path';
          return `${describeChain(table, chain)} policy ${policy.toUpperCase()}${denyText}`;
        });
        return { family, filtered, evidence };
      });
    },
    openAcceptRules(ports: number[]) {
      const out: OpenRule[] = [];
      for (const family of ['ip', 'ip6'] as const) {
        for (const { table, chain } of inputChains(ruleset, family)) {
          for (const c of reachableChains(ruleset, chain)) {
            // Every chain counts, UFW's included: the live rule is what the kernel does (ufw-before-input
            // holds before.rules, which no tuple describes). The check drops the user-chain rules a tuple reports.
            for (const rule of c.rules) {
              const admitted = ports.filter((p) => opensPortToAnyone(rule, [p]));
              if (admitted.length === 0) continue;
              const where = rule.origin.line ? ` (${rule.origin.file ?? table.source} line ${rule.origin.line})` : '';
              const text = `${table.source === 'iptables' ? (family === 'ip' ? 'iptables' : 'ip6tables') : 'nft'}: ${rule.origin.text}${where}`;
              if (!out.some((o) => o.text === text)) out.push({ text, chain: c.name, ports: admitted });
            }
          }
        }
      }
      return out;
    },
  };
}
