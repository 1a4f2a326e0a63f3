import { describe, expect, it } from 'vitest';
import { prepare, simulate } from '../../../../src/netfilter/simulate/index.js';
import type { HostFacts } from '../../../../src/netfilter/simulate/types.js';
import { ipt, labHost, nft, nftDoc, tcp, x } from './helpers.js';

/** The routing decision and what happens around it: martians, weak host, forwarding, neighbour discovery, the host's own traffic. */

const EMPTY = ipt('');
const WLO = (port: number) => tcp('eth0', '198.51.100.20', '127.0.0.1', port);

const dnatLoopback = (raw = '') =>
  ipt(
    `${raw}*nat\n:PREROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n` +
      '-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp -m tcp --dport 5432 -j DNAT --to-destination 172.17.0.3:5432\nCOMMIT\n',
  );

describe('martians and route_localnet', () => {
  it('127.0.0.1 arriving on eth0 is dropped as martian without route_localnet', () => {
    const r = simulate(EMPTY, labHost(), WLO(6379));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'martian' });
    expect(r.steps.map((s) => s.text)).toContain('martian: 127.0.0.1 on eth0 without route_localnet');
  });

  it('route_localnet on the input interface, or on all, lets it through', () => {
    expect(simulate(EMPTY, labHost({ 'net.ipv4.conf.eth0.route_localnet': '1' }), WLO(6379)).disposition).toBe('local');
    expect(simulate(EMPTY, labHost({ 'net.ipv4.conf.all.route_localnet': '1' }), WLO(6379)).disposition).toBe('local');
    expect(simulate(EMPTY, labHost({ 'net.ipv4.conf.docker0.route_localnet': '1' }), WLO(6379)).disposition).toBe('dropped');
  });

  it('a DNAT from 127.0.0.1 happens before the martian check, so it escapes it (moby#45610)', () => {
    const r = simulate(dnatLoopback(), labHost(), WLO(5432));
    expect(r).toMatchObject({ disposition: 'forward', daddr: '172.17.0.3', dport: 5432, oif: 'docker0' });
  });

  it("Docker 28's raw PREROUTING drop closes it", () => {
    const raw = '*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 5432 -j DROP\nCOMMIT\n';
    const r = simulate(dnatLoopback(raw), labHost(), WLO(5432));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'rule' });
    expect(r.steps.at(-1)).toMatchObject({ hook: 'prerouting', table: 'ip raw', chain: 'PREROUTING', rule: 1 });
  });

  it('::1 from outside never gets as far as a hook', () => {
    expect(simulate(EMPTY, labHost(), tcp('eth0', '2001:db8:100::20', '::1', 22))).toMatchObject({ disposition: 'dropped', reason: 'martian' });
  });

  it('a DNAT to ::1 from outside finds no route (the input lookup for ::1 is strict to lo), unlike IPv4 with route_localnet', () => {
    const toLoopback = ipt('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 5000 -j DNAT --to-destination [::1]:3000\nCOMMIT\n', 'ip6');
    const r = simulate(toLoopback, labHost(), tcp('eth0', '2001:db8:100::20', '2001:db8:100::10', 5000));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'no-route', rejected: true, daddr: '::1', dport: 3000 });
    // From the host itself (iif lo) the same DNAT target is delivered.
    expect(simulate(toLoopback, labHost(), tcp('lo', '::1', '::1', 3000)).disposition).toBe('local');
  });
});

describe('weak host', () => {
  it('any local address is delivered, whatever the input interface', () => {
    const r = simulate(EMPTY, labHost(), tcp('eth0', '203.0.113.9', '192.168.1.10', 22));
    expect(r.disposition).toBe('local');
    expect(r.steps.map((s) => s.text)).toContain('route: local delivery to 192.168.1.10 (address of eth1; weak host: accepted on eth0)');
  });

  it('addrtype --limit-iface-in only counts addresses of the input interface', () => {
    const ruleset = ipt('*filter\n:INPUT DROP [0:0]\n-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT\nCOMMIT\n');
    expect(simulate(ruleset, labHost(), tcp('eth0', '203.0.113.9', '198.51.100.10', 22)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), tcp('eth0', '203.0.113.9', '192.168.1.10', 22)).disposition).toBe('dropped');
  });
});

