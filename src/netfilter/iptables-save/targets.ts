import { parseAddress } from '../addr.js';
import type { Effect, NatTarget, PacketFamily, Verdict } from '../model.js';
import { parsePortRange } from './ports.js';
import type { ModuleOption } from './matches.js';

/**
 * Target extensions (`-j NAME --opt …`): option tables, so the line can be split, and the
 * conversion into a verdict plus side effects. Non-terminating targets become `continue` with an
 * effect; a target that is neither built in, known, nor a chain of the table is `unsupported`.
 */

export interface TargetSpec {
  options: Record<string, number>;
  build(opts: ModuleOption[], family: PacketFamily): { verdict: Verdict; effects: Effect[] };
}

export function targetText(name: string, opts: ModuleOption[]): string {
  const parts = [`-j ${name}`];
  for (const o of opts)
    parts.push([o.negate ? '!' : '', o.name, ...o.args.map((a) => (/^[\w.:/,+@%[\]-]+$/.test(a) ? a : JSON.stringify(a)))].filter(Boolean).join(' '));
  return parts.join(' ');
}

const CONTINUE: Verdict = { kind: 'continue' };

function unsupported(name: string, opts: ModuleOption[], reason: string): { verdict: Verdict; effects: Effect[] } {
  return { verdict: { kind: 'unsupported', text: targetText(name, opts), reason }, effects: [] };
}

function simple(verdict: Verdict): TargetSpec {
  return {
    options: {},
    build: () => ({ verdict, effects: [] }),
  };
}

/** `A`, `A-B`, `A:P`, `A:P-Q`, `[v6]:P`, bare v6, `:P`. */
export function parseNatTarget(text: string, family: PacketFamily): NatTarget | string {
  let addrPart = text;
  let portPart: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return `bad NAT address ${text}`;
    addrPart = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest.startsWith(':')) portPart = rest.slice(1);
    else if (rest !== '') return `bad NAT address ${text}`;
  } else if (family === 'ip') {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      addrPart = text.slice(0, colon);
      portPart = text.slice(colon + 1);
    }
  } else if (text.startsWith(':') && !text.startsWith('::')) {
    // `:P` is a port alone; `::1` (ip6tables-save prints an address without a port bare) is an address.
    addrPart = '';
    portPart = text.slice(1);
  }
  const target: NatTarget = {};
  if (addrPart !== '') {
    const dash = addrPart.indexOf('-');
    const from = parseAddress(dash < 0 ? addrPart : addrPart.slice(0, dash));
    if (!from.ok || from.value.family !== family) return `bad NAT address ${text}`;
    target.addr = from.value.address;
    if (dash >= 0) {
      const to = parseAddress(addrPart.slice(dash + 1));
      if (!to.ok || to.value.family !== family) return `bad NAT address ${text}`;
      target.addrTo = to.value.address;
    }
  }
  if (portPart !== undefined) {
    // `P-Q/B` (a base port for the mapping) moves ports in a way a single range cannot show.
    if (portPart.includes('/')) return `NAT port base not modelled: ${text}`;
    const r = parsePortRange(portPart, '-');
    if (!r.ok) return r.message;
    target.port = r.value.from;
    if (r.value.to !== r.value.from) target.portTo = r.value.to;
  }
  return target;
}

function natTarget(kind: 'dnat' | 'snat', option: string): TargetSpec {
  return {
    options: { [option]: 1, '--random': 0, '--random-fully': 0, '--persistent': 0 },
    build(opts, family) {
      const to = opts.filter((o) => o.name === option);
      const only = to[0];
      if (to.length !== 1 || !only) return unsupported(kind.toUpperCase(), opts, `${kind.toUpperCase()} needs exactly one ${option}`);
      const t = parseNatTarget(only.args[0] ?? '', family);
      if (typeof t === 'string') return unsupported(kind.toUpperCase(), opts, t);
      return { verdict: { kind, ...t }, effects: [] };
    },
  };
}

function portsTarget(name: 'MASQUERADE' | 'REDIRECT'): TargetSpec {
  return {
    options: { '--to-ports': 1, '--random': 0, '--random-fully': 0 },
    build(opts) {
      const to = opts.find((o) => o.name === '--to-ports');
      let range: { from: number; to: number } | undefined;
      if (to) {
        const r = parsePortRange(to.args[0] ?? '', '-');
        if (!r.ok) return unsupported(name, opts, r.message);
        range = r.value;
      }
      if (name === 'MASQUERADE') {
        const v: Verdict = { kind: 'masquerade' };
        if (range) {
          v.portFrom = range.from;
          v.portTo = range.to;
        }
        return { verdict: v, effects: [] };
      }
      const v: Verdict = { kind: 'redirect' };
      if (range) {
        v.port = range.from;
        if (range.to !== range.from) v.portTo = range.to;
      }
      return { verdict: v, effects: [] };
    },
  };
}

