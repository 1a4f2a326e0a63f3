import { CLIENTS, CTR_PORTS, HOST, LISTENER_PORTS } from './reach-lab.js';

/**
 * Seeded random rulesets for the reach lab (reach-lab.ts), half `iptables-restore` input and
 * half `nft -f` input, over the matches and targets the model claims to support.
 *
 * They are random in what they say, not in whether the kernel can be asked about them: every
 * ruleset keeps three invariants, each because the model follows only a connection's first
 * packet (the SYN) while the lab's loopback probes also need their answer to come back through
 * H's own input path (a SYN-ACK to 127.0.0.1 arrives on lo):
 *  1. every input, forward, output and conntrack-aware prerouting base chain starts with
 *     "accept established/related" (real rulesets all do);
 *  2. chains that run before conntrack (raw priority) and output chains only hold rules with a
 *     positive TCP destination-port match, and every port here is below the clients' ephemeral
 *     range, so no answer can match them;
 *  3. `limit` rates are far above what the probes send, so a limit always matches.
 * DNATs go to H's own addresses or to the container stand-in's, which listens on every port
 * used here (CTR_PORTS), so a forwarded SYN always has someone to answer it.
 */

export type RulesetKind = 'iptables' | 'nft';

export interface RandomRuleset {
  seed: number;
  kind: RulesetKind;
  iptables?: string;
  ip6tables?: string;
  nft?: string;
  /** `ipset restore` input: the sets the iptables rules' `-m set` matches name. */
  ipset?: string;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  some<T>(items: readonly T[], min: number, max: number): T[] {
    const pool = [...items];
    const n = Math.min(pool.length, this.int(min, max));
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    return out;
  }
}

type Fam = 4 | 6;

const IFACES = ['eth0', 'eth1', 'tailscale0', 'docker0', 'br-app', 'lo'];
const IPT_WILDCARDS = ['eth+', 'br-+', 'docker+', 'tailscale+'];
const NFT_WILDCARDS = ['eth*', 'br-*', 'docker*', 'tailscale*'];

const LOCAL: Record<Fam, string[]> = {
  4: [HOST.eth0.v4, HOST.eth1.v4, HOST.tailscale0.v4, HOST.docker0.v4, HOST['br-app'].v4, '127.0.0.1'],
  6: [HOST.eth0.v6, HOST.eth1.v6, HOST.docker0.v6, '::1'],
};
const SOURCES: Record<Fam, string[]> = {
  4: [CLIENTS.inet.v4, '203.0.113.77', CLIENTS.lan.v4, '192.168.1.200', CLIENTS.ts.v4, '100.64.0.200', '172.17.0.200', '172.20.0.200', '127.0.0.1'],
  6: [CLIENTS.inet.v6, '2001:db8:ffff::77', CLIENTS.lan.v6, 'fd00:1::c8', 'fd00:dead:beef::c8', '::1'],
};
const PREFIXES: Record<Fam, string[]> = {
  4: [
    '198.51.100.0/24',
    '203.0.113.0/24',
    '192.168.1.0/24',
    '192.168.0.0/16',
    '100.64.0.0/10',
    '172.16.0.0/12',
    '172.17.0.0/16',
    '10.0.0.0/8',
    '0.0.0.0/0',
    '192.168.1.48/29',
    '192.168.1.192/26',
    '127.0.0.0/8',
    '198.51.100.0/25',
  ],
  6: ['2001:db8:100::/64', '2001:db8::/32', 'fd00::/8', 'fd00:1::/64', '::/0', '2001:db8:ffff::/48', 'fd00:dead:beef::/64'],
};
const RANGES: Record<Fam, [string, string][]> = {
  4: [
    ['192.168.1.40', '192.168.1.60'],
    ['100.64.0.0', '100.64.0.100'],
    ['198.51.100.1', '198.51.100.19'],
  ],
  6: [['fd00:1::1', 'fd00:1::ff']],
};
const CTR_TARGETS: Record<Fam, string[]> = { 4: [...CLIENTS.ctr.v4, ...CLIENTS.ctr.v4app], 6: [CLIENTS.ctr.v6] };

/** Ports the probes use (the listeners') and a few nothing listens on; all far below 32768. */
const PORTS = [...LISTENER_PORTS, 23, 25, 8000, 8081, 9000];
const PORT_RANGES: [number, number][] = [
  [1, 1023],
  [1024, 9999],
  [5000, 5999],
  [8000, 8999],
  [3000, 5432],
  [18000, 19000],
  [20, 23],
];

function address(rng: Rng, fam: Fam, pool: 'src' | 'dst'): string {
  const r = rng.next();
  if (r < 0.45) return rng.pick(pool === 'src' ? SOURCES[fam] : LOCAL[fam]);
  return rng.pick(PREFIXES[fam]);
}

// ------------------------------------------------------------------------------------------------
// iptables-restore

interface IptCtx {
  fam: Fam;
  table: 'filter' | 'nat' | 'raw' | 'mangle';
  /** Can the chain see an input interface / an output interface? */
  inIface: boolean;
  outIface: boolean;
  /** Must every rule carry a positive TCP destination-port match (invariant 2)? */
  needPort: boolean;
  /** User chains this rule may jump to. */
  targets: string[];
  /** May REJECT. */
  reject: boolean;
}

function iptPortMatch(rng: Rng, positiveOnly: boolean): string {
  const r = rng.next();
  if (r < 0.4) return `-m tcp --dport ${rng.pick(PORTS)}`;
  if (r < 0.6) {
    const [a, b] = rng.pick(PORT_RANGES);
    return `-m tcp --dport ${a}:${b}`;
  }
  if (r < 0.85 || positiveOnly) {
    const parts = rng.some(PORTS, 2, 5).map(String);
    if (rng.chance(0.3)) {
      const [a, b] = rng.pick(PORT_RANGES);
      parts.push(`${a}:${b}`);
    }
    return `-m multiport --dports ${parts.join(',')}`;
  }
  if (r < 0.93) return `-m tcp ! --dport ${rng.pick(PORTS)}`;
  return `-m tcp --sport 1024:65535`;
}

