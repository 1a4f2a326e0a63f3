import { parseAddrRange, parsePrefix } from '../addr.js';
import type { AddrSpec, Match, PacketFamily, PortProtocol, PortRange } from '../model.js';
import { parsePortList, parsePortRange } from './ports.js';
import { parseU32 } from '../u32.js';

/**
 * The match extensions (`-m NAME --opt …`) that occur in real dumps, each with its option
 * table (how many arguments every option takes, so the rule line can be split even when
 * options of several modules are interleaved) and a builder into neutral matches.
 * An option a module does not know, or a value it cannot read, becomes an `unsupported`
 * match carrying the text: never dropped, never guessed.
 */

export interface ModuleOption {
  name: string;
  args: string[];
  negate: boolean;
}

export interface ModuleContext {
  family: PacketFamily;
  /** The rule's `-p` value, lower-case, if any (multiport needs it). */
  protocol?: string;
  protocolNegated: boolean;
}

export interface ModuleSpec {
  /** Option name (with leading dashes) → number of arguments. */
  options: Record<string, number>;
  build(opts: ModuleOption[], ctx: ModuleContext): Match[];
}

export function optionText(module: string, opts: ModuleOption[]): string {
  const parts = [`-m ${module}`];
  for (const o of opts) parts.push([o.negate ? '!' : '', o.name, ...o.args.map(quoteIfNeeded)].filter(Boolean).join(' '));
  return parts.join(' ');
}

