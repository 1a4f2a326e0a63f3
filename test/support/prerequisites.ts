import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { findBinary } from './binaries.js';
import { openclawInstalled, OPENCLAW_PREFIX } from '../system/lab/openclaw.js';

/**
 * What the system tests need from the machine, capability by capability. A suite names
 * the capabilities it needs in its title and is skipped, with the reason recorded in its
 * meta for the skip-summary reporter, when any is missing.
 */

export type Capability =
  | 'root'
  | 'netns'
  | 'netfilter'
  | 'ipset'
  | 'conntrack'
  | 'ufw'
  | 'sshd'
  | 'docker'
  | 'openclaw'
  | 'busybox'
  | 'patch'
  | 'pty'
  | 'hostile-user'
  | 'socat'
  | 'nginx'
  | 'caddy'
  | 'haproxy'
  | 'apache'
  | 'promtool'
  | 'node-exporter'
  | 'ansible'
  | 'systemd'
  | 'sudo'
  | 'curl';

export interface CapabilityStatus {
  ok: boolean;
  /** What is missing, in words a user can act on ("ufw (apt-get install ufw)"). */
  missing: string[];
}

/**
 * Binaries and the Debian package that ships them: every program a system test or the lab
 * (test/system/lab) spawns, and every one clawmoat itself runs in those tests. .ci/run installs
 * each package named here; a package that is Essential on Debian (coreutils, util-linux,
 * bsdutils, mount) is named all the same, so a trimmed image says what it lacks.
 */
const BINARIES: Record<Exclude<Capability, 'root' | 'openclaw'>, [string, string][]> = {
  netns: [
    ['ip', 'iproute2'],
    ['ss', 'iproute2'],
    ['nsenter', 'util-linux'],
    ['unshare', 'util-linux'],
    ['mount', 'mount'],
    ['umount', 'mount'],
    ['sysctl', 'procps'],
    ['sh', 'dash'],
    ['bash', 'bash'],
  ],
  netfilter: [
    ['iptables', 'iptables'],
    ['iptables-save', 'iptables'],
    ['ip6tables-save', 'iptables'],
    ['iptables-restore', 'iptables'],
    ['ip6tables-restore', 'iptables'],
    ['iptables-legacy', 'iptables'],
    ['nft', 'nftables'],
  ],
  // The kernel reach test loads rulesets that match on ipsets (Docker 28's corpus, random rulesets).
  ipset: [['ipset', 'ipset']],
  // The kernel reach lab empties its host's connection table before each ruleset (see ReachLab.load).
  conntrack: [['conntrack', 'conntrack']],
  // The doctor test applies the diff doctor prints, as a user would.
  patch: [['patch', 'patch']],
  // A pseudo-terminal with a chosen width: `script` (bsdutils, Essential on Debian) and `stty`.
  pty: [
    ['script', 'bsdutils'],
    ['stty', 'coreutils'],
  ],
  // A bare uid as the attacker (setpriv), and a peak-memory measure of what it makes root read (GNU time).
  'hostile-user': [
    ['setpriv', 'util-linux'],
    ['time', 'time'],
    ['mkfifo', 'coreutils'],
  ],
  ufw: [['ufw', 'ufw']],
  // Doors: the reverse proxies and forwarders test/system/doors.test.ts runs for real.
  socat: [['socat', 'socat']],
  nginx: [['nginx', 'nginx-light']],
  caddy: [['caddy', 'caddy']],
  haproxy: [['haproxy', 'haproxy']],
  apache: [['apache2', 'apache2']],
  busybox: [['busybox', 'busybox']],
  // The collection script reads the Docker Engine API through curl.
  curl: [['curl', 'curl']],
  // `collect --via --sudo` against a lab login that sudo asks a password of.
  sudo: [['sudo', 'sudo']],
  // The Prometheus output and the shipped alert rules, checked by Prometheus's own tools.
  promtool: [['promtool', 'prometheus']],
  'node-exporter': [['prometheus-node-exporter', 'prometheus-node-exporter']],
  // The shipped playbook (ansible/audit.yml), run for real against lab hosts; become is sudo there.
  ansible: [
    ['ansible-playbook', 'ansible-core'],
    ['sudo', 'sudo'],
  ],
  // deploy/systemd's units, checked by systemd's own verifier (no running systemd needed).
  systemd: [['systemd-analyze', 'systemd']],
  sshd: [
    ['sshd', 'openssh-server'],
    ['ssh', 'openssh-client'],
    ['ssh-keygen', 'openssh-client'],
  ],
  docker: [
    ['dockerd', 'docker.io'],
    ['docker', 'docker.io'],
    ['containerd', 'containerd'],
    ['runc', 'runc'],
    ['busybox', 'busybox-static'],
    ['tar', 'tar'],
  ],
};