function iptMatches(rng: Rng, ctx: IptCtx): { text: string; tcp: boolean } {
  const parts: string[] = [];
  if (ctx.inIface && rng.chance(0.35)) {
    const name = rng.chance(0.25) ? rng.pick(IPT_WILDCARDS) : rng.pick(IFACES);
    parts.push(`${rng.chance(0.2) ? '! ' : ''}-i ${name}`);
  }
  if (ctx.outIface && rng.chance(0.3)) {
    const name = rng.chance(0.25) ? rng.pick(IPT_WILDCARDS) : rng.pick(IFACES.filter((i) => i !== 'lo'));
    parts.push(`${rng.chance(0.2) ? '! ' : ''}-o ${name}`);
  }
  // iptables-nft refuses a negated /0.
  const negated = (a: string) => `${!a.endsWith('/0') && rng.chance(0.2) ? '! ' : ''}`;
  if (rng.chance(0.3)) {
    const a = address(rng, ctx.fam, 'src');
    parts.push(`${negated(a)}-s ${a}`);
  }
  if (rng.chance(0.25)) {
    const a = address(rng, ctx.fam, 'dst');
    parts.push(`${negated(a)}-d ${a}`);
  }
  let tcp = false;
  const p = rng.next();
  if (ctx.needPort || p < 0.7) {
    tcp = true;
    parts.push('-p tcp');
    if (ctx.needPort) parts.push(iptPortMatch(rng, true));
    else if (rng.chance(0.65)) parts.push(iptPortMatch(rng, false));
  } else if (p < 0.8) {
    parts.push('-p udp');
    if (rng.chance(0.5)) parts.push(`-m udp --dport ${rng.pick([53, 443, 5000])}`);
  } else if (p < 0.86) {
    parts.push(ctx.fam === 4 ? '-p icmp' : '-p ipv6-icmp');
  } else if (p < 0.9) {
    parts.push('! -p udp');
  }
  // Conntrack before conntrack has run (raw) is a kernel subtlety worth a rare case, no more.
  if (rng.chance(ctx.table === 'raw' ? 0.03 : 0.2)) {
    const state = rng.pick(['NEW', 'NEW', 'NEW,ESTABLISHED', 'ESTABLISHED', 'INVALID', 'RELATED,ESTABLISHED', 'NEW,RELATED']);
    const neg = rng.chance(0.15) ? '! ' : '';
    parts.push(rng.chance(0.3) ? `-m state ${neg}--state ${state}` : `-m conntrack ${neg}--ctstate ${state}`);
  }
  if (rng.chance(0.15)) {
    const type = rng.pick(['--dst-type LOCAL', '! --dst-type LOCAL', '--src-type LOCAL', '--dst-type UNICAST', '! --src-type LOCAL']);
    parts.push(`-m addrtype ${type}`);
  }
  if (rng.chance(0.1)) parts.push('-m limit --limit 10000/sec --limit-burst 10000');
  parts.push(...iptExtraMatches(rng, ctx, tcp));
  if (rng.chance(0.12)) parts.push(`-m comment --comment "r${rng.int(1, 999)}"`);
  return { text: parts.join(' '), tcp };
}

/** Marks MARK/CONNMARK rules in mangle set (iptablesDocument) and `-m mark`/`-m connmark` test. */
const MARKS = ['0x1', '0x2', '0x1/0x1', '0x2/0x3', '0x4/0x4'];

/**
 * The rest of the supported matches, each rare: marks, conntrack's NAT state and original tuple,
 * address ranges, TCP flags, TTL / hop limit (which routing lowers before FORWARD), packet type,
 * ipsets, `recent --set` and `hashlimit`. Conntrack-dependent ones stay out of raw.
 */
function iptExtraMatches(rng: Rng, ctx: IptCtx, tcp: boolean): string[] {
  const parts: string[] = [];
  const neg = (p: number) => (rng.chance(p) ? '! ' : '');
  const tracked = ctx.table !== 'raw';
  if (tracked && rng.chance(0.08)) parts.push(`-m mark ${neg(0.2)}--mark ${rng.pick(MARKS)}`);
  if (tracked && rng.chance(0.04)) parts.push(`-m connmark ${neg(0.2)}--mark ${rng.pick(['0x4/0x4', '0x8'])}`);
  if (tracked && ctx.table === 'filter' && rng.chance(0.08)) {
    const local = LOCAL[ctx.fam].filter((a) => a !== '127.0.0.1' && a !== '::1');
    parts.push(
      rng.pick([
        `-m conntrack ${neg(0.3)}--ctstate DNAT`,
        `-m conntrack ${neg(0.3)}--ctstatus ${rng.pick(['NONE', 'CONFIRMED', 'SEEN_REPLY', 'ASSURED', 'EXPECTED', 'CONFIRMED,SEEN_REPLY'])}`,
        `-m conntrack ${neg(0.2)}--ctorigdst ${rng.chance(0.6) ? rng.pick(local) : rng.pick(PREFIXES[ctx.fam])}`,
        `-m conntrack ${neg(0.2)}--ctorigdstport ${rng.pick(PORTS)}`,
        `-m conntrack --ctstate NEW --ctorigdstport ${rng.pick(PORTS)}`,
      ]),
    );
  }
  if (rng.chance(0.06)) {
    const [a, b] = rng.pick(RANGES[ctx.fam]);
    parts.push(`-m iprange ${neg(0.2)}--${rng.chance(0.6) ? 'src' : 'dst'}-range ${a}-${b}`);
  }
  // Not before conntrack: there a flag test tells the client's later packets (its ACK) from its
  // SYN, and a NOTRACK or DROP of those breaks the handshake the model does not follow (seed 976003396).
  if (tcp && ctx.table !== 'raw' && rng.chance(0.1))
    parts.push(
      rng.pick([
        '-m tcp --syn',
        '-m tcp ! --syn',
        '-m tcp --tcp-flags SYN,ACK SYN',
        '-m tcp --tcp-flags FIN,SYN,RST,ACK SYN',
        '-m tcp --tcp-flags SYN,ACK SYN,ACK',
      ]),
    );
  if (rng.chance(0.06)) {
    // Clients send with TTL / hop limit 64; routing lowers it by one before FORWARD.
    const value = rng.pick([63, 64]);
    parts.push(
      ctx.fam === 4
        ? `-m ttl ${rng.pick([`--ttl-eq ${value}`, `! --ttl-eq ${value}`, '--ttl-lt 64', '--ttl-gt 63'])}`
        : `-m hl ${rng.pick([`--hl-eq ${value}`, `! --hl-eq ${value}`, '--hl-lt 64', '--hl-gt 63'])}`,
    );
  }
  if (rng.chance(0.04)) parts.push(`-m pkttype ${neg(0.3)}--pkt-type ${rng.pick(['unicast', 'unicast', 'multicast', 'broadcast'])}`);
  if (rng.chance(0.06)) parts.push(`-m set ${neg(0.25)}--match-set ${ctx.fam === 4 ? 'rs4' : 'rs6'} ${rng.chance(0.6) ? 'src' : 'dst'}`);
  if (rng.chance(0.03)) parts.push(`-m recent --set --name rr${rng.int(1, 3)} --rsource`);
  if (rng.chance(0.03)) parts.push(`-m hashlimit --hashlimit-upto 10000/sec --hashlimit-burst 10000 --hashlimit-mode srcip --hashlimit-name h${rng.int(1, 9)}`);
  // Counted limits a fresh client is under (issue 15): above never matches, upto always does.
  // Nothing here may depend on the lab's earlier probes: the limits are far beyond them, and the
  // recent list checked is one nothing records into.
  if (rng.chance(0.03))
    parts.push(`-m hashlimit --hashlimit-above 10000/sec --hashlimit-burst 10000 --hashlimit-mode srcip --hashlimit-name ha${rng.int(1, 9)}`);
  if (rng.chance(0.03)) parts.push('-m recent --rcheck --seconds 60 --name never --rsource');
  // u32 on what a SYN fixes: protocol, TTL / hop limit, destination port.
  if (tcp && rng.chance(0.04)) {
    const port = rng.pick(PORTS);
    parts.push(
      `-m u32 ${neg(0.2)}--u32 "${rng.pick(
        ctx.fam === 4
          ? ['0x6&0xff=0x6', `0x0>>0x16&0x3c@0x0&0xffff=0x${port.toString(16)}`, '0x8>>0x18=0x40', '0x8>>0x18=0x3f:0x40&&0x6&0xff=0x6', '0x0&0xffff=0x0:0xffff']
          : ['0x4&0xff00=0x600', `0x28&0xffff=0x${port.toString(16)}`, '0x4&0xff=0x40'],
      )}"`,
    );
  }
  // The sending socket: only output chains see one (a local client's SYN).
  if (ctx.table === 'filter' && ctx.outIface && !ctx.inIface && rng.chance(0.1)) parts.push(`-m owner ${neg(0.3)}--socket-exists`);
  if (ctx.table === 'filter' && rng.chance(0.04))
    parts.push(`-m connlimit --connlimit-${rng.pick(['above', 'upto'])} 1000 --connlimit-mask ${ctx.fam === 4 ? 32 : 128} --connlimit-saddr`);
  return parts;
}

