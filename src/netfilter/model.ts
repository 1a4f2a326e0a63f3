/**
 * The vendor-neutral ruleset model. Both parsers (iptables-save, nft -j) produce it; the
 * reachability simulator walks a packet through it.
 *
 * Everything is plain data (no classes, no cycles) so a parsed ruleset can be written into a
 * snapshot or a test fixture as JSON. Jumps name a chain of the *same Table object*: a host with
 * iptables-legacy and iptables-nft has two `ip filter` tables, so (family, name) is not a key.
 */

export type Source = 'iptables' | 'nft';

/** nft families. iptables-save gives `ip`, ip6tables-save gives `ip6`. */
export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

/** The address family a packet has; `inet` chains see both. */
export type PacketFamily = 'ip' | 'ip6';

export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

export type ChainType = 'filter' | 'nat' | 'route';

export type Policy = 'accept' | 'drop';

export interface Ruleset {
  tables: Table[];
  /** One entry per parsed document (a merged ruleset has several). */
  sources: SourceInfo[];
}

export interface SourceInfo {
  source: Source;
  file?: string;
  /** iptables-save: the family given by the caller. */
  family?: PacketFamily;
  /** `iptables-save v1.8.9 (nf_tables)`, `nft 1.0.6`. */
  generator?: string;
  /** iptables-save only: which kernel backend wrote the dump, from its header. */
  backend?: 'nf_tables' | 'legacy' | 'unknown';
  /** `# Warning: …` lines (e.g. "iptables-legacy tables present"): the caller must act on them. */
  warnings: string[];
}

export interface Table {
  family: Family;
  name: string;
  source: Source;
  file?: string;
  /** iptables-save: line of `*name`. */
  line?: number;
  /** nft: table handle. */
  handle?: number;
  /**
   * iptables-save: whether the table's COMMIT was seen. A table without it was cut off; it is
   * kept (an audit wants to see what was there) and an error is reported.
   */
  committed?: boolean;
  /**
   * nft only: this table was written by iptables-nft, so its nft JSON hides xtables matches
   * behind opaque `xt` expressions. Read it from iptables-save instead. Always false for tables
   * parsed from iptables-save. Heuristic in nft-json/managed.ts.
   */
  managedByIptables: boolean;
  /** Why `managedByIptables` was set, for the explanation. */
  managedReason?: string;
  /**
   * Where the table stands in nft's listing of the host's tables (0 = first), which is their
   * creation order: base chains of equal priority run in reverse registration order, so this
   * breaks their ties. Set by mergeRulesets, for an iptables-nft table from its nft twin;
   * absent for iptables-legacy tables (they register when first used, which nothing records).
   */
  registered?: number;
  chains: Chain[];
  /** nft named sets and maps (iptables has none: ipsets live outside the ruleset). */
  sets: NamedSet[];
}

export interface Chain {
  name: string;
  family: Family;
  table: string;
  /** Present for base chains (iptables built-ins, nft chains with a hook). */
  base?: BaseChain;
  rules: Rule[];
  /** iptables-save: line of the `:NAME` declaration (absent for a built-in that was never declared). */
  line?: number;
  handle?: number;
}

export interface BaseChain {
  type: ChainType;
  hook: Hook;
  priority: number;
  policy: Policy;
  /** netdev ingress/egress device. */
  device?: string;
  /**
   * True when the value was not in the input: iptables-save never prints priorities (the
   * standard ones are assigned), and a built-in chain used without `:NAME POLICY` gets ACCEPT.
   */
  priorityImplicit?: boolean;
  policyImplicit?: boolean;
}

export interface Rule {
  /** ANDed; an empty list matches every packet. */
  matches: Match[];
  /** Non-terminating side effects, in order (nft runs them before the verdict). */
  effects: Effect[];
  verdict: Verdict;
  /** Comment text (`-m comment`, nft `comment`), for the explanation only. */
  comment?: string;
  origin: RuleOrigin;
}

export interface RuleOrigin {
  source: Source;
  file?: string;
  family: Family;
  table: string;
  chain: string;
  /** 1-based position in its chain. */
  index: number;
  /** iptables-save: 1-based line of the `-A` line. */
  line?: number;
  /** nft: rule handle. */
  handle?: number;
  /** The `-A` line verbatim, or a printable nft form of the rule. */
  text: string;
}

// ---------------------------------------------------------------------------------------------
// Values shared by matches

/** An interface name; `wildcard` = prefix match (iptables `eth+`, nft `"eth*"`). */
export interface IfacePattern {
  name: string;
  wildcard: boolean;
}

