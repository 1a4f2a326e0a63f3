/**
 * What the netfilter model reads, construct by construct: every statement and expression that
 * `nft -j list ruleset` can print (libnftables-json(5), nftables 1.0.6) and every match and target
 * extension `iptables-save` can print (the xtables extensions of iptables 1.8.9). Each is
 * `modelled` (the simulator decides it), `unknown` by design (the kernel's answer depends on
 * something no snapshot holds: the path is `unknown`, naming the rule, and why is said here), or
 * `missing` (could be modelled, is not yet: also `unknown`, never a guess).
 *
 * Each entry carries a sample as the dump prints it; test/unit/netfilter/coverage.test.ts parses
 * every sample and holds the status to what the parser really does, and docs/netfilter-coverage.md
 * is rendered from this table (the test checks it is current).
 */

export type CoverageStatus = 'modelled' | 'unknown' | 'missing';

export type CoverageGroup = 'nft statement' | 'nft expression' | 'nft meta key' | 'nft ct key' | 'iptables match' | 'iptables target';

export interface CoverageEntry {
  group: CoverageGroup;
  name: string;
  status: CoverageStatus;
  /** How it is modelled, or why it is not. */
  note: string;
  /** nft: one rule's statement list (JSON); iptables: `TABLE CHAIN rule-text`. */
  sample: unknown[] | string;
}

const tcp22 = { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } };
const m = (left: unknown, right: unknown, op = '=='): unknown => ({ match: { op, left, right } });
const meta = (key: string): unknown => ({ meta: { key } });
const ct = (key: string, dir?: string): unknown => ({ ct: dir ? { key, dir } : { key } });
const E = (group: CoverageGroup, name: string, status: CoverageStatus, note: string, sample: unknown[] | string): CoverageEntry => ({
  group,
  name,
  status,
  note,
  sample,
});

const S = (name: string, status: CoverageStatus, note: string, sample: unknown[]) => E('nft statement', name, status, note, sample);
const X = (name: string, status: CoverageStatus, note: string, sample: unknown[]) => E('nft expression', name, status, note, sample);
const MK = (key: string, status: CoverageStatus, note: string, right: unknown = 1, sampleKey = key) =>
  E('nft meta key', key, status, note, [m(meta(sampleKey), right)]);
const CK = (key: string, status: CoverageStatus, note: string, right: unknown, dir?: string, sampleKey = key) =>
  E('nft ct key', dir ? `${dir} ${key}` : key, status, note, [m(ct(sampleKey, dir), right)]);
const IM = (name: string, status: CoverageStatus, note: string, rule: string) => E('iptables match', name, status, note, rule);
const IT = (name: string, status: CoverageStatus, note: string, rule: string) => E('iptables target', name, status, note, rule);

const BY_DESIGN_TIME = 'depends on the clock';
const NO_UID = "the sending socket's uid/gid is not in the snapshot (decided where a packet has no user socket)";