/** The ipsets `-m set` names: one IPv4 and one IPv6 hash:net set. */
function ipsetDocument(rng: Rng): string {
  const out: string[] = ['create rs4 hash:net family inet', 'create rs6 hash:net family inet6'];
  for (const [name, fam] of [
    ['rs4', 4],
    ['rs6', 6],
  ] as const) {
    const pool = [...new Set([...PREFIXES[fam].filter((p) => !p.endsWith('/0')), ...SOURCES[fam], ...LOCAL[fam]])];
    for (const e of rng.some(pool, 1, 4)) out.push(`add ${name} ${e}`);
  }
  return `${out.join('\n')}\n`;
}

function iptReject(rng: Rng, fam: Fam, tcp: boolean): string {
  const withs =
    fam === 4
      ? ['icmp-port-unreachable', 'icmp-host-unreachable', 'icmp-net-unreachable', 'icmp-admin-prohibited', 'icmp-host-prohibited', 'icmp-net-prohibited']
      : ['icmp6-port-unreachable', 'icmp6-adm-prohibited', 'icmp6-no-route', 'icmp6-addr-unreachable'];
  if (tcp && rng.chance(0.4)) return '-j REJECT --reject-with tcp-reset';
  if (rng.chance(0.2)) return '-j REJECT';
  return `-j REJECT --reject-with ${rng.pick(withs)}`;
}

function iptFilterTarget(rng: Rng, ctx: IptCtx, tcp: boolean, inUserChain: boolean): string {
  const r = rng.next();
  if (ctx.targets.length > 0 && r < 0.2) return `${rng.chance(0.3) ? '-g' : '-j'} ${rng.pick(ctx.targets)}`;
  if (r < 0.45) return '-j ACCEPT';
  if (r < 0.68) return '-j DROP';
  if (r < 0.8 && ctx.reject) return iptReject(rng, ctx.fam, tcp);
  if (r < 0.88) return `-j LOG --log-prefix "r${rng.int(1, 99)} "`;
  if (inUserChain || rng.chance(0.2)) return '-j RETURN';
  return '-j DROP';
}

function dnatTarget(rng: Rng, fam: Fam): string {
  const r = rng.next();
  if (r < 0.25) return `-j REDIRECT --to-ports ${rng.pick(rng.chance(0.6) ? LISTENER_PORTS : PORTS)}`;
  const local = r < 0.6;
  let addr: string;
  if (local) addr = rng.chance(0.08) ? (fam === 4 ? '127.0.0.1' : '::1') : rng.pick(LOCAL[fam].filter((a) => a !== '127.0.0.1' && a !== '::1'));
  else addr = rng.pick(CTR_TARGETS[fam]);
  // A local target mostly names a listener's port: another port becomes a way into it.
  const port = rng.chance(local ? 0.7 : 0.5) ? (local ? rng.pick(rng.chance(0.7) ? LISTENER_PORTS : PORTS) : rng.pick(CTR_PORTS)) : undefined;
  const host = fam === 6 && port !== undefined ? `[${addr}]` : addr;
  return `-j DNAT --to-destination ${host}${port !== undefined ? `:${port}` : ''}`;
}

/** The client link, a listener port, the port the client aims at instead, and a host address of another interface. */
function translationDetour(rng: Rng, fam: Fam): { iface: string; port: number; from: number; to: string } {
  const ifaces = fam === 4 ? ['eth0', 'eth1', 'tailscale0'] : ['eth0', 'eth1'];
  const iface = rng.pick(ifaces);
  const port = rng.pick(LISTENER_PORTS);
  const from = rng.pick(PORTS.filter((p) => p !== port));
  const own = (HOST as Record<string, { v4?: string; v6?: string }>)[iface];
  const others = LOCAL[fam].filter((a) => a !== '127.0.0.1' && a !== '::1' && a !== (fam === 4 ? own?.v4 : own?.v6));
  return { iface, port, from, to: rng.pick(others) };
}

