// Generated rulesets for bench/reach.mjs: deterministic (seeded), shaped like real hosts.
//
//   kube-proxy (iptables mode, ≥ v1.29 layout, as in kubernetes/kubernetes
//     pkg/proxy/iptables/proxier_test.go TestOverallIPTablesRules): nat KUBE-SERVICES →
//     KUBE-SVC-* (statistic random per endpoint) → KUBE-SEP-* (MARK-MASQ + DNAT), NodePorts
//     through KUBE-NODEPORTS → KUBE-EXT-*, filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES REJECTs
//     for services without endpoints, KUBE-FIREWALL, KUBE-FORWARD;            ~80 % of the rules
//   UFW (0.36, as `ufw enable` writes it): the before/after/logging/skip chains and a long
//     ufw-user-input of `allow from 10.x.y.0/24 to any port P proto tcp` and `deny from A`
//     rules, then the rules for the host's own listeners (last: every packet walks the chain);
//                                                                              ~15 %
//   Docker (20.10 layout, userland proxy on): DOCKER-USER, DOCKER-ISOLATION-STAGE-1/2, and per
//     published port a nat DOCKER DNAT, a filter DOCKER ACCEPT and a POSTROUTING MASQUERADE;
//                                                                              ~5 %
// The size is the number of `-A` rules (IPv4 + IPv6 dumps together), within a few rules.
// Nothing here matches the lab's listener ports except the UFW rules written for them, so the
// matrix is the same at every size and equals what the kernel does (see bench/reach.mjs).

/** mulberry32: small, fast, the same sequence on every machine. */
export class Rng {
  constructor(seed) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p) {
    return this.next() < p;
  }
}

/** The lab host H (bench/lib/lab.mjs) and its zones. */
export const HOST = { eth0: '198.51.100.10', eth1: '192.168.1.10', tailscale0: '100.101.102.103' };
export const NETS = { eth0: '198.51.100.0/24', eth1: '192.168.1.0/24', tailscale0: '100.64.0.0/10' };

/**
 * The host's listeners, and who the UFW part of every generated ruleset lets in. Ports are
 * unique so an nmap port result is one listener's cell.
 */
export const LISTENERS = [
  { host: '0.0.0.0', port: 22, allow: 'any', what: 'sshd' },
  { host: '0.0.0.0', port: 80, allow: 'any', what: 'http' },
  { host: '0.0.0.0', port: 443, allow: 'any', what: 'https' },
  { host: '0.0.0.0', port: 6443, allow: 'any', what: 'kube-apiserver' },
  { host: '::', port: 8080, allow: 'none', what: 'dual-stack app, not allowed' },
  { host: '0.0.0.0', port: 25, allow: 'none', what: 'smtp, not allowed' },
  { host: '0.0.0.0', port: 5432, allow: 'lan', what: 'postgres, LAN only' },
  { host: '0.0.0.0', port: 9100, allow: 'lan', what: 'node-exporter, LAN only' },
  { host: '0.0.0.0', port: 10250, allow: 'in:eth1', what: 'kubelet, on eth1' },
  { host: '0.0.0.0', port: 3306, allow: 'tailnet', what: 'mysql, tailnet only' },
  { host: '100.101.102.103', port: 8443, allow: 'in:tailscale0', what: 'bound to the tailnet address' },
  { host: '192.168.1.10', port: 3000, allow: 'any', what: 'bound to the LAN address' },
  { host: '198.51.100.10', port: 9090, allow: 'any', what: 'bound to the public address' },
  { host: '127.0.0.1', port: 6379, allow: 'any', what: 'redis on loopback, port allowed' },
  { host: '127.0.0.1', port: 18789, allow: 'none', what: 'OpenClaw gateway on loopback' },
  { host: '127.0.0.1', port: 2379, allow: 'none', what: 'etcd on loopback' },
];
export const LISTENER_PORTS = LISTENERS.map((l) => l.port);

const hex = (rng, n) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rng.next() * 32)];
  return s;
};