export const COVERAGE: readonly CoverageEntry[] = [
  // ---------------------------------------------------------------------------------------------
  // nft statements (libnftables-json(5) STATEMENTS, and those nft 1.0.6 prints beyond it)
  S('accept / drop / continue / return', 'modelled', 'verdicts; accept ends only its base chain', [tcp22, { accept: null }]),
  S('jump / goto', 'modelled', 'with return to the caller; goto does not return', [{ jump: { target: 'c' } }]),
  S('match', 'modelled', 'see the expressions below', [tcp22]),
  S('counter', 'modelled', 'no effect', [{ counter: { packets: 0, bytes: 0 } }]),
  S(
    'mangle',
    'modelled',
    'meta mark / ct mark set (and |, &, ^ of them) change the marks; dscp, ecn, priority, secmark, labels change nothing the model reads; a rewrite of an address or port (stateless NAT) makes the path unknown, named',
    [{ mangle: { key: meta('mark'), value: 1 } }],
  ),
  S('quota', 'modelled', 'a fresh client is within the quota (over: no match), said in the path', [{ quota: { val: 10, val_unit: 'mbytes', inv: true } }]),
  S('limit', 'modelled', 'a fresh client is under the rate (over: no match)', [{ limit: { rate: 10, per: 'second', burst: 5 } }]),
  S('fwd', 'unknown', 'netdev: steals the packet to another device, which the model does not follow', [{ fwd: { dev: 'eth1' } }]),
  S('notrack', 'modelled', 'the connection is untracked: no NAT, ct state untracked', [{ notrack: null }]),
  S('dup', 'modelled', 'a copy goes elsewhere; the packet goes on', [{ dup: { addr: '192.0.2.1' } }]),
  S('snat / masquerade', 'modelled', 'the answer goes back to the new source (undone by conntrack)', [{ masquerade: null }]),
  S(
    'dnat',
    'modelled',
    'literal targets, ranges, and maps (`dnat to tcp dport map { … }`, concatenated keys and data); every DNAT landing on a listener is a path into it',
    [{ dnat: { addr: '192.0.2.1', port: 22 } }],
  ),
  S('redirect', 'modelled', 'to the input interface address, every REDIRECT landing on a listener is a path into it', [{ redirect: { port: 22 } }]),
  S('reject', 'modelled', 'every type; the client sees a refusal (filtered)', [{ reject: { type: 'tcp reset' } }]),
  S(
    'set (add / update / delete @set)',
    'modelled',
    'the key is recorded when reached; the statements of the rule that made the element (limit / ct count / quota) decide, under every limit for a fresh client; unknown where another rule makes the set\u2019s elements with statements that answer otherwise',
    [{ set: { op: 'add', elem: { payload: { protocol: 'ip', field: 'saddr' } }, set: '@s', stmt: [{ limit: { rate: 10, per: 'second', inv: true } }] } }],
  ),
  S('map (add @map)', 'modelled', 'as set', [{ map: { op: 'update', elem: { payload: { protocol: 'ip', field: 'saddr' } }, data: 1, map: '@m' } }]),
  S('log', 'modelled', 'no effect', [{ log: { prefix: 'x ' } }]),
  S('ct helper', 'modelled', 'no effect on the first packet', [{ 'ct helper': 'ftp' }]),
  S('meter', 'modelled', 'as `update @set` on the meter\u2019s own set', [
    { meter: { name: 'm', key: { payload: { protocol: 'ip', field: 'saddr' } }, stmt: { limit: { rate: 10, per: 'second', inv: true } } } },
  ]),
  S('queue', 'unknown', 'a user-space program decides', [{ queue: { num: 1 } }]),
  S('vmap', 'modelled', 'looked up, never scanned; single and concatenated keys over every key below, intervals, anonymous and named', [
    { vmap: { key: { payload: { protocol: 'tcp', field: 'dport' } }, data: { set: [[22, { accept: null }]] } } },
  ]),
  S('ct count', 'modelled', 'a fresh client has one connection (this one)', [{ 'ct count': { val: 2, inv: true } }]),
  S('ct timeout', 'modelled', 'no effect on the first packet', [{ 'ct timeout': 'agressive' }]),
  S('ct expectation', 'modelled', 'no effect on the first packet', [{ 'ct expectation': 'e' }]),
  S('flow add @flowtable', 'modelled', 'offloads established flows only: no effect on the first packet', [{ flow: { op: 'add', flowtable: '@ft' } }]),
  S('xt', 'unknown', 'iptables-nft extension: nft -j hides its arguments; those tables are read from iptables-save instead', [
    { xt: { type: 'match', name: 'conntrack' } },
  ]),
  S('synproxy', 'unknown', 'answers the SYN itself with a cookie; the connection to the listener is made later', [{ synproxy: { mss: 1460 } }]),
  S('tproxy', 'unknown', 'delivers to a socket chosen by address, which the snapshot does not tie to the rule', [{ tproxy: { port: 1 } }]),
  // ---------------------------------------------------------------------------------------------
  // nft expressions (libnftables-json(5) EXPRESSIONS)
  X('immediates and lists', 'modelled', 'strings, numbers, booleans, flag lists', [tcp22]),
  X('concat', 'modelled', 'in sets, maps, vmaps and NAT maps', [
    m(
      { concat: [{ payload: { protocol: 'ip', field: 'saddr' } }, { payload: { protocol: 'tcp', field: 'dport' } }] },
      { set: [{ concat: ['192.0.2.1', 22] }] },
    ),
  ]),
  X('set', 'modelled', 'anonymous and named, hashed for exact elements, binary search for address intervals', [
    m({ payload: { protocol: 'tcp', field: 'dport' } }, { set: [22, 80] }),
  ]),
  X('map', 'modelled', 'in dnat/snat statements', [
    { dnat: { addr: { map: { key: { payload: { protocol: 'tcp', field: 'dport' } }, data: { set: [[80, '192.0.2.1']] } } } } },
  ]),
  X('prefix', 'modelled', '', [m({ payload: { protocol: 'ip', field: 'saddr' } }, { prefix: { addr: '10.0.0.0', len: 8 } })]),
  X('range', 'modelled', 'ports and addresses', [m({ payload: { protocol: 'tcp', field: 'dport' } }, { range: [1, 1023] })]),
  X('payload: ip/ip6 saddr, daddr; ip protocol; ip6 nexthdr', 'modelled', '', [m({ payload: { protocol: 'ip', field: 'protocol' } }, 'tcp')]),
  X('payload: tcp/udp/th/sctp/dccp/udplite sport, dport', 'modelled', '', [m({ payload: { protocol: 'th', field: 'dport' } }, 22)]),
  X('payload: tcp flags', 'modelled', 'every form: `==`, `!=`, `!`, masks, sets of values, `in`', [
    m({ '&': [{ payload: { protocol: 'tcp', field: 'flags' } }, ['syn', 'ack']] }, 'syn'),
  ]),
  X('payload: icmp / icmpv6 type', 'modelled', '', [m({ payload: { protocol: 'icmp', field: 'type' } }, 'echo-request')]),
  X('payload: other header fields (ip dscp, ttl, length, tcp window, …)', 'missing', 'not read yet; TOS and lengths are not fixed for a SYN anyway', [
    m({ payload: { protocol: 'ip', field: 'dscp' } }, 'cs1'),
  ]),
  X('raw payload (@nh,16,16)', 'missing', 'not read yet (see u32 for what a SYN fixes)', [m({ payload: { base: 'nh', offset: 16, len: 16 } }, 1)]),
  X('exthdr', 'missing', 'IPv6 extension headers: a SYN carries none, not yet read', [m({ exthdr: { name: 'frag', field: 'more-fragments' } }, 1)]),
  X('tcp option', 'unknown', 'a SYN\u2019s options are the client\u2019s', [m({ 'tcp option': { name: 'maxseg', field: 'size' } }, 1460)]),
  X('sctp chunk', 'unknown', 'the model asks about TCP', [m({ 'sctp chunk': { name: 'init', field: 'type' } }, 1)]),
  X('rt', 'missing', 'routing header / classid: not read yet', [m({ rt: { key: 'classid' } }, 1)]),
  X('numgen', 'unknown', 'a counter or a random number', [m({ numgen: { mode: 'random', mod: 2 } }, 0)]),
  X('jhash / symhash', 'unknown', 'a hash of fields the model does not compute', [
    m({ jhash: { mod: 2, expr: { payload: { protocol: 'ip', field: 'saddr' } } } }, 0),
  ]),
  X('fib', 'modelled', '`fib daddr type` (addrtype), `fib saddr . iif oif` (rpfilter)', [m({ fib: { result: 'type', flags: ['daddr'] } }, 'local')]),
  X('binary operation', 'modelled', '`&` on marks and TCP flags', [m({ '&': [meta('mark'), 255] }, 1)]),
  X('verdict / elem', 'modelled', 'in vmaps; element comments kept', [
    { vmap: { key: meta('iifname'), data: { set: [[{ elem: { val: 'eth0', comment: 'x' } }, { accept: null }]] } } },
  ]),
  X('socket', 'unknown', 'a socket lookup for the packet: which sockets are transparent or marked is not in the snapshot', [
    m({ socket: { key: 'transparent' } }, 1),
  ]),
  X('osf', 'unknown', 'OS fingerprint of the client\u2019s SYN', [m({ osf: { key: 'name' } }, 'Linux')]),
  // meta keys
  MK('iifname / oifname / iif / oif', 'modelled', 'exact, wildcard, sets', 'eth0', 'iifname'),
  MK('l4proto', 'modelled', '', 'tcp'),
  MK('nfproto', 'modelled', '', 'ipv4'),
  MK('protocol', 'modelled', 'the ethertype: ip or ip6', 'ip'),
  MK('mark', 'modelled', 'starts at 0, follows every mark set on the walk'),
  MK('pkttype', 'modelled', 'unicast', 'host'),
  MK('skuid', 'unknown', NO_UID, 1000),
  MK('skgid', 'unknown', NO_UID, 1000),
  MK('iiftype', 'missing', 'link type: not read yet', 'ether'),
  MK('iifgroup', 'missing', 'interface groups are not in the snapshot'),
  MK('cpu', 'unknown', 'the CPU that handles the packet'),
  MK('cgroup', 'unknown', 'the sending socket\u2019s cgroup'),
  MK('length', 'unknown', 'a SYN\u2019s length depends on the client\u2019s options', 60),
  MK('priority', 'missing', 'skb priority: not read yet'),
  MK('random', 'unknown', 'random'),
  MK('secmark', 'missing', 'security labels: not read yet'),
  MK('time', 'unknown', BY_DESIGN_TIME, 1),
  MK('day', 'unknown', BY_DESIGN_TIME, 1),
  MK('hour', 'unknown', BY_DESIGN_TIME, 1),
  // ct keys
  CK('state', 'modelled', 'new (untracked after notrack; invalid before conntrack)', 'new'),
  CK('status', 'modelled', 'dnat after a DNAT, confirmed on the way back in over lo', 'dnat'),
  CK('mark', 'modelled', 'follows every ct mark set', 1),
  CK('saddr / daddr / proto-dst', 'modelled', 'the tuple before NAT (original) and the answer\u2019s (reply)', '192.0.2.1', 'original', 'daddr'),
  CK('helper', 'missing', 'not read yet', 'ftp'),
  CK('zone', 'missing', 'not read yet', 1),
  CK('label', 'missing', 'not read yet', 'x'),
  CK('expiration', 'unknown', BY_DESIGN_TIME, 30),
  CK('bytes / packets / avgpkt', 'missing', 'a first packet\u2019s counts: not read yet', 0),
  // ---------------------------------------------------------------------------------------------
  // iptables match extensions (iptables 1.8.9: libxt_*, libipt_*, libip6t_*)
  IM('-s / -d / -i / -o / -p / -f', 'modelled', 'with !; wildcards', 'filter INPUT -s 10.0.0.0/8 -i eth0 -p tcp -j ACCEPT'),
  IM(
    'tcp / udp / sctp / dccp / udplite',
    'modelled',
    'ports; tcp --tcp-flags, --syn',
    'filter INPUT -p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT',
  ),
  IM('multiport', 'modelled', '--dports, --sports', 'filter INPUT -p tcp -m multiport --dports 22,80:90 -j ACCEPT'),
  IM(
    'conntrack / state',
    'modelled',
    'states (and the virtual DNAT/SNAT), status, original and reply tuples',
    'filter INPUT -m conntrack --ctstate NEW --ctorigdstport 22 -j ACCEPT',
  ),
  IM('addrtype', 'modelled', 'the host\u2019s local table, --limit-iface-in/out', 'filter INPUT -m addrtype --dst-type LOCAL -j ACCEPT'),
  IM('comment', 'modelled', 'no effect', 'filter INPUT -m comment --comment x -j ACCEPT'),
  IM('limit', 'modelled', 'a fresh client is under the rate', 'filter INPUT -m limit --limit 3/min -j ACCEPT'),
  IM(
    'hashlimit',
    'modelled',
    'under the rate: --hashlimit-upto matches, --hashlimit-above does not',
    'filter INPUT -m hashlimit --hashlimit-above 10/sec --hashlimit-name h -j DROP',
  ),
  IM(
    'connlimit',
    'modelled',
    'a fresh client has one connection',
    'filter INPUT -m connlimit --connlimit-above 3 --connlimit-mask 32 --connlimit-saddr -j DROP',
  ),
  IM('quota', 'modelled', 'a fresh client finds the quota not used up', 'filter INPUT -m quota --quota 1000 -j ACCEPT'),
  IM(
    'recent',
    'modelled',
    '--set records the client; --rcheck/--update/--remove find what the same walk recorded (--hitcount, --rdest)',
    'filter INPUT -m recent --update --seconds 30 --hitcount 6 --name DEFAULT --rsource -j DROP',
  ),
  IM(
    'set',
    'modelled',
    'ipsets from `ipset save`: hash:net (nomatch), hash:ip (netmask, bitmask), bitmap:ip; other types and sets not collected are unknown',
    'filter INPUT -m set --match-set s src -j ACCEPT',
  ),
  IM('mark / connmark', 'modelled', 'marks follow MARK/CONNMARK on the walk', 'filter INPUT -m mark --mark 0x1/0x1 -j ACCEPT'),
  IM('icmp / icmp6', 'modelled', '', 'filter INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT'),
  IM('hl / ttl', 'modelled', '64, one less after routing', 'filter INPUT -m ttl --ttl-eq 64 -j ACCEPT'),
  IM('iprange', 'modelled', '', 'filter INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 -j ACCEPT'),
  IM('pkttype', 'modelled', '', 'filter INPUT -m pkttype --pkt-type unicast -j ACCEPT'),
  IM('rpfilter', 'modelled', 'against the host\u2019s routes', 'filter INPUT -m rpfilter --invert -j DROP'),
  IM('rt', 'modelled', 'a SYN has no routing header', 'filter INPUT -m rt --rt-type 0 -j DROP'),
  IM('nfacct', 'modelled', 'no effect', 'filter INPUT -m nfacct --nfacct-name n -j ACCEPT'),
  IM(
    'u32',
    'modelled',
    'as far as a SYN\u2019s fields decide it; a test needing another field is unknown, named',
    'filter INPUT -m u32 --u32 "0x6&0xff=0x6" -j ACCEPT',
  ),
  IM(
    'owner',
    'modelled',
    `--socket-exists; --uid-owner/--gid-owner where a packet has no user socket (else unknown: ${NO_UID})`,
    'filter OUTPUT -m owner --socket-exists -j ACCEPT',
  ),
  IM('statistic', 'unknown', 'random or counting', 'filter INPUT -m statistic --mode random --probability 0.5 -j ACCEPT'),
  IM('time', 'unknown', BY_DESIGN_TIME, 'filter INPUT -m time --timestart 09:00 -j ACCEPT'),
  IM('cpu', 'unknown', 'the CPU that handles the packet', 'filter INPUT -m cpu --cpu 0 -j ACCEPT'),
  IM('cgroup', 'unknown', 'the sending socket\u2019s cgroup', 'filter OUTPUT -m cgroup --path user.slice -j ACCEPT'),
  IM('cluster', 'unknown', 'a hash of the source', 'filter INPUT -m cluster --cluster-total-nodes 2 --cluster-local-node 1 -j ACCEPT'),
  IM('bpf', 'unknown', 'a BPF program', 'filter INPUT -m bpf --bytecode "1,6 0 0 0" -j ACCEPT'),
  IM('socket', 'unknown', 'a socket lookup: transparent and marked sockets are not in the snapshot', 'mangle PREROUTING -m socket --transparent -j ACCEPT'),
  IM('string', 'unknown', 'searches the packet\u2019s bytes', 'filter INPUT -m string --algo bm --string x -j DROP'),
  IM('length', 'unknown', 'a SYN\u2019s length depends on the client\u2019s options', 'filter INPUT -m length --length 0:60 -j ACCEPT'),
  IM('tcpmss', 'unknown', 'the client\u2019s MSS option', 'filter INPUT -p tcp -m tcpmss --mss 1:500 -j DROP'),
  IM('mac', 'unknown', 'the client\u2019s MAC address', 'filter INPUT -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT'),
  IM('osf', 'unknown', 'OS fingerprint of the client\u2019s SYN', 'filter INPUT -m osf --genre Linux -j ACCEPT'),
  IM('rateest', 'unknown', 'a measured rate', 'filter INPUT -m rateest --rateest r --rateest-gt --rateest-bps 1 -j DROP'),
  IM('ipvs', 'unknown', 'IPVS state', 'filter INPUT -m ipvs --ipvs -j ACCEPT'),
  IM(
    'connbytes',
    'missing',
    'a first packet\u2019s counts: not read yet',
    'filter INPUT -m connbytes --connbytes 0:100 --connbytes-dir both --connbytes-mode bytes -j ACCEPT',
  ),
  IM('connlabel', 'missing', 'not read yet', 'filter INPUT -m connlabel --label x -j ACCEPT'),
  IM('helper', 'missing', 'not read yet', 'filter INPUT -m helper --helper ftp -j ACCEPT'),
  IM('dscp / tos / ecn', 'missing', 'the client\u2019s TOS: not read yet', 'filter INPUT -m dscp --dscp 0x08 -j ACCEPT'),
  IM('devgroup', 'missing', 'interface groups are not in the snapshot', 'filter INPUT -m devgroup --src-group 1 -j ACCEPT'),
  IM('physdev', 'missing', 'bridge ports: not read yet', 'filter FORWARD -m physdev --physdev-in veth0 -j ACCEPT'),
  IM('policy', 'missing', 'IPsec policy: not read yet', 'filter INPUT -m policy --dir in --pol none -j ACCEPT'),
  IM('realm', 'missing', 'routing realms: not read yet', 'filter INPUT -m realm --realm 1 -j ACCEPT'),
  IM('ah / esp / ipcomp', 'missing', 'IPsec headers: not read yet', 'filter INPUT -p esp -m esp --espspi 1 -j ACCEPT'),
  IM('dst / hbh / frag / ipv6header / mh / srh / eui64', 'missing', 'IPv6 extension headers: not read yet', 'filter INPUT -m eui64 -j ACCEPT'),
  // iptables targets
  IT('ACCEPT / DROP / RETURN / REJECT', 'modelled', 'REJECT with every --reject-with', 'filter INPUT -j REJECT --reject-with tcp-reset'),
  IT(
    'DNAT / REDIRECT',
    'modelled',
    'every one landing on a listener is a path into it',
    'nat PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.0.2.1:22',
  ),
  IT('SNAT / MASQUERADE', 'modelled', 'answers return to the new source', 'nat POSTROUTING -o eth0 -j MASQUERADE'),
  IT('LOG / NFLOG / ULOG / TRACE / AUDIT', 'modelled', 'no effect', 'filter INPUT -j LOG --log-prefix x'),
  IT(
    'MARK / CONNMARK',
    'modelled',
    'set/and/or/xor; CONNMARK save/restore makes later mark tests unknown',
    'mangle PREROUTING -j MARK --set-xmark 0x1/0xffffffff',
  ),
  IT('CT / NOTRACK', 'modelled', '--notrack; helpers, zones: no effect on the first packet', 'raw PREROUTING -j CT --notrack'),
  IT('SET', 'modelled', 'adds to an ipset (no effect on the first packet\u2019s other tests)', 'filter INPUT -j SET --add-set s src'),
  IT(
    'TCPMSS / CHECKSUM / TOS / DSCP / TTL / HL / CLASSIFY / SECMARK / CONNSECMARK / IDLETIMER / LED / RATEEST / TEE / ECN / TCPOPTSTRIP',
    'modelled',
    'the packet goes on; nothing the model reads changes',
    'mangle FORWARD -p tcp -j TCPMSS --clamp-mss-to-pmtu',
  ),
  IT('QUEUE / NFQUEUE', 'unknown', 'a user-space program decides', 'filter INPUT -j NFQUEUE --queue-num 1'),
  IT('SYNPROXY', 'unknown', 'answers the SYN itself with a cookie', 'filter INPUT -p tcp -j SYNPROXY --mss 1460'),
  IT('TPROXY', 'unknown', 'delivers to a socket chosen by address', 'mangle PREROUTING -p tcp -j TPROXY --on-port 1'),
  IT(
    'CLUSTERIP',
    'unknown',
    'a hash of the source',
    'filter INPUT -j CLUSTERIP --new --hashmode sourceip --clustermac 01:00:5E:00:00:20 --total-nodes 2 --local-node 1',
  ),
  IT('NETMAP / DNPT / SNPT', 'missing', 'prefix translations: not read yet', 'nat PREROUTING -d 10.0.0.0/24 -j NETMAP --to 192.168.0.0/24'),
  IT('HMARK', 'missing', 'a mark from a hash: later mark tests unknown', 'mangle PREROUTING -j HMARK --hmark-tuple src --hmark-mod 2 --hmark-rnd 1'),
];