function iptablesDocument(rng: Rng, fam: Fam): string {
  const out: string[] = [];
  const established = '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT';
  // A way in through another port (issue 15): a DNAT from port X to a listener's port on a host
  // address of another interface, beside a raw drop of that listener's port on the client's link.
  const detour = rng.chance(0.2) ? translationDetour(rng, fam) : undefined;
  if (rng.chance(0.3) || detour) {
    out.push('*raw', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]');
    const ctx: IptCtx = { fam, table: 'raw', inIface: true, outIface: false, needPort: true, targets: [], reject: false };
    if (detour) out.push(`-A PREROUTING -i ${detour.iface} -p tcp -m tcp --dport ${detour.port} -j DROP`);
    // CT --notrack: the connection is never tracked (no NAT; its answers are INVALID to conntrack).
    for (let i = detour ? rng.int(0, 2) : rng.int(1, 3); i > 0; i--)
      out.push(`-A PREROUTING ${iptMatches(rng, ctx).text} ${rng.pick(['-j DROP', '-j DROP', '-j ACCEPT', '-j LOG --log-prefix "raw "', '-j CT --notrack'])}`);
    out.push('COMMIT');
  }
  if (rng.chance(0.25)) {
    out.push('*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]');
    out.push(`-A PREROUTING ${established}`);
    const ctx: IptCtx = { fam, table: 'mangle', inIface: true, outIface: false, needPort: false, targets: [], reject: false };
    const marks = [
      '-j MARK --set-xmark 0x1/0xffffffff',
      '-j MARK --set-mark 0x2',
      '-j MARK --or-mark 0x1',
      '-j CONNMARK --set-xmark 0x4/0x4',
      '-j CONNMARK --set-mark 0x8',
    ];
    for (let i = rng.int(1, 3); i > 0; i--)
      out.push(
        `-A PREROUTING ${iptMatches(rng, ctx).text} ${rng.pick(['-j DROP', '-j ACCEPT', '-j ACCEPT', '-j LOG --log-prefix "mg "', '-j RETURN', ...marks])}`,
      );
    if (rng.chance(0.4)) {
      out.push(`-A INPUT ${established}`);
      out.push(`-A INPUT ${iptMatches(rng, { ...ctx }).text} ${rng.pick(['-j DROP', '-j ACCEPT'])}`);
    }
    out.push('COMMIT');
  }
  if (rng.chance(0.6) || detour) {
    const natChains = rng.chance(0.4) ? ['NATU'] : [];
    out.push(
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':INPUT ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ...natChains.map((c) => `:${c} - [0:0]`),
    );
    const ctx: IptCtx = { fam, table: 'nat', inIface: true, outIface: false, needPort: true, targets: [], reject: false };
    if (detour)
      out.push(
        `-A PREROUTING -i ${detour.iface} -p tcp -m tcp --dport ${detour.from} -j DNAT --to-destination ${fam === 6 ? `[${detour.to}]` : detour.to}:${detour.port}`,
      );
    for (let i = rng.int(1, 4); i > 0; i--) {
      const m = iptMatches(rng, ctx).text;
      const r = rng.next();
      out.push(`-A PREROUTING ${m} ${r < 0.8 ? dnatTarget(rng, fam) : rng.pick(['-j RETURN', '-j ACCEPT'])}`);
    }
    if (natChains.length > 0) {
      // Docker's shape: local destinations go through a chain of DNATs.
      out.push(`-A PREROUTING -m addrtype --dst-type LOCAL -j NATU`);
      for (let i = rng.int(1, 3); i > 0; i--) {
        const m = iptMatches(rng, { ...ctx, inIface: true }).text;
        out.push(`-A NATU ${m} ${rng.chance(0.85) ? dnatTarget(rng, fam) : '-j RETURN'}`);
      }
    }
    if (rng.chance(0.2)) {
      // Locally generated connections (the loopback zone) meet nat OUTPUT.
      const m = iptMatches(rng, { ...ctx, inIface: false, outIface: true }).text;
      out.push(
        `-A OUTPUT ${m} ${rng.chance(0.5) ? `-j REDIRECT --to-ports ${rng.pick(PORTS)}` : `-j DNAT --to-destination ${fam === 6 ? `[${rng.pick(LOCAL[6])}]` : rng.pick(LOCAL[4])}:${rng.pick(PORTS)}`}`,
      );
    }
    if (rng.chance(0.3)) out.push('-A POSTROUTING -o docker0 -j MASQUERADE');
    out.push('COMMIT');
  }
  // filter: always
  const users = Array.from({ length: rng.int(0, 3) }, (_, i) => `U${i}`);
  const inputPolicy = rng.chance(0.5) ? 'DROP' : 'ACCEPT';
  const forwardPolicy = rng.chance(0.5) ? 'DROP' : 'ACCEPT';
  out.push('*filter', `:INPUT ${inputPolicy} [0:0]`, `:FORWARD ${forwardPolicy} [0:0]`, ':OUTPUT ACCEPT [0:0]', ...users.map((u) => `:${u} - [0:0]`));
  const inputCtx: IptCtx = { fam, table: 'filter', inIface: true, outIface: false, needPort: false, targets: users, reject: true };
  out.push(`-A INPUT ${established}`);
  for (let i = rng.int(2, 10); i > 0; i--) {
    const m = iptMatches(rng, inputCtx);
    out.push(`-A INPUT ${m.text} ${iptFilterTarget(rng, inputCtx, m.tcp, false)}`.replace(/ +/g, ' '));
  }
  const forwardCtx: IptCtx = { ...inputCtx, outIface: true };
  out.push(`-A FORWARD ${established}`);
  for (let i = rng.int(0, 4); i > 0; i--) {
    const m = iptMatches(rng, forwardCtx);
    out.push(`-A FORWARD ${m.text} ${iptFilterTarget(rng, forwardCtx, m.tcp, false)}`.replace(/ +/g, ' '));
  }
  if (rng.chance(0.15)) {
    const outputCtx: IptCtx = { fam, table: 'filter', inIface: false, outIface: true, needPort: true, targets: [], reject: true };
    out.push(`-A OUTPUT ${established}`);
    for (let i = rng.int(1, 2); i > 0; i--) {
      const m = iptMatches(rng, outputCtx);
      out.push(`-A OUTPUT ${m.text} ${rng.chance(0.5) ? '-j DROP' : iptReject(rng, fam, m.tcp)}`);
    }
  }
  users.forEach((u, i) => {
    // A user chain jumps only to later ones: no loops.
    const ctx: IptCtx = { ...forwardCtx, outIface: false, targets: users.slice(i + 1) };
    for (let n = rng.int(1, 5); n > 0; n--) {
      const m = iptMatches(rng, ctx);
      out.push(`-A ${u} ${m.text} ${iptFilterTarget(rng, ctx, m.tcp, true)}`.replace(/ +/g, ' '));
    }
  });
  out.push('COMMIT');
  return `${out.map((l) => l.replace(/ +/g, ' ').trimEnd()).join('\n')}\n`;
}

// ------------------------------------------------------------------------------------------------
// nft -f

type NftFamily = 'inet' | 'ip' | 'ip6';

interface NftSet {
  name: string;
  kind: 'addr4' | 'addr6' | 'port' | 'ifname' | 'portvmap';
}

interface NftCtx {
  family: NftFamily;
  inIface: boolean;
  outIface: boolean;
  needPort: boolean;
  /** Conntrack has run (priority above -200) so `ct state` means what it says. */
  ct: boolean;
  reject: boolean;
  targets: string[];
  sets: NftSet[];
  /** Run-time sets the table's rules use (declared once the rules are written), and meters made. */
  dyn: { used: Set<string>; meters: number };
}

function famsOf(family: NftFamily): Fam[] {
  return family === 'inet' ? [4, 6] : family === 'ip' ? [4] : [6];
}

function nftAddr(rng: Rng, fam: Fam, pool: 'src' | 'dst'): string {
  const r = rng.next();
  if (r < 0.12) {
    const [a, b] = rng.pick(RANGES[fam]);
    return `${a}-${b}`;
  }
  if (r < 0.25) return `{ ${rng.some([...PREFIXES[fam], ...(pool === 'src' ? SOURCES[fam] : LOCAL[fam])], 2, 4).join(', ')} }`;
  return address(rng, fam, pool);
}

