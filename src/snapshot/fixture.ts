import { SNAPSHOT_VERSION, type Door, type DoorProblem, type DockerContainer, type OpenClawProcess, type Snapshot, type Socket, type UnavailableReason } from './types.js';

/**
 * Small snapshot builders for the check case tables: a quiet baseline host (no
 * OpenClaw, nothing listening, empty firewall), and patches that add one thing.
 */

export function baselineSnapshot(): Snapshot {
  return {
    schemaVersion: SNAPSHOT_VERSION,
    tool: { name: 'clawmoat', version: '0.0.0-fixture' },
    collectedAt: '2026-01-01T00:00:00.000Z',
    host: { hostname: 'fixture', kernel: '6.1.0', uid: 0, platform: 'linux' },
    timings: {},
    sockets: { status: 'ok', data: [] },
    network: {
      interfaces: {
        status: 'ok',
        data: [
          { name: 'lo', up: true, linkType: 'loopback', addresses: [{ family: 4, address: '127.0.0.1', prefixlen: 8, scope: 'host' }, { family: 6, address: '::1', prefixlen: 128, scope: 'host' }] },
          { name: 'eth0', up: true, linkType: 'ether', addresses: [{ family: 4, address: '198.51.100.10', prefixlen: 24, scope: 'global' }] },
        ],
      },
      routes: { status: 'ok', data: [{ family: 4, dst: 'default', gateway: '198.51.100.1', dev: 'eth0' }] },
      sysctl: { status: 'ok', data: { 'net.ipv4.ip_forward': '0' } },
    },
    netfilter: {
      backend: 'nft',
      iptablesSave: { status: 'ok', data: '' },
      ip6tablesSave: { status: 'ok', data: '' },
      nftRuleset: { status: 'ok', data: { nftables: [{ metainfo: { version: '1.0.6', json_schema_version: 1 } }] } },
      ipsetSave: { status: 'ok', data: '' },
    },
    ufw: { status: 'unavailable', reason: 'not-installed', detail: 'ufw is not installed' },
    docker: { status: 'unavailable', reason: 'not-running', detail: 'Docker is not running' },
    compose: [],
    tailscale: { status: 'unavailable', reason: 'not-installed', detail: 'tailscale is not installed' },
    sshd: { status: 'unavailable', reason: 'not-installed', detail: 'sshd is not installed' },
    openclaw: {
      configCandidates: ['/home/u/.openclaw/openclaw.json'],
      config: { status: 'unavailable', reason: 'not-found', detail: 'no OpenClaw config found' },
      processes: [],
      units: [],
      version: { status: 'unavailable', reason: 'not-found', detail: 'not installed' },
      legacyDirs: [],
    },
  };
}

type Patch = (s: Snapshot) => Snapshot;

export function compose(...patches: Patch[]): Patch {
  return (s) => patches.reduce((acc, p) => p(acc), s);
}

export function withSockets(...sockets: Socket[]): Patch {
  return (s) => ({ ...s, sockets: { status: 'ok', data: [...(s.sockets.status === 'ok' ? s.sockets.data : []), ...sockets] } });
}

export function tcpListener(address: string, port: number, pid?: number, process = 'node'): Socket {
  const family = address.includes(':') ? 6 : 4;
  const socket: Socket = { protocol: 'tcp', address, port, family };
  if (address === '::') socket.v6only = false;
  if (pid !== undefined) {
    socket.pid = pid;
    socket.process = process;
  }
  return socket;
}

export function withGatewayProcess(pid: number, argv: string[], env: Record<string, string> = {}, flags: OpenClawProcess['flags'] = {}): Patch {
  return (s) => ({
    ...s,
    openclaw: { ...s.openclaw, processes: [...s.openclaw.processes, { pid, cmdline: argv, flags, env: { status: 'ok', data: env } }] },
  });
}

/** A gateway-like process whose network namespace could not be read (another user's, audited without root). */
export function withUncountedProcess(pid: number): Patch {
  return (s) => ({ ...s, openclaw: { ...s.openclaw, uncounted: [...(s.openclaw.uncounted ?? []), { pid, detail: `its network namespace (/proc/${pid}/ns/net) could not be read` }] } });
}

export function withConfig(value: Record<string, unknown>, locations: Record<string, number> = {}, path = '/home/u/.openclaw/openclaw.json'): Patch {
  const loc = Object.fromEntries(Object.entries(locations).map(([k, line]) => [k, { file: path, line, column: 3 }]));
  return (s) => ({
    ...s,
    openclaw: { ...s.openclaw, config: { status: 'ok', data: { path, resolvedBy: 'default', files: [path], value, locations: loc, warnings: [] } } },
  });
}

export function withIptables(v4: string, v6 = ''): Patch {
  return (s) => ({ ...s, netfilter: { ...s.netfilter, iptablesSave: { status: 'ok', data: v4 }, ip6tablesSave: { status: 'ok', data: v6 } } });
}

export function withUfw(enabled: boolean, userRules: string, defaults = { input: 'DROP', output: 'ACCEPT', forward: 'DROP' }): Patch {
  return (s) => ({
    ...s,
    ufw: {
      status: 'ok',
      data: {
        installed: true,
        binary: '/usr/sbin/ufw',
        files: {
          enabledInConfig: enabled,
          defaults,
          ruleFiles: { 'user.rules': { status: 'ok', data: userRules }, 'user6.rules': { status: 'ok', data: '' } },
          statusVerbose: { status: 'unavailable', reason: 'not-running', detail: 'not run' },
        },
      },
    },
  });
}

