import { frameOutput } from '../../../src/collect/script/frame.js';

/** Outputs of the collection script, written record by record: what it prints on a host. */

/** A whole output: the format line, the headers, the bytes, the end line. */
export function output(records: [op: string, status: string, id: string, data: string | Buffer][]): Buffer {
  return frameOutput(records.map(([op, status, id, data]) => ({ op, status, id, data })));
}

/** A recording of a small host: what the script prints there, record by record. */
export function hostRecording(
  extra: [string, string, string, string | Buffer][] = [],
  options: { gatewayEnv?: string[]; docker?: [string, string, string, string][]; config?: string } = {},
): Buffer {
  // As grep -H -z prints them: "PID/cmdline:ARG\0" per argument.
  const argv = (pid: number, args: string[]) => args.map((a) => `${pid}/cmdline:${a}\0`).join('');
  const cmdlines = argv(1, ['/sbin/init']) + argv(200, ['/usr/sbin/sshd', '-D']) + argv(4242, ['openclaw-gateway', '--port', '18789']);
  const token = 'f'.repeat(48);
  return output([
    ['fact', 'ok', 'pid', '999'],
    ['fact', 'ok', 'uid', '0'],
    ['fact', 'ok', 'hostname', 'vps1'],
    ['fact', 'ok', 'kernel', '6.1.0-test'],
    ['fact', 'ok', 'platform', 'linux'],
    ['fact', 'ok', 'cwd', '/root'],
    ['link', 'ok', '/proc/self/ns/net', 'net:[4026531840]'],
    ['env', 'ok', 'HOME', '/root'],
    ['which', 'ok', 'ufw', '/usr/sbin/ufw'],
    ['which', 'ok', 'sshd', '/usr/sbin/sshd'],
    ['which', 'missing', 'tailscale', ''],
    ['read', 'ok', '/etc/ufw/ufw.conf', 'ENABLED=yes\n'],
    ['read', 'ok', '/etc/default/ufw', 'DEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="DROP"\n'],
    ['read', 'denied', '/etc/ufw/user.rules', '/etc/ufw/user.rules is not readable (permission denied)'],
    ['read', 'ok', '/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nclaw:x:1000:1000::/home/claw:/bin/sh\n'],
    ['run', '0', 'ss -H -l -n -t -u -p', 'tcp LISTEN 0 4096 0.0.0.0:18789 0.0.0.0:* users:(("node",pid=4242,fd=20))\n'],
    ['stderr', '0', 'ss -H -l -n -t -u -p', ''],
    ['run', 'absent', 'ipset save', ''],
    ['run', 'timeout', 'iptables-save', ''],
    ['stderr', 'timeout', 'iptables-save', ''],
    ['run', '1', 'nft -j list ruleset', ''],
    ['stderr', '1', 'nft -j list ruleset', 'Operation not permitted (you must be root)\n'],
    ['argv', 'ok', '/proc', cmdlines],
    ['link', 'ok', '/proc/200/ns/net', 'net:[4026531840]'],
    ['link', 'ok', '/proc/4242/ns/net', 'net:[4026531840]'],
    [
      'raw',
      'ok',
      '/proc/4242/environ',
      ['HOME=/home/claw', `OPENCLAW_GATEWAY_TOKEN=${token}`, 'PATH=/usr/bin', ...(options.gatewayEnv ?? [])].map((e) => `${e}\0`).join(''),
    ],
    ['read', 'ok', '/proc/4242/status', 'Name:\tnode\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n'],
    ['link', 'ok', '/proc/4242/cwd', '/home/claw'],
    ['stat', 'ok', '/home/claw/.openclaw', 'directory'],
    ['stat', 'ok', '/home/claw/.openclaw/openclaw.json', 'file'],
    ['read', 'ok', '/home/claw/.openclaw/openclaw.json', options.config ?? `{ gateway: { bind: "lan", auth: { token: "${token}" } } }\n`],
    // Who may read it (/, /home, /home/claw, .openclaw, the file): the gateway's config is read only as its owner could.
    [
      'owners',
      'ok',
      '/home/claw/.openclaw/openclaw.json',
      '/home/claw/.openclaw/openclaw.json\n0 0 41ed\n0 0 41ed\n1000 1000 41ed\n1000 1000 41c0\n1000 1000 8180',
    ],
    ['run', '0', 'sshd -T', 'port 22\npasswordauthentication no\npermitrootlogin prohibit-password\n'],
    ['stderr', '0', 'sshd -T', ''],
    // Docker's API as the script records it (the daemon is down unless a test says otherwise).
    ...(options.docker ?? [['docker', 'down', '/version', '']]),
    ...extra,
  ]);
}
