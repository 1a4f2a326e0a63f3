// The network lab of bench/reach.mjs: a host namespace H and one client namespace per zone,
// wired with veth pairs, and real listeners in H. Everything is created here and removed
// here: namespaces are named cmbench-<role>-<random> and deleted on exit (also on Ctrl-C),
// and the only process started (the listeners) is killed by its PID.
//
//   inet  eth0 198.51.100.20 (+ the model's internet client address) ── H eth0 198.51.100.10/24 (default route)
//   lan   eth0 <the model's LAN client address>/24                     ── H eth1 192.168.1.10/24
//   ts    eth0 <the model's tailnet client address>/10                 ── H tailscale0 100.101.102.103/10
//
// Client addresses are the ones clawmoat's zones send from (read from `reach --json`), so the
// active scan asks exactly the question the matrix answers.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HOST, LISTENERS } from './rulesets.mjs';

const created = [];
let listenerPid;
let hooked = false;

function cleanupSync() {
  if (listenerPid !== undefined) {
    try {
      process.kill(listenerPid, 'SIGKILL');
    } catch {
      // already gone
    }
    listenerPid = undefined;
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

const LISTENER_SCRIPT = `
const net = require('node:net');
const specs = JSON.parse(process.argv[1]);
let up = 0;
for (const s of specs) {
  const server = net.createServer((c) => { c.on('error', () => {}); c.end(); });
  server.on('error', (e) => { console.error(s.host + ':' + s.port + ' ' + e.message); process.exit(1); });
  server.listen({ host: s.host, port: s.port, ipv6Only: false, backlog: 4096 }, () => { if (++up === specs.length) console.log('ready'); });
}
`;

/** The lab: H with its three links and listeners; clients get their addresses in setClients(). */
export async function createLab() {
  const h = netns('h');
  const clients = { eth0: netns('inet'), eth1: netns('lan'), tailscale0: netns('ts') };
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

  const child = spawn('ip', ['netns', 'exec', h, process.execPath, '-e', LISTENER_SCRIPT, JSON.stringify(LISTENERS.map(({ host, port }) => ({ host, port })))], { stdio: ['ignore', 'pipe', 'pipe'] });
  // `ip netns exec` execs node: this PID is the listener process itself.
  listenerPid = child.pid;
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