function quoteIfNeeded(arg: string): string {
  return /^[\w.:/,+@%-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

function unsupported(module: string, opts: ModuleOption[], reason: string): Match {
  return { kind: 'unsupported', text: optionText(module, opts), reason };
}

function first(o: ModuleOption): string {
  return o.args[0] ?? '';
}

function upperList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
}

function ports(module: string, o: ModuleOption): PortRange[] | Match {
  const r = parsePortRange(first(o));
  return r.ok ? [r.value] : unsupported(module, [o], r.message);
}

function isPortMatchList(v: PortRange[] | Match): v is PortRange[] {
  return Array.isArray(v);
}

/** tcp, udp, sctp, dccp, udplite: the implicit protocol modules. */
function portModule(protocol: PortProtocol, extra: Record<string, number> = {}): ModuleSpec {
  return {
    options: {
      '--dport': 1,
      '--destination-port': 1,
      '--sport': 1,
      '--source-port': 1,
      ...extra,
    },
    build(opts) {
      const out: Match[] = [];
      for (const o of opts) {
        if (o.name === '--dport' || o.name === '--destination-port' || o.name === '--sport' || o.name === '--source-port') {
          const p = ports(protocol, o);
          if (!isPortMatchList(p)) {
            out.push(p);
            continue;
          }
          const dir = o.name === '--dport' || o.name === '--destination-port' ? 'dst' : 'src';
          out.push({ kind: 'port', dir, protocol, ports: p, negate: o.negate });
        } else if (o.name === '--tcp-flags') {
          out.push({ kind: 'tcpflags', mask: upperList(o.args[0] ?? ''), set: upperList(o.args[1] ?? ''), negate: o.negate });
        } else if (o.name === '--syn') {
          out.push({ kind: 'tcpflags', mask: ['FIN', 'SYN', 'RST', 'ACK'], set: ['SYN'], negate: o.negate });
        } else {
          out.push(unsupported(protocol, [o], `option ${o.name} of ${protocol} is not modelled`));
        }
      }
      return out;
    },
  };
}

function addrs(module: string, o: ModuleOption): { addrs: AddrSpec[]; family: PacketFamily } | Match {
  const r = parsePrefix(first(o));
  return r.ok ? { addrs: [r.value.spec], family: r.value.family } : unsupported(module, [o], r.message);
}

const conntrack: ModuleSpec = {
  options: {
    '--ctstate': 1,
    '--ctstatus': 1,
    '--ctproto': 1,
    '--ctorigsrc': 1,
    '--ctorigdst': 1,
    '--ctreplsrc': 1,
    '--ctrepldst': 1,
    '--ctorigsrcport': 1,
    '--ctorigdstport': 1,
    '--ctreplsrcport': 1,
    '--ctrepldstport': 1,
    '--ctexpire': 1,
    '--ctdir': 1,
  },
  build(opts) {
    const out: Match[] = [];
    for (const o of opts) {
      switch (o.name) {
        case '--ctstate':
          out.push({ kind: 'ctstate', states: upperList(first(o)), negate: o.negate });
          break;
        case '--ctstatus':
          out.push({ kind: 'ctstatus', statuses: upperList(first(o)), negate: o.negate });
          break;
        case '--ctorigsrc':
        case '--ctorigdst':
        case '--ctreplsrc':
        case '--ctrepldst': {
          const a = addrs('conntrack', o);
          if (!('addrs' in a)) {
            out.push(a);
            break;
          }
          out.push({
            kind: 'ctaddr',
            tuple: o.name.startsWith('--ctorig') ? 'original' : 'reply',
            dir: o.name.endsWith('src') ? 'src' : 'dst',
            family: a.family,
            addrs: a.addrs,
            negate: o.negate,
          });
          break;
        }
        case '--ctorigsrcport':
        case '--ctorigdstport':
        case '--ctreplsrcport':
        case '--ctrepldstport': {
          const p = ports('conntrack', o);
          if (!isPortMatchList(p)) {
            out.push(p);
            break;
          }
          out.push({
            kind: 'ctport',
            tuple: o.name.startsWith('--ctorig') ? 'original' : 'reply',
            dir: o.name.endsWith('srcport') ? 'src' : 'dst',
            ports: p,
            negate: o.negate,
          });
          break;
        }
        default:
          out.push(unsupported('conntrack', [o], `option ${o.name} of conntrack is not modelled`));
      }
    }
    return out;
  },
};

const state: ModuleSpec = {
  options: { '--state': 1 },
  build(opts) {
    return opts.map((o) => ({ kind: 'ctstate', states: upperList(first(o)), negate: o.negate }));
  },
};

const addrtype: ModuleSpec = {
  options: { '--src-type': 1, '--dst-type': 1, '--limit-iface-in': 0, '--limit-iface-out': 0 },
  build(opts) {
    const limitIfaceIn = opts.some((o) => o.name === '--limit-iface-in');
    const limitIfaceOut = opts.some((o) => o.name === '--limit-iface-out');
    const out: Match[] = [];
    for (const o of opts) {
      if (o.name !== '--src-type' && o.name !== '--dst-type') continue;
      const m: Match = { kind: 'addrtype', dir: o.name === '--src-type' ? 'src' : 'dst', types: upperList(first(o)), negate: o.negate, xt: true };
      if (limitIfaceIn) m.limitIfaceIn = true;
      if (limitIfaceOut) m.limitIfaceOut = true;
      out.push(m);
    }
    if (out.length === 0) out.push(unsupported('addrtype', opts, 'addrtype without --src-type/--dst-type'));
    return out;
  },
};

const comment: ModuleSpec = {
  options: { '--comment': 1 },
  build(opts) {
    return opts.map((o) => ({ kind: 'comment', text: first(o) }));
  },
};

const limit: ModuleSpec = {
  options: { '--limit': 1, '--limit-burst': 1 },
  build(opts) {
    return [{ kind: 'limit', above: false, text: optionText('limit', opts) }];
  },
};

const hashlimit: ModuleSpec = {
  options: Object.fromEntries(
    [
      '--hashlimit',
      '--hashlimit-upto',
      '--hashlimit-above',
      '--hashlimit-burst',
      '--hashlimit-mode',
      '--hashlimit-srcmask',
      '--hashlimit-dstmask',
      '--hashlimit-name',
      '--hashlimit-htable-size',
      '--hashlimit-htable-max',
      '--hashlimit-htable-expire',
      '--hashlimit-htable-gcinterval',
      '--hashlimit-rate-match',
      '--hashlimit-rate-interval',
    ].map((n) => [n, n === '--hashlimit-rate-match' ? 0 : 1]),
  ),
  build(opts) {
    return [{ kind: 'limit', above: opts.some((o) => o.name === '--hashlimit-above'), text: optionText('hashlimit', opts) }];
  },
};

/** xt_quota: matches while bytes remain; a fresh client's first packet finds them (the snapshot does not say how many were used). */
const quota: ModuleSpec = {
  options: { '--quota': 1 },
  build(opts) {
    return [{ kind: 'limit', above: opts.some((o) => o.negate), text: optionText('quota', opts) }];
  },
};

/** `-m connlimit --connlimit-above N` / `--connlimit-upto N` (`!` swaps them). */
const connlimit: ModuleSpec = {
  options: { '--connlimit-upto': 1, '--connlimit-above': 1, '--connlimit-mask': 1, '--connlimit-saddr': 0, '--connlimit-daddr': 0 },
  build(opts) {
    const limits = opts.filter((o) => o.name === '--connlimit-upto' || o.name === '--connlimit-above');
    const o = limits[0];
    const value = o ? Number(first(o)) : NaN;
    if (limits.length !== 1 || !o || !Number.isInteger(value) || value < 0)
      return [unsupported('connlimit', opts, 'connlimit needs one --connlimit-upto or --connlimit-above count')];
    return [{ kind: 'conncount', over: (o.name === '--connlimit-above') !== o.negate, value, text: optionText('connlimit', opts) }];
  },
};

const set: ModuleSpec = {
  options: {
    '--match-set': 2,
    '--set': 2,
    '--return-nomatch': 0,
    '--update-counters': 0,
    '--update-subcounters': 0,
    '--packets-eq': 1,
    '--packets-lt': 1,
    '--packets-gt': 1,
    '--bytes-eq': 1,
    '--bytes-lt': 1,
    '--bytes-gt': 1,
  },
  build(opts) {
    const sets = opts.filter((o) => o.name === '--match-set' || o.name === '--set');
    const counters = opts.filter((o) => /^--(packets|bytes)-/.test(o.name) || o.name === '--return-nomatch');
    if (sets.length !== 1 || counters.length > 0) return [unsupported('set', opts, 'set counter conditions / several sets in one match are not modelled')];
    const o = sets[0] as ModuleOption;
    const flags = (o.args[1] ?? '').split(',');
    if (!flags.every((f): f is 'src' | 'dst' => f === 'src' || f === 'dst')) return [unsupported('set', opts, `bad set flags ${o.args[1] ?? ''}`)];
    return [{ kind: 'ipset', name: first(o), flags, negate: o.negate, text: optionText('set', opts) }];
  },
};

function parseMarkValue(text: string): { value: number; mask: number } | undefined {
  const m = /^(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?$/i.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const mask = m[2] === undefined ? 0xffffffff : Number(m[2]);
  if (!Number.isSafeInteger(value) || !Number.isSafeInteger(mask) || value > 0xffffffff || mask > 0xffffffff) return undefined;
  return { value, mask };
}

function markModule(name: string, on: 'packet' | 'conn'): ModuleSpec {
  return {
    options: { '--mark': 1 },
    build(opts) {
      return opts.map((o): Match => {
        const v = parseMarkValue(first(o));
        return v ? { kind: 'mark', on, value: v.value, mask: v.mask, negate: o.negate } : unsupported(name, [o], `bad mark ${first(o)}`);
      });
    },
  };
}

function icmpModule(version: 'icmp' | 'icmpv6', option: string): ModuleSpec {
  return {
    options: { [option]: 1 },
    build(opts) {
      return opts.map((o) => ({ kind: 'icmp', version, types: [first(o)], negate: o.negate }));
    },
  };
}

function hopLimitModule(name: string, prefix: string): ModuleSpec {
  return {
    options: { [`${prefix}-eq`]: 1, [`${prefix}-lt`]: 1, [`${prefix}-gt`]: 1 },
    build(opts) {
      return opts.map((o): Match => {
        const value = Number(first(o));
        if (!/^\d{1,3}$/.test(first(o))) return unsupported(name, [o], `bad value ${first(o)}`);
        const op = o.name.endsWith('eq') ? 'eq' : o.name.endsWith('lt') ? 'lt' : 'gt';
        return { kind: 'hoplimit', op, value, negate: o.negate };
      });
    },
  };
}

const rt: ModuleSpec = {
  options: { '--rt-type': 1, '--rt-segsleft': 1, '--rt-len': 1, '--rt-0-res': 0, '--rt-0-addrs': 1, '--rt-0-not-strict': 0 },
  build(opts) {
    // Negation of one option is not a negation of "has a routing header"; keep per option.
    return [{ kind: 'rt', text: optionText('rt', opts), negate: false }];
  },
};

const pkttype: ModuleSpec = {
  options: { '--pkt-type': 1 },
  build(opts) {
    return opts.map((o) => ({ kind: 'pkttype', types: [first(o).toLowerCase()], negate: o.negate }));
  },
};

const rpfilter: ModuleSpec = {
  options: { '--loose': 0, '--validmark': 0, '--accept-local': 0, '--invert': 0 },
  build(opts) {
    const has = (n: string): boolean => opts.some((o) => o.name === n);
    return [{ kind: 'rpfilter', invert: has('--invert'), loose: has('--loose'), validmark: has('--validmark'), acceptLocal: has('--accept-local') }];
  },
};

const u32: ModuleSpec = {
  options: { '--u32': 1 },
  build(opts) {
    return opts.map((o): Match => {
      const tests = parseU32(first(o));
      return tests ? { kind: 'u32', tests, negate: o.negate, text: optionText('u32', [o]) } : unsupported('u32', [o], 'u32 test not understood');
    });
  },
};

/** xt_owner: its tests are ANDed; `!` inverts each. */
const owner: ModuleSpec = {
  options: { '--uid-owner': 1, '--gid-owner': 1, '--socket-exists': 0, '--suppl-groups': 0 },
  build(opts) {
    const tests: Extract<Match, { kind: 'socket' }>['tests'] = [];
    for (const o of opts) {
      if (o.name === '--uid-owner') tests.push({ what: 'uid', negate: o.negate, value: first(o) });
      else if (o.name === '--gid-owner') tests.push({ what: 'gid', negate: o.negate, value: first(o) });
      else if (o.name === '--socket-exists') tests.push({ what: 'socket-exists', negate: o.negate });
    }
    if (tests.length === 0) return [unsupported('owner', opts, 'owner without a test')];
    return [{ kind: 'socket', tests, text: optionText('owner', opts) }];
  },
};

const nfacct: ModuleSpec = {
  options: { '--nfacct-name': 1 },
  build(opts) {
    return opts.map((o) => ({ kind: 'nfacct', name: first(o) }));
  },
};

const recent: ModuleSpec = {
  options: {
    '--name': 1,
    '--set': 0,
    '--rcheck': 0,
    '--update': 0,
    '--remove': 0,
    '--seconds': 1,
    '--reap': 0,
    '--hitcount': 1,
    '--rttl': 0,
    '--rsource': 0,
    '--rdest': 0,
    '--mask': 1,
  },
  build(opts) {
    const modes = opts.filter((o) => ['--set', '--rcheck', '--update', '--remove'].includes(o.name));
    const mode = modes[0];
    if (modes.length !== 1 || !mode) return [unsupported('recent', opts, 'recent needs exactly one of --set/--rcheck/--update/--remove')];
    const name = first(opts.find((o) => o.name === '--name') ?? { name: '', args: ['DEFAULT'], negate: false });
    const m: Match = {
      kind: 'recent',
      mode: mode.name.slice(2) as 'set' | 'rcheck' | 'update' | 'remove',
      name,
      negate: mode.negate,
      text: optionText('recent', opts),
    };
    const hit = opts.find((o) => o.name === '--hitcount');
    if (hit) {
      const n = Number(first(hit));
      if (!Number.isInteger(n) || n < 0) return [unsupported('recent', opts, `--hitcount ${first(hit)} is not a count`)];
      m.hitcount = n;
    }
    if (opts.some((o) => o.name === '--rdest')) m.side = 'dst';
    // --mask groups addresses and --rttl adds the TTL to what is compared: one walk records and
    // finds the same client with the same TTL before routing, so neither changes a first connection.
    return [m];
  },
};

const statistic: ModuleSpec = {
  options: { '--mode': 1, '--probability': 1, '--every': 1, '--packet': 1 },
  build(opts) {
    return [{ kind: 'statistic', text: optionText('statistic', opts), negate: opts.some((o) => o.negate) }];
  },
};

const multiport: ModuleSpec = {
  options: { '--dports': 1, '--destination-ports': 1, '--sports': 1, '--source-ports': 1, '--ports': 1 },
  build(opts, ctx) {
    const protocol = ctx.protocol;
    const portProtocols: readonly string[] = ['tcp', 'udp', 'sctp', 'dccp', 'udplite'];
    return opts.map((o): Match => {
      if (!protocol || ctx.protocolNegated || !portProtocols.includes(protocol)) return unsupported('multiport', [o], 'multiport without -p tcp/udp/sctp/dccp');
      // --ports matches when either side is in the list: no single port match expresses that.
      if (o.name === '--ports') return unsupported('multiport', [o], '--ports (source or destination) is not modelled');
      const list = parsePortList(first(o));
      if (!list.ok) return unsupported('multiport', [o], list.message);
      const dir = o.name === '--dports' || o.name === '--destination-ports' ? 'dst' : 'src';
      return { kind: 'port', dir, protocol: protocol as PortProtocol, ports: list.value, negate: o.negate, multiport: true };
    });
  },
};

const iprange: ModuleSpec = {
  options: { '--src-range': 1, '--dst-range': 1 },
  build(opts) {
    return opts.map((o): Match => {
      const [from, to] = first(o).split('-');
      const r = parseAddrRange(from ?? '', to ?? '');
      if (!r.ok) return unsupported('iprange', [o], r.message);
      return { kind: 'addr', dir: o.name === '--src-range' ? 'src' : 'dst', family: r.value.family, addrs: [r.value.spec], negate: o.negate };
    });
  },
};

export const MODULES: Readonly<Record<string, ModuleSpec>> = {
  tcp: portModule('tcp', { '--tcp-flags': 2, '--syn': 0, '--tcp-option': 1 }),
  udp: portModule('udp'),
  sctp: portModule('sctp', { '--chunk-types': 2 }),
  dccp: portModule('dccp', { '--dccp-types': 1, '--dccp-option': 1 }),
  udplite: portModule('udplite'),
  multiport,
  conntrack,
  state,
  addrtype,
  comment,
  limit,
  hashlimit,
  connlimit,
  quota,
  set,
  mark: markModule('mark', 'packet'),
  connmark: markModule('connmark', 'conn'),
  icmp: icmpModule('icmp', '--icmp-type'),
  icmp6: icmpModule('icmpv6', '--icmpv6-type'),
  hl: hopLimitModule('hl', '--hl'),
  ttl: hopLimitModule('ttl', '--ttl'),
  rt,
  pkttype,
  rpfilter,
  nfacct,
  u32,
  owner,
  recent,
  statistic,
  iprange,
};

/** The module `-p NAME` loads implicitly when one of its options appears without `-m NAME`. */
export function implicitModuleFor(protocol: string | undefined): string | undefined {
  switch (protocol) {
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'dccp':
    case 'udplite':
      return protocol;
    case 'icmp':
      return 'icmp';
    case 'ipv6-icmp':
    case 'icmpv6':
      return 'icmp6';
    default:
      return undefined;
  }
}