/** A UFW file the audit could not read (user.rules is 0640 on Ubuntu: a non-root audit cannot). */
export function withUnreadableUfwRules(name: string, reason: UnavailableReason = 'permission-denied', detail = `/etc/ufw/${name}: permission denied`): Patch {
  return (s) => (s.ufw.status !== 'ok' ? s : { ...s, ufw: { ...s.ufw, data: { ...s.ufw.data, files: { ...s.ufw.data.files, ruleFiles: { ...s.ufw.data.files.ruleFiles, [name]: { status: 'unavailable', reason, detail } } } } } });
}

/** The lines of /etc/default/ufw the default policies were read from. */
export function withUfwDefaultsLines(lines: { input?: number; output?: number; forward?: number }): Patch {
  return (s) => (s.ufw.status !== 'ok' ? s : { ...s, ufw: { ...s.ufw, data: { ...s.ufw.data, files: { ...s.ufw.data.files, defaultsLines: lines } } } });
}

export function withContainers(...containers: Partial<DockerContainer>[]): Patch {
  return (s) => ({
    ...s,
    docker: {
      status: 'ok',
      data: {
        endpoint: '/var/run/docker.sock',
        version: { version: '28.0.0', apiVersion: '1.48' },
        daemonConfig: { status: 'unavailable', reason: 'not-found', detail: 'no daemon.json' },
        networks: [],
        containers: containers.map((c, i) => ({
          id: `c${i}`.padEnd(64, '0'),
          name: `container${i}`,
          image: 'ghcr.io/openclaw/openclaw:latest',
          state: 'running',
          networkMode: 'openclaw-net',
          ports: [],
          networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.2' }],
          mounts: [],
          labels: {},
          command: [],
          env: [],
          ...c,
        })),
      },
    },
  });
}

export function withComposeFile(path: string, text: string, dotenv?: Record<string, string>): Patch {
  return (s) => ({ ...s, compose: [...s.compose, { path, origin: 'argument', content: { status: 'ok', data: text }, ...(dotenv ? { dotenv } : {}) }] });
}

/** Several compose files of one project, merged in order (like `docker compose -f a -f b`, or a file and its override). */
export function withComposeProject(project: string, ...files: [path: string, text: string][]): Patch {
  return (s) => ({ ...s, compose: [...s.compose, ...files.map(([path, text]) => ({ path, origin: 'cwd' as const, project, content: { status: 'ok' as const, data: text } }))] });
}

/** A compose file that was named but could not be read. */
export function withUnreadableCompose(path: string, reason: UnavailableReason, detail: string): Patch {
  return (s) => ({ ...s, compose: [...s.compose, { path, origin: 'argument', content: { status: 'unavailable', reason, detail } }] });
}

export function withSshd(effective: Record<string, string[]>): Patch {
  return (s) => ({ ...s, sshd: { status: 'ok', data: { binary: '/usr/sbin/sshd', source: 'sshd -T', effective: { status: 'ok', data: effective } } } });
}

export function withUnit(path: string, content: string, scope: 'system' | 'user' = 'user'): Patch {
  return (s) => ({ ...s, openclaw: { ...s.openclaw, units: [...s.openclaw.units, { path, scope, content }] } });
}

export function withInterface(name: string, address: string, prefixlen: number, route?: string): Patch {
  const family = address.includes(':') ? 6 : 4;
  return (s) => {
    const interfaces = s.network.interfaces.status === 'ok' ? s.network.interfaces.data : [];
    const routes = s.network.routes.status === 'ok' ? s.network.routes.data : [];
    return {
      ...s,
      network: {
        ...s.network,
        interfaces: { status: 'ok', data: [...interfaces, { name, up: true, linkType: 'ether', addresses: [{ family, address, prefixlen, scope: 'global' }] }] },
        routes: { status: 'ok', data: route ? [...routes, { family, dst: route, dev: name }] : routes },
      },
    };
  };
}

export function withSysctl(values: Record<string, string>): Patch {
  return (s) => ({ ...s, network: { ...s.network, sysctl: { status: 'ok', data: { ...(s.network.sysctl.status === 'ok' ? s.network.sysctl.data : {}), ...values } } } });
}

export function withDockerNetwork(name: string, bridgeName: string, subnet: string): Patch {
  return (s) => {
    if (s.docker.status !== 'ok') return s;
    return { ...s, docker: { ...s.docker, data: { ...s.docker.data, networks: [...s.docker.data.networks, { id: `${name}-id`, name, driver: 'bridge', internal: false, subnets: [subnet], bridgeName, options: {} }] } } };
  };
}

/** Doors (reverse proxies, forwarders, tunnels) as the collector reports them. */
export function withDoors(doors: Door[], problems: DoorProblem[] = []): Patch {
  return (s) => {
    const before = s.doors?.status === 'ok' ? s.doors.data : { doors: [], problems: [], read: [] };
    return { ...s, doors: { status: 'ok', data: { doors: [...before.doors, ...doors], problems: [...before.problems, ...problems], read: before.read } } };
  };
}

/** A socat forwarder `TCP-LISTEN:PORT,fork[,bind=ADDRESS] TCP:127.0.0.1:TARGET`, with its listening socket. */
export function withSocat(pid: number, port: number, target: number, address = '0.0.0.0'): Patch {
  const door: Door = { kind: 'socat', pid, listen: [{ address, port }], upstream: { host: '127.0.0.1', port: target }, via: `socat TCP-LISTEN:${port},fork${address === '0.0.0.0' ? '' : `,bind=${address}`} TCP:127.0.0.1:${target}`, layer: 'tcp', forwardedFor: 'none', auth: [] };
  return compose(withSockets(tcpListener(address, port, pid, 'socat')), withDoors([door]));
}