/** The libnftables-json(5) section names each entry answers for (checked against the installed man page when there is one). */
export const NFT_SCHEMA_NAMES = {
  statements: [
    'VERDICT',
    'MATCH',
    'COUNTER',
    'MANGLE',
    'QUOTA',
    'LIMIT',
    'FWD',
    'NOTRACK',
    'DUP',
    'NETWORK ADDRESS TRANSLATION',
    'REJECT',
    'SET',
    'LOG',
    'CT HELPER',
    'METER',
    'QUEUE',
    'VERDICT MAP',
    'CT COUNT',
    'CT TIMEOUT',
    'CT EXPECTATION',
    'XT',
  ],
  expressions: [
    'IMMEDIATES',
    'LISTS',
    'CONCAT',
    'SET',
    'MAP',
    'PREFIX',
    'RANGE',
    'PAYLOAD',
    'EXTHDR',
    'TCP OPTION',
    'SCTP CHUNK',
    'META',
    'RT',
    'CT',
    'NUMGEN',
    'HASH',
    'FIB',
    'BINARY OPERATION',
    'VERDICT',
    'ELEM',
    'SOCKET',
    'OSF',
  ],
} as const;

export function coverageCounts(entries: readonly CoverageEntry[] = COVERAGE): Record<CoverageGroup, Record<CoverageStatus, number>> {
  const out = {} as Record<CoverageGroup, Record<CoverageStatus, number>>;
  for (const e of entries) {
    out[e.group] ??= { modelled: 0, unknown: 0, missing: 0 };
    out[e.group][e.status]++;
  }
  return out;
}