function nftPort(rng: Rng, positiveOnly: boolean, sets: NftSet[]): string {
  const portSets = sets.filter((s) => s.kind === 'port');
  const r = rng.next();
  const proto = rng.chance(0.15) ? 'th' : 'tcp';
  const prefix = proto === 'th' ? 'meta l4proto tcp th' : 'tcp';
  if (r < 0.35) return `${prefix} dport ${rng.pick(PORTS)}`;
  if (r < 0.5) {
    const [a, b] = rng.pick(PORT_RANGES);
    return `${prefix} dport ${a}-${b}`;
  }
  if (r < 0.72) return `${prefix} dport { ${rng.some(PORTS, 2, 5).join(', ')} }`;
  if (r < 0.82 && portSets.length > 0) return `${prefix} dport @${rng.pick(portSets).name}`;
  if (positiveOnly) return `${prefix} dport ${rng.pick(PORTS)}`;
  if (r < 0.92) return `${prefix} dport != ${rng.pick(PORTS)}`;
  return `${prefix} sport 1024-65535`;
}

function nftMatches(rng: Rng, ctx: NftCtx): { text: string; tcp: boolean; fam: Fam | undefined } {
  const parts: string[] = [];
  const fams = famsOf(ctx.family);
  // An address match pins the rule to one family (in an inet table the other family skips it).
  let fam: Fam | undefined = ctx.family === 'inet' ? undefined : fams[0];
  if (ctx.inIface && rng.chance(0.35)) {
    const ifSets = ctx.sets.filter((s) => s.kind === 'ifname');
    const r = rng.next();
    if (r < 0.15 && ifSets.length > 0) parts.push(`iifname @${rng.pick(ifSets).name}`);
    else if (r < 0.3) parts.push(`iifname "${rng.pick(NFT_WILDCARDS)}"`);
    else if (r < 0.45)
      parts.push(
        `iifname { ${rng
          .some(IFACES, 2, 3)
          .map((i) => `"${i}"`)
          .join(', ')} }`,
      );
    else if (r < 0.55) parts.push('iif "lo"');
    else parts.push(`iifname ${rng.chance(0.2) ? '!= ' : ''}"${rng.pick(IFACES)}"`);
  }
  if (ctx.outIface && rng.chance(0.3)) parts.push(`oifname ${rng.chance(0.2) ? '!= ' : ''}"${rng.pick(IFACES.filter((i) => i !== 'lo'))}"`);
  for (const dir of ['saddr', 'daddr'] as const) {
    if (!rng.chance(dir === 'saddr' ? 0.3 : 0.2)) continue;
    const f: Fam = fam ?? rng.pick(fams);
    fam = f;
    const l3 = f === 4 ? 'ip' : 'ip6';
    const setKind = f === 4 ? 'addr4' : 'addr6';
    const addrSets = ctx.sets.filter((s) => s.kind === setKind);
    const value = addrSets.length > 0 && rng.chance(0.25) ? `@${rng.pick(addrSets).name}` : nftAddr(rng, f, dir === 'saddr' ? 'src' : 'dst');
    const neg = !value.startsWith('{') && !value.startsWith('@') && !value.endsWith('/0') && rng.chance(0.2) ? '!= ' : '';
    parts.push(`${l3} ${dir} ${neg}${value}`);
  }
  let tcp = false;
  const p = rng.next();
  if (ctx.needPort || p < 0.65) {
    tcp = true;
    if (ctx.needPort) parts.push(nftPort(rng, true, ctx.sets));
    else if (rng.chance(0.7)) parts.push(nftPort(rng, false, ctx.sets));
    else if (rng.chance(0.6)) parts.push('meta l4proto tcp');
    else {
      parts.push('meta l4proto { tcp, udp }');
      tcp = false;
    }
  } else if (p < 0.75) {
    parts.push(rng.chance(0.5) ? 'udp dport 53' : 'meta l4proto udp');
  } else if (p < 0.8) {
    parts.push(
      fam === 6 || (fam === undefined && ctx.family === 'ip6')
        ? 'meta l4proto ipv6-icmp'
        : fam === 4 || ctx.family === 'ip'
          ? 'meta l4proto icmp'
          : 'meta l4proto { icmp, ipv6-icmp }',
    );
  }
  if (rng.chance(ctx.ct ? 0.2 : 0.03)) {
    parts.push(
      rng.pick([
        'ct state new',
        'ct state new',
        'ct state { new, established }',
        'ct state established',
        'ct state invalid',
        'ct state != new',
        'ct state related,established',
      ]),
    );
  }
  if (rng.chance(0.15)) parts.push(rng.pick(['fib daddr type local', 'fib daddr type != local', 'fib daddr type { local, broadcast }']));
  if (rng.chance(0.1)) parts.push('limit rate 10000/second burst 10000 packets');
  const extra = nftExtraMatches(rng, ctx, tcp, fam);
  parts.push(...extra.parts);
  fam = extra.fam;
  if (rng.chance(0.15)) parts.push('counter');
  return { text: parts.join(' '), tcp, fam };
}

/**
 * The rest of the supported nft matches, each rare: marks (set by `meta mark set` / `ct mark set`
 * in the prerouting chain), `ct status dnat`, the original destination, TCP flags, packet type,
 * `meta nfproto`, and concatenated sets of address and port.
 */