function parseU32(text: string): number | undefined {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= 0xffffffff ? n : undefined;
}

/** MARK/CONNMARK value operations, reduced to the kernel's (mark & ~mask) ^ xor. */
function markEffect(on: 'packet' | 'conn', name: string, o: ModuleOption): Effect {
  const text = targetText(name, [o]);
  const [v, m] = (o.args[0] ?? '').split('/');
  const value = parseU32(v ?? '');
  const mask = m === undefined ? undefined : parseU32(m);
  if (value === undefined || (m !== undefined && mask === undefined)) return { kind: 'unsupported', text, reason: 'bad mark value' };
  switch (o.name) {
    case '--set-xmark':
      return { kind: 'mark', on, mask: mask ?? 0xffffffff, xor: value, text };
    case '--set-mark':
      return { kind: 'mark', on, mask: mask ?? 0xffffffff, xor: value & (mask ?? 0xffffffff), text };
    case '--and-mark':
      return { kind: 'mark', on, mask: ~value >>> 0, xor: 0, text };
    case '--or-mark':
      return { kind: 'mark', on, mask: value, xor: value, text };
    case '--xor-mark':
      return { kind: 'mark', on, mask: 0, xor: value, text };
    default:
      return { kind: 'unsupported', text, reason: `${o.name} is not modelled` };
  }
}

const MARK_OPTIONS = { '--set-xmark': 1, '--set-mark': 1, '--and-mark': 1, '--or-mark': 1, '--xor-mark': 1 };

const mark: TargetSpec = {
  options: MARK_OPTIONS,
  build(opts) {
    if (opts.length === 0) return unsupported('MARK', opts, 'MARK without an operation');
    return { verdict: CONTINUE, effects: opts.map((o) => markEffect('packet', 'MARK', o)) };
  },
};

const connmark: TargetSpec = {
  options: { ...MARK_OPTIONS, '--save-mark': 0, '--restore-mark': 0, '--nfmask': 1, '--ctmask': 1, '--mask': 1 },
  build(opts) {
    const ops = opts.filter((o) => o.name in MARK_OPTIONS);
    if (ops.length === opts.length && ops.length > 0) return { verdict: CONTINUE, effects: ops.map((o) => markEffect('conn', 'CONNMARK', o)) };
    // save/restore copy between the packet and conntrack marks: kept as an opaque effect.
    return { verdict: CONTINUE, effects: [{ kind: 'unsupported', text: targetText('CONNMARK', opts), reason: 'CONNMARK save/restore is not modelled' }] };
  },
};

const log = (prefixOption: string, options: Record<string, number>): TargetSpec => ({
  options,
  build(opts) {
    const prefix = opts.find((o) => o.name === prefixOption)?.args[0];
    const effect: Effect = { kind: 'log' };
    if (prefix !== undefined) effect.prefix = prefix;
    return { verdict: CONTINUE, effects: [effect] };
  },
});

const ct: TargetSpec = {
  options: { '--notrack': 0, '--helper': 1, '--ctevents': 1, '--expevents': 1, '--zone': 1, '--zone-orig': 1, '--zone-reply': 1, '--timeout': 1 },
  build(opts) {
    const effects: Effect[] = [];
    for (const o of opts) {
      if (o.name === '--notrack') effects.push({ kind: 'notrack' });
      else if (o.name === '--helper') effects.push({ kind: 'ct-helper', helper: o.args[0] ?? '' });
      // A zone changes which conntrack entry is found; it does not change a first SYN's state.
      else effects.push({ kind: 'other', text: targetText('CT', [o]) });
    }
    return { verdict: CONTINUE, effects };
  },
};

/** Non-terminating targets that change nothing the reachability model reads. */
function other(name: string, options: Record<string, number>): TargetSpec {
  return {
    options,
    build: (opts) => ({ verdict: CONTINUE, effects: [{ kind: 'other', text: targetText(name, opts) }] }),
  };
}

