import type { PacketFamily } from '../model.js';

/**
 * The contract of the packet simulator: one TCP/UDP first packet (a SYN) walked
 * through the kernel's hooks, with every step that decided it.
 */

/** What the simulator needs to know about the host besides its ruleset. */
export interface HostFacts {
  /** Every address on every interface (the kernel's `local` table is derived from these plus 127.0.0.0/8 and ::1). */
  addresses: { iface: string; address: string; prefixlen: number; family: 4 | 6 }[];
  /**
   * Main-table routes: { family, dst: "default" | CIDR, dev?, gateway?, type? }. `type` is
   * unicast (default), blackhole, unreachable, prohibit or local. Prefix routes missing here
   * (an IPv6 route dump is often not collected) are derived from `addresses`.
   */
  routes: { family: 4 | 6; dst: string; dev?: string; gateway?: string; type?: string }[];
  /** sysctls by dotted name, e.g. "net.ipv4.ip_forward": "1", "net.ipv4.conf.eth0.route_localnet": "0". Missing = kernel default. */
  sysctl: Record<string, string>;
  /** Interfaces that are bridges (link kind `bridge`): a DNAT back out of the bridge a packet came in on is bridged, not routed. */
  bridges?: string[];
  /** ipsets from `ipset save` (netfilter/ipset.ts), by set name. A set not here was not collected. */
  ipsets?: Record<string, Ipset>;
}

/**
 * One ipset as the kernel tests an address against it. `members` are prefixes "ADDR/LEN" or,
 * for a hash:ip `bitmask`, "ADDR/MASK"; an address is in the set when the most specific entry
 * containing it (members and `nomatch` together) is a member, as hash:net's lookup tries its
 * prefix lengths longest first and a `nomatch` entry it finds ends the lookup with no match.
 * `unknown`: the set's type or an option changes membership in a way that is not modelled.
 */
export type Ipset = { members: string[]; nomatch?: string[] } | { unknown: string };

export interface Packet {
  family: PacketFamily;
  /** Input interface; "lo" for the host itself. */
  iif: string;
  saddr: string;
  daddr: string;
  protocol: 'tcp' | 'udp';
  sport: number;
  dport: number;
}

export interface Step {
  /** ingress | prerouting | routing | input | forward | postrouting | output | socket | note */
  hook: string;
  /** e.g. "ip nat" (iptables) or "inet firewalld" (nft); empty for routing/notes. */
  table: string;
  chain: string;
  /** 1-based rule index in its chain, when a rule decided this step. */
  rule?: number;
  /** iptables-save line, when known. */
  line?: number;
  /** The rule text or a sentence: "DNAT to 172.17.0.2:80", "policy DROP", "route: local delivery". */
  text: string;
  /**
   * accept | drop | reject | return | jump | goto | dnat | redirect | snat | masquerade | queue |
   * unsupported | continue | log | mark | policy-accept | policy-drop | skip (a nat chain not
   * run because the connection already has its binding). Absent for routing steps and notes.
   */
  action?: string;
}

export type Disposition =
  /** Delivered to a local socket lookup on (daddr, dport) after NAT. */
  | 'local'
  /** Forwarded out of `oif` (to a container, after DNAT). */
  | 'forward'
  /** Dropped or rejected by a rule or policy, or by routing (martian, no route, forwarding off). */
  | 'dropped'
  | 'unknown';

/** Why a packet was dropped (added to the original contract; optional). */
export type DropReason =
  /** A DROP/REJECT rule. */
  | 'rule'
  /** A base chain's policy. */
  | 'policy'
  /** 127.0.0.0/8 (or ::1) arriving from outside without route_localnet. */
  | 'martian'
  | 'no-route'
  /** Not a local address and forwarding is off. */
  | 'forwarding-off'
  /** The kernel's own reverse-path filter (net.ipv4.conf.*.rp_filter). */
  | 'rp-filter'
  /** blackhole / unreachable / prohibit route. */
  | 'route-type'
  /** IPv6: the host's neighbour solicitations are dropped, so no packet reaches it on that link. */
  | 'neighbour-discovery'
  /** A broadcast or multicast destination: no TCP connection is made to one. */
  | 'broadcast';

/** The host's first answer to a connection's first packet: SYN-ACK from a socket, or the stack's RST. */
export type AnswerKind = 'synack' | 'rst';

/**
 * What answers at a local destination (after NAT): given, the simulator also walks that answer
 * back to the client (a forwarded connection's answer, from the far end, is taken as a SYN-ACK).
 */
export type AnswerFn = (at: { daddr: string; dport: number }) => AnswerKind;

export interface SimResult {
  disposition: Disposition;
  /** Destination after DNAT/REDIRECT (equals the packet's when none applied). */
  daddr: string;
  dport: number;
  /** For forward: the output interface chosen by routing. */
  oif?: string;
  /** For dropped: rejected (RST/ICMP) rather than silently dropped. */
  rejected?: boolean;
  /** For rejected: the REJECT rule's `--reject-with`/`reject with` text (optional addition). */
  rejectWith?: string;
  /** For dropped: what dropped it (optional addition). */
  reason?: DropReason;
  steps: Step[];
  /** For unknown: why, naming the rule (e.g. "unsupported match -m foo in filter INPUT rule 3"). */
  unknownReasons: string[];
  /**
   * For local/forward, when simulate was asked about the answer: whether the first answer gets
   * back to the client through the host's hooks (and, for IPv6, its neighbour discovery).
   */
  answer?: { kind: AnswerKind; delivered: boolean; why?: string };
}