function nftExtraMatches(rng: Rng, ctx: NftCtx, tcp: boolean, fam: Fam | undefined): { parts: string[]; fam: Fam | undefined } {
  const parts: string[] = [];
  const ne = (p: number) => (rng.chance(p) ? '!= ' : '');
  if (ctx.ct && rng.chance(0.08)) parts.push(`meta mark ${ne(0.2)}${rng.pick(['0x1', '0x2', '0x3'])}`);
  if (ctx.ct && rng.chance(0.04)) parts.push(`ct mark ${ne(0.2)}${rng.pick(['0x4', '0x8'])}`);
  if (ctx.ct && rng.chance(0.06)) parts.push(`ct status ${ne(0.3)}dnat`);
  if (ctx.ct && rng.chance(0.05)) {
    const f: Fam = fam ?? rng.pick(famsOf(ctx.family));
    fam = f;
    const local = LOCAL[f].filter((a) => a !== '127.0.0.1' && a !== '::1');
    // nft reads `proto-dst` only after a TCP match has set the protocol context.
    parts.push(
      !tcp || rng.chance(0.5)
        ? `ct original ${f === 4 ? 'ip' : 'ip6'} daddr ${ne(0.2)}${rng.chance(0.6) ? rng.pick(local) : rng.pick(PREFIXES[f])}`
        : `ct original proto-dst ${ne(0.2)}${rng.pick(PORTS)}`,
    );
  }
  if (tcp && ctx.ct && rng.chance(0.12)) {
    parts.push(
      rng.pick([
        'tcp flags syn',
        'tcp flags & (syn | ack) == syn',
        'tcp flags & (fin | syn | rst | ack) == syn',
        'tcp flags & (syn | ack) == syn | ack',
        'tcp flags != syn',
        // iptables-restore-translate's forms and nft's own shorthands (issue 15).
        'tcp flags & (fin | syn | rst | psh | ack | urg) == 0x0',
        'tcp flags & (fin | syn | rst | psh | ack | urg) != 0x0',
        'tcp flags syn / fin,syn,rst,ack',
        'tcp flags & 0x12 == 0x2',
        'tcp flags { syn, syn | ack }',
        'tcp flags != { fin, rst }',
        'tcp flags syn,ack',
        'tcp flags fin,rst',
      ]),
    );
  }
  if (rng.chance(0.04)) parts.push(`meta pkttype ${ne(0.3)}${rng.pick(['host', 'host', 'multicast', 'broadcast'])}`);
  if (ctx.family === 'inet' && fam === undefined && rng.chance(0.05)) {
    fam = rng.pick([4, 6] as const);
    parts.push(`meta nfproto ${fam === 4 ? 'ipv4' : 'ipv6'}`);
  }
  if (ctx.ct && rng.chance(0.08)) {
    // Dynamic sets and counted limits, for a fresh client (issue 15). The limits are far beyond
    // what the lab's probes send, and membership is only tested in sets no rule adds to: the
    // kernel's answer must not depend on the lab's earlier probes.
    const f: Fam = fam ?? rng.pick(famsOf(ctx.family));
    fam = f;
    const key = f === 4 ? 'ip saddr' : 'ip6 saddr';
    const set = (name: string) => {
      ctx.dyn.used.add(`${name}${f}`);
      return `@${name}${f}`;
    };
    const r = rng.next();
    if (r < 0.2) parts.push(`add ${set('d')} { ${key} limit rate over 100000/second burst 100000 packets }`);
    else if (r < 0.35) parts.push(`update ${set('d')} { ${key} limit rate 100000/second burst 100000 packets }`);
    else if (r < 0.45) parts.push(`update ${set('d')} { ${key} counter }`);
    // ct count needs a set without timeouts.
    else if (r < 0.55) parts.push(`add ${set('c')} { ${key} ct count over ${rng.pick([1000, 2000])} }`);
    else if (r < 0.62) parts.push(`delete ${set('d')} { ${key} }`);
    else if (r < 0.75) parts.push(`${key} ${rng.chance(0.3) ? '!= ' : ''}${set('e')}`);
    else if (r < 0.83) parts.push(`meter m${ctx.dyn.meters++} { ${key} limit rate over 100000/second burst 100000 packets }`);
    else if (r < 0.9) parts.push(rng.pick(['quota over 1000 mbytes', 'quota until 1000 mbytes']));
    else parts.push(rng.pick(['ct count over 1000', 'ct count 1000']));
  }
  if (tcp && rng.chance(0.05)) {
    const f: Fam = fam ?? rng.pick(famsOf(ctx.family));
    fam = f;
    const pairs = Array.from(
      { length: rng.int(1, 3) },
      () => [rng.pick(rng.chance(0.5) ? SOURCES[f] : PREFIXES[f].filter((p) => !p.endsWith('/0'))), rng.pick(PORTS)] as const,
    );
    // Interval elements must not overlap: of two nested prefixes on one port keep the first.
    const kept = pairs.filter(
      ([a, p], i) =>
        !pairs
          .slice(0, i)
          .some(([b, q]) => q === p && overlaps(a.includes('/') ? a : `${a}/${f === 4 ? 32 : 128}`, b.includes('/') ? b : `${b}/${f === 4 ? 32 : 128}`)),
    );
    parts.push(`${f === 4 ? 'ip' : 'ip6'} saddr . tcp dport { ${[...new Set(kept.map(([a, p]) => `${a} . ${p}`))].join(', ')} }`);
  }
  return { parts, fam };
}

function nftReject(rng: Rng, fam: Fam | undefined, family: NftFamily, tcp: boolean): string {
  if (tcp && rng.chance(0.4)) return 'reject with tcp reset';
  const r = rng.next();
  if (r < 0.2) return 'reject';
  // icmpx (family-neutral codes) exists only in inet tables.
  if (r < 0.6 && family === 'inet') return `reject with icmpx type ${rng.pick(['port-unreachable', 'admin-prohibited', 'host-unreachable', 'no-route'])}`;
  const f = fam ?? (family === 'ip6' ? 6 : family === 'ip' ? 4 : undefined);
  if (f === 4) return `reject with icmp type ${rng.pick(['host-unreachable', 'port-unreachable', 'admin-prohibited', 'net-unreachable'])}`;
  if (f === 6) return `reject with icmpv6 type ${rng.pick(['admin-prohibited', 'port-unreachable', 'no-route', 'addr-unreachable'])}`;
  return family === 'inet' ? 'reject with icmpx type admin-prohibited' : 'reject';
}

function nftVerdict(rng: Rng, ctx: NftCtx, m: { tcp: boolean; fam: Fam | undefined }, inUserChain: boolean): string {
  const r = rng.next();
  if (ctx.targets.length > 0 && r < 0.18) return `${rng.chance(0.3) ? 'goto' : 'jump'} ${rng.pick(ctx.targets)}`;
  if (r < 0.45) return 'accept';
  if (r < 0.68) return 'drop';
  if (r < 0.8 && ctx.reject) return nftReject(rng, m.fam, ctx.family, m.tcp);
  if (r < 0.86) return `log prefix "r${rng.int(1, 99)} " ${rng.pick(['accept', 'drop'])}`;
  if (inUserChain || rng.chance(0.3)) return 'return';
  return 'drop';
}

/** A verdict map rule: port, interface or source address to verdicts, and keys over the other selectors, single and concatenated. */
function nftVmap(rng: Rng, ctx: NftCtx): string {
  const verdicts = ['accept', 'drop', ...(ctx.targets.length > 0 ? ctx.targets.map((t) => `jump ${t}`) : []), 'accept', 'drop'];
  if (!ctx.needPort && rng.chance(0.4)) {
    const v = () => rng.pick(verdicts);
    const ports = () => rng.some(PORTS, 1, 3);
    const forms = [
      `meta protocol vmap { ip : ${v()}, ip6 : ${v()} }`,
      ...(ctx.family === 'inet' ? [`meta nfproto vmap { ${rng.pick(['ipv4', 'ipv6'])} : ${v()} }`] : []),
      `meta l4proto . th dport vmap { ${ports()
        .map((p) => `tcp . ${p} : ${v()}`)
        .join(', ')}, udp . 53 : ${v()} }`,
      `meta l4proto vmap { tcp : ${v()}, udp : ${v()} }`,
      ...(ctx.family !== 'ip6'
        ? [
            `ip protocol . th dport vmap { ${ports()
              .map((p) => `tcp . ${p} : ${v()}`)
              .join(', ')}, udp . 67 : accept }`,
          ]
        : []),
      ...(ctx.family !== 'ip'
        ? [
            `ip6 nexthdr . th dport vmap { ${ports()
              .map((p) => `tcp . ${p} : ${v()}`)
              .join(', ')} }`,
          ]
        : []),
      ...(ctx.ct ? ['ct state vmap { established : accept, related : accept, invalid : drop }'] : []),
      ...(ctx.inIface
        ? [
            `iifname . tcp dport vmap { ${rng
              .some(IFACES, 1, 3)
              .map((i) => `"${i}" . ${rng.pick(PORTS)} : ${v()}`)
              .join(', ')} }`,
          ]
        : []),
      `tcp dport vmap { ${rng.pick(PORT_RANGES).join('-')} : ${v()} }`,
    ];
    return rng.pick(forms);
  }
  const r = rng.next();
  const portVmaps = ctx.sets.filter((s) => s.kind === 'portvmap');
  if (r < 0.15 && portVmaps.length > 0) return `tcp dport vmap @${rng.pick(portVmaps).name}`;
  if (r < 0.55 || ctx.needPort)
    return `tcp dport vmap { ${rng
      .some(PORTS, 2, 4)
      .map((p) => `${p} : ${rng.pick(verdicts)}`)
      .join(', ')} }`;
  if (r < 0.8 && ctx.inIface)
    return `iifname vmap { ${rng
      .some(IFACES, 2, 3)
      .map((i) => `"${i}" : ${rng.pick(verdicts)}`)
      .join(', ')} }`;
  const fam: Fam = ctx.family === 'ip6' ? 6 : ctx.family === 'ip' ? 4 : rng.pick([4, 6] as const);
  const nets = rng.some(
    PREFIXES[fam].filter((p) => !p.endsWith('/0')),
    2,
    3,
  );
  // Interval vmaps must not overlap: keep the first of any nested pair.
  const kept = nets.filter((n, i) => !nets.slice(0, i).some((o) => overlaps(o, n)));
  return `${fam === 4 ? 'ip' : 'ip6'} saddr vmap { ${kept.map((n) => `${n} : ${rng.pick(verdicts)}`).join(', ')} }`;
}

