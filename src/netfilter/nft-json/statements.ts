import { parseAddress } from '../addr.js';
import type { Effect, Key, Match, NatMap, NatTarget, Value, Verdict, VmapElement } from '../model.js';
import { decodeElement, decodeMatch, keysOf } from './expressions.js';
import { brief, isObject, num, single, str } from './json.js';
import { printExpr, printStatement } from './print.js';

/**
 * A rule's statement list → matches, effects and one verdict. nft evaluates statements left
 * to right and stops at the first failing match, so a side effect written *before* a match
 * happens even when the rule does not match; the model runs effects only for matching rules,
 * so that (rare) order is flagged instead of silently reordered.
 */

export interface DecodedRule {
  matches: Match[];
  effects: Effect[];
  verdict: Verdict;
  /** Rule-level oddities worth an error (the rule also carries an unsupported item). */
  problems: string[];
}

/** A verdict object (`{"accept":null}`, `{"jump":{"target":"c"}}`, …) or undefined if it is not one. */
export function decodeVerdict(raw: unknown): Verdict | undefined {
  return decodeVerdictKv(single(raw), raw);
}

/** decodeVerdict of RAW already split by single() (each statement is split once). */
function decodeVerdictKv(kv: [string, unknown] | undefined, raw: unknown): Verdict | undefined {
  if (!kv) return undefined;
  const [k, v] = kv;
  switch (k) {
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
      return { kind: k };
    case 'jump':
    case 'goto': {
      const target = isObject(v) ? str(v.target) : undefined;
      return target === undefined ? { kind: 'unsupported', text: brief(raw), reason: `${k} without a target` } : { kind: k, target };
    }
    case 'reject': {
      if (!isObject(v)) return { kind: 'reject' };
      const parts = [str(v.type), v.expr === undefined ? undefined : printExpr(v.expr)].filter((p): p is string => p !== undefined);
      return parts.length > 0 ? { kind: 'reject', with: parts.join(' ') } : { kind: 'reject' };
    }
    case 'queue':
      return { kind: 'queue', text: printStatement(raw) };
    default:
      return undefined;
  }
}

function natTarget(body: unknown): NatTarget {
  const t: NatTarget = {};
  if (!isObject(body)) return t;
  const computed: string[] = [];
  if (body.addr !== undefined) {
    const a = str(body.addr);
    const parsed = a === undefined ? undefined : parseAddress(a);
    const range = single(body.addr);
    if (parsed?.ok) {
      t.addr = parsed.value.address;
    } else if (range && range[0] === 'range' && Array.isArray(range[1])) {
      const from = parseAddress(String(range[1][0]));
      const to = parseAddress(String(range[1][1]));
      if (from.ok && to.ok) {
        t.addr = from.value.address;
        t.addrTo = to.value.address;
      } else {
        computed.push(printExpr(body.addr));
      }
    } else {
      const m = natMap(body.addr);
      if (m) t.addrMap = m;
      else computed.push(printExpr(body.addr));
    }
  }
  if (body.port !== undefined) {
    const p = num(body.port);
    const range = single(body.port);
    if (p !== undefined && Number.isInteger(p) && p >= 0 && p <= 65535) {
      t.port = p;
    } else if (range && range[0] === 'range' && Array.isArray(range[1]) && num(range[1][0]) !== undefined && num(range[1][1]) !== undefined) {
      t.port = range[1][0] as number;
      t.portTo = range[1][1] as number;
    } else {
      const m = natMap(body.port);
      if (m) t.portMap = m;
      else computed.push(`:${printExpr(body.port)}`);
    }
  }
  if (computed.length > 0) t.computed = computed.join(' ');
  return t;
}

/** `<key> map { k : v, … }` or `<key> map @name` as a NAT address/port source; undefined if the key or an element is not understood. */
function natMap(expr: unknown): NatMap | undefined {
  const kv = single(expr);
  if (!kv || kv[0] !== 'map' || !isObject(kv[1])) return undefined;
  const keys = keysOf(kv[1].key);
  if (!keys) return undefined;
  const data = kv[1].data;
  if (typeof data === 'string' && data.startsWith('@')) return { keys, map: data.slice(1), elements: [], data: [], dynamic: false };
  const set = single(data);
  if (!set || set[0] !== 'set' || !Array.isArray(set[1])) return undefined;
  const elements: Value[][] = [];
  const values: Value[][] = [];
  for (const pair of set[1]) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const key = decodeElement(pair[0], keys);
    const value = decodeElement(pair[1], [undefined, undefined]);
    if (!key || key.length !== keys.length || !value || value.length > 2) return undefined;
    elements.push(key);
    values.push(value);
  }
  return { keys, elements, data: values, dynamic: false };
}

