import type { Match } from '../model.js';
import type { HostTable } from './host.js';
import { inNet, netOfSpec, type Net } from './ip.js';
import { ctStateOf, icmpType, PORT_PROTOS, protoNumber, type Pkt } from './packet.js';
import { compileSet, lookup, NO_ELEMENT, UNKNOWN_ELEMENT } from './sets.js';

/**
 * Each model match → a test of the packet: F (does not match), T, or U (cannot be decided
 * from the snapshot). Run-time state gets the fixed answer a first SYN would see:
 *
 * - conntrack: state NEW (INVALID before conntrack, in raw; UNTRACKED after NOTRACK); the
 *   virtual state and status DNAT once a DNAT/REDIRECT was applied; SNAT never (it happens
 *   last); original tuple = the pre-NAT destination.
 * - rate limits (`limit`, `hashlimit` upto) are within their burst; `above` is not.
 * - `recent --set` matches; `--rcheck/--update/--remove` find no history.
 * - `statistic` (random/nth) and `numgen` are undecidable: U.
 * - the packet is a unicast (pkttype host) TCP SYN or UDP datagram, hop limit/TTL 64, no
 *   fragments, no IPv6 routing header.
 * - marks start at 0 and follow MARK/CONNMARK/`meta mark set` on this walk.
 * - addrtype/`fib daddr type` use the host's local table; ipsets and nft sets their contents
 *   (a set that was not collected, or is filled at run time, is U).
 * - rpfilter: the route back to the source must leave through the input interface (loose:
 *   any route back).
 */

export const F = 0;
export const T = 1;
export const U = 2;
export type Tri = 0 | 1 | 2;

export type Test = (p: Pkt) => Tri;

export interface CompiledMatch {
  test: Test;
  /** Evaluation order: 0 ports, 1 addresses (the selective tests), 2 other packet fields, 3 conntrack and marks, 4 host lookups, 5-6 possibly undecidable. */
  cost: number;
  /** Why this match can be U (for unknownReasons); absent when it cannot. */
  unknownWhy?: string;
}


function neg(negate: boolean, test: (p: Pkt) => boolean): Test {
  return negate ? (p) => (test(p) ? F : T) : (p) => (test(p) ? T : F);
}

function tri(negate: boolean, r: Tri): Tri {
  return r === U ? U : negate ? ((r ^ 1) as Tri) : r;
}

const TCP_ALL = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];

function expandFlags(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of list) {
    if (f === 'ALL') out.push(...TCP_ALL);
    else if (f !== 'NONE') out.push(f);
  }
  return out;
}