function queue(name: string, options: Record<string, number>): TargetSpec {
  return {
    options,
    build: (opts) => ({ verdict: { kind: 'queue', text: targetText(name, opts) }, effects: [] }),
  };
}

export const TARGETS: Readonly<Record<string, TargetSpec>> = {
  ACCEPT: simple({ kind: 'accept' }),
  DROP: simple({ kind: 'drop' }),
  RETURN: simple({ kind: 'return' }),
  REJECT: {
    options: { '--reject-with': 1 },
    build(opts) {
      const w = opts.find((o) => o.name === '--reject-with')?.args[0];
      return { verdict: w === undefined ? { kind: 'reject' } : { kind: 'reject', with: w }, effects: [] };
    },
  },
  DNAT: natTarget('dnat', '--to-destination'),
  SNAT: natTarget('snat', '--to-source'),
  MASQUERADE: portsTarget('MASQUERADE'),
  REDIRECT: portsTarget('REDIRECT'),
  LOG: log('--log-prefix', {
    '--log-prefix': 1,
    '--log-level': 1,
    '--log-tcp-sequence': 0,
    '--log-tcp-options': 0,
    '--log-ip-options': 0,
    '--log-uid': 0,
    '--log-macdecode': 0,
  }),
  NFLOG: log('--nflog-prefix', { '--nflog-group': 1, '--nflog-prefix': 1, '--nflog-range': 1, '--nflog-size': 1, '--nflog-threshold': 1 }),
  ULOG: log('--ulog-prefix', { '--ulog-nlgroup': 1, '--ulog-prefix': 1, '--ulog-cprange': 1, '--ulog-qthreshold': 1 }),
  MARK: mark,
  CONNMARK: connmark,
  CT: ct,
  NOTRACK: { options: {}, build: () => ({ verdict: CONTINUE, effects: [{ kind: 'notrack' }] }) },
  SET: {
    options: { '--add-set': 2, '--del-set': 2, '--map-set': 2, '--exist': 0, '--timeout': 1 },
    build(opts) {
      const s = opts.find((o) => o.name === '--add-set' || o.name === '--del-set' || o.name === '--map-set');
      return { verdict: CONTINUE, effects: [{ kind: 'set-update', set: s?.args[0] ?? '', text: targetText('SET', opts) }] };
    },
  },
  TCPMSS: other('TCPMSS', { '--set-mss': 1, '--clamp-mss-to-pmtu': 0 }),
  TRACE: other('TRACE', {}),
  CHECKSUM: other('CHECKSUM', { '--checksum-fill': 0 }),
  TOS: other('TOS', { '--set-tos': 1, '--and-tos': 1, '--or-tos': 1, '--xor-tos': 1 }),
  DSCP: other('DSCP', { '--set-dscp': 1, '--set-dscp-class': 1 }),
  TTL: other('TTL', { '--ttl-set': 1, '--ttl-dec': 1, '--ttl-inc': 1 }),
  HL: other('HL', { '--hl-set': 1, '--hl-dec': 1, '--hl-inc': 1 }),
  CLASSIFY: other('CLASSIFY', { '--set-class': 1 }),
  AUDIT: other('AUDIT', { '--type': 1 }),
  // Labels, timers, LEDs, estimators, a copy sent elsewhere: the packet itself goes on unchanged.
  SECMARK: other('SECMARK', { '--selctx': 1 }),
  CONNSECMARK: other('CONNSECMARK', { '--save': 0, '--restore': 0 }),
  IDLETIMER: other('IDLETIMER', { '--timeout': 1, '--label': 1, '--alarm': 0 }),
  LED: other('LED', { '--led-trigger-id': 1, '--led-delay': 1, '--led-always-blink': 0 }),
  RATEEST: other('RATEEST', { '--rateest-name': 1, '--rateest-interval': 1, '--rateest-ewmalog': 1 }),
  TEE: other('TEE', { '--gateway': 1 }),
  ECN: other('ECN', { '--ecn-tcp-remove': 0, '--ecn-tcp-cwr': 1, '--ecn-tcp-ece': 1, '--ecn-ip-ect': 1 }),
  TCPOPTSTRIP: other('TCPOPTSTRIP', { '--strip-options': 1 }),
  QUEUE: queue('QUEUE', {}),
  NFQUEUE: queue('NFQUEUE', { '--queue-num': 1, '--queue-balance': 1, '--queue-bypass': 0, '--fail-open': 0, '--queue-cpu-fanout': 0 }),
};
