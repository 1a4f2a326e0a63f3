import type { Match } from '../model.js';
import type { HostTable } from './host.js';
import { inNet, netOfSpec, type Ip, type Net } from './ip.js';
import {
  ctStateOf,
  ctStatuses,
  dynCount,
  dynMaker,
  dynSet,
  icmpType,
  PORT_PROTOS,
  protoNumber,
  setDynMaker,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  tracked,
  type Pkt,
} from './packet.js';
import { compileSet, keyText, lookup, NO_ELEMENT, UNKNOWN_ELEMENT } from './sets.js';
import { evalU32, type KnownBytes } from '../u32.js';

/**
 * Each model match → a test of the packet: F (does not match), T, or U (cannot be decided
 * from the snapshot). Run-time state gets the fixed answer a first SYN would see:
 *
 * - conntrack: state NEW (INVALID before conntrack, in raw; UNTRACKED after NOTRACK); the
 *   virtual state and status DNAT once a DNAT/REDIRECT was applied; SNAT never (it happens
 *   last); original tuple = the pre-NAT destination.
 * - the client is fresh (its first connection): rate limits (`limit`, `hashlimit`, quotas) are
 *   not exceeded, a connection count (`ct count`, `connlimit`) is 1, run-time sets and `recent`
 *   lists hold what the snapshot lists plus what this walk added or deleted (dynset, recent
 *   --set); tests that rest on that say so in the path (CompiledMatch.assume).
 * - `statistic` (random/nth) and `numgen` are undecidable: U (random ones marked: a client that
 *   retries meets every answer).
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
  /**
   * The test changes the walk's run-time sets (nft `add @set`, `-m recent --set`) or rests on an
   * assumption about them: it runs in the rule's own order, after the matches before it held.
   */
  ordered?: boolean;
  /** The assumption the answer rests on, said in the path when the test is reached. */
  assume?: string;
  /** Its U is a choice the kernel makes at random for every connection (statistic --mode random). */
  random?: boolean;
}

function neg(negate: boolean, test: (p: Pkt) => boolean): Test {
  return negate ? (p) => (test(p) ? F : T) : (p) => (test(p) ? T : F);
}

function tri(negate: boolean, r: Tri): Tri {
  return r === U ? U : negate ? ((r ^ 1) as Tri) : r;
}

/** iptables spells bit 0x40 ECE, nft `ecn` (nft's whole flag list, as `tcp flags != syn` compares it, ends in ECN,CWR). */
const TCP_BITS: Readonly<Record<string, number>> = {
  FIN: TCP_FIN,
  SYN: TCP_SYN,
  RST: TCP_RST,
  PSH: TCP_PSH,
  ACK: TCP_ACK,
  URG: TCP_URG,
  ECE: 64,
  ECN: 64,
  CWR: 128,
};

/** Flag names → bits; undefined when a name is unknown. */
function flagBits(list: readonly string[]): number | undefined {
  let bits = 0;
  for (const f of list) {
    const u = f.toUpperCase();
    if (u === 'ALL') bits |= TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG;
    else if (u === 'NONE') continue;
    else if (/^(0X[0-9A-F]+|\d+)$/.test(u) && Number(u) <= 255) bits |= Number(u);
    else if (Object.hasOwn(TCP_BITS, u)) bits |= TCP_BITS[u] as number;
    else return undefined;
  }
  return bits;
}