function vmapVerdict(body: unknown, statement: unknown): Verdict {
  if (!isObject(body)) return { kind: 'unsupported', text: printStatement(statement), reason: 'malformed vmap' };
  const keys = keysOf(body.key);
  if (!keys) return { kind: 'unsupported', text: printStatement(statement), reason: `vmap key ${printExpr(body.key)} is not modelled` };
  if (typeof body.data === 'string' && body.data.startsWith('@')) {
    // Elements are filled in from the table's map once every object is read.
    return { kind: 'vmap', keys, map: body.data.slice(1), elements: [], dynamic: false };
  }
  const kv = single(body.data);
  if (!kv || kv[0] !== 'set' || !Array.isArray(kv[1]))
    return { kind: 'unsupported', text: printStatement(statement), reason: 'vmap data is neither @map nor { … }' };
  const elements = decodeVmapElements(kv[1], keys);
  return elements
    ? { kind: 'vmap', keys, elements, dynamic: false }
    : { kind: 'unsupported', text: printStatement(statement), reason: 'vmap element not understood' };
}

/** `[[key, verdict], …]` as found in inline vmaps and in verdict-map objects. */
export function decodeVmapElements(raw: readonly unknown[], keys: readonly Key[]): VmapElement[] | undefined {
  const out: VmapElement[] = [];
  for (const pair of raw) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const key = decodeElement(pair[0], keys);
    const verdict = decodeVerdict(pair[1]);
    if (!key || key.length !== keys.length || !verdict) return undefined;
    const el: VmapElement = { key, verdict };
    const wrapped = single(pair[0]);
    if (wrapped && wrapped[0] === 'elem' && isObject(wrapped[1]) && typeof wrapped[1].comment === 'string') el.comment = wrapped[1].comment;
    out.push(el);
  }
  return out;
}

/** `ip dscp set cs1`, `meta priority set …`: changes to fields no match of the model reads. */
const HARMLESS_FIELDS = new Set([
  'payload ip dscp',
  'payload ip6 dscp',
  'payload ip ecn',
  'payload ip6 ecn',
  'payload ip6 flowlabel',
  'meta priority',
  'meta secmark',
  'meta nftrace',
  'ct label',
  'ct helper',
  'ct zone',
  'ct expectation',
  'ct timeout',
  'payload ether saddr',
  'payload ether daddr',
]);

/** `meta mark set …` / `ct mark set …` → the kernel's (mark & ~mask) ^ xor form. */
function mangleEffect(body: unknown, statement: unknown): Effect {
  const text = printStatement(statement);
  if (!isObject(body)) return { kind: 'unsupported', text, reason: 'malformed mangle' };
  const kv = single(body.key);
  const target = kv && isObject(kv[1]) && kv[1].dir === undefined ? `${kv[0]} ${str(kv[1].key) ?? ''}` : '';
  const on = target === 'meta mark' ? 'packet' : target === 'ct mark' ? 'conn' : undefined;
  if (!on) {
    // Fields nothing in the model reads: the packet goes on as it was for the walk.
    const field = kv && isObject(kv[1]) ? `${kv[0]} ${str(kv[1].protocol) ?? ''} ${str(kv[1].key) ?? str(kv[1].field) ?? ''}`.replace(/\s+/g, ' ').trim() : '';
    if (HARMLESS_FIELDS.has(field) || kv?.[0] === 'tcp option') return { kind: 'other', text };
    if (field === 'payload ip ttl' || field === 'payload ip6 hoplimit')
      return { kind: 'unsupported', text, reason: 'TTL / hop limit changes are not modelled' };
    return { kind: 'unsupported', text, reason: `it rewrites ${printExpr(body.key)}, which the model does not follow`, rewrites: true };
  }
  const literal = num(body.value);
  if (literal !== undefined) return { kind: 'mark', on, mask: 0xffffffff, xor: literal >>> 0, text };
  const op = single(body.value);
  if (op && Array.isArray(op[1]) && op[1].length === 2) {
    const operand = num(op[1][1]);
    const self = single(op[1][0]);
    const sameKey = self && isObject(self[1]) && `${self[0]} ${str(self[1].key) ?? ''}` === target;
    if (operand !== undefined && sameKey) {
      const v = operand >>> 0;
      if (op[0] === '|') return { kind: 'mark', on, mask: v, xor: v, text };
      if (op[0] === '^') return { kind: 'mark', on, mask: 0, xor: v, text };
      if (op[0] === '&') return { kind: 'mark', on, mask: ~v >>> 0, xor: 0, text };
    }
  }
  return { kind: 'unsupported', text, reason: 'mark expression not modelled' };
}