export type AddrSpec = { kind: 'prefix'; address: string; length: number } | { kind: 'range'; from: string; to: string };

/** Inclusive. */
export interface PortRange {
  from: number;
  to: number;
}

/** A port match's protocol; `th` = any transport header with ports (nft `th dport`). */
export type PortProtocol = 'tcp' | 'udp' | 'sctp' | 'dccp' | 'udplite' | 'th';

/**
 * What an nft set/map key or a concatenation component reads from the packet. The strings are
 * nft's own spelling so a printed rule reads naturally.
 */
export type Key =
  | 'iifname'
  | 'oifname'
  | 'iif'
  | 'oif'
  | 'ip saddr'
  | 'ip daddr'
  | 'ip6 saddr'
  | 'ip6 daddr'
  | `${PortProtocol} sport`
  | `${PortProtocol} dport`
  | 'meta l4proto'
  | 'meta nfproto'
  | 'meta protocol'
  | 'ip protocol'
  | 'ip6 nexthdr'
  | 'meta mark'
  | 'meta pkttype'
  | 'ct state'
  | 'ct status'
  | 'ct mark'
  | 'icmp type'
  | 'icmpv6 type'
  | 'numgen';

/** One component of a set element. */
export type Value =
  | { kind: 'exact'; value: string | number }
  | { kind: 'prefix'; address: string; length: number }
  | { kind: 'range'; from: string | number; to: string | number }
  | { kind: 'wildcard'; prefix: string };

export interface NamedSet {
  name: string;
  /** nft type name(s); several for a concatenation (`ipv4_addr . inet_proto . inet_service`). */
  type: string[];
  /** Maps: the data type (`verdict`, `ipv4_addr`, …). Absent for plain sets. */
  map?: string;
  flags: string[];
  /** Each element is one Value per key component. Empty when the set has no elements. */
  elements: Value[][];
  /** Map data per element (same order); verdicts for verdict maps. */
  data?: (Verdict | Value)[];
  /** Non-verdict maps: each element's whole data, concatenations kept (`ipv4_addr . inet_service`). */
  dataValues?: Value[][];
  /** Filled at run time (`timeout`/`dynamic` with no elements listed): contents are not knowable. */
  dynamic: boolean;
  comment?: string;
}

// ---------------------------------------------------------------------------------------------
// Matches

/** `negate` inverts the predicate, except the protocol a port/ICMP match implies (see PortMatch). */
interface Negatable {
  negate: boolean;
}

export interface IfaceMatch extends Negatable {
  kind: 'iface';
  dir: 'in' | 'out';
  /** Any one of them (nft anonymous sets); iptables always has one. */
  patterns: IfacePattern[];
  /** nft `iif`/`oif` (interface index, resolved when the ruleset was loaded) vs the name. */
  byIndex?: boolean;
}

export interface AddrMatch extends Negatable {
  kind: 'addr';
  dir: 'src' | 'dst';
  /** The packet must be of this family (nft `ip saddr` in an inet chain does not match IPv6). */
  family: PacketFamily;
  addrs: AddrSpec[];
}

export interface ProtocolMatch extends Negatable {
  kind: 'protocol';
  /** Lower-case names (`tcp`, `udp`, `icmp`, `ipv6-icmp`, …) or decimal numbers as strings. */
  protocols: string[];
}

/**
 * A transport port. The protocol is a precondition that negation does not flip: iptables
 * `-p tcp -m tcp ! --dport 22` and nft `tcp dport != 22` both require TCP.
 */
export interface PortMatch extends Negatable {
  kind: 'port';
  dir: 'src' | 'dst';
  protocol: PortProtocol;
  ports: PortRange[];
  /** iptables `-m multiport` (kept for the explanation). */
  multiport?: boolean;
}

/** Upper-case: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, and iptables' virtual SNAT, DNAT. */
export interface CtStateMatch extends Negatable {
  kind: 'ctstate';
  states: string[];
}

/** Upper-case: EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED, SNAT, DNAT, … */
export interface CtStatusMatch extends Negatable {
  kind: 'ctstatus';
  statuses: string[];
  /**
   * nft `ct status == X` / `!= X` (and `{ … }` sets): the whole status word equals X, not "bit X
   * is set" (that is nft's `ct status X`, op `in`, and iptables' --ctstatus). A DNATed connection's
   * status is never exactly `dnat` (DST_NAT_DONE is set with it): `ct status != dnat` matches it.
   */
  exact?: boolean;
}