/** Does this ELF file need a dynamic loader? A dynamic busybox cannot run alone in a container. */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.toString('latin1', 0, 4) !== '\x7fELF' || header[4] !== 2) return false;
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function detect(capability: Capability): CapabilityStatus {
  const missing: string[] = [];
  switch (capability) {
    case 'root':
      if (!isRoot()) missing.push('root');
      break;
    case 'openclaw':
      if (openclawInstalled()) break;
      if (process.env.CLAWMOAT_OPENCLAW_INSTALL === '0')
        missing.push(`OpenClaw in ${OPENCLAW_PREFIX} (not installed, and CLAWMOAT_OPENCLAW_INSTALL=0 forbids installing it)`);
      else if (!findBinary('npm')) missing.push('npm (to install OpenClaw into .cache/openclaw)');
      else if (!findBinary('flock')) missing.push('flock (util-linux)');
      break;
    default:
      for (const [name, pkg] of BINARIES[capability]) if (!findBinary(name)) missing.push(`${name} (${pkg})`);
      if (capability === 'ufw' && !existsSync('/etc/ufw')) missing.push('/etc/ufw (ufw)');
      if (capability === 'sshd' && !existsSync('/etc/ssh/sshd_config')) missing.push('/etc/ssh/sshd_config (openssh-server)');
      if (capability === 'docker' && missing.length === 0 && !isStaticElf(findBinary('busybox')!)) missing.push('a static busybox (busybox-static)');
      // nginx-light has no stream module: the doors test loads it for its `stream {}` door.
      if (capability === 'nginx' && !existsSync('/usr/lib/nginx/modules/ngx_stream_module.so')) missing.push('the nginx stream module (libnginx-mod-stream)');
      // Root without CAP_SYS_ADMIN (an unprivileged container) cannot make namespaces.
      if (capability === 'netns' && missing.length === 0 && isRoot()) {
        const probe = spawnSync(findBinary('unshare')!, ['--net', '--mount', 'true'], { stdio: 'ignore', timeout: 5_000 });
        if (probe.status !== 0) missing.push('permission to create network and mount namespaces (CAP_SYS_ADMIN)');
      }
  }
  return { ok: missing.length === 0, missing };
}

const detected = new Map<Capability, CapabilityStatus>();

export function capability(name: Capability): CapabilityStatus {
  let status = detected.get(name);
  if (!status) {
    status = detect(name);
    detected.set(name, status);
  }
  return status;
}

export interface Requirement {
  /** The suite title, with the capabilities it needs: "ufw system tests [root, netns, ufw]". */
  name: string;
  skip: boolean;
  /** Why it is skipped ("needs root; missing: ufw (ufw)"), or undefined. */
  reason: string | undefined;
  /** Suite options carrying the reason to the reporter. */
  options: { meta: { systemSkip?: string } };
}

/**
 * `describe.skipIf(req.skip)(req.name, req.options, () => …)`: the suite runs when the
 * machine has every capability, and otherwise is skipped with the reason recorded.
 */
export function requires(title: string, capabilities: Capability[]): Requirement {
  const missing = capabilities.flatMap((c) => capability(c).missing);
  let reason: string | undefined;
  if (missing.length > 0) {
    const needsRoot = missing.includes('root');
    const rest = missing.filter((m) => m !== 'root');
    reason = [needsRoot ? 'needs root' : '', rest.length > 0 ? `missing: ${rest.join(', ')}` : ''].filter(Boolean).join('; ');
  }
  return {
    name: `${title} [${capabilities.join(', ')}]`,
    skip: reason !== undefined,
    reason,
    options: { meta: reason === undefined ? {} : { systemSkip: reason } },
  };
}

declare module '@vitest/runner' {
  interface TaskMeta {
    /** Set on a system-test suite skipped for a missing prerequisite: why. */
    systemSkip?: string;
  }
}