export function compileMatch(m: Match, host: HostTable): CompiledMatch | undefined {
  switch (m.kind) {
    case 'comment':
    case 'nfacct':
      return undefined;
    case 'limit':
      return m.above ? { test: () => F, cost: 2 } : undefined;

    case 'iface': {
      const exact = m.patterns.filter((x) => !x.wildcard).map((x) => x.name);
      const prefixes = m.patterns.filter((x) => x.wildcard).map((x) => x.name);
      const inDir = m.dir === 'in';
      const one = exact.length === 1 && prefixes.length === 0 ? exact[0] : undefined;
      if (one !== undefined) return { test: neg(m.negate, inDir ? (p) => p.iif === one : (p) => p.oif === one), cost: 2 };
      const hit = (name: string): boolean => exact.includes(name) || prefixes.some((x) => name.startsWith(x));
      return { test: neg(m.negate, inDir ? (p) => hit(p.iif) : (p) => hit(p.oif)), cost: 2 };
    }

    case 'addr': {
      const nets = m.addrs.map(netOfSpec).filter((n): n is Net => n !== undefined);
      if (nets.length !== m.addrs.length) return unknown(`address ${JSON.stringify(m.addrs)} not understood`);
      const family = m.family;
      const src = m.dir === 'src';
      const negate = m.negate;
      // The address family is a precondition (nft `ip saddr` in an inet chain skips IPv6).
      return {
        test: (p) => {
          if (p.family !== family) return F;
          const a = src ? p.saddr : p.daddr;
          for (const n of nets) if (inNet(n, family, a.words)) return negate ? F : T;
          return negate ? T : F;
        },
        cost: 1,
      };
    }

    case 'protocol': {
      const nums = m.protocols.map((x) => protoNumber(x) ?? -1);
      return { test: neg(m.negate, (p) => nums.includes(p.proto)), cost: 2 };
    }

    case 'port': {
      const want = m.protocol === 'th' ? -1 : (protoNumber(m.protocol) ?? -2);
      const src = m.dir === 'src';
      const ranges = m.ports;
      const negate = m.negate;
      const single = ranges.length === 1 ? ranges[0] : undefined;
      return {
        test: (p) => {
          if (want === -1 ? !PORT_PROTOS.has(p.proto) : p.proto !== want) return F;
          const port = src ? p.sport : p.dport;
          let hit = false;
          if (single) hit = port >= single.from && port <= single.to;
          else for (const r of ranges) if (port >= r.from && port <= r.to) hit = true;
          return hit !== negate ? T : F;
        },
        cost: 0,
      };
    }

    case 'nfproto':
      return { test: neg(m.negate, (p) => p.family === m.family), cost: 2 };

    case 'ctstate': {
      const states = new Set(m.states.map((s) => s.toUpperCase()));
      return { test: neg(m.negate, (p) => states.has(ctStateOf(p)) || (p.dnat && states.has('DNAT'))), cost: 3 };
    }

    case 'ctstatus': {
      const st = m.statuses.map((s) => s.toUpperCase());
      return {
        test: (p) => {
          // No conntrack entry (raw, untracked): the expression does not match, negated or not.
          if (p.ct !== 'new') return F;
          const hit = st.some((s) => (s === 'DNAT' ? p.dnat : s === 'NONE' ? !p.dnat : false));
          return hit !== m.negate ? T : F;
        },
        cost: 3,
      };
    }

    case 'ctaddr': {
      const nets = m.addrs.map(netOfSpec).filter((n): n is Net => n !== undefined);
      if (nets.length !== m.addrs.length) return unknown('conntrack address not understood');
      return {
        test: (p) => {
          if (p.ct !== 'new' || p.family !== m.family) return F;
          // Original tuple: the packet as it arrived; reply tuple: source = translated destination, destination = source (no SNAT yet).
          const a = m.tuple === 'original' ? (m.dir === 'src' ? p.saddr : p.origDaddr) : m.dir === 'src' ? p.daddr : p.saddr;
          const hit = nets.some((n) => inNet(n, p.family, a.words));
          return hit !== m.negate ? T : F;
        },
        cost: 3,
      };
    }

    case 'ctport':
      return {
        test: (p) => {
          if (p.ct !== 'new' || !PORT_PROTOS.has(p.proto)) return F;
          const port = m.tuple === 'original' ? (m.dir === 'src' ? p.sport : p.origDport) : m.dir === 'src' ? p.dport : p.sport;
          const hit = m.ports.some((r) => port >= r.from && port <= r.to);
          return hit !== m.negate ? T : F;
        },
        cost: 3,
      };

    case 'addrtype': {
      const types = new Set(m.types.map((t) => t.toUpperCase()));
      return {
        test: neg(m.negate, (p) => {
          const a = m.dir === 'src' ? p.saddr : p.daddr;
          const iface = m.limitIfaceIn ? p.iif : m.limitIfaceOut ? p.oif : undefined;
          return types.has(host.addrType(a, iface));
        }),
        cost: 4,
      };
    }

    case 'rpfilter':
      return {
        test: (p) => {
          const ok = host.reversePathOk(p.saddr, p.iif, m.loose, m.acceptLocal);
          return ok !== m.invert ? T : F;
        },
        cost: 4,
      };

    case 'ipset': {
      const why = `ipset ${m.name} (${m.text}): contents not collected`;
      if (m.flags.length !== 1) return unknown(`ipset ${m.name} with ${m.flags.length} dimensions (${m.text}) is not modelled`);
      const src = m.flags[0] === 'src';
      return {
        test: (p) => {
          const r = host.inIpset(m.name, src ? p.saddr : p.daddr);
          return r === undefined ? U : r !== m.negate ? T : F;
        },
        cost: 5,
        unknownWhy: why,
      };
    }

    case 'set': {
      const label = m.name !== undefined ? `@${m.name}` : 'anonymous set';
      if (m.dynamic) return unknown(`set ${label} is filled at run time (or was not found)`);
      const set = compileSet(m.keys, m.elements);
      return {
        test: (p) => {
          const i = lookup(set, p);
          return i === UNKNOWN_ELEMENT ? U : tri(m.negate, i === NO_ELEMENT ? F : T);
        },
        cost: 4,
        unknownWhy: `lookup of ${m.keys.join(' . ')} in ${label} cannot be decided`,
      };
    }

    case 'mark': {
      const { value, mask } = m;
      if (m.on === 'packet') {
        return {
          test: (p) => (p.markKnown ? tri(m.negate, ((p.mark & mask) >>> 0) === value ? T : F) : U),
          cost: 3,
          unknownWhy: 'packet mark changed by a rule the model cannot read',
        };
      }
      return {
        test: (p) => {
          if (p.ct !== 'new') return F;
          return p.ctmarkKnown ? tri(m.negate, ((p.ctmark & mask) >>> 0) === value ? T : F) : U;
        },
        cost: 3,
        unknownWhy: 'connection mark changed by a rule the model cannot read',
      };
    }

    case 'icmp': {
      const proto = m.version === 'icmp' ? 1 : 58;
      const family = m.version === 'icmp' ? 'ip' : 'ip6';
      const parsed = m.types.map((t) => icmpType(t, m.version));
      const undecodable = parsed.some((x) => x === undefined);
      return {
        test: (p) => {
          if (p.proto !== proto || p.family !== family) return F;
          let hit = false;
          for (const t of parsed) {
            if (t === undefined) continue;
            if (t === 'any' || (t.type === p.icmpType && (t.code === undefined || t.code === p.icmpCode))) hit = true;
          }
          if (!hit && undecodable) return U;
          return hit !== m.negate ? T : F;
        },
        cost: 2,
        unknownWhy: `ICMP type ${m.types.join(',')} not known`,
      };
    }

    case 'pkttype': {
      const types = new Set(m.types.map((t) => (t.toLowerCase() === 'unicast' ? 'host' : t.toLowerCase())));
      return { test: neg(m.negate, (p) => types.has(p.pkttype)), cost: 2 };
    }

    case 'tcpflags': {
      const mask = expandFlags(m.mask);
      const set = new Set(expandFlags(m.set));
      // A SYN: of the flags in the mask, exactly those in `set` must be on.
      const synOnly = mask.every((f) => (f === 'SYN') === set.has(f));
      return { test: (p) => (p.proto !== 6 ? F : synOnly !== m.negate ? T : F), cost: 2 };
    }

    case 'rt':
      // No routing header on our packet: ip6t_rt never matches it, whatever the inversions.
      return { test: () => F, cost: 2 };

    case 'hoplimit': {
      const { op, value } = m;
      return { test: neg(m.negate, (p) => (op === 'eq' ? p.hopLimit === value : op === 'lt' ? p.hopLimit < value : p.hopLimit > value)), cost: 2 };
    }

    case 'recent': {
      const hit = m.mode === 'set';
      return { test: () => (hit !== m.negate ? T : F), cost: 2 };
    }

    case 'statistic':
      return unknown(`statistic (${m.text}) is random or counts packets`);

    case 'fragment':
      return { test: () => (m.negate ? T : F), cost: 2 };

    case 'unsupported':
      return unknown(`unsupported match ${m.text}${m.reason ? ` (${m.reason})` : ''}`);
  }
}

function unknown(why: string): CompiledMatch {
  return { test: () => U, cost: 6, unknownWhy: why };
}