/** Conntrack original/reply tuple addresses: the destination before DNAT (`--ctorigdst`). */
export interface CtAddrMatch extends Negatable {
  kind: 'ctaddr';
  tuple: 'original' | 'reply';
  dir: 'src' | 'dst';
  family: PacketFamily;
  addrs: AddrSpec[];
}

export interface CtPortMatch extends Negatable {
  kind: 'ctport';
  tuple: 'original' | 'reply';
  dir: 'src' | 'dst';
  ports: PortRange[];
}

/** Upper-case types: LOCAL, UNICAST, BROADCAST, MULTICAST, … (iptables addrtype, nft `fib … type`). */
export interface AddrTypeMatch extends Negatable {
  kind: 'addrtype';
  dir: 'src' | 'dst';
  types: string[];
  /** Only addresses of the input (resp. output) interface count. */
  limitIfaceIn?: boolean;
  limitIfaceOut?: boolean;
  /**
   * iptables' addrtype (xt_addrtype) rather than nft `fib … type`: for IPv6 the two differ, xt
   * testing the type list as a whole (UNICAST holds for local addresses too), fib returning one type.
   */
  xt?: boolean;
}

/** Reverse-path check (iptables rpfilter, nft `fib saddr . iif oif missing`). */
export interface RpFilterMatch {
  kind: 'rpfilter';
  /** True: matches packets that FAIL the check (what drop rules use). */
  invert: boolean;
  loose: boolean;
  validmark: boolean;
  acceptLocal: boolean;
}

/** Always true; kept for the explanation. */
export interface CommentMatch {
  kind: 'comment';
  text: string;
}

/**
 * Rate limits and quotas (`limit`, `hashlimit`, nft `quota`). The question is a fresh client's
 * first connection: the limit is not exceeded, so `above: false` is true and `above: true` false.
 */
export interface LimitMatch {
  kind: 'limit';
  above: boolean;
  text: string;
}

/**
 * Connection counts (nft `ct count`, iptables `connlimit`): for a fresh client's first
 * connection the count is 1, this connection. `over`: matches when the count is above `value`;
 * else when it is at most `value`.
 */
export interface ConnCountMatch {
  kind: 'conncount';
  over: boolean;
  value: number;
  text: string;
}

/**
 * nft `add @set { key [stmt] }`, `update @set { … }`, `delete @set { … }`, the legacy
 * `meter NAME { key stmt }`: a match with a side effect. The key is added to (or deleted from)
 * the set when the statement is reached, whatever the rest of the rule does; then the element's
 * own statements (`limit`, `ct count`, `quota`, `counter`) decide whether the rule goes on, as
 * for a fresh client (an element just created: under every limit).
 */
export interface DynsetMatch {
  kind: 'dynset';
  op: 'add' | 'update' | 'delete';
  /** Set name (without @); a meter's name. */
  set: string;
  /** Table-qualified identity (`inet filter rl`), shared with the SetMatch lookups of that set. */
  setId: string;
  keys: Key[];
  /** The element's statements, as matches (limit, conncount); counters are left out. */
  stmts: Match[];
  /**
   * The table's other `add`/`update` statements on this set whose element statements differ
   * from these. An element keeps the statements of the statement that made it, and the kernel
   * runs those on every later add or update (nft_set_elem_update_expr): a client that went
   * through one of them first meets its statements here, not this rule's.
   */
  otherMakers?: { stmts: Match[]; text: string }[];
  text: string;
}

/** iptables `-m set`: membership in an ipset, whose contents are not in iptables-save. */
export interface IpsetMatch extends Negatable {
  kind: 'ipset';
  name: string;
  /** Which packet side each set dimension reads (`src`, `dst,dst`, …). */
  flags: ('src' | 'dst')[];
  text: string;
}

/** nft set lookup with a named (`@name`) or anonymous set, for keys the typed matches do not cover. */
export interface SetMatch extends Negatable {
  kind: 'set';
  keys: Key[];
  /** Named set; absent for an anonymous one. */
  name?: string;
  /** Resolved elements (from the named set, or inline). */
  elements: Value[][];
  /**
   * A named set filled at run time (`flags dynamic`, timeouts): the model takes its listed
   * elements (what the snapshot saw) plus what this walk added, the question being a fresh
   * client's first connection; the path says so.
   */
  dynamic: boolean;
  /** The named set was not found: a lookup cannot be decided. */
  missing?: boolean;
  /** Table-qualified identity (`inet filter rl`) for sets a rule may add to. */
  setId?: string;
}