function overlaps(a: string, b: string): boolean {
  // Good enough for the fixed prefix pools: same family and one is a textual prefix of the other's network.
  const [na, la] = a.split('/') as [string, string];
  const [nb, lb] = b.split('/') as [string, string];
  if (na.includes(':') !== nb.includes(':')) return false;
  const bits = (x: string) => {
    if (!x.includes(':'))
      return x
        .split('.')
        .map((o) => Number(o).toString(2).padStart(8, '0'))
        .join('');
    const full = expand6(x);
    return full.map((h) => parseInt(h, 16).toString(2).padStart(16, '0')).join('');
  };
  const l = Math.min(Number(la), Number(lb));
  return bits(na).slice(0, l) === bits(nb).slice(0, l);
}

function expand6(x: string): string[] {
  const [head, tail] = x.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
}

function nftDnat(rng: Rng, family: NftFamily, matched: Fam | undefined): string {
  const r = rng.next();
  if (r < 0.25) return `redirect to :${rng.pick(rng.chance(0.6) ? LISTENER_PORTS : PORTS)}`;
  const fam: Fam = matched ?? (family === 'inet' ? rng.pick([4, 4, 6] as const) : family === 'ip' ? 4 : 6);
  const local = r < 0.6;
  let addr: string;
  if (local) addr = rng.chance(0.08) ? (fam === 4 ? '127.0.0.1' : '::1') : rng.pick(LOCAL[fam].filter((a) => a !== '127.0.0.1' && a !== '::1'));
  else addr = rng.pick(CTR_TARGETS[fam]);
  const port = rng.chance(local ? 0.7 : 0.5) ? (local ? rng.pick(rng.chance(0.7) ? LISTENER_PORTS : PORTS) : rng.pick(CTR_PORTS)) : undefined;
  const host = fam === 6 && port !== undefined ? `[${addr}]` : addr;
  const verb = family === 'inet' ? `dnat ${fam === 4 ? 'ip' : 'ip6'} to` : 'dnat to';
  // In an inet table the DNAT's family must be pinned by the rule itself.
  const pin = family === 'inet' ? `meta nfproto ${fam === 4 ? 'ipv4' : 'ipv6'} ` : '';
  return `${pin}${verb} ${host}${port !== undefined ? `:${port}` : ''}`;
}