/** docs/netfilter-coverage.md. */
export function renderCoverage(entries: readonly CoverageEntry[] = COVERAGE): string {
  const counts = coverageCounts(entries);
  const lines = [
    '# What the netfilter model reads',
    '',
    '<!-- Generated from src/netfilter/coverage.ts; test/unit/netfilter/coverage.test.ts checks it. Do not edit by hand. -->',
    '',
    'Every statement and expression `nft -j list ruleset` can print (libnftables-json(5), nftables 1.0.6) and every',
    'match and target extension `iptables-save` can print (iptables 1.8.9). **modelled**: the simulator decides it.',
    '**unknown**: by design, the kernel\u2019s answer depends on something no snapshot holds; a path through it is `unknown`,',
    'naming the rule and the expression. **missing**: not modelled yet; also `unknown`, never a guess. Each row\u2019s sample is',
    'parsed by the test, which holds the status to what the parser does.',
    '',
    '| group | modelled | unknown by design | missing |',
    '|:--|--:|--:|--:|',
    ...Object.entries(counts).map(([g, c]) => `| ${g} | ${c.modelled} | ${c.unknown} | ${c.missing} |`),
    '',
  ];
  let group: string | undefined;
  for (const e of entries) {
    if (e.group !== group) {
      group = e.group;
      lines.push(`## ${group}`, '', '| construct | status | how, or why not |', '|:--|:--|:--|');
    }
    lines.push(`| \`${e.name.replace(/\|/g, '\\|')}\` | ${e.status} | ${e.note.replace(/\|/g, '\\|')} |`);
    const next = entries[entries.indexOf(e) + 1];
    if (!next || next.group !== group) lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
