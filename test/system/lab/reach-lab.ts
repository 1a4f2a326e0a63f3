import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ipaddr from 'ipaddr.js';
import type { ReachCell, ReachMatrix, ReachVerdict } from '../../../src/model/reach.js';
import type { Zone } from '../../../src/model/zones.js';
import type { NetfilterState } from '../../../src/snapshot/types.js';
import { binary, labPath } from '../../support/binaries.js';
import { hold, release, tempDir, type Resource, type Scope } from './cleanup.js';
import { Netns } from './netns.js';
import { isAlive, run, startTimeOf, stopPid, waitFor } from './proc.js';

/**
 * The reachability lab: a host namespace H wired to one client namespace per zone, with
 * listeners of every bind kind, and probes that really connect from each client.
 *
 *   inet  eth0 198.51.100.20, 2001:db8:100::20  ── H eth0 198.51.100.10/24, 2001:db8:100::10/64 (default route)
 *   lan   eth0 192.168.1.50, fd00:1::50         ── H eth1 192.168.1.10/24, fd00:1::10/64
 *   ts    eth0 100.64.0.5                       ── H tailscale0 100.101.102.103/10 (a veth named like Tailscale's tun)
 *   ctr   eth0 172.17.0.2-4, fd00:dead:beef::2  ── H bridge docker0 172.17.0.1/16, fd00:dead:beef::1/64  (optional:
 *   ctr   eth0 172.20.0.2-3                     ── H bridge br-app 172.20.0.1/16                          "containers")
 *   dz*   one client namespace per bridge zone, a port of that bridge (made when a zone names it)
 *
 * ctr stands in for containers (one namespace per bridge, single-homed as a container is): they
 * hold every address a DNAT in the generator or the corpus sends to, and every namespace but H
 * listens on every port those DNATs use, so "forwarded" has a real end. docker0 and br-app are
 * real bridges, as Docker's are, so a bridge zone's client is a namespace of its own beside
 * the "containers". (br_netfilter is built into the test kernel: bridged frames meet H's
 * FORWARD chains, as on a Docker host.)
 *
 * How a probe's outcome is read (see classify() and docs/reach-agreement.md):
 *  - open: the handshake completed. Listeners answer with a banner naming themselves, so a
 *    connection that a DNAT/REDIRECT delivered to a *different* host listener is told apart.
 *  - refused by the host stack (no socket) vs refused by a REJECT rule: on the wire a stack RST
 *    and `REJECT --reject-with tcp-reset` look alike, and an ICMP port-unreachable also ends in
 *    ECONNREFUSED. Clients mark their SYNs with DSCP CS1; the kernel's own RST reflects the SYN's
 *    TOS/traffic class, nf_reject's RST and ICMP errors carry 0. Each client namespace drops
 *    (in its own prerouting, never in H) RSTs without CS1 and ICMP port-unreachables, so a REJECT
 *    reads as a timeout (filtered) and only a stack RST reads as refused (closed). The loopback
 *    zone's probes run inside H, where nothing may be added to the ruleset under test: there a
 *    refusal is re-probed alone and H's TCP OutRsts counter (incremented by the stack's reset,
 *    not by REJECT) tells the two apart.
 *  - a same-link client aiming at H's 127.0.0.1 / ::1: a client cannot put 127.0.0.1 on the wire
 *    and would drop the answer from it as a martian, so it connects to 10.255.255.1 /
 *    fd00:ffff::1 and its own output/prerouting rewrite the address statelessly.
 *
 * IPv6 neighbour discovery is real (a `policy drop` input chain without ICMPv6 rules breaks
 * IPv6 to the host, and the model says so): every neighbour cache is flushed before a matrix
 * is probed, so no ruleset profits from addresses a previous one let through.
 */

// ------------------------------------------------------------------------------------------------
// The agent: one Node process per namespace, driven over stdin/stdout (JSON lines)

const AGENT = String.raw`
'use strict';
const net = require('node:net');
const fs = require('node:fs');
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
const servers = [];
function outRsts() {
  const rows = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = rows[0].trim().split(/\s+/);
  const values = rows[1].trim().split(/\s+/);
  return Number(values[names.indexOf('OutRsts')]);
}
function listen(spec) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.setTimeout(3000, () => sock.destroy());
      sock.end(spec.banner + '\n');
    });
    server.once('error', (e) => reject(new Error(spec.banner + ': ' + e.message)));
    server.listen({ host: spec.host, port: spec.port, ipv6Only: !!spec.ipv6Only, exclusive: true, backlog: 4096 }, () => resolve(null));
    servers.push(server);
  });
}
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'ENOPROTOOPT', 'EHOSTDOWN', 'ENETDOWN']);
function probe(p) {
  return new Promise((resolve) => {
    const started = Date.now();
    let done = false;
    let connected = false;
    let banner = '';
    let bannerTimer;
    const s = net.connect({ host: p.host, port: p.port, localAddress: p.localAddress });
    const finish = (state, code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(bannerTimer);
      // An abortive close: no TIME_WAIT on either side, so thousands of probes reuse ports freely.
      if (connected) s.resetAndDestroy(); else s.destroy();
      const r = { key: p.key, state, ms: Date.now() - started };
      if (code) r.code = code;
      if (banner.trim()) r.banner = banner.trim();
      resolve(r);
    };
    const timer = setTimeout(() => finish(connected ? 'open' : 'timeout'), p.timeoutMs);
    s.on('connect', () => {
      connected = true;
      bannerTimer = setTimeout(() => finish('open'), p.bannerMs);
    });
    s.on('data', (d) => {
      banner += d;
      if (banner.includes('\n')) finish('open');
    });
    s.on('end', () => finish('open'));
    s.on('error', (e) => {
      if (connected) return finish('open', e.code);
      if (e.code === 'ECONNREFUSED') return finish('refused', e.code);
      if (e.code === 'ETIMEDOUT') return finish('timeout', e.code);
      finish(UNREACHABLE.has(e.code) ? 'unreachable' : 'error', e.code || String(e));
    });
  });
}
async function refine(probes) {
  const out = [];
  for (const p of probes) {
    let r;
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = outRsts();
      r = await probe(p);
      if (r.state !== 'refused') break;
      const delta = outRsts() - before;
      if (delta === 1) break;
      if (delta === 0) { r.state = 'rejected'; break; }
      r.state = 'error';
      r.code = 'OutRsts moved by ' + delta;
    }
    out.push(r);
  }
  return out;
}
const ops = {
  ping: async () => 'pong',
  listen: async (a) => { await Promise.all(a.listeners.map(listen)); return a.listeners.length; },
  probe: async (a) => Promise.all(a.probes.map(probe)),
  refine: async (a) => refine(a.probes),
  outRsts: async () => outRsts(),
  collectNetfilter: async (a) => (await import(a.module)).collectNetfilter(),
};
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let i;
  while ((i = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, i);
    buffer = buffer.slice(i + 1);
    if (!line) continue;
    const msg = JSON.parse(line);
    Promise.resolve()
      .then(() => ops[msg.op](msg.args))
      .then((result) => send({ id: msg.id, result }), (e) => send({ id: msg.id, error: String((e && e.stack) || e) }));
  }
});
// The test process is gone (or done with us): so are we.
process.stdin.on('end', () => process.exit(0));
`;