function ufwUserRule(l) {
  const p = `-p tcp -m tcp --dport ${l.port} -j ACCEPT`;
  switch (l.allow) {
    case 'any':
      return [`-A ufw-user-input ${p}`];
    case 'lan':
      return [`-A ufw-user-input -s ${NETS.eth1} ${p}`];
    case 'tailnet':
      return [`-A ufw-user-input -s ${NETS.tailscale0} ${p}`];
    case 'none':
      return [];
    default:
      return [`-A ufw-user-input -i ${l.allow.slice(3)} ${p}`];
  }
}

const UFW_CHAINS = [
  'ufw-after-forward',
  'ufw-after-input',
  'ufw-after-logging-forward',
  'ufw-after-logging-input',
  'ufw-after-logging-output',
  'ufw-after-output',
  'ufw-before-forward',
  'ufw-before-input',
  'ufw-before-logging-forward',
  'ufw-before-logging-input',
  'ufw-before-logging-output',
  'ufw-before-output',
  'ufw-logging-allow',
  'ufw-logging-deny',
  'ufw-not-local',
  'ufw-reject-forward',
  'ufw-reject-input',
  'ufw-reject-output',
  'ufw-skip-to-policy-forward',
  'ufw-skip-to-policy-input',
  'ufw-skip-to-policy-output',
  'ufw-track-forward',
  'ufw-track-input',
  'ufw-track-output',
  'ufw-user-forward',
  'ufw-user-input',
  'ufw-user-limit',
  'ufw-user-limit-accept',
  'ufw-user-logging-forward',
  'ufw-user-logging-input',
  'ufw-user-logging-output',
  'ufw-user-output',
];

/** UFW's own chains as `ufw enable` leaves them (Debian 12, ufw 0.36.2), v4 or v6. */
function ufwBase(v6) {
  const icmp = v6
    ? [1, 2, 3, 4, 128, 133, 134, 135, 136].map((t) => `-A ufw-before-input -p ipv6-icmp -m icmp6 --icmpv6-type ${t} -j ACCEPT`)
    : [3, 11, 12, 8].map((t) => `-A ufw-before-input -p icmp -m icmp --icmp-type ${t} -j ACCEPT`);
  return [
    ...['INPUT', 'FORWARD', 'OUTPUT'].flatMap((c) => {
      const lc = c.toLowerCase();
      return [`before-logging-${lc}`, `before-${lc}`, `after-${lc}`, `after-logging-${lc}`, `reject-${lc}`, `track-${lc}`].map((x) => `-A ${c} -j ufw-${x}`);
    }),
    ...(v6
      ? ['-A ufw-after-input -p udp -m udp --dport 546 -j ufw-skip-to-policy-input']
      : [
          '-A ufw-after-input -p udp -m udp --dport 137 -j ufw-skip-to-policy-input',
          '-A ufw-after-input -p udp -m udp --dport 138 -j ufw-skip-to-policy-input',
          '-A ufw-after-input -p tcp -m tcp --dport 139 -j ufw-skip-to-policy-input',
          '-A ufw-after-input -p tcp -m tcp --dport 445 -j ufw-skip-to-policy-input',
          '-A ufw-after-input -p udp -m udp --dport 67 -j ufw-skip-to-policy-input',
          '-A ufw-after-input -p udp -m udp --dport 68 -j ufw-skip-to-policy-input',
          '-A ufw-after-input -m addrtype --dst-type BROADCAST -j ufw-skip-to-policy-input',
        ]),
    '-A ufw-after-logging-forward -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW BLOCK] "',
    '-A ufw-after-logging-input -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW BLOCK] "',
    '-A ufw-before-forward -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A ufw-before-forward -j ufw-user-forward',
    '-A ufw-before-input -i lo -j ACCEPT',
    '-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A ufw-before-input -m conntrack --ctstate INVALID -j ufw-logging-deny',
    '-A ufw-before-input -m conntrack --ctstate INVALID -j DROP',
    ...icmp,
    ...(v6 ? [] : ['-A ufw-before-input -p udp -m udp --sport 67 --dport 68 -j ACCEPT', '-A ufw-before-input -j ufw-not-local']),
    v6
      ? '-A ufw-before-input -d ff02::fb/128 -p udp -m udp --dport 5353 -j ACCEPT'
      : '-A ufw-before-input -d 224.0.0.251/32 -p udp -m udp --dport 5353 -j ACCEPT',
    v6
      ? '-A ufw-before-input -d ff02::f/128 -p udp -m udp --dport 1900 -j ACCEPT'
      : '-A ufw-before-input -d 239.255.255.250/32 -p udp -m udp --dport 1900 -j ACCEPT',
    '-A ufw-before-input -j ufw-user-input',
    '-A ufw-before-output -o lo -j ACCEPT',
    '-A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A ufw-before-output -j ufw-user-output',
    '-A ufw-logging-allow -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW ALLOW] "',
    '-A ufw-logging-deny -m conntrack --ctstate INVALID -m limit --limit 3/min --limit-burst 10 -j RETURN',
    '-A ufw-logging-deny -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW BLOCK] "',
    ...(v6
      ? []
      : [
          '-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN',
          '-A ufw-not-local -m addrtype --dst-type MULTICAST -j RETURN',
          '-A ufw-not-local -m addrtype --dst-type BROADCAST -j RETURN',
          '-A ufw-not-local -m limit --limit 3/min --limit-burst 10 -j ufw-logging-deny',
          '-A ufw-not-local -j DROP',
        ]),
    '-A ufw-skip-to-policy-forward -j DROP',
    '-A ufw-skip-to-policy-input -j DROP',
    '-A ufw-skip-to-policy-output -j ACCEPT',
    '-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT',
    '-A ufw-track-output -p udp -m conntrack --ctstate NEW -j ACCEPT',
  ];
}