describe('forwarding and routes', () => {
  it('a non-local destination needs forwarding', () => {
    expect(simulate(EMPTY, labHost({ 'net.ipv4.ip_forward': '0' }), tcp('eth0', '203.0.113.9', '172.17.0.2', 80))).toMatchObject({
      disposition: 'dropped',
      reason: 'forwarding-off',
    });
    expect(simulate(EMPTY, labHost(), tcp('eth0', '203.0.113.9', '172.17.0.2', 80))).toMatchObject({ disposition: 'forward', oif: 'docker0' });
  });

  it('longest prefix wins; no route drops; blackhole and unreachable routes are honoured', () => {
    const host: HostFacts = {
      ...labHost(),
      routes: [
        { family: 4, dst: '10.0.0.0/8', dev: 'eth1' },
        { family: 4, dst: '10.1.0.0/16', dev: 'tailscale0' },
        { family: 4, dst: '10.2.0.0/16', type: 'blackhole' },
        { family: 4, dst: '10.3.0.0/16', type: 'unreachable' },
      ],
    };
    const sim = prepare(EMPTY, host);
    expect(sim.simulate(tcp('eth0', '203.0.113.9', '10.1.2.3', 80))).toMatchObject({ disposition: 'forward', oif: 'tailscale0' });
    expect(sim.simulate(tcp('eth0', '203.0.113.9', '10.9.2.3', 80))).toMatchObject({ disposition: 'forward', oif: 'eth1' });
    expect(sim.simulate(tcp('eth0', '203.0.113.9', '10.2.0.1', 80))).toMatchObject({ disposition: 'dropped', reason: 'route-type', rejected: false });
    expect(sim.simulate(tcp('eth0', '203.0.113.9', '10.3.0.1', 80))).toMatchObject({ disposition: 'dropped', reason: 'route-type', rejected: true });
    expect(sim.simulate(tcp('eth0', '203.0.113.9', '8.8.8.8', 80))).toMatchObject({ disposition: 'dropped', reason: 'no-route' });
  });

  it('the kernel rp_filter drops a source whose route back leaves elsewhere (strict), or that has none (loose)', () => {
    const strict = labHost({ 'net.ipv4.conf.all.rp_filter': '1' });
    // 192.168.1.50 is routed back via eth1: fine from eth1, not from eth0.
    expect(simulate(EMPTY, strict, tcp('eth1', '192.168.1.50', '192.168.1.10', 22)).disposition).toBe('local');
    expect(simulate(EMPTY, strict, tcp('eth0', '192.168.1.50', '198.51.100.10', 22))).toMatchObject({ disposition: 'dropped', reason: 'rp-filter' });
    // Loose: the default route is a way back.
    expect(simulate(EMPTY, labHost({ 'net.ipv4.conf.eth0.rp_filter': '2' }), tcp('eth0', '192.168.1.50', '198.51.100.10', 22)).disposition).toBe('local');
  });

  it('rpfilter matches (nft fib saddr . iif oif missing) use the same reverse-path lookup', () => {
    const ruleset = nft(
      nftDoc({
        family: 'inet',
        name: 'fw',
        chains: [
          { name: 'pre', base: { hook: 'prerouting', prio: -290 }, rules: [[x.match({ fib: { result: 'oif', flags: ['saddr', 'iif'] } }, false), x.drop]] },
        ],
      }),
    );
    expect(simulate(ruleset, labHost(), tcp('eth1', '192.168.1.50', '192.168.1.10', 22)).disposition).toBe('local');
    expect(simulate(ruleset, labHost(), tcp('eth1', '10.9.9.9', '192.168.1.10', 22))).toMatchObject({ disposition: 'dropped', reason: 'rule' });
  });

  it('a TCP SYN to a broadcast address is not delivered', () => {
    expect(simulate(EMPTY, labHost(), tcp('eth1', '192.168.1.50', '192.168.1.255', 22))).toMatchObject({ disposition: 'dropped', reason: 'broadcast' });
  });
});