/** Packet mark (`meta mark`, `-m mark`) or conntrack mark (`ct mark`, `-m connmark`): (x & mask) == value. */
export interface MarkMatch extends Negatable {
  kind: 'mark';
  on: 'packet' | 'conn';
  value: number;
  mask: number;
}

/** Requires the ICMP protocol; negation flips only the type test (as with ports). */
export interface IcmpMatch extends Negatable {
  kind: 'icmp';
  version: 'icmp' | 'icmpv6';
  /** Type names or numbers as printed (`echo-request`, `8`, `133`, `3/1`). */
  types: string[];
}

export interface NfprotoMatch extends Negatable {
  kind: 'nfproto';
  family: PacketFamily;
}

/** Link-layer packet type: host/unicast, broadcast, multicast, other. */
export interface PktTypeMatch extends Negatable {
  kind: 'pkttype';
  types: string[];
}

/**
 * (flags & mask) == set; with `anyOf`, equal to any one of them (nft `tcp flags { syn, syn|ack }`);
 * with `nonzero`, any flag of the mask on (nft `tcp flags syn,ack`). Flags are names (FIN … CWR,
 * ECE = ECN) or numbers (`0x12`).
 */
export interface TcpFlagsMatch extends Negatable {
  kind: 'tcpflags';
  mask: string[];
  set: string[];
  anyOf?: string[][];
  nonzero?: boolean;
}

/** IPv6 routing header (`-m rt`): a TCP SYN without one never matches. */
export interface RtMatch extends Negatable {
  kind: 'rt';
  text: string;
}

/** IPv4 TTL / IPv6 hop limit. */
export interface HopLimitMatch extends Negatable {
  kind: 'hoplimit';
  op: 'eq' | 'lt' | 'gt';
  value: number;
}

/**
 * `-m recent`: `set` records the address and matches; `rcheck`/`update`/`remove` find what this
 * walk recorded (a fresh client has no history before it).
 */
export interface RecentMatch extends Negatable {
  kind: 'recent';
  mode: 'set' | 'rcheck' | 'update' | 'remove';
  name: string;
  /** `--rdest`: the destination address is recorded/checked (default the source). */
  side?: 'src' | 'dst';
  /** `--hitcount N`: at least N packets recorded. */
  hitcount?: number;
  text: string;
}

/**
 * `-m u32 --u32 "TESTS"`: the packet's bytes from the network header on. Alternatives are `||`
 * of iptables' `&&`-joined tests; each test reads a location (`ops` in order: the first `at`
 * reads 4 bytes there, `&`, `<<`, `>>` transform, `@` moves on by the value and reads again) and
 * compares it with ranges. The simulator knows a SYN's fixed fields and nothing else.
 */
export interface U32Match extends Negatable {
  kind: 'u32';
  /** All must hold (iptables joins them with `&&`). */
  tests: U32Test[];
  text: string;
}

export interface U32Test {
  ops: { op: 'at' | '&' | '<<' | '>>' | '@'; value: number }[];
  ranges: { from: number; to: number }[];
}

/**
 * The sending socket: iptables `-m owner` (`--uid-owner`, `--gid-owner`, `--socket-exists`), nft
 * `meta skuid`/`skgid`. Only packets the host sends have one (OUTPUT, POSTROUTING): a connection's
 * SYN from a local client, a listener's SYN-ACK (its listening socket); the stack's RST and
 * neighbour discovery come from kernel sockets that have no owner.
 */
export interface SocketMatch {
  kind: 'socket';
  /** xt_owner's ANDed tests, each possibly inverted; nft meta skuid/skgid is one uid/gid test (`nft: true`). */
  tests: { what: 'uid' | 'gid' | 'socket-exists'; negate: boolean; value?: string }[];
  /** nft meta: no socket (or no owner) breaks the rule whatever the operator. */
  nft?: boolean;
  text: string;
}

/** Probabilistic or counting choice (kube-proxy endpoints). */
export interface StatisticMatch extends Negatable {
  kind: 'statistic';
  text: string;
}

/** Accounting only: always true. */
export interface NfacctMatch {
  kind: 'nfacct';
  name: string;
}

/** `-f`: non-first fragments. */
export interface FragmentMatch extends Negatable {
  kind: 'fragment';
}

/** Anything the parsers do not decode. The simulator must answer `unknown` naming the rule. */
export interface UnsupportedMatch {
  kind: 'unsupported';
  text: string;
  reason?: string;
}