const ufwTail = (v6) => [
  '-A ufw-user-limit -m limit --limit 3/min -j LOG --log-prefix "[UFW LIMIT BLOCK] "',
  `-A ufw-user-limit -j REJECT --reject-with ${v6 ? 'icmp6' : 'icmp'}-port-unreachable`,
  '-A ufw-user-limit-accept -j ACCEPT',
];

/** What iptables-save prints for kube-proxy's `--probability` (xt_statistic keeps it as a u32 fraction of 2^31). */
const probability = (p) => (Math.round(p * 0x80000000) / 0x80000000).toFixed(11);

function table(name, policies, chains, rules) {
  return [`*${name}`, ...policies.map(([c, p]) => `:${c} ${p} [0:0]`), ...[...new Set(chains)].sort().map((c) => `:${c} - [0:0]`), ...rules, 'COMMIT'].join(
    '\n',
  );
}

/**
 * iptables-save text for about `rules` rules: `{ v4, v6, counts }`. `seed` fixes every address,
 * port and chain hash; the same arguments give the same bytes.
 */
export function generateIptables({ rules, seed = 1 }) {
  const rng = new Rng(seed * 1_000_003 + rules);
  const v6Rules = [
    ...ufwBase(true),
    ...LISTENERS.filter((l) => l.host === '::' || l.host === '0.0.0.0')
      .flatMap(ufwUserRule)
      .filter((r) => !r.includes(' -s ')),
    ...ufwTail(true),
  ];
  const ufw4 = ufwBase(false);
  const ownUfw = LISTENERS.flatMap(ufwUserRule);
  const kubeFixedFilter = [
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A INPUT -j KUBE-FIREWALL',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -j KUBE-FIREWALL',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  ];
  const kubeFixedNat = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  ];
  const dockerFixedFilter = [
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
    '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A FORWARD -o docker0 -j DOCKER',
    '-A FORWARD -i docker0 ! -o docker0 -j ACCEPT',
    '-A FORWARD -i docker0 -o docker0 -j ACCEPT',
    '-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2',
    '-A DOCKER-ISOLATION-STAGE-1 -j RETURN',
    '-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP',
    '-A DOCKER-ISOLATION-STAGE-2 -j RETURN',
    '-A DOCKER-USER -j RETURN',
  ];
  const dockerFixedNat = [
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
    '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
    '-A DOCKER -i docker0 -j RETURN',
  ];
  const fixed =
    v6Rules.length + ufw4.length + ownUfw.length + 3 + kubeFixedFilter.length + kubeFixedNat.length + dockerFixedFilter.length + dockerFixedNat.length + 1; // +1: KUBE-SERVICES nodeports jump
  const budget = Math.max(0, rules - fixed);
  const dockerBudget = Math.floor(budget * 0.05);
  const ufwBudget = Math.floor(budget * 0.15);

  // Docker: published ports 20000+ → containers 172.17.x.y, three rules each.
  const dNat = [];
  const dFilter = [];
  const dPost = [];
  const published = Math.floor(dockerBudget / 3);
  for (let i = 0; i < published; i++) {
    const ip = `172.17.${2 + Math.floor(i / 250)}.${2 + (i % 250)}`;
    const cport = [80, 443, 8080, 5000, 3000][i % 5];
    const hport = 20000 + i;
    dNat.push(`-A DOCKER ! -i docker0 -p tcp -m tcp --dport ${hport} -j DNAT --to-destination ${ip}:${cport}`);
    dFilter.push(`-A DOCKER -d ${ip}/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport ${cport} -j ACCEPT`);
    dPost.push(`-A POSTROUTING -s ${ip}/32 -d ${ip}/32 -p tcp -m tcp --dport ${cport} -j MASQUERADE`);
  }

  // UFW user rules: allows from 10.30-33.x.0/24 to ports 7000-7299, denies from 198.18.0.0/15.
  const ufwBulk = [];
  for (let i = 0; i < ufwBudget; i++) {
    if (rng.chance(0.8))
      ufwBulk.push(`-A ufw-user-input -s 10.${30 + rng.int(0, 3)}.${rng.int(0, 255)}.0/24 -p tcp -m tcp --dport ${7000 + rng.int(0, 299)} -j ACCEPT`);
    else ufwBulk.push(`-A ufw-user-input -s 198.${18 + rng.int(0, 1)}.${rng.int(0, 255)}.${rng.int(1, 254)}/32 -j DROP`);
  }

  // kube-proxy: services until the budget is spent.
  let kubeLeft = budget - dFilter.length - dNat.length - dPost.length - ufwBulk.length;
  const natChains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const filterChains = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL', 'KUBE-FORWARD'];
  const natServices = [];
  const natNodeports = [];
  const natChainsRules = [];
  const filterServices = [];
  const filterExternal = [];
  let svc = 0;
  let nodePort = 30000;
  while (kubeLeft > 0) {
    svc++;
    const ns = `ns${1 + (svc % 97)}`;
    const name = `${ns}/svc${svc}:p${[80, 443, 8080, 53, 9090][svc % 5]}`;
    const port = [80, 443, 8080, 53, 9090][svc % 5];
    const cip = `172.30.${Math.floor(svc / 250) % 256}.${1 + (svc % 250)}`;
    const endpoints = rng.chance(0.05) ? 0 : rng.int(1, 3);
    const isNodePort = rng.chance(0.2) && nodePort < 32767;
    const np = isNodePort ? nodePort++ : 0;
    if (endpoints === 0) {
      filterServices.push(
        `-A KUBE-SERVICES -d ${cip}/32 -p tcp -m comment --comment "${name} has no endpoints" -m tcp --dport ${port} -j REJECT --reject-with icmp-port-unreachable`,
      );
      kubeLeft--;
      if (isNodePort) {
        filterExternal.push(
          `-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "${name} has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport ${np} -j REJECT --reject-with icmp-port-unreachable`,
        );
        kubeLeft--;
      }
      continue;
    }
    const svcChain = `KUBE-SVC-${hex(rng, 16)}`;
    natChains.push(svcChain);
    natServices.push(`-A KUBE-SERVICES -d ${cip}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport ${port} -j ${svcChain}`);
    natChainsRules.push(
      `-A ${svcChain} ! -s 10.0.0.0/8 -d ${cip}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport ${port} -j KUBE-MARK-MASQ`,
    );
    kubeLeft -= 2;
    for (let e = 0; e < endpoints; e++) {
      const ep = `10.${180 + (svc % 60)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
      const sep = `KUBE-SEP-${hex(rng, 16)}`;
      natChains.push(sep);
      const left = endpoints - e;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(1 / left)}` : '';
      natChainsRules.push(`-A ${svcChain} -m comment --comment "${name} -> ${ep}:${port}"${stat} -j ${sep}`);
      natChainsRules.push(`-A ${sep} -s ${ep}/32 -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      natChainsRules.push(`-A ${sep} -p tcp -m comment --comment "${name}" -m tcp -j DNAT --to-destination ${ep}:${port}`);
      kubeLeft -= 3;
    }
    if (isNodePort) {
      const ext = `KUBE-EXT-${svcChain.slice(9)}`;
      natChains.push(ext);
      natNodeports.push(`-A KUBE-NODEPORTS -p tcp -m comment --comment "${name}" -m tcp --dport ${np} -j ${ext}`);
      natChainsRules.push(`-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
      natChainsRules.push(`-A ${ext} -j ${svcChain}`);
      kubeLeft -= 3;
    }
  }
  natServices.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );

  // iptables-save orders a table's rules by chain (built-ins first, in hook order), then as added.
  const byChain = (lines) => {
    const groups = new Map();
    for (const l of lines) {
      const c = l.split(' ')[1];
      if (!groups.has(c)) groups.set(c, []);
      groups.get(c).push(l);
    }
    return groups;
  };
  const ordered = (lines, builtins) => {
    const g = byChain(lines);
    const names = [...builtins.filter((b) => g.has(b)), ...[...g.keys()].filter((c) => !builtins.includes(c)).sort()];
    return names.flatMap((n) => g.get(n));
  };
  const filterRules = [
    ...kubeFixedFilter,
    ...dockerFixedFilter,
    ...ufw4,
    ...dFilter,
    ...filterServices,
    ...filterExternal,
    ...ufwBulk,
    ...ownUfw,
    ...ufwTail(false),
  ];
  const natRules = [...kubeFixedNat, ...dockerFixedNat, ...dPost, ...dNat, ...natServices, ...natNodeports, ...natChainsRules];
  const userFilterChains = [...filterChains, 'DOCKER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2', 'DOCKER-USER', ...UFW_CHAINS];
  const header = '# Generated by bench/lib/rulesets.mjs (iptables-save format)';
  const v4 = [
    header,
    table(
      'filter',
      [
        ['INPUT', 'DROP'],
        ['FORWARD', 'DROP'],
        ['OUTPUT', 'ACCEPT'],
      ],
      userFilterChains,
      ordered(filterRules, ['INPUT', 'FORWARD', 'OUTPUT']),
    ),
    table(
      'nat',
      [
        ['PREROUTING', 'ACCEPT'],
        ['INPUT', 'ACCEPT'],
        ['OUTPUT', 'ACCEPT'],
        ['POSTROUTING', 'ACCEPT'],
      ],
      [...natChains, 'DOCKER'],
      ordered(natRules, ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']),
    ),
    '',
  ].join('\n');
  const v6 = [
    header,
    table(
      'filter',
      [
        ['INPUT', 'DROP'],
        ['FORWARD', 'DROP'],
        ['OUTPUT', 'ACCEPT'],
      ],
      UFW_CHAINS,
      ordered(v6Rules, ['INPUT', 'FORWARD', 'OUTPUT']),
    ),
    '',
  ].join('\n');
  const count = (t) => t.split('\n').filter((l) => l.startsWith('-A ')).length;
  return {
    v4,
    v6,
    counts: { rules: count(v4) + count(v6), v4: count(v4), v6: count(v6), services: svc, published, ufwUser: ufwBulk.length + ownUfw.length },
  };
}

