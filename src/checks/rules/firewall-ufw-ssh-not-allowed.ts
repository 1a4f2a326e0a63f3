import type { Check, Evidence } from '../types.js';
import { unlessRead } from '../helpers.js';
import { GUIDE } from '../guide.js';
import { ufwIncomingDefault, ufwRuleAdmittingTcp } from '../../model/ufw.js';
import type { AnalysisContext } from '../../model/context.js';
import { sshPorts } from '../../model/sshd.js';

/** Where the default incoming policy was read: its line in /etc/default/ufw, or that it is not set there. */
function defaultPolicyEvidence(ctx: AnalysisContext, policy: string): Evidence {
  const ufw = ctx.snapshot.ufw;
  const line = ufw.status === 'ok' ? ufw.data.files.defaultsLines?.input : undefined;
  if (line === undefined)
    return {
      kind: 'file',
      text: ctx.ufw?.defaults.input
        ? `DEFAULT_INPUT_POLICY="${policy}" in /etc/default/ufw`
        : `DEFAULT_INPUT_POLICY is not set in /etc/default/ufw: ufw's default, ${policy}`,
    };
  return { kind: 'file', text: `DEFAULT_INPUT_POLICY="${policy}" in /etc/default/ufw`, location: { file: '/etc/default/ufw', line } };
}

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
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'user.rules unreadable (a non-root audit on Ubuntu, where it is 0640) (unknown)',
        'the default policy cited at its own line of /etc/default/ufw',
        'a hand-written lowercase drop policy refuses SSH as DROP does (ufw reads it case-insensitively)',
        'sshd configured for 22 but not listening: the text says configured, not listens',
        'enabled with no rules',
        'not yet enabled, no ssh rule',
        'sshd moved to 2222, rule still for 22',
        'sshd socket on an extra port',
      ],
      passes: ['UFW not installed (skipped)', 'allow 22/tcp', 'limit ssh', 'OpenSSH app profile', 'default allow incoming', 'ssh on 2222 allowed'],
    },
  },
  evaluate(ctx) {
    const { ufw } = ctx;
    if (!ufw) return { result: 'skipped', reason: 'ufw is not installed' };
    const { policy, refuses } = ufwIncomingDefault(ufw);
    if (!refuses) return { result: 'pass', reason: `UFW's default incoming policy is ${policy}, so enabling it cannot cut SSH` };
    const { ports, source, text } = sshPorts(ctx);
    const missing = ports.filter((p) => !ufwRuleAdmittingTcp(ufw.rules, p));
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
          fixes: [{ kind: 'firewall.allow-ssh', ports: missing }],
        },
      ],
    };
  },
};