export interface ProbeRequest {
  key: string;
  host: string;
  port: number;
  localAddress: string;
  timeoutMs: number;
  bannerMs: number;
}

export type ProbeState = 'open' | 'refused' | 'rejected' | 'timeout' | 'unreachable' | 'error';

export interface ProbeResult {
  key: string;
  state: ProbeState;
  code?: string;
  /** The first line the far end sent: our listeners name themselves ("L 0.0.0.0 80", "C 172.17.0.2 80"). */
  banner?: string;
  ms: number;
}

/** One long-lived Node process inside a namespace. */
export class Agent {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private buffer = '';
  private exit: string | undefined;
  private stopped = false;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
    private readonly resource: Resource & { kind: 'process' },
  ) {}

  static start(scope: Scope, ns: Netns, label: string): Agent {
    const [cmd, args] = ns.argv(process.execPath, ['-e', AGENT]);
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PATH: labPath() } });
    if (child.pid === undefined) throw new Error(`cannot start the ${label} agent`);
    // `ip netns exec` execs node: the PID is the agent's own.
    const resource: Resource & { kind: 'process' } = { kind: 'process', pid: child.pid, startTime: startTimeOf(child.pid), label: `reach agent ${label}` };
    hold(resource);
    const agent = new Agent(label, child, resource);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => agent.onData(d));
    child.on('exit', (code, sig) => {
      agent.exit = `exited with ${sig ?? code}${stderr ? `: ${stderr.trim()}` : ''}`;
      for (const p of agent.pending.values()) p.reject(new Error(`${label} agent ${agent.exit}`));
      agent.pending.clear();
    });
    scope.defer(`reach agent ${label}`, () => agent.stop());
    return agent;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as { id: number; result?: unknown; error?: string };
      const p = this.pending.get(msg.id);
      if (!p) continue;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(`${this.label} agent: ${msg.error}`));
      else p.resolve(msg.result);
    }
  }

  request<T>(op: string, args: object = {}): Promise<T> {
    if (this.exit) return Promise.reject(new Error(`${this.label} agent ${this.exit}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin?.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.child.stdin?.end();
    const deadline = Date.now() + 2_000;
    while (isAlive(this.resource.pid, this.resource.startTime) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await stopPid(this.resource.pid, this.resource.startTime, 1_000);
    release(this.resource);
  }
}

// ------------------------------------------------------------------------------------------------
// Topology and listeners

export interface ListenerSpec {
  host: string;
  port: number;
  ipv6Only?: boolean;
}

/** Every bind kind the model distinguishes, on ports real rulesets (and the corpus) talk about. */
export const LISTENERS: ListenerSpec[] = [
  { host: '0.0.0.0', port: 22 },
  { host: '0.0.0.0', port: 80 },
  { host: '::', port: 443 }, // dual-stack
  { host: '::', port: 5000, ipv6Only: true }, // IPv6-only ...
  { host: '0.0.0.0', port: 5000 }, // ... beside an IPv4 socket on the same port
  { host: '::', port: 8080 }, // dual-stack on a port Docker scenarios publish
  { host: '127.0.0.1', port: 18789 }, // the gateway as the guide wants it
  { host: '::1', port: 18789 },
  { host: '127.0.0.1', port: 6379 },
  { host: '100.101.102.103', port: 8443 }, // the tailnet address
  { host: '192.168.1.10', port: 5432 }, // a LAN address
  { host: '198.51.100.10', port: 3000 }, // the public address only
  { host: '2001:db8:100::10', port: 9090 }, // one IPv6 address
];

export const LISTENER_PORTS = [...new Set(LISTENERS.map((l) => l.port))].sort((a, b) => a - b);

/** Ports every namespace but H listens on: every DNAT target port of the generator and the corpus. */
export const CTR_PORTS = [...new Set([...LISTENER_PORTS, 53, 80, 443, 3000, 5432, 6379, 8080, 8081, 9000, 9001, 9002, 8888])].sort((a, b) => a - b);

/** Addresses the docker0 container stand-in holds besides its own (DNAT targets of corpus rulesets); more come from addTargets(). */
const CTR_EXTRA_V4 = ['192.0.2.2', '172.18.0.2', '10.180.0.1', '10.180.0.2', '10.180.0.3', '10.180.0.4', '10.180.0.5'];
const CTR_EXTRA_V6 = ['fd00:dead:beef::242:ac11:2', 'fd00:dead:beef::242:ac11:3', 'fd00:dead:beef::242:ac11:6'];

export const HOST = {
  eth0: { v4: '198.51.100.10', v6: '2001:db8:100::10' },
  eth1: { v4: '192.168.1.10', v6: 'fd00:1::10' },
  tailscale0: { v4: '100.101.102.103' },
  docker0: { v4: '172.17.0.1', v6: 'fd00:dead:beef::1' },
  'br-app': { v4: '172.20.0.1' },
} as const;

export const CLIENTS = {
  inet: { v4: '198.51.100.20', v6: '2001:db8:100::20' },
  lan: { v4: '192.168.1.50', v6: 'fd00:1::50' },
  ts: { v4: '100.64.0.5' },
  ctr: { v4: ['172.17.0.2', '172.17.0.3', '172.17.0.4'], v4app: ['172.20.0.2', '172.20.0.3'], v6: 'fd00:dead:beef::2' },
} as const;

/** The clients the brief names, as `--zone` specs: the model is also asked about exactly them. */
export const NAMED_ZONES = [
  'inet4=eth0:198.51.100.20',
  'inet6=eth0:2001:db8:100::20',
  'lan4=eth1:192.168.1.50',
  'lan6=eth1:fd00:1::50',
  'tailnet4=tailscale0:100.64.0.5',
];

const LOOPBACK_ALIAS = { 4: '10.255.255.1', 6: 'fd00:ffff::1' } as const;

/** The client side of the probe trick (DSCP mark, REJECT signals dropped, loopback alias); see the top of this file. */
const CLIENT_NFT = `table inet clawmoat_probe {
  chain out {
    type filter hook output priority 0; policy accept;
    ip daddr ${LOOPBACK_ALIAS[4]} ip daddr set 127.0.0.1
    ip6 daddr ${LOOPBACK_ALIAS[6]} ip6 daddr set ::1
    tcp flags syn ip dscp set cs1
    tcp flags syn ip6 dscp set cs1
  }
  chain pre {
    type filter hook prerouting priority -500; policy accept;
    ip saddr 127.0.0.1 ip saddr set ${LOOPBACK_ALIAS[4]}
    ip6 saddr ::1 ip6 saddr set ${LOOPBACK_ALIAS[6]}
    tcp flags rst ip dscp != cs1 drop
    tcp flags rst ip6 dscp != cs1 drop
    icmp type destination-unreachable icmp code port-unreachable drop
    icmpv6 type destination-unreachable icmpv6 code port-unreachable drop
  }
}
`;

/** The client addresses the model tried for ZONE (one per class of sources the ruleset tells apart). */
export function zoneSourcesOf(zone: Zone, family: 4 | 6): string[] {
  const source = zone.source[family];
  return zone.sources?.[family] ?? (source ? [source] : []);
}

export function canonical(address: string): string {
  try {
    return ipaddr.parse(address.replace(/^\[|\]$/g, '')).toString();
  } catch {
    return address;
  }
}

export function listenerBanner(host: string, port: number): string {
  return `L ${canonical(host)} ${port}`;
}

interface Link {
  hostIface: string;
  client: Netns;
  clientIface: string;
  agent: Agent;
}

export interface ReachLabOptions {
  /** The ctr namespace on docker0 and br-app (leave out when a real dockerd owns docker0). */
  containers?: boolean;
  listeners?: ListenerSpec[];
}

/** One (client, source, destination, port) connection attempt, and what a cell made of it. */
export interface Attempt {
  key: string;
  /** 'H' for the loopback zone. */
  executor: string;
  family: 4 | 6;
  source: string;
  target: string;
  port: number;
  /**
   * Aimed at another port than the cell's listener: it counts for the cell only when a
   * translation delivers it to this listener (its banner answers).
   */
  other?: boolean;
  /**
   * An address that is not the host's (a DNAT rule's `-d`): the client sends it to H, as a
   * same-link client can (a route through H's address on the link, added before the probe).
   */
  via?: boolean;
}

/**
 * Ports a client also aims at when the ruleset translates destinations: every port the generator
 * writes and the DNAT target ports. A DNAT/REDIRECT from one of them to a listener is a path into
 * that listener (the cell stands for any port the client can aim at).
 */
export const OTHER_PORTS = [...new Set([...LISTENER_PORTS, ...CTR_PORTS, 23, 25, 8000])].sort((a, b) => a - b);

export class ReachLab {
  readonly links = new Map<string, Link>();
  /** The container stand-ins (on docker0, on br-app), when the lab has them. */
  private readonly containers: Netns[] = [];
  /** Every agent that answers on CTR_PORTS (all namespaces but H), and the extra ports they took since. */
  private readonly answerers: Agent[] = [];
  private readonly extraPorts = new Set<number>();
  /** Host routes through H added in clients for targets that are not H's addresses (`executor|address`). */
  private readonly routedVia = new Set<string>();

  private constructor(
    private readonly scope: Scope,
    readonly h: Netns,
    readonly hostAgent: Agent,
    readonly dir: string,
  ) {}

  static async create(scope: Scope, options: ReachLabOptions = {}): Promise<ReachLab> {
    const h = await Netns.create(scope, 'rh');
    const dir = tempDir(scope, 'reach');
    const listeners = options.listeners ?? LISTENERS;
    const lab = new ReachLab(scope, h, Agent.start(scope, h, h.name), dir);
    await h.exec(binary('sysctl'), [
      '-qw',
      'net.ipv4.ip_forward=1',
      'net.ipv6.conf.all.forwarding=1',
      'net.ipv6.conf.default.accept_dad=0',
      'net.ipv6.conf.all.accept_dad=0',
    ]);
    await Promise.all([
      lab.addLink('eth0', 'inet', [`${HOST.eth0.v4}/24`, `${HOST.eth0.v6}/64`], [`${CLIENTS.inet.v4}/24`, `${CLIENTS.inet.v6}/64`], {
        4: HOST.eth0.v4,
        6: HOST.eth0.v6,
      }),
      lab.addLink('eth1', 'lan', [`${HOST.eth1.v4}/24`, `${HOST.eth1.v6}/64`], [`${CLIENTS.lan.v4}/24`, `${CLIENTS.lan.v6}/64`], {
        4: HOST.eth1.v4,
        6: HOST.eth1.v6,
      }),
      lab.addLink('tailscale0', 'ts', [`${HOST.tailscale0.v4}/10`], [`${CLIENTS.ts.v4}/10`], { 4: HOST.tailscale0.v4 }),
    ]);
    await h.ip('route', 'add', 'default', 'via', CLIENTS.inet.v4);
    await h.ip('-6', 'route', 'add', 'default', 'via', CLIENTS.inet.v6);
    if (options.containers) await lab.addContainers();
    await lab.hostAgent.request('listen', { listeners: listeners.map((l) => ({ ...l, banner: listenerBanner(l.host, l.port) })) });
    return lab;
  }

  /** A veth from H to a new client namespace, addresses on both ends, the client routed via H, its agent started. */
  private async addLink(hostIface: string, role: string, hostCidrs: string[], clientCidrs: string[], gateways: { 4?: string; 6?: string }): Promise<Link> {
    const client = await Netns.create(this.scope, role);
    await binaryRun('ip', ['link', 'add', hostIface, 'netns', this.h.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client.name]);
    for (const cidr of hostCidrs) await this.h.ip('addr', 'add', cidr, 'dev', hostIface, ...(cidr.includes(':') ? ['nodad'] : []));
    for (const cidr of clientCidrs) await client.ip('addr', 'add', cidr, 'dev', 'eth0', ...(cidr.includes(':') ? ['nodad'] : []));
    await this.h.ip('link', 'set', hostIface, 'up');
    await client.ip('link', 'set', 'eth0', 'up');
    if (gateways[4]) await client.ip('route', 'add', 'default', 'via', gateways[4]);
    if (gateways[6]) await client.ip('-6', 'route', 'add', 'default', 'via', gateways[6]);
    await client.exec(binary('nft'), ['-f', '-'], { input: CLIENT_NFT });
    const link: Link = { hostIface, client, clientIface: 'eth0', agent: await this.answering(Agent.start(this.scope, client, client.name)) };
    this.links.set(hostIface, link);
    return link;
  }

  /**
   * The container stand-ins: bridges docker0 and br-app in H, one single-homed namespace on each
   * (as a container is), answering on every DNAT target port.
   */
  private async addContainers(): Promise<void> {
    const bridges = [
      {
        bridge: 'docker0',
        port: 'vc0',
        hostCidrs: [`${HOST.docker0.v4}/16`, `${HOST.docker0.v6}/64`],
        cidrs: [...CLIENTS.ctr.v4.map((a) => `${a}/16`), `${CLIENTS.ctr.v6}/64`],
        gateways: { 4: HOST.docker0.v4, 6: HOST.docker0.v6 },
      },
      {
        bridge: 'br-app',
        port: 'vc1',
        hostCidrs: [`${HOST['br-app'].v4}/16`],
        cidrs: CLIENTS.ctr.v4app.map((a) => `${a}/16`),
        gateways: { 4: HOST['br-app'].v4 },
      },
    ];
    for (const b of bridges) {
      const ctr = await Netns.create(this.scope, 'ctr');
      await this.h.ip('link', 'add', b.bridge, 'type', 'bridge');
      for (const cidr of b.hostCidrs) await this.h.ip('addr', 'add', cidr, 'dev', b.bridge, ...(cidr.includes(':') ? ['nodad'] : []));
      await this.h.ip('link', 'set', b.bridge, 'up');
      await binaryRun('ip', ['link', 'add', b.port, 'netns', this.h.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ctr.name]);
      await this.h.ip('link', 'set', b.port, 'master', b.bridge);
      await this.h.ip('link', 'set', b.port, 'up');
      for (const cidr of b.cidrs) await ctr.ip('addr', 'add', cidr, 'dev', 'eth0', ...(cidr.includes(':') ? ['nodad'] : []));
      await ctr.ip('link', 'set', 'eth0', 'up');
      for (const family of [4, 6] as const) {
        const gateway = (b.gateways as { 4?: string; 6?: string })[family];
        if (gateway) await ctr.ip(`-${family}`, 'route', 'add', 'default', 'via', gateway);
      }
      this.containers.push(ctr);
      await this.answering(Agent.start(this.scope, ctr, ctr.name));
    }
    await this.addTargets([...CTR_EXTRA_V4, ...CTR_EXTRA_V6]);
  }

  /**
   * Give the docker0 container stand-in more addresses (DNAT targets a corpus ruleset names that
   * no lab namespace holds), routed from H through docker0.
   */
  async addTargets(addresses: string[]): Promise<void> {
    const ctr = this.containers[0];
    if (!ctr) return;
    const held = await this.heldAddresses();
    for (const address of addresses.map(canonical)) {
      if (held.has(address) || address === '127.0.0.1' || address === '::1') continue;
      const v6 = address.includes(':');
      await ctr.ip('addr', 'add', `${address}/${v6 ? 128 : 32}`, 'dev', 'eth0', ...(v6 ? ['nodad'] : []));
      await this.h.ip(v6 ? '-6' : '-4', 'route', 'replace', `${address}/${v6 ? 128 : 32}`, 'dev', 'docker0');
      held.add(address);
    }
  }

  /** An agent that answers on CTR_PORTS and on every port listenEverywhere() added. */
  private async answering(agent: Agent): Promise<Agent> {
    await answerEverywhere(agent);
    if (this.extraPorts.size > 0) await agent.request('listen', { listeners: [...this.extraPorts].map((port) => ({ host: '::', port, banner: `C ${port}` })) });
    this.answerers.push(agent);
    return agent;
  }

  /**
   * More DNAT target ports (a corpus ruleset's, beyond CTR_PORTS): every namespace but H answers
   * on them too, so a connection forwarded there has someone to complete it.
   */
  async listenEverywhere(ports: number[]): Promise<void> {
    const fresh = [...new Set(ports)].filter((p) => !CTR_PORTS.includes(p) && !this.extraPorts.has(p) && p > 0 && p < 32768);
    if (fresh.length === 0) return;
    for (const p of fresh) this.extraPorts.add(p);
    await Promise.all(this.answerers.map((a) => a.request('listen', { listeners: fresh.map((port) => ({ host: '::', port, banner: `C ${port}` })) })));
  }

  /** Addresses machines outside this lab's namespaces hold (a real dockerd's containers). */
  private readonly elsewhere = new Set<string>();

  /** Say that ADDRESSES are held by machines the lab did not make (a real dockerd's containers): no client takes them. */
  heldElsewhere(addresses: readonly string[]): void {
    for (const a of addresses) this.elsewhere.add(canonical(a));
  }

  /** Every address some namespace of this lab holds, and those held elsewhere. */
  private async heldAddresses(): Promise<Set<string>> {
    const all = [this.h, ...[...this.links.values()].map((l) => l.client), ...this.containers];
    const held = new Set<string>(this.elsewhere);
    for (const ns of all) {
      const json = JSON.parse((await ns.ip('-j', 'addr', 'show')).stdout) as { addr_info: { local: string }[] }[];
      for (const i of json) for (const a of i.addr_info) held.add(canonical(a.local));
    }
    return held;
  }

  /**
   * Clients on Docker's bridges (a veth enslaved to the bridge in H), created the first time a
   * zone names a bridge this lab has no client on.
   */
  private async addBridgeClient(bridge: string, zone: Zone): Promise<Link> {
    const port = `cz${this.links.size}`;
    const client = await Netns.create(this.scope, 'dz');
    await binaryRun('ip', ['link', 'add', port, 'netns', this.h.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client.name]);
    await this.h.ip('link', 'set', port, 'master', bridge);
    await this.h.ip('link', 'set', port, 'up');
    await client.ip('link', 'set', 'eth0', 'up');
    // A new bridge port may pass through listening/learning first: probe only once it forwards.
    await waitFor(
      async () => {
        const json = JSON.parse((await this.h.ip('-j', '-d', 'link', 'show', 'dev', port)).stdout) as {
          operstate?: string;
          linkinfo?: { info_slave_data?: { state?: string } };
        }[];
        const state = json[0]?.linkinfo?.info_slave_data?.state;
        return json[0]?.operstate === 'UP' && (state === undefined || state === 'forwarding') ? true : undefined;
      },
      { what: `bridge port ${port} on ${bridge}`, timeoutMs: 30_000, intervalMs: 50 },
    );
    const addresses = JSON.parse((await this.h.ip('-j', 'addr', 'show', 'dev', bridge)).stdout) as {
      addr_info: { family: string; local: string; prefixlen: number; scope: string }[];
    }[];
    const info = addresses[0]?.addr_info ?? [];
    const own = { 4: info.find((a) => a.family === 'inet'), 6: info.find((a) => a.family === 'inet6' && a.scope === 'global') };
    const prefix = { 4: own[4]?.prefixlen ?? 16, 6: own[6]?.prefixlen ?? 64 };
    for (const family of [4, 6] as const) {
      const src = zone.source[family];
      const gateway = own[family];
      if (!src || !gateway) continue;
      await client.ip('addr', 'add', `${src}/${prefix[family]}`, 'dev', 'eth0', ...(family === 6 ? ['nodad'] : []));
      await client.ip(`-${family}`, 'route', 'add', 'default', 'via', gateway.local);
    }
    await client.exec(binary('nft'), ['-f', '-'], { input: CLIENT_NFT });
    const link: Link = { hostIface: bridge, client, clientIface: 'eth0', agent: await this.answering(Agent.start(this.scope, client, client.name)) };
    this.links.set(bridge, link);
    return link;
  }

  /**
   * Sources the model tried that another namespace of this lab holds (H, a container stand-in): a
   * zone's client cannot take them, so they are not probed.
   */
  private readonly foreignSources = new Set<string>();

  /** Sources the model tried that no client of this lab can send from (canonical). */
  get unprobedSources(): ReadonlySet<string> {
    return this.foreignSources;
  }

  /**
   * Give each zone's client the source addresses the model sends from (and a client on any bridge
   * zone). Call it for each matrix: the model picks one source per class of addresses the ruleset
   * under test tells apart.
   */
  async ensureZoneSources(zones: Zone[]): Promise<void> {
    let held: Set<string> | undefined;
    for (const zone of zones) {
      if (zone.kind === 'loopback') continue;
      let link = this.links.get(zone.interface);
      if (!link) {
        const kind = (await this.h.ip('-j', '-d', 'link', 'show', 'dev', zone.interface)).stdout;
        if (!/"info_kind":"bridge"/.test(kind)) throw new Error(`zone ${zone.name} is on ${zone.interface}, where this lab has no client`);
        link = await this.addBridgeClient(zone.interface, zone);
      }
      const have = JSON.parse((await link.client.ip('-j', 'addr', 'show', 'dev', link.clientIface)).stdout) as { addr_info: { local: string }[] }[];
      const present = new Set((have[0]?.addr_info ?? []).map((a) => canonical(a.local)));
      for (const family of [4, 6] as const) {
        // Every source the model tried: one per class of addresses the ruleset tells apart.
        for (const src of zoneSourcesOf(zone, family)) {
          if (present.has(canonical(src)) || this.foreignSources.has(canonical(src))) continue;
          held ??= await this.heldAddresses();
          if (held.has(canonical(src))) {
            this.foreignSources.add(canonical(src));
            continue;
          }
          // A host address is enough: an on-link source sits inside the link's subnet already, and the
          // internet zone's (203.0.113.77) is reached through H's default route, which is this client.
          await link.client.ip('addr', 'add', `${src}/${family === 4 ? 32 : 128}`, 'dev', link.clientIface, ...(family === 6 ? ['nodad'] : []));
          present.add(canonical(src));
        }
      }
    }
  }

  /**
   * Forget every IPv6 neighbour (H, clients, containers): each matrix resolves them afresh, under
   * its own ruleset. H first, so no solicitation it still has pending reaches a flushed client.
   */
  async resetNeighbours(): Promise<void> {
    await this.h.ip('-6', 'neigh', 'flush', 'all');
    const others = [...[...this.links.values()].map((l) => l.client), ...this.containers];
    await Promise.all(others.map((ns) => ns.ip('-6', 'neigh', 'flush', 'all')));
  }

  // ----------------------------------------------------------------------------------------------
  // Rulesets

  private usedLegacy = false;
  private usedIpsets = false;

  /** Remove every rule, set and table from H (nft, iptables-nft, what was loaded into iptables-legacy, ipsets). */
  async flush(): Promise<void> {
    const result = await this.load({}, 'flush');
    if (!result.ok) throw new Error(`cannot flush ${this.h.name}: ${result.error}`);
  }

  /** Flush, then load: one shell in H, so a random ruleset costs one process start. */
  async load(files: RulesetFiles, name = 'ruleset'): Promise<{ ok: boolean; error: string }> {
    const put = (suffix: string, text: string) => {
      const path = join(this.dir, `${name.replace(/[^A-Za-z0-9_.,=-]/g, '_').slice(-150)}.${suffix}`);
      writeFileSync(path, text);
      return path;
    };
    const reset = ['nft flush ruleset'];
    if (this.usedLegacy || files.legacyIptables || files.legacyIp6tables) {
      this.usedLegacy = true;
      // Legacy tables survive `nft flush ruleset`. Emptied, they stay registered (harmless: the
      // collector then reads an empty iptables-legacy-save).
      for (const cmd of ['iptables-legacy', 'ip6tables-legacy']) {
        for (const t of ['filter', 'nat', 'mangle', 'raw']) reset.push(`${cmd} -t ${t} -F 2>/dev/null || true`, `${cmd} -t ${t} -X 2>/dev/null || true`);
        reset.push(`for c in INPUT FORWARD OUTPUT; do ${cmd} -P $c ACCEPT 2>/dev/null || true; done`);
      }
    }
    if (this.usedIpsets || files.ipset) {
      this.usedIpsets = true;
      reset.push('ipset destroy 2>/dev/null || true');
    }
    // Connections the previous ruleset's probes left (a SYN that went unanswered stays in the
    // table for two minutes, with the NAT binding it got) would carry a later probe that happens
    // to reuse its source port past the ruleset under test: CI seed 489193648 reached port 5432
    // as a listener on 8080, through a DNAT of the ruleset loaded eleven rulesets earlier. A
    // fresh client has no such entry, so each ruleset starts from an empty table.
    const steps = [`'${binary('conntrack')}' -F 2>/dev/null`];
    if (files.ipset) steps.push(`ipset restore -exist < '${put('ipset', files.ipset)}'`);
    // nft first: a corpus .nft file may start with `flush ruleset`.
    if (files.nft) steps.push(`nft -f '${put('nft', files.nft)}'`);
    if (files.iptables) steps.push(`iptables-restore < '${put('v4', files.iptables)}'`);
    if (files.ip6tables) steps.push(`ip6tables-restore < '${put('v6', files.ip6tables)}'`);
    if (files.legacyIptables) steps.push(`iptables-legacy-restore < '${put('legacy-v4', files.legacyIptables)}'`);
    if (files.legacyIp6tables) steps.push(`ip6tables-legacy-restore < '${put('legacy-v6', files.legacyIp6tables)}'`);
    const script = [...reset, 'set -e', ...steps].join('\n');
    const result = await this.h.exec('sh', ['-c', script], { allowFail: true });
    return { ok: result.code === 0, error: (result.stderr || result.stdout).trim() };
  }

  /** The real collector's netfilter part, run inside H by its agent (the built dist/ module). */
  async collectNetfilter(distDir: string): Promise<NetfilterState> {
    return this.hostAgent.request<NetfilterState>('collectNetfilter', { module: pathToFileURL(join(distDir, 'collect', 'netfilter.js')).href });
  }

  /** `ss -ltn` in H: which `::` sockets are dual-stack (`*:p`) and which IPv6-only (`[::]:p`). */
  async socketTruth(): Promise<SocketTruth> {
    const { stdout } = await this.h.exec(binary('ss'), ['-H', '-l', '-t', '-n']);
    const dual = new Set<number>();
    const v6only = new Set<number>();
    for (const line of stdout.split('\n')) {
      const local = line.trim().split(/\s+/)[3];
      if (!local) continue;
      const port = Number(local.slice(local.lastIndexOf(':') + 1));
      if (local.startsWith('*:')) dual.add(port);
      else if (local.startsWith('[::]:')) v6only.add(port);
    }
    return { dual, v6only };
  }

  // ----------------------------------------------------------------------------------------------
  // Probing a matrix

  /**
   * Every attempt the cells of `matrix` stand for, deduplicated: the listener's port at every
   * address the zone can aim at, the port the model's deciding path aimed at, and (when the
   * ruleset translates destinations: `otherPorts`) those ports too.
   */
  plan(matrix: Pick<ReachMatrix, 'zones' | 'cells'>, sockets: SocketTruth, otherPorts: readonly number[] = []): Map<ReachCell, Attempt[]> {
    const zones = new Map(matrix.zones.map((z) => [z.name, z]));
    const plan = new Map<ReachCell, Attempt[]>();
    for (const cell of matrix.cells) {
      if (cell.listener.protocol !== 'tcp') continue;
      const zone = zones.get(cell.zone.name);
      if (!zone) throw new Error(`cell names zone ${cell.zone.name}, which the matrix does not list`);
      const attempts: Attempt[] = [];
      for (const family of socketFamilies(cell.listener.address, cell.listener.port, sockets)) {
        for (const source of zoneSourcesOf(zone, family)) {
          if (this.foreignSources.has(canonical(source))) continue;
          const executor = zone.kind === 'loopback' ? 'H' : zone.interface;
          const ports = new Set([cell.listener.port, ...otherPorts, ...(cell.destinationPort !== undefined ? [cell.destinationPort] : [])]);
          const targets = new Set(zone.targets[family].map(canonical));
          // The model may have aimed past the host's own addresses (a DNAT's `-d`).
          if (cell.destinationPort !== undefined && cell.destination && cell.destination.includes(':') === (family === 6))
            targets.add(canonical(cell.destination));
          for (const port of ports) {
            for (const target of targets) {
              const a: Attempt = { key: `${executor}|${source}|${target}|${port}`, executor, family, source, target, port };
              const own = zone.targets[family].map(canonical).includes(target);
              if (port !== cell.listener.port || !own) a.other = true;
              if (!own) a.via = true;
              attempts.push(a);
            }
          }
        }
      }
      plan.set(cell, attempts);
    }
    return plan;
  }

  /**
   * Run attempts. The loopback zone's first (inside H), its refusals then re-probed one by one
   * (see the top of this file); then every neighbour cache is flushed and all clients probe at
   * once. Loopback first because a probe from ::1 to a closed port on a global address makes H
   * route its RST towards the default router, and the neighbour solicitation that sends would
   * teach a client H's link-layer address behind the back of the ruleset under test.
   */
  async probe(attempts: Attempt[], timeoutMs = 400): Promise<Map<string, ProbeResult>> {
    const unique = new Map<string, Attempt>();
    for (const a of attempts) unique.set(a.key, a);
    const byExecutor = new Map<string, ProbeRequest[]>();
    for (const a of unique.values()) {
      const remoteLoopback = a.executor !== 'H' && (a.target === '127.0.0.1' || a.target === '::1');
      const host = remoteLoopback ? LOOPBACK_ALIAS[a.family] : a.target;
      const list = byExecutor.get(a.executor) ?? [];
      // The banner tells a DNAT/REDIRECT to another host listener apart from this one; on a loaded
      // machine a listener can take longer than 150 ms to write it, and a silent handshake reads as
      // open. The patient re-probe of doubtful cells waits for it as long as for the handshake.
      list.push({ key: a.key, host, port: a.port, localAddress: a.source, timeoutMs, bannerMs: timeoutMs > 400 ? Math.min(1_000, timeoutMs / 2) : 150 });
      byExecutor.set(a.executor, list);
    }
    // Addresses that are not H's: the client routes them through H on its link.
    for (const a of unique.values()) {
      if (!a.via || a.executor === 'H' || this.routedVia.has(`${a.executor}|${a.target}`)) continue;
      const link = this.links.get(a.executor);
      const gw = (HOST as Record<string, { v4?: string; v6?: string }>)[a.executor]?.[a.family === 4 ? 'v4' : 'v6'];
      if (!link || !gw) continue;
      await link.client.ip(a.family === 4 ? '-4' : '-6', 'route', 'replace', `${a.target}/${a.family === 4 ? 32 : 128}`, 'via', gw, 'dev', link.clientIface);
      this.routedVia.add(`${a.executor}|${a.target}`);
    }
    const results = new Map<string, ProbeResult>();
    const loopback = byExecutor.get('H') ?? [];
    byExecutor.delete('H');
    if (loopback.length > 0) {
      // Over lo an answer takes microseconds: half the clients' patience is plenty.
      const quick = loopback.map((p) => ({ ...p, timeoutMs: Math.max(200, timeoutMs / 2) }));
      for (const r of await this.hostAgent.request<ProbeResult[]>('probe', { probes: quick })) results.set(r.key, r);
      const refused = loopback.filter((p) => results.get(p.key)?.state === 'refused');
      if (refused.length > 0) for (const r of await this.hostAgent.request<ProbeResult[]>('refine', { probes: refused })) results.set(r.key, r);
    }
    await this.resetNeighbours();
    await Promise.all(
      [...byExecutor].map(async ([executor, probes]) => {
        const link = this.links.get(executor);
        if (!link) throw new Error(`no client on ${executor}`);
        let first = true;
        for (const group of bySourceV6(probes)) {
          // One client machine holds the sources of several zones on one link. Each zone is its
          // own client in the model: what one source's neighbour discovery taught the machine
          // (H's link-layer address) must not carry a second source past a ruleset that drops
          // the second one's solicitations (seed 380150881).
          if (!first) await link.client.ip('-6', 'neigh', 'flush', 'all');
          first = false;
          for (const r of await link.agent.request<ProbeResult[]>('probe', { probes: group })) results.set(r.key, r);
        }
      }),
    );
    return results;
  }
}

/** Probes in groups: the IPv4 ones with the first IPv6 source's, then one group per other IPv6 source. */
function bySourceV6(probes: readonly ProbeRequest[]): ProbeRequest[][] {
  const groups = new Map<string, ProbeRequest[]>();
  const v4: ProbeRequest[] = [];
  for (const p of probes) {
    if (!p.localAddress.includes(':')) v4.push(p);
    else groups.set(p.localAddress, [...(groups.get(p.localAddress) ?? []), p]);
  }
  const out = [...groups.values()];
  if (out.length === 0) return v4.length > 0 ? [v4] : [];
  out[0] = [...v4, ...out[0]!];
  return out;
}

export interface RulesetFiles {
  /** iptables-restore input (iptables-nft). */
  iptables?: string;
  ip6tables?: string;
  /** iptables-legacy-restore input. */
  legacyIptables?: string;
  legacyIp6tables?: string;
  /** nft -f input. */
  nft?: string;
  /** ipset restore input. */
  ipset?: string;
}

export interface SocketTruth {
  dual: Set<number>;
  v6only: Set<number>;
}

/** The families a socket can take a connection in, per the kernel (ss), not per the model. */
export function socketFamilies(address: string, port: number, sockets: SocketTruth): (4 | 6)[] {
  if (!address.includes(':')) return [4];
  if (canonical(address) !== '::') return [6];
  if (sockets.dual.has(port)) return [6, 4];
  return [6];
}

/**
 * Every namespace but H answers on every DNAT target port (banner "C port"): whatever address a
 * DNAT sends a connection to, someone is there to complete it, so "forwarded" can be checked.
 */
async function answerEverywhere(agent: Agent): Promise<Agent> {
  await agent.request('listen', { listeners: CTR_PORTS.map((port) => ({ host: '::', port, banner: `C ${port}` })) });
  return agent;
}

async function binaryRun(name: string, args: string[]): Promise<void> {
  await run(binary(name), args);
}

// ------------------------------------------------------------------------------------------------
// Comparing a matrix with the kernel

export type KernelVerdict = Exclude<ReachVerdict, 'unknown'>;

const RANK: Record<KernelVerdict, number> = { open: 2, closed: 1, filtered: 0 };

export interface AttemptOutcome {
  attempt: Attempt;
  result: ProbeResult;
  verdict: KernelVerdict | 'error';
  /** Answered by a different host listener (a DNAT/REDIRECT moved it): not this socket. */
  diverted: boolean;
}

/**
 * One probe read as a verdict for the cell's listener:
 *  - handshake completed by this listener, by the container stand-in (forwarded), or by a peer
 *    that sent no banner (Docker's httpd, docker-proxy) → open;
 *  - handshake completed by *another* host listener after a DNAT/REDIRECT → closed for this
 *    listener: the packet reached the host and its socket did not take it;
 *  - RST from the stack → closed; timeout, ICMP unreachable, REJECT (either kind) → filtered.
 */
export function classify(result: ProbeResult, listenerAddress: string, port: number): { verdict: KernelVerdict | 'error'; diverted: boolean } {
  switch (result.state) {
    case 'open': {
      const banner = result.banner ?? '';
      if (banner.startsWith('L ') && banner !== listenerBanner(listenerAddress, port)) return { verdict: 'closed', diverted: true };
      return { verdict: 'open', diverted: false };
    }
    case 'refused':
      return { verdict: 'closed', diverted: false };
    case 'rejected':
    case 'timeout':
    case 'unreachable':
      return { verdict: 'filtered', diverted: false };
    default:
      return { verdict: 'error', diverted: false };
  }
}

export type CellOutcome = 'agree' | 'unknown' | 'disagree' | 'n/a' | 'error';

export interface CellComparison {
  cell: ReachCell;
  kernel: KernelVerdict | 'n/a' | 'error';
  outcome: CellOutcome;
  attempts: AttemptOutcome[];
}

export function compareCell(cell: ReachCell, attempts: Attempt[], results: Map<string, ProbeResult>, foreign: ReadonlySet<string> = new Set()): CellComparison {
  const outcomes: AttemptOutcome[] = attempts.map((attempt) => {
    const result = results.get(attempt.key);
    if (!result) throw new Error(`attempt ${attempt.key} was never probed`);
    return { attempt, result, ...classify(result, cell.listener.address, cell.listener.port) };
  });
  let kernel: CellComparison['kernel'] = 'n/a';
  for (const o of outcomes) {
    if (o.verdict === 'error') {
      kernel = 'error';
      break;
    }
    // Another port or address counts only when it reached this very listener (its banner).
    if (o.attempt.other && !(o.result.state === 'open' && o.result.banner === listenerBanner(cell.listener.address, cell.listener.port))) continue;
    if (kernel === 'n/a' || RANK[o.verdict] > RANK[kernel as KernelVerdict]) kernel = o.verdict;
  }
  let outcome: CellOutcome;
  if (kernel === 'error') outcome = 'error';
  else if (cell.verdict === 'unknown') outcome = 'unknown';
  // The model's most open source is an address another machine holds (a container stand-in's
  // routed DNAT target, a real container), so no client could send from it: what the other sources
  // found can only prove the model too closed.
  else if (foreign.has(canonical(cell.zone.source))) outcome = kernel !== 'n/a' && RANK[kernel] > RANK[cell.verdict as KernelVerdict] ? 'disagree' : 'n/a';
  // No attempt possible (the zone has no address of the socket's family): only an "open" claim is wrong.
  else if (kernel === 'n/a') outcome = cell.verdict === 'open' ? 'disagree' : 'n/a';
  else outcome = cell.verdict === kernel ? 'agree' : 'disagree';
  return { cell, kernel, outcome, attempts: outcomes };
}

export interface Figures {
  rulesets: number;
  cases: number;
  agree: number;
  unknown: number;
  disagree: number;
  /** Cells with no possible attempt (a zone without an address of the socket's family). */
  na: number;
  /** Cells whose probe failed in the lab itself (never expected). */
  errors: number;
  /** Attempts answered by another host listener after a DNAT/REDIRECT (counted as closed for the cell). */
  diverted: number;
  /** Disagreements that went away when re-probed with a long timeout (lab noise, not counted). */
  reprobed: number;
  /**
   * Disagreements that stayed through the patient re-probe and went away once the same ruleset was
   * loaded again into an emptied lab (state left by earlier rulesets, not the model; each is printed).
   */
  reloaded: number;
  /** Rulesets that did not load into the kernel (corpus: not loadable here). */
  skipped: number;
  /** Cells the model found open only through a translation from another port or address (destinationPort). */
  translated: number;
}

export function emptyFigures(): Figures {
  return { rulesets: 0, cases: 0, agree: 0, unknown: 0, disagree: 0, na: 0, errors: 0, diverted: 0, reprobed: 0, reloaded: 0, skipped: 0, translated: 0 };
}

export function addComparison(f: Figures, c: CellComparison): void {
  switch (c.outcome) {
    case 'agree':
      f.agree++;
      f.cases++;
      break;
    case 'unknown':
      f.unknown++;
      f.cases++;
      break;
    case 'disagree':
      f.disagree++;
      f.cases++;
      break;
    case 'n/a':
      f.na++;
      break;
    case 'error':
      f.errors++;
      break;
  }
  f.diverted += c.attempts.filter((a) => a.diverted && !a.attempt.other).length;
  if (c.cell.destinationPort !== undefined && c.cell.verdict === 'open') f.translated++;
}

/**
 * Probe a matrix, re-probe disagreeing cells with a long timeout, and compare every cell. With
 * `reload` (which loads the same ruleset again into an emptied lab), cells that still disagree are
 * probed once more after it: the model answers for a fresh client on a fresh host, and a lab that has
 * run hundreds of rulesets carries state none of them wrote.
 */
export async function checkMatrix(
  lab: ReachLab,
  matrix: Pick<ReachMatrix, 'zones' | 'cells'>,
  sockets: SocketTruth,
  figures: Figures,
  otherPorts: readonly number[] = [],
  reload?: () => Promise<void>,
): Promise<CellComparison[]> {
  const plan = lab.plan(matrix, sockets, otherPorts);
  const results = await lab.probe([...plan.values()].flat());
  let comparisons = [...plan].map(([cell, attempts]) => compareCell(cell, attempts, results, lab.unprobedSources));
  const doubtful = (c: CellComparison) => c.outcome === 'disagree' || c.outcome === 'error';
  // A dropped SYN and a slow answer look alike at 400 ms: ask again, patiently, before blaming the model.
  const askAgain = async (why: string, counted: 'reprobed' | 'reloaded', always: boolean) => {
    const again = await lab.probe(
      comparisons.filter(doubtful).flatMap((c) => plan.get(c.cell)!),
      2_000,
    );
    comparisons = comparisons.map((c) => {
      if (!doubtful(c)) return c;
      const redone = compareCell(c.cell, plan.get(c.cell)!, again, lab.unprobedSources);
      if (redone.outcome !== c.outcome) {
        figures[counted]++;
        if (always || process.env.CLAWMOAT_REACH_VERBOSE) console.log(`${why} (${c.kernel} → ${redone.kernel}):\n${describeComparison(c)}`);
      }
      return redone;
    });
  };
  if (comparisons.some(doubtful)) await askAgain('re-probed', 'reprobed', false);
  if (reload && comparisons.some(doubtful)) {
    await reload();
    await askAgain('re-probed after reloading the ruleset into an emptied lab', 'reloaded', true);
  }
  for (const c of comparisons) addComparison(figures, c);
  return comparisons;
}

export function describeComparison(c: CellComparison): string {
  const l = c.cell.listener;
  const lines = [
    `listener ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}/${l.protocol}${l.process ? ` (${l.process})` : ''} from zone ${c.cell.zone.name} (${c.cell.zone.kind}, ${c.cell.zone.interface})`,
    `  model:  ${c.cell.verdict} via ${c.cell.destination || '-'}${c.cell.destinationPort !== undefined ? ` port ${c.cell.destinationPort}` : ''} from ${c.cell.zone.source || '-'}: ${c.cell.reason}`,
    ...c.cell.path.map(
      (s) =>
        `          ${s.hook}${s.table ? ` ${s.table}` : ''}${s.chain ? ` ${s.chain}` : ''}${s.rule !== undefined ? ` #${s.rule}` : ''}: ${s.text}${s.action ? ` [${s.action}]` : ''}`,
    ),
    `  kernel: ${c.kernel}`,
    ...c.attempts
      .filter((a) => !a.attempt.other || a.result.state === 'open')
      .map(
        (a) =>
          `          ${a.attempt.source} -> ${a.attempt.target}:${a.attempt.port}: ${a.result.state}${a.result.code ? ` ${a.result.code}` : ''}${a.result.banner ? ` "${a.result.banner}"` : ''} (${a.result.ms} ms) => ${a.verdict}${a.diverted ? ' (another listener)' : ''}`,
      ),
  ];
  return lines.join('\n');
}

/** One line: the cell and both outcomes. */
export function summarizeComparison(c: CellComparison): string {
  const l = c.cell.listener;
  const attempts = c.attempts.map((a) => `${a.attempt.target}:${a.result.state}`).join(' ');
  return `listener ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port} zone ${c.cell.zone.name}: model ${c.cell.verdict} (via ${c.cell.destination || '-'} from ${c.cell.zone.source || '-'}: ${c.cell.reason}); kernel ${c.kernel} (${attempts})`;
}

export function figuresTable(rows: [string, Figures][]): string {
  const header = ['source', 'rulesets', 'cases (cells)', 'agree', 'unknown', 'disagree', 'n/a', 'skipped rulesets'];
  const body = rows.map(([name, f]) => [name, f.rulesets, f.cases, f.agree, f.unknown, f.disagree, f.na, f.skipped].map(String));
  const total = emptyFigures();
  for (const [, f] of rows) for (const k of Object.keys(total) as (keyof Figures)[]) total[k] += f[k];
  body.push(['total', total.rulesets, total.cases, total.agree, total.unknown, total.disagree, total.na, total.skipped].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}
