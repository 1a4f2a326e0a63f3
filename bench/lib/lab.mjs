// The network lab of bench/reach.mjs and bench/probe.mjs: a host namespace H and one client
// namespace per zone, wired with veth pairs, and real listeners in H. Everything is created here
// and removed here: namespaces are named cmbench-<role>-<random> and deleted on exit (also on
// Ctrl-C); the processes started (the listeners, and whatever a bench hands to track(), such as
// an OpenClaw gateway) are killed by their PIDs, with their descendants, before that.
//
//   inet  eth0 198.51.100.20 (+ the model's internet client address) ── H eth0 198.51.100.10/24 (default route)
//   lan   eth0 <the model's LAN client address>/24                     ── H eth1 192.168.1.10/24
//   ts    eth0 <the model's tailnet client address>/10                 ── H tailscale0 100.101.102.103/10
//
// Client addresses are the ones clawmoat's zones send from (read from `reach --json`), so the
// active scan asks exactly the question the matrix answers. createLab({ interfaces, listeners })
// builds a smaller lab (say, only eth0 and eth1) or other listeners; the defaults are reach's.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { HOST, LISTENERS } from './rulesets.mjs';

const created = [];
/** Processes this lab started (PID and /proc start time, so a recycled PID is never hit). */
const tracked = [];
/** Synchronous clean-ups a bench registered (temporary files…), run after the processes die. */
const cleanups = [];
let hooked = false;

function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The process and its descendants, children first (from /proc). */
function treeOf(root) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (pid) => {
    for (const c of children.get(pid) ?? []) walk(c);
    out.push(pid);
  };
  walk(root);
  return out;
}

/** Kill one process this lab started, and everything below it, by PID. */
export function killTracked(pid) {
  const i = tracked.findIndex((t) => t.pid === pid);
  if (i < 0) return;
  const [{ startTime }] = tracked.splice(i, 1);
  if (startTimeOf(pid) !== startTime) return;
  for (const p of treeOf(pid)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Have the lab kill this process (and its descendants) when it is torn down. */
export function track(pid) {
  hook();
  tracked.push({ pid, startTime: startTimeOf(pid) });
}

/** Have the lab run this (synchronously) when it is torn down, after the processes are gone. */
export function onCleanup(fn) {
  hook();
  cleanups.push(fn);
}

function cleanupSync() {
  while (tracked.length > 0) killTracked(tracked[tracked.length - 1].pid);
  while (cleanups.length > 0) {
    try {
      cleanups.pop()();
    } catch {
      // best effort
    }
  }
  while (created.length > 0) {
    const name = created.pop();
    try {
      execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

function hook() {
  if (hooked) return;
  hooked = true;
  process.once('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      cleanupSync();
      process.exit(130);
    });
  }
}

export function sh(cmd, args, options = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 512 * 1024 * 1024, ...options });
  } catch (error) {
    throw new Error(`\`${[cmd, ...args].join(' ')}\` failed: ${(error.stderr || error.message || '').toString().trim().slice(0, 2000)}`);
  }
}

