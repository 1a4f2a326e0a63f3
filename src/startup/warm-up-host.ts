import type { Snapshot } from '../snapshot/types.js';

/**
 * A made-up host the startup snapshot's builder audits once before the heap is saved, so the
 * functions `audit` and `reach` run are compiled into the blob (V8 keeps their bytecode): an
 * OpenClaw gateway on 0.0.0.0:18789 and sshd on 22 behind a small UFW-style iptables ruleset,
 * or the same host with an empty nftables ruleset. Nothing here comes from the machine that
 * builds the blob: whatever the warm-up reads ends up in a file every user of the blob loads.
 */
export function warmUpHost(backend: 'legacy' | 'nft'): Snapshot {
  const filter = [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':ufw-user-input - [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -m conntrack --ctstate INVALID -j DROP',
    '-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT',
    '-A INPUT -j ufw-user-input',
    '-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT',
    '-A ufw-user-input -s 192.168.1.0/24 -p tcp -m tcp --dport 18789 -j ACCEPT',
    '-A ufw-user-input -i tailscale0 -p tcp -m multiport --dports 80,443 -j ACCEPT',
    '-A ufw-user-input -p udp -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    '-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 127.0.0.1:18789',
    'COMMIT',
    '',
  ].join('\n');
  const legacy = backend === 'legacy';
  return {
    schemaVersion: 1,
    tool: { name: 'clawmoat', version: '0.0.0' },
    collectedAt: '2000-01-01T00:00:00.000Z',
    host: { hostname: 'warm-up', kernel: '6.1.0', uid: 0, platform: 'linux' },
    timings: {},
    sockets: {
      status: 'ok',
      data: [
        { protocol: 'tcp', address: '0.0.0.0', port: 18789, family: 4, pid: 4242, process: 'openclaw-gatewa' },
        { protocol: 'tcp', address: '::', port: 22, family: 6, pid: 612, process: 'sshd' },
        { protocol: 'udp', address: '127.0.0.1', port: 53, family: 4, pid: 300, process: 'resolved' },
      ],
    },
    network: {
      interfaces: {
        status: 'ok',
        data: [
          {
            name: 'lo',
            up: true,
            linkType: 'loopback',
            addresses: [
              { family: 4, address: '127.0.0.1', prefixlen: 8, scope: 'host' },
              { family: 6, address: '::1', prefixlen: 128, scope: 'host' },
            ],
          },
          { name: 'eth0', up: true, linkType: 'ether', addresses: [{ family: 4, address: '198.51.100.10', prefixlen: 24, scope: 'global' }] },
          { name: 'eth1', up: true, linkType: 'ether', addresses: [{ family: 4, address: '192.168.1.10', prefixlen: 24, scope: 'global' }] },
        ],
      },
      routes: { status: 'ok', data: [{ family: 4, dst: 'default', gateway: '198.51.100.1', dev: 'eth0' }] },
      sysctl: { status: 'ok', data: { 'net.ipv4.ip_forward': '0' } },
    },
    netfilter: {
      backend,
      iptablesSave: { status: 'ok', data: legacy ? filter : '' },
      ip6tablesSave: { status: 'ok', data: legacy ? filter.replace(/icmp -m icmp --icmp-type 8/, 'ipv6-icmp').replace(/192\.168\.1\.0\/24/, 'fd00::/8') : '' },
      nftRuleset: { status: 'ok', data: { nftables: [{ metainfo: { version: '1.0.6', json_schema_version: 1 } }] } },
      ipsetSave: { status: 'ok', data: '' },
    },
    ufw: {
      status: 'ok',
      data: {
        installed: true,
        binary: '/usr/sbin/ufw',
        files: {
          enabledInConfig: legacy,
          defaults: { input: 'DROP', output: 'ACCEPT', forward: 'DROP' },
          ruleFiles: { 'user.rules': { status: 'ok', data: '*filter\n:ufw-user-input - [0:0]\nCOMMIT\n' }, 'user6.rules': { status: 'ok', data: '' } },
          statusVerbose: { status: 'unavailable', reason: 'not-running', detail: 'not run' },
        },
      },
    },
    docker: { status: 'unavailable', reason: 'not-running', detail: 'Docker is not running' },
    compose: [],
    tailscale: { status: 'unavailable', reason: 'not-installed', detail: 'tailscale is not installed' },
    sshd: {
      status: 'ok',
      data: {
        binary: '/usr/sbin/sshd',
        source: 'sshd -T',
        effective: {
          status: 'ok',
          data: { port: ['22'], passwordauthentication: ['yes'], pubkeyauthentication: ['yes'], permitrootlogin: ['prohibit-password'] },
        },
      },
    },
    openclaw: {
      configCandidates: ['/home/u/.openclaw/openclaw.json'],
      config: {
        status: 'ok',
        data: {
          path: '/home/u/.openclaw/openclaw.json',
          resolvedBy: 'default',
          files: ['/home/u/.openclaw/openclaw.json'],
          value: { gateway: { mode: 'local', bind: 'lan', auth: { mode: 'token', token: { $redacted: true, length: 64 } } } },
          locations: { 'gateway.bind': { file: '/home/u/.openclaw/openclaw.json', line: 3, column: 3 } },
          warnings: [],
        },
      },
      processes: [{ pid: 4242, cmdline: ['openclaw-gateway'], flags: {}, env: { status: 'ok', data: {} } }],
      units: [],
      version: { status: 'unavailable', reason: 'not-found', detail: 'not installed' },
      legacyDirs: [],
    },
    doors: { status: 'ok', data: { doors: [], problems: [], read: [] } },
  };
}