export type Match =
  | IfaceMatch
  | AddrMatch
  | ProtocolMatch
  | PortMatch
  | CtStateMatch
  | CtStatusMatch
  | CtAddrMatch
  | CtPortMatch
  | AddrTypeMatch
  | RpFilterMatch
  | CommentMatch
  | LimitMatch
  | ConnCountMatch
  | DynsetMatch
  | U32Match
  | SocketMatch
  | IpsetMatch
  | SetMatch
  | MarkMatch
  | IcmpMatch
  | NfprotoMatch
  | PktTypeMatch
  | TcpFlagsMatch
  | RtMatch
  | HopLimitMatch
  | RecentMatch
  | StatisticMatch
  | NfacctMatch
  | FragmentMatch
  | UnsupportedMatch;

// ---------------------------------------------------------------------------------------------
// Verdicts and effects

/** NAT target; every field absent = "keep" (e.g. `-j REDIRECT` without `--to-ports`). */
export interface NatTarget {
  addr?: string;
  addrTo?: string;
  port?: number;
  portTo?: number;
  /** Printable form of a target computed at run time that the model cannot look up (`numgen`, `jhash`, …). */
  computed?: string;
  /** nft `dnat to <key> map { key : address, … }`: the address (or address . port) looked up per packet. */
  addrMap?: NatMap;
  /** nft `… : <key> map { key : port, … }`: the port looked up per packet. */
  portMap?: NatMap;
}

/**
 * A NAT target looked up in a map (nft `dnat to tcp dport map { 1000 : 1.1.1.1 }`). A packet
 * whose key has no element ends the rule as not matched (the lookup breaks the rule).
 */
export interface NatMap {
  keys: Key[];
  /** A named map (`@name`): its elements are copied in once every object is read. */
  map?: string;
  elements: Value[][];
  /** Per element: [address], [port] or [address, port]. */
  data: Value[][];
  /** Filled at run time: the listed elements are taken (a fresh client adds none). */
  dynamic: boolean;
  /** The named map was not found: the lookup cannot be decided. */
  missing?: boolean;
}

export interface VmapElement {
  key: Value[];
  verdict: Verdict;
  comment?: string;
}

export type Verdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject'; with?: string }
  | { kind: 'return' }
  /** Not matched / no target / LOG, counter…: go on with the next rule. */
  | { kind: 'continue' }
  | { kind: 'jump'; target: string }
  | { kind: 'goto'; target: string }
  | ({ kind: 'dnat' } & NatTarget)
  | ({ kind: 'snat' } & NatTarget)
  | { kind: 'masquerade'; portFrom?: number; portTo?: number }
  | { kind: 'redirect'; port?: number; portTo?: number }
  /**
   * nft verdict map: look the key up; an element's verdict is executed, no element = the rule
   * does not match. Named maps are resolved into `elements` after parsing.
   */
  | { kind: 'vmap'; keys: Key[]; map?: string; elements: VmapElement[]; dynamic: boolean; missing?: boolean }
  /** Hands the packet to user space: the outcome is not in the ruleset. */
  | { kind: 'queue'; text: string }
  | { kind: 'unsupported'; text: string; reason?: string };

export type Effect =
  | { kind: 'log'; prefix?: string }
  /** mark = (mark & ~mask) ^ xor, the kernel's form for every MARK/meta mark set variant. */
  | { kind: 'mark'; on: 'packet' | 'conn'; mask: number; xor: number; text: string }
  | { kind: 'ct-helper'; helper: string }
  /** Skips conntrack: later ctstate is UNTRACKED. */
  | { kind: 'notrack' }
  /** Adds/updates the packet's key in a set (ipset SET target, nft `update @s { … }`). */
  | { kind: 'set-update'; set: string; text: string }
  /** A documented non-terminating target with no effect on filtering (TCPMSS, TRACE, …). */
  | { kind: 'other'; text: string }
  /** `rewrites`: it changes a field the walk reads (an address, a port): the walk cannot go on. */
  | { kind: 'unsupported'; text: string; reason?: string; rewrites?: boolean };

// ---------------------------------------------------------------------------------------------
// Parser results

export interface ParseError {
  line?: number;
  message: string;
}

export interface ParseResult {
  ruleset: Ruleset;
  /** Every error, in input order. Reading it parses the rules nothing has read yet. */
  errors: ParseError[];
  /**
   * The errors found in the input's structure, without parsing a rule: a dump cut off before
   * COMMIT, lines or objects that are not understood, chains used before they exist. A rule's
   * own damage is not here: that rule is `unsupported`, and so is every answer that depends on it.
   */
  structureErrors: ParseError[];
}