/** One statement nested in a set element or a meter → a match (counters: none). */
function elementStatement(raw: unknown): Match | undefined {
  const kv = single(raw);
  const text = printStatement(raw);
  if (!kv) return { kind: 'unsupported', text, reason: 'malformed statement in a set element' };
  const [k, body] = kv;
  switch (k) {
    case 'counter':
      return undefined;
    case 'limit':
    case 'quota':
      return { kind: 'limit', above: isObject(body) && body.inv === true, text };
    case 'ct count': {
      const value = isObject(body) ? num(body.val) : undefined;
      if (value === undefined || !Number.isInteger(value) || value < 0) return { kind: 'unsupported', text, reason: 'ct count without a number' };
      return { kind: 'conncount', over: isObject(body) && body.inv === true, value, text };
    }
    default:
      return { kind: 'unsupported', text, reason: `statement "${k}" in a set element is not modelled` };
  }
}

/** A top-level rule statement that may add to a run-time set (`set`, `map`, `meter`), decoded; undefined for any other statement. */
export function setWriterMatch(statement: unknown): Match | undefined {
  const kv = single(statement);
  if (!kv || (kv[0] !== 'set' && kv[0] !== 'map' && kv[0] !== 'meter')) return undefined;
  return dynsetMatch(kv[0], kv[1], statement);
}

/**
 * `add @s { key stmt… }` / `update` / `delete` (JSON `set`, `map` for maps) and the legacy
 * `meter NAME { key stmt }`: a dynset match. The table-qualified set identity is filled in when
 * the rule is placed in its table (chain-rules.ts).
 */
function dynsetMatch(k: string, body: unknown, statement: unknown): Match {
  const text = printStatement(statement);
  if (!isObject(body)) return { kind: 'unsupported', text, reason: `malformed ${k} statement` };
  const isMeter = k === 'meter';
  const op = isMeter ? 'update' : str(body.op);
  if (op !== 'add' && op !== 'update' && op !== 'delete') return { kind: 'unsupported', text, reason: `set operation ${String(op)} is not modelled` };
  const name = (isMeter ? str(body.name) : (str(body.set) ?? str(body.map)))?.replace(/^@/, '');
  if (name === undefined || name === '') return { kind: 'unsupported', text, reason: `${k} statement without a set name` };
  let keyExpr = isMeter ? body.key : body.elem;
  // `{"elem": {"val": key, "timeout": …}}`: the element's options do not change the first connection.
  const wrapped = single(keyExpr);
  if (wrapped && wrapped[0] === 'elem' && isObject(wrapped[1])) keyExpr = wrapped[1].val;
  const keys = keysOf(keyExpr);
  if (!keys) return { kind: 'unsupported', text, reason: `set key ${printExpr(keyExpr)} is not modelled` };
  const rawStmts = isMeter ? [body.stmt] : Array.isArray(body.stmt) ? body.stmt : [];
  const stmts: Match[] = [];
  for (const raw of rawStmts) {
    const m = elementStatement(raw);
    if (m) stmts.push(m);
  }
  return { kind: 'dynset', op, set: name, setId: name, keys, stmts, text };
}

const SIDE_EFFECTS: readonly Effect['kind'][] = ['mark', 'notrack', 'ct-helper', 'set-update', 'unsupported'];

