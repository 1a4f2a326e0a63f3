import { CANONICAL_V4, ruleKeys, type RuleKeys } from '../pending-rules.js';
import { isObject, single } from './json.js';

/**
 * The index keys of an nft rule read from its JSON statements, without decoding it: the port of
 * `tcp dport 443`, the address of `ip daddr 10.96.0.1`. As with iptables-save's text keys
 * (../iptables-save/text-keys.ts), a key given here must be one the decoded rule requires, so
 * only the leading `==` matches are read, and only these forms: tcp/udp dport against a number,
 * ip saddr/daddr against an address or prefix, and meta or ct matches (which give no key). Any
 * other match before the first statement gives undefined: the rule is visited by every packet.
 * The test checks these keys against the decoded rule's over the corpus and random mutations.
 */
export function jsonKeys(expr: unknown): RuleKeys | undefined {
  if (!Array.isArray(expr)) return undefined;
  let port: number | undefined;
  let daddr: string | undefined;
  let saddr: string | undefined;
  let sawDst = false;
  let sawSrc = false;
  for (const statement of expr) {
    const kv = single(statement);
    // The first statement that is not a match ends what the rule requires of every packet.
    if (!kv || kv[0] !== 'match') break;
    const m = kv[1];
    if (!isObject(m)) return undefined;
    const left = single(m.left);
    if (!left) return undefined;
    if (left[0] === 'meta' || left[0] === 'ct') continue;
    if (left[0] !== 'payload' || m.op !== '==' || !isObject(left[1])) return undefined;
    const { protocol, field } = left[1];
    const right = m.right;
    if ((protocol === 'tcp' || protocol === 'udp') && field === 'dport') {
      if (port !== undefined || typeof right !== 'number' || !Number.isInteger(right) || right < 0 || right > 65535) return undefined;
      port = right;
    } else if (protocol === 'ip' && (field === 'daddr' || field === 'saddr')) {
      if (field === 'daddr' ? sawDst : sawSrc) return undefined;
      if (field === 'daddr') sawDst = true;
      else sawSrc = true;
      const host = hostOf(right);
      if (host === null) return undefined;
      if (host !== undefined) {
        if (field === 'daddr') daddr = host;
        else saddr = host;
      }
    } else {
      return undefined;
    }
  }
  return ruleKeys(port, daddr, saddr);
}

/** The address of a single-host right side; undefined for a wider prefix (no key); null for anything else. */
function hostOf(right: unknown): string | undefined | null {
  if (typeof right === 'string') return CANONICAL_V4.test(right) ? right : null;
  const prefix = single(right);
  if (!prefix || prefix[0] !== 'prefix' || !isObject(prefix[1])) return null;
  const { addr, len } = prefix[1];
  if (typeof addr !== 'string' || !CANONICAL_V4.test(addr) || typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > 32) return null;
  return len === 32 ? addr : undefined;
}
