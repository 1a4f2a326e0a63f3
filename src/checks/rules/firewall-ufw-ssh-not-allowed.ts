import type { Check, Evidence } from '../types.js';
import { unlessRead } from '../helpers.js';
import { GUIDE } from '../guide.js';
import { ufwPortCovers } from '../../model/ufw.js';
import type { AnalysisContext } from '../../model/context.js';
import { sshPorts } from '../../model/sshd.js';
import { compose, tcpListener, withIptables, withSockets, withSshd, withUfw, withUfwDefaultsLines, withUnreadableUfwRules } from '../../snapshot/fixture.js';

export { sshPorts };

/** Where the default incoming policy was read: its line in /etc/default/ufw, or that it is not set there. */
function defaultPolicyEvidence(ctx: AnalysisContext, policy: string): Evidence {
  const ufw = ctx.snapshot.ufw;
  const line = ufw.status === 'ok' ? ufw.data.files.defaultsLines?.input : undefined;
  if (line === undefined) return { kind: 'file', text: ctx.ufw?.defaults.input ? `DEFAULT_INPUT_POLICY="${policy}" in /etc/default/ufw` : `DEFAULT_INPUT_POLICY is not set in /etc/default/ufw: ufw's default, ${policy}` };
  return { kind: 'file', text: `DEFAULT_INPUT_POLICY="${policy}" in /etc/default/ufw`, location: { file: '/etc/default/ufw', line } };
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
    inputs: ['ufw', 'sshd', 'sockets'],
  },
  evaluate(ctx) {
    const { ufw } = ctx;
    if (!ufw) return { result: 'skipped', reason: 'ufw is not installed' };
    const policy = ufw.defaults.input ?? 'DROP';
    if (!DENY.has(policy)) return { result: 'pass', reason: `UFW's default incoming policy is ${policy}, so enabling it cannot cut SSH` };
    const { ports, source, text } = sshPorts(ctx);
    const allows = (port: number) =>
      ufw.rules.some((r) => !r.route && r.direction === 'in' && (r.action === 'allow' || r.action === 'limit') && (r.protocol === 'tcp' || r.protocol === 'any') && ufwPortCovers(r.dport, port));
    const missing = ports.filter((p) => !allows(p));
    if (missing.length === 0) return { result: 'pass', reason: `UFW allows SSH on ${ports.join(', ')} (${source})` };
    // "No rule admits SSH" is only a fact when every rule file was read.
    const unread = unlessRead(ctx, ['ufw'], `no rule admits SSH on ${missing.join(', ')} among the ${ufw.rules.length} rule(s) that could be read`);
    if (unread) return unread;
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
            { kind: 'service', text },
            defaultPolicyEvidence(ctx, policy),
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
      {
        name: 'user.rules unreadable (a non-root audit on Ubuntu, where it is 0640)',
        snapshot: compose(withUfw(true, ''), withUnreadableUfwRules('user.rules')),
        result: 'unknown',
        evidenceIncludes: ['run as root to read /etc/ufw/user.rules'],
      },
      {
        name: 'the default policy cited at its own line of /etc/default/ufw',
        snapshot: compose(withUfw(true, ''), withUfwDefaultsLines({ input: 11 })),
        result: 'fail',
        evidenceIncludes: ['/etc/default/ufw:11'],
      },
      {
        name: 'sshd configured for 22 but not listening: the text says configured, not listens',
        snapshot: compose(withSshd({ port: ['22'] }), withUfw(true, '')),
        result: 'fail',
        evidenceIncludes: ['sshd is configured for port 22 (sshd -T)', 'no sshd socket is listening'],
      },
      { name: 'enabled with no rules', snapshot: compose(withUfw(true, ''), withIptables('*filter\n:ufw-user-input - [0:0]\nCOMMIT\n')), result: 'fail', evidenceIncludes: ['DEFAULT_INPUT_POLICY="DROP"'] },
      { name: 'not yet enabled, no ssh rule', snapshot: withUfw(false, '### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n'), result: 'fail', evidenceIncludes: ['tcp 22'] },
      { name: 'sshd moved to 2222, rule still for 22', snapshot: compose(withSshd({ port: ['2222'] }), withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n')), result: 'fail', evidenceIncludes: ['2222'] },
      { name: 'sshd socket on an extra port', snapshot: compose(withSockets(tcpListener('0.0.0.0', 2200, 77, 'sshd')), withSshd({ port: ['22'] }), withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n')), result: 'fail', evidenceIncludes: ['2200'] },
    ],
  },
};