export function compileMatch(m: Match, host: HostTable): CompiledMatch | undefined {
  switch (m.kind) {
    case 'comment':
    case 'nfacct':
      return undefined;
    case 'limit':
      return m.above ? { test: () => F, cost: 2, ordered: true, assume: `a fresh client is under the limit of "${m.text}", so it does not match` } : undefined;

    case 'conncount': {
      // The count includes this connection (nft_connlimit, xt_connlimit add it before comparing): 1.
      const hit = m.over ? 1 > m.value : 1 <= m.value;
      return {
        test: () => (hit ? T : F),
        cost: 2,
        ordered: true,
        assume: `a fresh client has only this connection: "${m.text}" ${hit ? 'matches' : 'does not match'}`,
      };
    }

    case 'dynset':
      return compileDynset(m, host);

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
      // The virtual SNAT/DNAT states of xt_conntrack: the connection has that binding.
      return {
        test: neg(m.negate, (p) => states.has(ctStateOf(p)) || (p.dnat && states.has('DNAT')) || (p.snatTo !== undefined && states.has('SNAT'))),
        cost: 3,
      };
    }

    case 'ctstatus': {
      // `--ctstatus NONE` adds no bit to the mask (libxt_conntrack: `statusmask |= 0`), and the
      // kernel tests `status & mask` != 0: NONE never matches by itself (negated: always).
      const st = m.statuses.map((s) => s.toUpperCase()).filter((s) => s !== 'NONE');
      if (m.exact) {
        // The whole word equals one of them: never for a bit the packet lacks, nor for DNAT/SNAT
        // (their *_NAT_DONE bit comes with them), nor beside another bit it has; a lone CONFIRMED
        // may carry the NAT null bindings' DONE bits or not: U.
        return {
          test: (p) => {
            if (!tracked(p)) return F;
            const have = ctStatuses(p);
            let eq: Tri = F;
            for (const x of m.statuses.map((s) => s.toUpperCase())) {
              if (x === 'NONE' ? have.size === 0 : !have.has(x) || x === 'DNAT' || x === 'SNAT' || have.size > 1) {
                if (x === 'NONE' && have.size === 0) eq = U;
                continue;
              }
              eq = U;
            }
            return tri(m.negate, eq);
          },
          cost: 3,
          unknownWhy: `ct status ${m.negate ? '!=' : '=='} ${m.statuses.join(',').toLowerCase()} compares the whole status word, whose NAT bookkeeping bits the snapshot does not show`,
        };
      }
      return {
        test: (p) => {
          // No conntrack entry (raw, untracked): the expression does not match, negated or not.
          if (!tracked(p)) return F;
          const have = ctStatuses(p);
          const hit = st.some((s) => have.has(s));
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
          if (!tracked(p) || p.family !== m.family) return F;
          const a = ctAddress(p, m.tuple, m.dir);
          const hit = nets.some((n) => inNet(n, p.family, a.words));
          return hit !== m.negate ? T : F;
        },
        cost: 3,
      };
    }

    case 'ctport':
      return {
        test: (p) => {
          if (!tracked(p) || !PORT_PROTOS.has(p.proto)) return F;
          const port = ctPort(p, m.tuple, m.dir);
          const hit = m.ports.some((r) => port >= r.from && port <= r.to);
          return hit !== m.negate ? T : F;
        },
        cost: 3,
      };

    case 'addrtype': {
      const types = new Set(m.types.map((t) => t.toUpperCase()));
      const xt = m.xt === true;
      return {
        test: (p) => {
          const a = m.dir === 'src' ? p.saddr : p.daddr;
          const iface = m.limitIfaceIn ? p.iif : m.limitIfaceOut ? p.oif : undefined;
          // iptables' IPv6 addrtype tests the type list as a whole (see HostTable.xtMatch6).
          const hit = xt && p.family === 'ip6' ? host.xtMatch6(a, types, iface) : types.has(host.addrType(a, iface));
          return hit === undefined ? U : hit !== m.negate ? T : F;
        },
        cost: 4,
        unknownWhy: `addrtype ${m.types.join(',')} bound to an interface is not modelled for IPv6`,
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
      if (m.flags.length !== 1) return unknown(`ipset ${m.name} with ${m.flags.length} dimensions (${m.text}) is not modelled`);
      const src = m.flags[0] === 'src';
      const why = host.ipsetUnknown(m.name);
      if (why !== undefined) return unknown(`${why} (${m.text})`);
      return {
        test: (p) => (host.inIpset(m.name, src ? p.saddr : p.daddr) !== m.negate ? T : F),
        cost: 5,
      };
    }

    case 'set': {
      const label = m.name !== undefined ? `@${m.name}` : 'anonymous set';
      if (m.missing) return unknown(`set ${label} was not found`);
      const set = compileSet(m.keys, m.elements);
      const id = m.setId;
      const c: CompiledMatch = {
        test: (p) => {
          // The key's own protocol is a dependency the negation does not flip (`ip saddr != @s` on IPv6 breaks).
          const key = keyText(m.keys, p);
          if (key === undefined) return F;
          if (key === null) return U;
          const added = id === undefined ? undefined : dynCount(p, id, key);
          if (added !== undefined) return tri(m.negate, added > 0 ? T : F);
          const i = lookup(set, p);
          return i === UNKNOWN_ELEMENT ? U : tri(m.negate, i === NO_ELEMENT ? F : T);
        },
        cost: 4,
        unknownWhy: `lookup of ${m.keys.join(' . ')} in ${label} cannot be decided`,
      };
      if (m.dynamic) {
        c.ordered = true;
        c.assume = `${label} is filled at run time: it holds what the snapshot lists${m.elements.length === 0 ? ' (nothing)' : ''} and what this connection added, so a fresh client is not in it otherwise`;
      }
      return c;
    }

    case 'mark': {
      const { value, mask } = m;
      if (m.on === 'packet') {
        return {
          test: (p) => (p.markKnown ? tri(m.negate, (p.mark & mask) >>> 0 === value ? T : F) : U),
          cost: 3,
          unknownWhy: 'packet mark changed by a rule the model cannot read',
        };
      }
      return {
        test: (p) => {
          if (!tracked(p)) return F;
          return p.ctmarkKnown ? tri(m.negate, (p.ctmark & mask) >>> 0 === value ? T : F) : U;
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
      const mask = flagBits(m.mask);
      const set = flagBits(m.set);
      const anyOf = m.anyOf?.map(flagBits);
      if (mask === undefined || set === undefined || anyOf?.some((b) => b === undefined))
        return unknown(`TCP flags ${m.mask.join(',')} ${m.set.join(',')} not understood`);
      if (anyOf) return { test: (p) => (p.proto !== 6 ? F : anyOf.includes(p.tcpFlags & mask) !== m.negate ? T : F), cost: 2 };
      if (m.nonzero) return { test: (p) => (p.proto !== 6 ? F : ((p.tcpFlags & mask) !== 0) !== m.negate ? T : F), cost: 2 };
      // Of the flags in the mask, exactly those in `set` must be on.
      return { test: (p) => (p.proto !== 6 ? F : ((p.tcpFlags & mask) === set) !== m.negate ? T : F), cost: 2 };
    }

    case 'rt':
      // No routing header on our packet: ip6t_rt never matches it, whatever the inversions.
      return { test: () => F, cost: 2 };

    case 'hoplimit': {
      const { op, value } = m;
      return { test: neg(m.negate, (p) => (op === 'eq' ? p.hopLimit === value : op === 'lt' ? p.hopLimit < value : p.hopLimit > value)), cost: 2 };
    }

    case 'recent':
      return compileRecent(m);

    case 'statistic':
      return { ...unknown(`statistic (${m.text}) is random or counts packets`), ...(/--mode random/.test(m.text) ? { random: true } : {}) };

    case 'fragment':
      return { test: () => (m.negate ? T : F), cost: 2 };

    case 'u32':
      return compileU32(m);

    case 'socket':
      return compileSocket(m);

    case 'unsupported':
      return unknown(`unsupported match ${m.text}${m.reason ? ` (${m.reason})` : ''}`);
  }
}

/**
 * nft dynset (nft_dynset_eval): the key is added (or refreshed, or deleted) when the statement is
 * reached; then the element's statements run. Those are the statements of whichever statement
 * made the element (nft_set_elem_update_expr), on an element that is new for a fresh client, so
 * under every limit. When another statement of the table makes elements of this set with other
 * statements, a client that went through it first meets those: where they answer otherwise, the
 * match is unknown. A key the packet does not have (`ip saddr` on IPv6) breaks the rule first.
 */
function compileDynset(m: Extract<Match, { kind: 'dynset' }>, host: HostTable): CompiledMatch {
  const own = compileStatements(m.stmts, host);
  const others = (m.otherMakers ?? []).map((o) => ({ ...o, compiled: compileStatements(o.stmts, host) }));
  const unknownStmt = own.find((c) => c.unknownWhy !== undefined && c.assume === undefined);
  const assumed = own.map((c) => c.assume).filter((a): a is string => a !== undefined);
  const historyWhy =
    others.length > 0
      ? `@${m.set} is also filled by ${others.map((o) => `"${o.text}"`).join(', ')}: an element a client made there earlier keeps those statements, and they, not "${m.text}", decide here`
      : undefined;
  const out: CompiledMatch = {
    test: (p) => {
      const key = keyText(m.keys, p);
      if (key === undefined) return F;
      if (key === null) return U;
      const before = dynCount(p, m.setId, key) ?? 0;
      dynSet(p, m.setId, key, m.op === 'delete' ? 0 : before + 1);
      if (m.op === 'delete') return T;
      if (before > 0) {
        // Made earlier in this walk: its maker's statements run (packet.ts keeps them untyped).
        return runStatements((dynMaker(p, m.setId, key) as readonly CompiledMatch[] | undefined) ?? own, p);
      }
      setDynMaker(p, m.setId, key, own);
      const r = runStatements(own, p);
      // A client may have made this element before, through another statement.
      return others.some((o) => runStatements(o.compiled, p) !== r) ? U : r;
    },
    cost: 5,
    ordered: true,
    assume: `${m.op === 'delete' ? 'deletes' : 'records'} ${m.keys.join(' . ')} in @${m.set}${assumed.length > 0 ? `; ${assumed.join('; ')}` : ''}`,
  };
  if (unknownStmt) out.unknownWhy = unknownStmt.unknownWhy;
  else if (historyWhy) out.unknownWhy = historyWhy;
  return out;
}

function compileStatements(stmts: readonly Match[], host: HostTable): CompiledMatch[] {
  return stmts.map((s) => compileMatch(s, host)).filter((c): c is CompiledMatch => c !== undefined);
}

/** An element's statements in order: false at the first that fails, unknown if one was. */
function runStatements(stmts: readonly CompiledMatch[], p: Pkt): Tri {
  let r: Tri = T;
  for (const s of stmts) {
    const x = s.test(p);
    if (x === F) return F;
    if (x === U) r = U;
  }
  return r;
}

/**
 * xt_recent for a fresh client: the lists start without it; `--set` records it, `--rcheck` and
 * `--update` find what this walk recorded (`--hitcount N`: N packets), `--update` records one
 * more hit when it matches, `--remove` deletes. `--seconds` always holds: it is all one moment.
 */
function compileRecent(m: Extract<Match, { kind: 'recent' }>): CompiledMatch {
  const id = `recent ${m.name}`;
  const dst = m.side === 'dst';
  return {
    test: (p) => {
      const key = (dst ? p.daddr : p.saddr).text;
      const hits = dynCount(p, id, key) ?? 0;
      let hit: boolean;
      switch (m.mode) {
        case 'set':
          dynSet(p, id, key, hits + 1);
          return m.negate ? F : T;
        case 'remove':
          if (hits > 0) dynSet(p, id, key, 0);
          hit = hits > 0;
          break;
        default:
          hit = hits > 0 && (m.hitcount === undefined || m.hitcount === 0 || hits >= m.hitcount);
      }
      const r = hit !== m.negate;
      if (m.mode === 'update' && r && hits > 0) dynSet(p, id, key, hits + 1);
      return r ? T : F;
    },
    cost: 5,
    ordered: true,
    assume: `recent list ${m.name} holds only what this connection recorded (a fresh client)`,
  };
}

/**
 * `-m u32`: the bytes of the packet as far as the model knows them (u32.ts): the IPv4/IPv6 header
 * and a TCP SYN's fixed fields; identification, checksums, sequence number, window, TCP options and
 * the IPv4 TOS / IPv6 traffic class and flow label are not known. A test that needs them is U, named.
 */
function compileU32(m: Extract<Match, { kind: 'u32' }>): CompiledMatch {
  return {
    test: (p) => {
      const { bytes, length } = knownBytes(p);
      let unknownWhy: string | undefined;
      for (const t of m.tests) {
        const r = evalU32(t, bytes, length);
        if (r === false) return m.negate ? T : F;
        if (typeof r === 'string') unknownWhy ??= r;
      }
      return unknownWhy !== undefined ? U : m.negate ? F : T;
    },
    cost: 5,
    unknownWhy: `u32 test "${m.text}" reads a field the snapshot does not know`,
  };
}

/** What a first packet (SYN or datagram) carries, byte by byte; known[i] = which bits are certain. */
function knownBytes(p: Pkt): { bytes: KnownBytes; length: number } {
  const value: number[] = [];
  const known: number[] = [];
  const put = (v: number, k = 0xff) => {
    value.push(v & 0xff);
    known.push(k);
  };
  const word = (w: number, k = 0xff) => {
    for (let s = 24; s >= 0; s -= 8) put(w >>> s, k);
  };
  if (p.family === 'ip') {
    put(0x45); // version 4, IHL 5 (no options)
    put(0, 0); // TOS
    put(0, 0);
    put(0, 0); // total length
    put(0, 0);
    put(0, 0); // identification
    put(0, 0xbf); // flags: DF unknown, MF and the offset 0
    put(0);
    put(p.hopLimit);
    put(p.proto);
    put(0, 0);
    put(0, 0); // checksum
    word(p.saddr.words[0] ?? 0);
    word(p.daddr.words[0] ?? 0);
  } else {
    put(0x60, 0xf0); // version 6, traffic class and flow label unknown
    put(0, 0);
    put(0, 0);
    put(0, 0);
    put(0, 0);
    put(0, 0); // payload length
    put(p.proto);
    put(p.hopLimit);
    for (const w of p.saddr.words) word(w);
    for (const w of p.daddr.words) word(w);
  }
  if (p.proto === 6) {
    put(p.sport >>> 8);
    put(p.sport);
    put(p.dport >>> 8);
    put(p.dport);
    word(0, 0); // sequence number
    word(0, (p.tcpFlags & TCP_ACK) === 0 ? 0xff : 0); // acknowledgement number: 0 on a SYN
    put(0, 0x0f); // data offset unknown, reserved 0
    put(p.tcpFlags);
    put(0, 0);
    put(0, 0); // window
    put(0, 0);
    put(0, 0); // checksum
    put(0);
    put(0); // urgent pointer
    // A SYN carries options (MSS, SACK, timestamps, window scale): present, not known.
    for (let i = 0; i < 20; i++) put(0, 0);
  } else if (p.proto === 17) {
    put(p.sport >>> 8);
    put(p.sport);
    put(p.dport >>> 8);
    put(p.dport);
    put(0, 0);
    put(0, 0);
    put(0, 0);
    put(0, 0);
  }
  return { bytes: { value, known }, length: value.length };
}

/**
 * The sending socket's owner (xt_owner, nft meta skuid/skgid). Packets the host did not send have
 * no socket: xt_owner then matches only if every test is inverted, nft breaks. The stack's RST
 * and neighbour discovery come from kernel sockets without a file: a socket exists, uid/gid tests
 * fail. A local client's SYN and a listener's SYN-ACK come from user sockets whose uid the
 * snapshot does not hold: U, named.
 */
function compileSocket(m: Extract<Match, { kind: 'socket' }>): CompiledMatch {
  const ownerTests = m.tests.filter((t) => t.what !== 'socket-exists');
  return {
    test: (p) => {
      const local = p.iif === '';
      if (!local) return m.nft ? F : m.tests.every((t) => t.negate) ? T : F;
      const userSocket = p.proto === 6 && (p.tcpFlags & TCP_SYN) !== 0;
      let result: Tri = T;
      for (const t of m.tests) {
        if (t.what === 'socket-exists') {
          if (t.negate) return F;
          continue;
        }
        if (!userSocket) {
          if (m.nft || !t.negate) return F;
          continue;
        }
        result = U;
      }
      return result;
    },
    cost: 5,
    unknownWhy: `${m.text}: the ${ownerTests.map((t) => t.what).join('/')} of the local socket that sends it is not in the snapshot`,
  };
}

type CtTuple = 'original' | 'reply';
type CtDir = 'src' | 'dst';

/**
 * An address of the packet's connection (`--ctorigsrc` …). The original tuple is the packet as it
 * first arrived; the reply tuple is what the answer carries: from the translated destination back to
 * the source (no SNAT yet). An answer carries its connection's tuples.
 */
function ctAddress(p: Pkt, tuple: CtTuple, dir: CtDir): Ip {
  const r = p.reply;
  if (tuple === 'original') return dir === 'dst' ? p.origDaddr : r ? r.osrc : p.saddr;
  if (r) return dir === 'src' ? r.rsrc : r.rdst;
  return dir === 'src' ? p.daddr : p.saddr;
}

/** The same for ports (`--ctorigdstport` …). */
function ctPort(p: Pkt, tuple: CtTuple, dir: CtDir): number {
  const r = p.reply;
  if (tuple === 'original') return dir === 'dst' ? p.origDport : r ? r.osport : p.sport;
  if (r) return dir === 'src' ? r.rsport : r.rdport;
  return dir === 'src' ? p.dport : p.sport;
}

function unknown(why: string): CompiledMatch {
  return { test: () => U, cost: 6, unknownWhy: why };
}
