import type { PacketFamily } from '../model.js';
import type { Ip } from './ip.js';

/**
 * The packet as the walk sees it, mutable: NAT rewrites the destination, MARK rules the mark,
 * routing sets the output interface. One object per walk, so rule evaluation allocates nothing.
 */

/**
 * Where conntrack is for this packet: not reached yet (raw), a NEW entry, an answer of a known
 * connection (ESTABLISHED, reply direction), or untracked.
 */
export type CtPhase = 'none' | 'new' | 'established' | 'untracked';

/** The conntrack tuples an answer belongs to, and the translations conntrack still has to undo on it. */
export interface ReplyTuples {
  /** Original tuple source: the client. */
  osrc: Ip;
  osport: number;
  /** Reply tuple: from the (translated) destination to the client, or to the SNAT address. */
  rsrc: Ip;
  rsport: number;
  rdst: Ip;
  rdport: number;
  /** A SNAT to undo where destinations are rewritten (prerouting/output, -100): the answer goes back to the client. */
  undoSnat?: { daddr: Ip; dport: number };
  /** A DNAT to undo where sources are rewritten (postrouting/input, 100): the answer comes from the address the client aimed at. */
  undoDnat?: { saddr: Ip; sport: number };
}

/** TCP header flags, as the kernel numbers them. */
export const TCP_FIN = 1;
export const TCP_SYN = 2;
export const TCP_RST = 4;
export const TCP_PSH = 8;
export const TCP_ACK = 16;
export const TCP_URG = 32;

export interface Pkt {
  family: PacketFamily;
  /** Input interface; '' where the hook has none (OUTPUT). */
  iif: string;
  /** Output interface; '' until routing chose one. */
  oif: string;
  saddr: Ip;
  daddr: Ip;
  /** IP protocol number. */
  proto: number;
  sport: number;
  dport: number;
  /** ICMP/ICMPv6 type and code; -1 for other protocols. */
  icmpType: number;
  icmpCode: number;
  hopLimit: number;
  pkttype: 'host' | 'multicast' | 'broadcast';
  mark: number;
  markKnown: boolean;
  ctmark: number;
  ctmarkKnown: boolean;
  ct: CtPhase;
  /** Conntrack will leave this packet untracked (ICMPv6 neighbour discovery). */
  untrackedByConntrack: boolean;
  /** TCP flags (TCP_SYN for the first packet; SYN|ACK or RST|ACK for the answer). */
  tcpFlags: number;
  /** A DNAT/REDIRECT binding was set up (ct status DNAT, the virtual ctstate DNAT). */
  dnat: boolean;
  /** A SNAT/MASQUERADE binding was set up: the address answers are sent to. */
  snatTo: Ip | undefined;
  /** Set on an answer (the reply direction of the connection). */
  reply: ReplyTuples | undefined;
  /**
   * The connection's conntrack entry is confirmed (ct status CONFIRMED): conntrack confirms a
   * new entry at the very end of POSTROUTING or INPUT, so a connection the host makes to itself
   * is already confirmed when its first packet comes back in on lo.
   */
  confirmed: boolean;
  origDaddr: Ip;
  origDport: number;
  /**
   * What this walk added to (count > 0) or deleted from (0) run-time sets: nft `add/update/delete
   * @set`, meters, `-m recent` lists; by set identity, then key text. Created on first use; a
   * fresh client's first connection starts with none.
   */
  dyn?: Map<string, Map<string, number>>;
  /**
   * Which statement made each run-time set element this walk made (by set identity, then key
   * text): the element's statements are the maker's, whichever statement adds to it later.
   */
  made?: Map<string, Map<string, unknown>>;
}

/** The hit count this walk gave KEY in set SET (undefined: untouched). */
export function dynCount(p: Pkt, set: string, key: string): number | undefined {
  return p.dyn?.get(set)?.get(key);
}

/** Records KEY in SET with COUNT hits (0 = deleted). */
export function dynSet(p: Pkt, set: string, key: string, count: number): void {
  setIn((p.dyn ??= new Map()), set, key, count);
}

/** The statement that made KEY in SET during this walk (undefined: not made by this walk). */
export function dynMaker(p: Pkt, set: string, key: string): unknown {
  return p.made?.get(set)?.get(key);
}