function nftListenerRule(l) {
  const p = `tcp dport ${l.port} accept`;
  switch (l.allow) {
    case 'any':
      return [p];
    case 'lan':
      return [`ip saddr ${NETS.eth1} ${p}`];
    case 'tailnet':
      return [`ip saddr ${NETS.tailscale0} ${p}`];
    case 'none':
      return [];
    default:
      return [`iifname "${l.allow.slice(3)}" ${p}`];
  }
}

/**
 * A native nftables ruleset (`nft -f` input) of about `rules` rules, the shape of a hand-written
 * /etc/nftables.conf on a busy host: an inet filter table whose input chain jumps to a long
 * allow/deny list before the host's own port rules (the same admissions as the UFW part of
 * generateIptables, so both give the same matrix), per-container forward accepts, and an ip nat
 * table with service DNATs (kube-proxy's nft mode uses verdict maps, which would not be a
 * rule-count test). `{ text, counts }`.
 */
export function generateNft({ rules, seed = 1 }) {
  const rng = new Rng(seed * 7_000_003 + rules);
  const head = [
    'ct state established,related accept',
    'ct state invalid drop',
    'iif "lo" accept',
    'meta l4proto icmp accept',
    'meta l4proto ipv6-icmp accept',
    'jump allow_lists',
  ];
  const own = LISTENERS.flatMap(nftListenerRule);
  const budget = Math.max(0, rules - head.length - own.length - 1);
  const allow = [];
  const forward = [];
  const services = [];
  const nAllow = Math.floor(budget * 0.3);
  const nForward = Math.floor(budget * 0.1);
  const nServices = budget - nAllow - nForward;
  for (let i = 0; i < nAllow; i++) {
    if (rng.chance(0.8)) allow.push(`ip saddr 10.${30 + rng.int(0, 3)}.${rng.int(0, 255)}.0/24 tcp dport ${7000 + rng.int(0, 299)} accept`);
    else allow.push(`ip saddr 198.${18 + rng.int(0, 1)}.${rng.int(0, 255)}.${rng.int(1, 254)} drop`);
  }
  for (let i = 0; i < nForward; i++) forward.push(`ip daddr 172.17.${2 + Math.floor(i / 250)}.${2 + (i % 250)} tcp dport ${[80, 443, 8080][i % 3]} accept`);
  for (let i = 0; i < nServices; i++) {
    if (i % 10 === 9)
      services.push(`fib daddr type local tcp dport ${20000 + Math.floor(i / 10)} dnat to 172.17.${2 + (Math.floor(i / 10) % 250)}.${2 + (i % 250)}:80`);
    else
      services.push(
        `ip daddr 172.30.${Math.floor(i / 250) % 256}.${1 + (i % 250)} tcp dport ${[80, 443, 8080, 53][i % 4]} dnat to 10.${180 + (i % 60)}.${rng.int(0, 255)}.${rng.int(1, 254)}:${[80, 443, 8080, 53][i % 4]}`,
      );
  }
  const chain = (name, hook, body) => [`\tchain ${name} {`, ...(hook ? [`\t\t${hook}`] : []), ...body.map((r) => `\t\t${r}`), '\t}'].join('\n');
  const text = [
    '# Generated by bench/lib/rulesets.mjs (nft -f input)',
    'flush ruleset',
    'table inet host {',
    chain('input', 'type filter hook input priority filter; policy drop;', [...head, ...own]),
    chain('allow_lists', '', allow),
    chain('forward', 'type filter hook forward priority filter; policy drop;', ['ct state established,related accept', ...forward]),
    '}',
    'table ip nat {',
    chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', ['jump services']),
    chain('services', '', services),
    '}',
    '',
  ].join('\n');
  return { text, counts: { rules: head.length + own.length + allow.length + forward.length + 1 + services.length + 1 } };
}