describe('IPv6 neighbour discovery', () => {
  const v6 = (rules: unknown[][]) =>
    nft(nftDoc({ family: 'inet', name: 'filter', chains: [{ name: 'input', base: { hook: 'input', prio: 0, policy: 'drop' }, rules }] }));
  const W6 = (port: number) => tcp('eth0', '2001:db8:100::20', '2001:db8:100::10', port);

  it('a drop policy without ICMPv6 neighbour discovery breaks IPv6 on the link, whatever the port rules say', () => {
    const r = simulate(v6([[x.tcpDport(22), x.accept]]), labHost(), W6(22));
    expect(r).toMatchObject({ disposition: 'dropped', reason: 'neighbour-discovery' });
    expect(r.steps[0]?.text).toMatch(/neighbour solicitations from 2001:db8:100::20 on eth0/);
  });

  it('accepting neighbour solicitations (hop limit 255, untracked) restores it', () => {
    const nd = [x.match(x.payload('icmpv6', 'type'), 'nd-neighbor-solicit'), x.accept];
    expect(simulate(v6([[x.tcpDport(22), x.accept], nd]), labHost(), W6(22)).disposition).toBe('local');
    const ufwStyle = ipt(
      '*filter\n:INPUT DROP [0:0]\n-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -m hl --hl-eq 255 -j ACCEPT\n-A INPUT -m conntrack --ctstate INVALID -j DROP\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n',
      'ip6',
    );
    expect(simulate(ufwStyle, labHost(), W6(22)).disposition).toBe('local');
    expect(simulate(ufwStyle, labHost(), W6(80)).disposition).toBe('dropped');
  });

  it('IPv4 is not affected', () => {
    expect(simulate(v6([[x.tcpDport(22), x.accept]]), labHost(), tcp('eth0', '203.0.113.9', '198.51.100.10', 22)).disposition).toBe('local');
  });
});

describe('the host itself (iif lo)', () => {
  const noproxy = ipt(
    '*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER\n' +
      '-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp -m tcp --dport 5432 -j DNAT --to-destination 172.17.0.3:5432\nCOMMIT\n' +
      '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n',
  );
  const H = (daddr: string, port: number) => tcp('lo', daddr.startsWith('127.') ? '127.0.0.1' : daddr, daddr, port);

  it('goes OUTPUT → POSTROUTING → back in through lo → INPUT', () => {
    const r = simulate(noproxy, labHost(), H('127.0.0.1', 6379));
    expect(r.disposition).toBe('local');
    // (No POSTROUTING chain is declared in this ruleset, so that hook has no step.)
    expect([...new Set(r.steps.map((s) => s.hook))]).toEqual(['routing', 'output', 'prerouting', 'input', 'socket']);
    expect(r.steps.find((s) => s.hook === 'input')).toMatchObject({ text: '-A INPUT -i lo -j ACCEPT', action: 'accept' });
  });

  it('an OUTPUT DNAT re-routes the packet to the container, without FORWARD (route_localnet on docker0, as Docker sets it)', () => {
    const r = simulate(noproxy, labHost({ 'net.ipv4.conf.docker0.route_localnet': '1' }), H('127.0.0.1', 5432));
    expect(r).toMatchObject({ disposition: 'forward', daddr: '172.17.0.3', oif: 'docker0' });
    expect(r.steps.some((s) => s.hook === 'forward')).toBe(false);
  });

  it('without route_localnet on the way out, the 127.0.0.1 source may not leave after OUTPUT DNAT', () => {
    expect(simulate(noproxy, labHost(), H('127.0.0.1', 5432))).toMatchObject({ disposition: 'dropped', reason: 'martian' });
  });

  it('no route is an immediate error for the host', () => {
    const host: HostFacts = { ...labHost(), routes: [] };
    expect(simulate(noproxy, host, H('8.8.8.8', 80))).toMatchObject({ disposition: 'dropped', reason: 'no-route' });
  });
});
