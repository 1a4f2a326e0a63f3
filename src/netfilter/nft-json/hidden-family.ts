import type { Match, NfprotoMatch } from '../model.js';
import { isObject, num, str } from './json.js';

/**
 * What `nft -j list ruleset` leaves out of a rule, put back. nft prints a rule without the
 * matches it takes for dependencies of a later expression, and the kernel still runs them:
 *  - `reject with tcp reset` depends on `meta l4proto tcp` (every family; an `ip` table's
 *    listing drops it), `reject with icmp …` in an inet table on `meta nfproto ipv4`, and
 *    `reject with icmpv6 …` on `meta nfproto ipv6`. These are implied by the statement itself.
 *  - Before `reject with tcp reset` in an inet table, nftables 1.0.x also drops a `meta nfproto`
 *    or `meta protocol` match the user wrote (`meta nfproto ipv6 tcp dport 22 reject with tcp
 *    reset` lists as `tcp dport 22 reject with tcp reset`), although the kernel keeps it: only
 *    the rule's bytecode (`nft --debug=netlink list ruleset`, nft-netlink.ts) shows it. Found by
 *    the kernel-agreement suite (seed 380150665): the model rejected IPv4 that the kernel let in.
 */

type NftFamily = string;

/** The matches a rule's own reject statement implies, for a rule of a table of this family. */
export function impliedByReject(family: NftFamily, expr: unknown): Match[] {
  const reject = rejectOf(expr);
  if (!reject) return [];
  const type = str(reject.type);
  if (type === 'tcp reset') return [{ kind: 'protocol', protocols: ['tcp'], negate: false }];
  if (family !== 'inet' && family !== 'bridge' && family !== 'netdev') return [];
  if (type === 'icmp') return [{ kind: 'nfproto', family: 'ip', negate: false }];
  if (type === 'icmpv6') return [{ kind: 'nfproto', family: 'ip6', negate: false }];
  return [];
}

function rejectOf(expr: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(expr)) return undefined;
  for (const s of expr) {
    if (isObject(s) && 'reject' in s) return isObject(s.reject) ? s.reject : {};
  }
  return undefined;
}

/** Selectors whose match already fixes the packet's family: no hidden family match can change the rule. */
const FAMILY_PAYLOADS = new Set(['ip', 'ip6', 'icmp', 'icmpv6']);

/**
 * An inet rule ending in `reject with tcp reset` with nothing in its JSON that fixes the family:
 * the rules whose listing may have dropped a `meta nfproto` match.
 */
export function mayHideFamily(family: NftFamily, expr: unknown): boolean {
  if (family !== 'inet' || !Array.isArray(expr)) return false;
  const reject = rejectOf(expr);
  if (!reject || str(reject.type) !== 'tcp reset') return false;
  return !expr.some(fixesFamily);
}

function fixesFamily(statement: unknown): boolean {
  if (!isObject(statement) || !isObject(statement.match)) return false;
  const left = statement.match.left;
  if (!isObject(left)) return false;
  if (isObject(left.meta)) return left.meta.key === 'nfproto' || left.meta.key === 'protocol';
  if (isObject(left.payload)) return FAMILY_PAYLOADS.has(str(left.payload.protocol) ?? '');
  return false;
}

/** `family table chain handle`: how a rule is named in both listings. */
export function ruleKey(family: string, table: string, chain: string, handle: number): string {
  return `${family} ${table} ${chain} ${handle}`;
}

/** The family matches each rule's bytecode holds, by ruleKey (nft-netlink.ts). */
export type FamilyMatchesByRule = ReadonlyMap<string, readonly NfprotoMatch[]>;

/** For a rule object of the JSON: its key, when it has a handle. */
export function keyOfRule(body: Record<string, unknown>): string | undefined {
  const handle = num(body.handle);
  const family = str(body.family);
  const table = str(body.table);
  const chain = str(body.chain);
  if (handle === undefined || family === undefined || table === undefined || chain === undefined) return undefined;
  return ruleKey(family, table, chain, handle);
}

/** The rules of a `nft -j list ruleset` document that may hide a family match, as `family table chain handle: text`. */
export function rulesThatMayHideFamily(doc: unknown): { key: string; rule: Record<string, unknown> }[] {
  const list = isObject(doc) && Array.isArray(doc.nftables) ? doc.nftables : [];
  const out: { key: string; rule: Record<string, unknown> }[] = [];
  for (const item of list) {
    if (!isObject(item) || !isObject(item.rule)) continue;
    const rule = item.rule;
    if (!mayHideFamily(str(rule.family) ?? '', rule.expr)) continue;
    out.push({ key: keyOfRule(rule) ?? `${str(rule.family)} ${str(rule.table)} ${str(rule.chain)}`, rule });
  }
  return out;
}

export function anyRuleMayHideFamily(doc: unknown): boolean {
  return rulesThatMayHideFamily(doc).length > 0;
}
