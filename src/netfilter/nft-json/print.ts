import { brief, isObject, single, str } from './json.js';

/**
 * A printable, nft-like form of a rule's JSON statements, for `RuleOrigin.text` and messages.
 * It is for people, not for reloading: anything unusual falls back to compact JSON.
 */

const MAX_DEPTH = 32;

function quoteName(s: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(s) ? s : JSON.stringify(s);
}

export function printExpr(e: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) return '…';
  if (typeof e === 'string') return e.startsWith('@') ? e : quoteName(e);
  if (typeof e === 'number' || typeof e === 'boolean') return String(e);
  if (Array.isArray(e)) return e.map((x) => printExpr(x, depth + 1)).join(',');
  const kv = single(e);
  if (!kv) return brief(e, 80);
  const [k, v] = kv;
  const o = isObject(v) ? v : {};
  switch (k) {
    case 'meta': {
      const key = str(o.key) ?? '?';
      return ['iifname', 'oifname', 'iif', 'oif', 'mark'].includes(key) ? (key === 'mark' ? 'meta mark' : key) : `meta ${key}`;
    }
    case 'payload':
      return o.protocol !== undefined ? `${str(o.protocol) ?? '?'} ${str(o.field) ?? '?'}` : `@${str(o.base) ?? '?'},${String(o.offset)},${String(o.len)}`;
    case 'ct':
      return ['ct', str(o.dir), str(o.family), str(o.key)].filter(Boolean).join(' ');
    case 'fib':
      return `fib ${Array.isArray(o.flags) ? o.flags.map(String).join(' . ') : (str(o.flags) ?? '')} ${str(o.result) ?? ''}`;
    case 'concat':
      return Array.isArray(v) ? v.map((x) => printExpr(x, depth + 1)).join(' . ') : brief(v, 80);
    case 'set':
      return Array.isArray(v) ? `{ ${v.map((x) => printElem(x, depth + 1)).join(', ')} }` : printExpr(v, depth + 1);
    case 'prefix':
      return `${printExpr(o.addr, depth + 1)}/${String(o.len)}`;
    case 'range':
      return Array.isArray(v) ? `${printExpr(v[0], depth + 1)}-${printExpr(v[1], depth + 1)}` : brief(v, 80);
    case 'elem':
      return printExpr(o.val, depth + 1);
    case 'numgen':
      return `numgen ${str(o.mode) ?? ''} mod ${String(o.mod)}`;
    case 'map':
      return `${printExpr(o.key, depth + 1)} map ${printExpr(o.data, depth + 1)}`;
    case '&':
    case '|':
    case '^':
    case '<<':
    case '>>':
      return Array.isArray(v) ? v.map((x) => printExpr(x, depth + 1)).join(` ${k} `) : brief(v, 80);
    default:
      return brief(e, 80);
  }
}

function printElem(x: unknown, depth: number): string {
  if (Array.isArray(x) && x.length === 2) {
    const verdict = ['accept', 'drop', 'continue', 'return', 'jump', 'goto', 'queue', 'reject'].includes(single(x[1])?.[0] ?? '');
    const data = verdict ? printStatement(x[1], depth) : printExpr(x[1], depth);
    return `${printExpr(x[0], depth)} : ${data}`;
  }
  return printExpr(x, depth);
}

export function printStatement(s: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) return '…';
  const kv = single(s);
  if (!kv) return brief(s, 80);
  const [k, v] = kv;
  const o = isObject(v) ? v : {};
  switch (k) {
    case 'match': {
      const op = str(o.op) ?? '==';
      const left = printExpr(o.left, depth + 1);
      // nft quotes interface names: `iifname "eth0"`.
      const right =
        typeof o.right === 'string' && !o.right.startsWith('@') && (left === 'iifname' || left === 'oifname')
          ? JSON.stringify(o.right)
          : printExpr(o.right, depth + 1);
      return `${left}${op === '==' ? '' : ` ${op}`} ${right}`;
    }
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
    case 'masquerade':
    case 'notrack':
      return k;
    case 'jump':
    case 'goto':
      return `${k} ${quoteName(str(o.target) ?? '?')}`;
    case 'reject':
      return o.type !== undefined || o.expr !== undefined
        ? `reject with ${[str(o.type), printExpr(o.expr ?? '', depth + 1)].filter(Boolean).join(' ')}`
        : 'reject';
    case 'counter':
      return 'counter';
    case 'log':
      return o.prefix !== undefined ? `log prefix ${JSON.stringify(String(o.prefix))}` : 'log';
    case 'limit':
      return `limit rate ${o.inv === true ? 'over ' : ''}${String(o.rate)}/${str(o.per) ?? 'second'}${o.burst !== undefined ? ` burst ${String(o.burst)}` : ''}`;
    case 'dnat':
    case 'snat':
      return `${k} to ${o.addr !== undefined ? printExpr(o.addr, depth + 1) : ''}${o.port !== undefined ? `:${printExpr(o.port, depth + 1)}` : ''}`;
    case 'redirect':
      return `redirect${o.port !== undefined ? ` to :${printExpr(o.port, depth + 1)}` : ''}`;
    case 'vmap':
      return `${printExpr(o.key, depth + 1)} vmap ${printExpr(o.data, depth + 1)}`;
    case 'mangle':
      return `${printExpr(o.key, depth + 1)} set ${printExpr(o.value, depth + 1)}`;
    case 'set':
    case 'map': {
      const stmts = Array.isArray(o.stmt) ? o.stmt.map((x) => ` ${printStatement(x, depth + 1)}`).join('') : '';
      const data = k === 'map' && o.data !== undefined ? ` : ${printExpr(o.data, depth + 1)}` : '';
      return `${str(o.op) ?? 'add'} ${str(o.set) ?? str(o.map) ?? '?'} { ${printExpr(o.elem, depth + 1)}${stmts}${data} }`;
    }
    case 'meter':
      return `meter ${str(o.name) ?? '?'} { ${printExpr(o.key, depth + 1)} ${printStatement(o.stmt, depth + 1)} }`;
    case 'quota':
      return `quota ${o.inv === true ? 'over ' : ''}${String(o.val)} ${str(o.val_unit) ?? 'bytes'}`;
    case 'ct count':
      return `ct count ${o.inv === true ? 'over ' : ''}${String(o.val)}`;
    case 'ct helper':
      return `ct helper set ${printExpr(v, depth + 1)}`;
    case 'xt':
      return `xt ${str(o.type) ?? '?'} ${str(o.name) ?? '?'}`;
    default:
      return brief(s, 80);
  }
}

export function printRule(expr: unknown): string {
  if (!Array.isArray(expr)) return brief(expr);
  // As map/filter/join(' '), without the two arrays per rule.
  let out = '';
  let first = true;
  for (const s of expr) {
    const text = printStatement(s);
    if (text === 'counter') continue;
    out = first ? text : `${out} ${text}`;
    first = false;
  }
  return out;
}