function netns(role) {
  hook();
  const name = `cmbench-${role}-${randomBytes(3).toString('hex')}`;
  created.push(name);
  sh('ip', ['netns', 'add', name]);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

// Each listener accepts and, by its `reply`: closes at once ('close', the default); answers
// every HTTP request with a small page ('http', as a web server does); or sends an SSH banner
// and closes on the first line it gets back ('banner', as sshd does with a client that is not SSH).
const LISTENER_SCRIPT = `
const net = require('node:net');
const http = require('node:http');
const specs = JSON.parse(process.argv[1]);
let up = 0;
const handlers = {
  close: (c) => { c.on('error', () => {}); c.end(); },
  banner: (c) => {
    c.on('error', () => {});
    c.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\\r\\n');
    c.once('data', () => c.end('Invalid SSH identification string.\\r\\n'));
  },
};
for (const s of specs) {
  const server = s.reply === 'http'
    ? http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>It works</title>'); })
    : net.createServer(handlers[s.reply ?? 'close']);
  server.on('error', (e) => { console.error(s.host + ':' + s.port + ' ' + e.message); process.exit(1); });
  server.listen({ host: s.host, port: s.port, ipv6Only: false, backlog: 4096 }, () => { if (++up === specs.length) console.log('ready'); });
}
`;

const ROLE = { eth0: 'inet', eth1: 'lan', tailscale0: 'ts' };

/**
 * The lab: H with its links (by default all three) and listeners (by default reach's
 * LISTENERS; each { host, port, reply? }); clients get their addresses in setClients().
 */
export async function createLab({ interfaces = ['eth0', 'eth1', 'tailscale0'], listeners = LISTENERS } = {}) {
  const h = netns('h');
  const clients = Object.fromEntries(interfaces.map((iface) => [iface, netns(ROLE[iface])]));
  const prefix = { eth0: 24, eth1: 24, tailscale0: 10 };
  for (const [iface, client] of Object.entries(clients)) {
    sh('ip', ['link', 'add', iface, 'netns', h, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client]);
    sh('ip', ['-n', h, 'addr', 'add', `${HOST[iface]}/${prefix[iface]}`, 'dev', iface]);
    sh('ip', ['-n', h, 'link', 'set', iface, 'up']);
    sh('ip', ['-n', client, 'link', 'set', 'eth0', 'up']);
  }
  sh('ip', ['-n', clients.eth0, 'addr', 'add', '198.51.100.20/24', 'dev', 'eth0']);
  sh('ip', ['-n', h, 'route', 'add', 'default', 'via', '198.51.100.20']);
  // A Kubernetes node forwards (Docker and kube-proxy turn this on).
  sh('ip', ['netns', 'exec', h, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);

  const child = spawn(
    'ip',
    ['netns', 'exec', h, process.execPath, '-e', LISTENER_SCRIPT, JSON.stringify(listeners.map(({ host, port, reply }) => ({ host, port, reply })))],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // `ip netns exec` execs node: this PID is the listener process itself.
  track(child.pid);
  await new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`listeners exited with ${code}: ${err}`)));
  });
  child.stdout.resume();

  return {
    h,
    clients,
    /** Give each zone's client the address clawmoat's zone sends from; route everything via H. */
    setClients(zones) {
      for (const zone of zones) {
        const client = clients[zone.interface];
        const src = zone.source?.[4];
        if (!client || !src) continue;
        if (zone.interface === 'eth0') {
          // The internet client is not on H's subnet: an extra address, preferred by the route.
          if (src !== '198.51.100.20') sh('ip', ['-n', client, 'addr', 'add', `${src}/32`, 'dev', 'eth0']);
          sh('ip', ['-n', client, 'route', 'replace', 'default', 'via', HOST.eth0, 'src', src]);
        } else {
          sh('ip', ['-n', client, 'addr', 'add', `${src}/${prefix[zone.interface]}`, 'dev', 'eth0']);
          sh('ip', ['-n', client, 'route', 'replace', 'default', 'via', HOST[zone.interface]]);
        }
      }
    },
    /** Replace H's ruleset (iptables-nft, as on Debian 12). */
    loadIptables(v4, v6) {
      sh('ip', ['netns', 'exec', h, 'iptables-restore'], { input: v4 });
      sh('ip', ['netns', 'exec', h, 'ip6tables-restore'], { input: v6 });
    },
    destroy: cleanupSync,
  };
}

/** A throwaway namespace to turn an `nft -f` ruleset into what `nft -j list ruleset` prints. */
export function nftJsonOf(text) {
  const ns = netns('nft');
  try {
    sh('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: text });
    return JSON.parse(sh('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset']));
  } finally {
    sh('ip', ['netns', 'delete', ns]);
    created.splice(created.indexOf(ns), 1);
  }
}