/** Records MAKER as the statement that made KEY in SET. */
export function setDynMaker(p: Pkt, set: string, key: string, maker: unknown): void {
  setIn((p.made ??= new Map()), set, key, maker);
}

function setIn<V>(all: Map<string, Map<string, V>>, set: string, key: string, value: V): void {
  let s = all.get(set);
  if (!s) all.set(set, (s = new Map()));
  s.set(key, value);
}

export const PROTO_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  dccp: 33,
  ipv6: 41,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
};

/** A protocol name or number as the parsers keep it → number, or undefined. */
export function protoNumber(text: string | number): number | undefined {
  if (typeof text === 'number') return text;
  if (/^\d+$/.test(text)) return Number(text);
  const lower = text.toLowerCase();
  return Object.hasOwn(PROTO_NUMBERS, lower) ? PROTO_NUMBERS[lower] : undefined;
}

/** Protocols with a port header (`th dport`). */
export const PORT_PROTOS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

const ICMP4: Readonly<Record<string, number>> = {
  'echo-reply': 0,
  pong: 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  ping: 8,
  'router-advertisement': 9,
  'router-solicitation': 10,
  'time-exceeded': 11,
  'ttl-exceeded': 11,
  'parameter-problem': 12,
  'timestamp-request': 13,
  'timestamp-reply': 14,
  'info-request': 15,
  'info-reply': 16,
  'address-mask-request': 17,
  'address-mask-reply': 18,
};

const ICMP6: Readonly<Record<string, number>> = {
  'destination-unreachable': 1,
  'packet-too-big': 2,
  'time-exceeded': 3,
  'ttl-exceeded': 3,
  'parameter-problem': 4,
  'echo-request': 128,
  'echo-reply': 129,
  'mld-listener-query': 130,
  'mld-listener-report': 131,
  'mld-listener-done': 132,
  'mld-listener-reduction': 132,
  'nd-router-solicit': 133,
  'router-solicitation': 133,
  'nd-router-advert': 134,
  'router-advertisement': 134,
  'nd-neighbor-solicit': 135,
  'neighbor-solicitation': 135,
  'neighbour-solicitation': 135,
  'nd-neighbor-advert': 136,
  'neighbor-advertisement': 136,
  'neighbour-advertisement': 136,
  'nd-redirect': 137,
  redirect: 137,
  'router-renumbering': 138,
  'ind-neighbor-solicit': 141,
  'ind-neighbor-advert': 142,
  'mld2-listener-report': 143,
};

/** `8`, `3/1`, `echo-request`, `any` → {type, code?}; undefined when the name is unknown. */
export function icmpType(text: string, version: 'icmp' | 'icmpv6'): { type: number; code?: number } | 'any' | undefined {
  const t = text.toLowerCase();
  if (t === 'any') return 'any';
  const m = /^(\d+)(?:\/(\d+))?$/.exec(t);
  if (m) return m[2] === undefined ? { type: Number(m[1]) } : { type: Number(m[1]), code: Number(m[2]) };
  const table = version === 'icmp' ? ICMP4 : ICMP6;
  return Object.hasOwn(table, t) ? { type: table[t] as number } : undefined;
}

/** The ct state a chain sees: before conntrack (raw) there is no entry, which reads as INVALID. */
export function ctStateOf(p: Pkt): string {
  return p.ct === 'new' ? 'NEW' : p.ct === 'established' ? 'ESTABLISHED' : p.ct === 'untracked' ? 'UNTRACKED' : 'INVALID';
}

/** The packet has a conntrack entry (NEW or an answer): ct mark, status and tuples can be read. */
export function tracked(p: Pkt): boolean {
  return p.ct === 'new' || p.ct === 'established';
}

/** ct status bits the model knows: DNAT/SNAT once bound; an answer's connection is confirmed and has seen a reply. */
export function ctStatuses(p: Pkt): Set<string> {
  const out = new Set<string>();
  if (p.dnat) out.add('DNAT');
  if (p.snatTo !== undefined) out.add('SNAT');
  if (p.reply) {
    out.add('CONFIRMED');
    out.add('SEEN_REPLY');
  } else if (p.confirmed) out.add('CONFIRMED');
  return out;
}