function nftTable(rng: Rng, index: number, needInput: boolean): string {
  const family: NftFamily = rng.pick(['inet', 'inet', 'ip', 'ip6']);
  const name = `t${index}`;
  // nft resolves names in file order: sets, then user chains (later ones first, since a user
  // chain jumps only to later ones), then the verdict map that jumps to them, then base chains.
  const setLines: string[] = [];
  const userLines: string[] = [];
  const mapLines: string[] = [];
  const baseLines: string[] = [];
  const sets: NftSet[] = [];
  const fams = famsOf(family);
  if (rng.chance(0.4)) {
    const f = rng.pick(fams);
    sets.push({ name: `a${f}`, kind: f === 4 ? 'addr4' : 'addr6' });
    const nets = rng.some(
      PREFIXES[f].filter((p) => !p.endsWith('/0')),
      1,
      3,
    );
    const kept = nets.filter((n, i) => !nets.slice(0, i).some((o) => overlaps(o, n)));
    setLines.push(`  set a${f} {`, `    type ${f === 4 ? 'ipv4_addr' : 'ipv6_addr'}`, '    flags interval', `    elements = { ${kept.join(', ')} }`, '  }');
  }
  if (rng.chance(0.4)) {
    sets.push({ name: 'ports', kind: 'port' });
    const [a, b] = rng.pick(PORT_RANGES);
    const singles = rng.some(
      PORTS.filter((p) => p < a || p > b),
      1,
      4,
    );
    setLines.push('  set ports {', '    type inet_service', '    flags interval', `    elements = { ${[...singles, `${a}-${b}`].join(', ')} }`, '  }');
  }
  if (rng.chance(0.25)) {
    sets.push({ name: 'ifs', kind: 'ifname' });
    setLines.push(
      '  set ifs {',
      '    type ifname',
      `    elements = { ${rng
        .some(IFACES, 1, 3)
        .map((i) => `"${i}"`)
        .join(', ')} }`,
      '  }',
    );
  }
  const users = Array.from({ length: rng.int(0, 2) }, (_, i) => `u${i}`);
  const plainSets = [...sets];
  if (rng.chance(0.25)) {
    sets.push({ name: 'pv', kind: 'portvmap' });
    const verdicts = ['accept', 'drop', ...users.map((u) => `jump ${u}`)];
    mapLines.push(
      '  map pv {',
      '    type inet_service : verdict',
      `    elements = { ${rng
        .some(PORTS, 2, 4)
        .map((p) => `${p} : ${rng.pick(verdicts)}`)
        .join(', ')} }`,
      '  }',
    );
  }
  const established = '    ct state established,related accept';
  const line = (text: string) => `    ${text.replace(/ +/g, ' ').trim()}`;
  const rules = (ctx: NftCtx, n: number, inUserChain: boolean): string[] => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      if (rng.chance(0.12)) {
        out.push(line(nftVmap(rng, ctx)));
        continue;
      }
      const m = nftMatches(rng, ctx);
      const comment = rng.chance(0.1) ? ` comment "r${rng.int(1, 999)}"` : '';
      out.push(line(`${m.text} ${nftVerdict(rng, ctx, m, inUserChain)}${comment}`));
    }
    return out;
  };
  const base = (chain: string, type: string, hook: string, priority: number, policy: string, body: string[]) => {
    baseLines.push(`  chain ${chain} {`, `    type ${type} hook ${hook} priority ${priority}; policy ${policy};`, ...body, '  }');
  };
  const dyn = { used: new Set<string>(), meters: 0 };
  const filterCtx: NftCtx = { family, inIface: true, outIface: false, needPort: false, ct: true, reject: true, targets: users, sets, dyn };
  // Chains that must not reach a user chain (prerouting: no reject there; output: invariant 2) see no verdict map.
  const narrowCtx: NftCtx = { ...filterCtx, targets: [], sets: plainSets };
  const inputs = needInput ? rng.int(1, 2) : rng.int(0, 1);
  for (let i = 0; i < inputs; i++) {
    base(`c_input${i}`, 'filter', 'input', rng.pick([-150, -10, 0, 0, 5, 10, 100]), rng.chance(0.5) ? 'drop' : 'accept', [
      established,
      ...rules(filterCtx, rng.int(1, 8), false),
    ]);
  }
  if (rng.chance(0.3)) {
    const priority = rng.pick([-300, -150, -50, 0]);
    const early = priority < -200;
    const ctx: NftCtx = { ...narrowCtx, needPort: early, ct: !early, reject: false };
    const body = [...(early ? [] : [established]), ...rules(ctx, rng.int(1, 3), false)];
    // Marks for the later chains to test (after conntrack: a connection mark needs its entry),
    // or, before conntrack, notrack: the connection is never tracked, so never NATed.
    for (let i = rng.int(0, 2); i > 0; i--) {
      const m = nftMatches(rng, ctx).text;
      const stmt = early ? 'notrack' : rng.pick(['meta mark set 0x1', 'meta mark set 0x2', 'meta mark set mark | 0x1', 'ct mark set 0x4', 'ct mark set 0x8']);
      body.push(line(`${m} ${stmt}`));
    }
    base('c_pre', 'filter', 'prerouting', priority, 'accept', body);
  }
  if (rng.chance(0.2)) {
    // A way in through another port (issue 15): a raw drop of a listener's port on one link, and a
    // DNAT there from another port to that listener on a host address of another interface.
    const f: Fam = rng.pick(famsOf(family));
    const d = translationDetour(rng, f);
    const verb = family === 'inet' ? `meta nfproto ${f === 4 ? 'ipv4' : 'ipv6'} dnat ${f === 4 ? 'ip' : 'ip6'} to` : 'dnat to';
    base('c_detour_raw', 'filter', 'prerouting', -300, 'accept', [`    iifname "${d.iface}" tcp dport ${d.port} drop`]);
    const target = rng.chance(0.3) ? `tcp dport map { ${d.from} : ${f === 6 ? `[${d.to}]` : d.to} . ${d.port} }` : `${f === 6 ? `[${d.to}]` : d.to}:${d.port}`;
    const rule = target.includes('map')
      ? `iifname "${d.iface}" ${verb} ${target.replace(' . ', ' . ').replace(/\[|\]/g, '')}`
      : `iifname "${d.iface}" tcp dport ${d.from} ${verb} ${target}`;
    base('c_detour_nat', 'nat', 'prerouting', rng.pick([-100, -105]), 'accept', [`    ${rule}`]);
  }
  if (rng.chance(0.4)) {
    const ctx: NftCtx = { ...narrowCtx, needPort: true, reject: false };
    const body: string[] = [];
    for (let i = rng.int(1, 4); i > 0; i--) {
      const m = nftMatches(rng, ctx);
      body.push(line(`${m.text} ${rng.chance(0.85) ? nftDnat(rng, family, m.fam) : rng.pick(['return', 'accept'])}`));
    }
    base('c_prenat', 'nat', 'prerouting', rng.pick([-100, -100, -110, -90]), 'accept', body);
  }
  if (rng.chance(0.4)) {
    base('c_fwd', 'filter', 'forward', rng.pick([-5, 0, 10]), rng.chance(0.5) ? 'drop' : 'accept', [
      established,
      ...rules({ ...filterCtx, outIface: true }, rng.int(0, 4), false),
    ]);
  }
  if (rng.chance(0.12)) {
    const ctx: NftCtx = { ...narrowCtx, inIface: false, outIface: true, needPort: true };
    const body = [established];
    for (let i = rng.int(1, 2); i > 0; i--) {
      const m = nftMatches(rng, ctx);
      body.push(line(`${m.text} ${rng.chance(0.5) ? 'drop' : nftReject(rng, m.fam, family, m.tcp)}`));
    }
    base('c_out', 'filter', 'output', rng.pick([0, 10]), 'accept', body);
  }
  if (rng.chance(0.12)) {
    const ctx: NftCtx = { ...narrowCtx, inIface: false, outIface: true, needPort: true, reject: false };
    const m = nftMatches(rng, ctx);
    base('c_outnat', 'nat', 'output', -100, 'accept', [line(`${m.text} redirect to :${rng.pick(PORTS)}`)]);
  }
  users.forEach((u, i) => {
    const ctx: NftCtx = { ...filterCtx, targets: users.slice(i + 1), sets: plainSets };
    userLines.unshift(`  chain ${u} {`, ...rules(ctx, rng.int(1, 5), true), '  }');
  });
  for (const s of [...dyn.used].sort()) {
    setLines.push(
      `  set ${s} {`,
      `    type ${s.endsWith('4') ? 'ipv4_addr' : 'ipv6_addr'}`,
      `    flags dynamic${s.startsWith('d') && rng.chance(0.5) ? ',timeout\n    timeout 1m' : ''}`,
      '  }',
    );
  }
  return [`table ${family} ${name} {`, ...setLines, ...userLines, ...mapLines, ...baseLines, '}'].join('\n');
}

function nftDocument(rng: Rng): string {
  const n = rng.int(1, 3);
  const tables: string[] = [];
  for (let i = 0; i < n; i++) tables.push(nftTable(rng, i, i === 0));
  return `${tables.join('\n')}\n`;
}

/** The ruleset for a seed: even seeds are iptables-restore input (IPv4 and IPv6), odd seeds nft. */
export function randomRuleset(seed: number): RandomRuleset {
  const rng = new Rng(Math.imul(seed, 2654435761) >>> 0);
  if (seed % 2 === 0) return { seed, kind: 'iptables', iptables: iptablesDocument(rng, 4), ip6tables: iptablesDocument(rng, 6), ipset: ipsetDocument(rng) };
  return { seed, kind: 'nft', nft: nftDocument(rng) };
}

/** The whole ruleset as one text, for printing and for the failure directory. */
export function describeRuleset(r: RandomRuleset): string {
  if (r.kind === 'nft') return `# seed ${r.seed}: nft -f\n${r.nft}`;
  return `# seed ${r.seed}: iptables-restore\n${r.iptables}# ip6tables-restore\n${r.ip6tables}${r.ipset ? `# ipset restore\n${r.ipset}` : ''}`;
}