export function decodeRuleExpr(expr: unknown): DecodedRule {
  const out: DecodedRule = { matches: [], effects: [], verdict: { kind: 'continue' }, problems: [] };
  if (!Array.isArray(expr)) {
    out.problems.push('rule has no expr list');
    out.matches.push({ kind: 'unsupported', text: brief(expr), reason: 'rule has no expr list' });
    return out;
  }
  let verdictSeen = false;
  let sideEffectSeen = false;
  const setVerdict = (v: Verdict, statement: unknown): void => {
    if (verdictSeen) {
      out.matches.push({ kind: 'unsupported', text: printStatement(statement), reason: 'statement after the verdict' });
      return;
    }
    verdictSeen = true;
    out.verdict = v;
  };
  const addMatches = (ms: Match[], statement: unknown): void => {
    if (verdictSeen) {
      out.matches.push({ kind: 'unsupported', text: printStatement(statement), reason: 'statement after the verdict' });
      return;
    }
    if (sideEffectSeen && ms.some((m) => m.kind !== 'comment' && m.kind !== 'limit')) {
      out.matches.push({
        kind: 'unsupported',
        text: printStatement(statement),
        reason: 'a side effect precedes this match, so it happens even when the rule does not match',
      });
    }
    out.matches.push(...ms);
  };
  const addEffect = (e: Effect): void => {
    if (SIDE_EFFECTS.includes(e.kind)) sideEffectSeen = true;
    out.effects.push(e);
  };

  for (const statement of expr) {
    const kv = single(statement);
    if (!kv) {
      addMatches([{ kind: 'unsupported', text: brief(statement), reason: 'malformed statement' }], statement);
      continue;
    }
    const [k, body] = kv;
    const verdict = decodeVerdictKv(kv, statement);
    if (verdict) {
      setVerdict(verdict, statement);
      continue;
    }
    switch (k) {
      case 'match':
        addMatches(decodeMatch(body, statement), statement);
        break;
      case 'counter':
        break;
      case 'log': {
        const e: Effect = { kind: 'log' };
        if (isObject(body) && typeof body.prefix === 'string') e.prefix = body.prefix;
        out.effects.push(e);
        break;
      }
      case 'limit':
        addMatches([{ kind: 'limit', above: isObject(body) && body.inv === true, text: printStatement(statement) }], statement);
        break;
      case 'dnat':
      case 'snat':
        setVerdict({ kind: k, ...natTarget(body) }, statement);
        break;
      case 'masquerade': {
        const v: Verdict = { kind: 'masquerade' };
        const range = isObject(body) ? single(body.port) : undefined;
        const port = isObject(body) ? num(body.port) : undefined;
        if (port !== undefined) {
          v.portFrom = port;
          v.portTo = port;
        } else if (range && range[0] === 'range' && Array.isArray(range[1]) && num(range[1][0]) !== undefined && num(range[1][1]) !== undefined) {
          v.portFrom = range[1][0] as number;
          v.portTo = range[1][1] as number;
        }
        setVerdict(v, statement);
        break;
      }
      case 'redirect': {
        const v: Verdict = { kind: 'redirect' };
        const t = natTarget(body);
        if (t.computed !== undefined) {
          setVerdict({ kind: 'unsupported', text: printStatement(statement), reason: 'computed redirect port' }, statement);
          break;
        }
        if (t.port !== undefined) v.port = t.port;
        if (t.portTo !== undefined) v.portTo = t.portTo;
        setVerdict(v, statement);
        break;
      }
      case 'vmap':
        setVerdict(vmapVerdict(body, statement), statement);
        break;
      case 'mangle':
        addEffect(mangleEffect(body, statement));
        break;
      case 'set':
      case 'map':
      case 'meter':
        addMatches([dynsetMatch(k, body, statement)], statement);
        break;
      case 'quota':
        addMatches([{ kind: 'limit', above: isObject(body) && body.inv === true, text: printStatement(statement) }], statement);
        break;
      case 'ct count': {
        const value = isObject(body) ? num(body.val) : undefined;
        if (value === undefined || !Number.isInteger(value) || value < 0)
          addMatches([{ kind: 'unsupported', text: printStatement(statement), reason: 'ct count without a number' }], statement);
        else addMatches([{ kind: 'conncount', over: isObject(body) && body.inv === true, value, text: printStatement(statement) }], statement);
        break;
      }
      case 'ct helper':
        addEffect({ kind: 'ct-helper', helper: str(body) ?? brief(body) });
        break;
      // Offload of established flows, conntrack timeouts and expectations, a copy sent elsewhere:
      // the first packet itself goes on unchanged.
      case 'flow':
      case 'ct timeout':
      case 'ct expectation':
      case 'dup':
        out.effects.push({ kind: 'other', text: printStatement(statement) });
        break;
      case 'notrack':
        addEffect({ kind: 'notrack' });
        break;
      case 'xt': {
        // iptables-nft extension: nft's JSON names it but drops its arguments.
        const type = isObject(body) ? str(body.type) : undefined;
        const reason = 'iptables-nft extension: nft -j does not show its arguments; read this table from iptables-save';
        if (type === 'target') setVerdict({ kind: 'unsupported', text: printStatement(statement), reason }, statement);
        else addMatches([{ kind: 'unsupported', text: printStatement(statement), reason }], statement);
        break;
      }
      default:
        // quota, ct count, tproxy, dup, fwd…: may stop evaluation or steer the packet.
        addMatches([{ kind: 'unsupported', text: printStatement(statement), reason: `statement "${k}" is not modelled` }], statement);
    }
  }
  // Exact copies: arrays grown by push keep room for 17 elements, and every rule keeps them.
  out.matches = out.matches.slice();
  if (out.effects.length > 0) out.effects = out.effects.slice();
  return out;
}
