import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { ufwPortCovers } from '../../model/ufw.js';
import type { AnalysisContext } from '../../model/context.js';
import { compose, tcpListener, withIptables, withSockets, withSshd, withUfw } from '../../snapshot/fixture.js';

/** Every port sshd serves: its effective config (default 22) plus the sockets sshd holds. */
export function sshPorts(ctx: AnalysisContext): { ports: number[]; source: string } {
  const ports = new Set<number>();
  const sources: string[] = [];
  const sshd = ctx.snapshot.sshd;
  if (sshd.status === 'ok' && sshd.data.effective.status === 'ok') {
    for (const p of sshd.data.effective.data.port ?? []) if (Number(p) > 0) ports.add(Number(p));
    if (ports.size > 0) sources.push(sshd.data.source === 'config-files' ? 'sshd_config' : 'sshd -T');
    else {
      ports.add(22);
      sources.push('sshd_config sets no Port: the default 22');
    }
  }
  const sockets = ctx.snapshot.sockets.status === 'ok' ? ctx.snapshot.sockets.data : [];
  for (const s of sockets) {
    if (s.protocol === 'tcp' && s.process === 'sshd' && !ports.has(s.port)) {
      ports.add(s.port);
      if (!sources.includes('sshd sockets')) sources.push('sshd sockets');
    }
  }
  if (ports.size === 0) {
    ports.add(22);
    sources.push('the default port (sshd config not readable)');
  }
  return { ports: [...ports].sort((a, b) => a - b), source: sources.join(' and ') };
}

const DENY = new Set(['DROP', 'REJECT', 'deny', 'reject']);

export const firewallUfwSshNotAllowed: Check = {
  meta: {
    id: 'firewall.ufw.ssh_not_allowed',
    title: 'UFW allows SSH before it denies incoming',
    severity: 'critical',
    guide: GUIDE.firewall,
    docs:
      "The guide's first UFW step is `ufw allow ssh`: enabling UFW with `default deny incoming` and no SSH rule cuts " +
      'the SSH session and locks the owner out of a remote host. Fails when UFW is installed with a deny/reject ' +
      'incoming default and no allow/limit rule covers every port sshd listens on (from `sshd -T` and its sockets). ' +
      'Critical when UFW is enabled; warn when it is not yet (the lockout happens at `ufw enable`).',
    fixable: true,
  },
  evaluate(ctx) {
    const { ufw } = ctx;
    if (!ufw) return { result: 'skipped', reason: 'ufw is not installed' };
    const policy = ufw.defaults.input ?? 'DROP';
    if (!DENY.has(policy)) return { result: 'pass', reason: `UFW's default incoming policy is ${policy}, so enabling it cannot cut SSH` };
    const { ports, source } = sshPorts(ctx);
    const allows = (port: number) =>
      ufw.rules.some((r) => !r.route && r.direction === 'in' && (r.action === 'allow' || r.action === 'limit') && (r.protocol === 'tcp' || r.protocol === 'any') && ufwPortCovers(r.dport, port));
    const missing = ports.filter((p) => !allows(p));
    if (missing.length === 0) return { result: 'pass', reason: `UFW allows SSH on ${ports.join(', ')} (${source})` };
    const enabled = ufw.active === true || ufw.enabledInConfig;
    return {
      result: 'fail',
      findings: [
        {
          status: 'fail',
          severity: enabled ? 'critical' : 'warn',
          message: enabled
            ? `UFW is enabled with default ${policy.toLowerCase()} incoming and no rule admits SSH on ${missing.join(', ')}: SSH is cut off (at the latest, after the next reload or reboot).`
            : `UFW has no rule admitting SSH on ${missing.join(', ')}; \`ufw enable\` would lock you out.`,
          evidence: [
            { kind: 'service', text: `sshd listens on ${ports.join(', ')} (${source})` },
            // At the line it was set on (unknown in older snapshots); not set at all, ufw drops.
            ufw.defaults.input === undefined
              ? { kind: 'file', text: 'DEFAULT_INPUT_POLICY is not set in /etc/default/ufw (ufw then drops)' }
              : {
                  kind: 'file',
                  text: `DEFAULT_INPUT_POLICY="${policy}" in /etc/default/ufw`,
                  ...(ufw.defaultLines.input !== undefined ? { location: { file: '/etc/default/ufw', line: ufw.defaultLines.input } } : {}),
                },
            { kind: 'file', text: `no allow/limit rule for tcp ${missing.join(', ')} among ${ufw.rules.length} rule(s) in /etc/ufw/user.rules` },
          ],
          remediation: { summary: 'Allow SSH before anything else.', steps: missing.map((p) => `sudo ufw allow ${p}/tcp`), automatic: true },
        },
      ],
    };
  },
  cases: {
    valid: [
      { name: 'UFW not installed', snapshot: (s) => s, result: 'skipped' },
      { name: 'allow 22/tcp', snapshot: withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n'), result: 'pass' },
      { name: 'limit ssh', snapshot: withUfw(true, '### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=726174652d6c696d6974656420737368\n'), result: 'pass' },
      { name: 'OpenSSH app profile', snapshot: withUfw(false, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n'), result: 'pass' },
      { name: 'default allow incoming', snapshot: withUfw(true, '', { input: 'ACCEPT', output: 'ACCEPT', forward: 'DROP' }), result: 'pass' },
      { name: 'ssh on 2222 allowed', snapshot: compose(withSshd({ port: ['2222'] }), withUfw(true, '### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n')), result: 'pass' },
    ],
    invalid: [
      { name: 'enabled with no rules', snapshot: compose(withUfw(true, ''), withIptables('*filter\n:ufw-user-input - [0:0]\nCOMMIT\n')), result: 'fail', evidenceIncludes: ['DEFAULT_INPUT_POLICY="DROP"'] },
      { name: 'not yet enabled, no ssh rule', snapshot: withUfw(false, '### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n'), result: 'fail', evidenceIncludes: ['tcp 22'] },
      { name: 'sshd moved to 2222, rule still for 22', snapshot: compose(withSshd({ port: ['2222'] }), withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n')), result: 'fail', evidenceIncludes: ['2222'] },
      { name: 'sshd socket on an extra port', snapshot: compose(withSockets(tcpListener('0.0.0.0', 2200, 77, 'sshd')), withSshd({ port: ['22'] }), withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n')), result: 'fail', evidenceIncludes: ['2200'] },
    ],
  },
};
