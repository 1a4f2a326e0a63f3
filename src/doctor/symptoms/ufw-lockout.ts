import { hostPort } from '../../model/addresses.js';
import { sshPorts } from '../../model/sshd.js';
import type { Evidence } from '../../checks/types.js';
import type { AnalysisContext } from '../../model/context.js';
import { ufwIncomingDefault, ufwRuleAdmittingTcp, type UfwRule } from '../../model/ufw.js';
import { joinAnd, note, ok, plural, unknown, zoneLabel } from '../facts.js';
import type { Symptom } from '../symptom.js';
import { SYMPTOM_META } from '../catalogue.js';

/**
 * "I'm locked out after enabling UFW." Enabling UFW with `default deny incoming` and no
 * rule for sshd's port drops every new SSH connection. The same rule files that UFW loads
 * at `ufw enable` (user.rules, user6.rules, /etc/default/ufw) predict it before it
 * happens; once UFW is on, the loaded ruleset shows it (the reach model walks it).
 */

const ADMIN_KINDS = new Set(['internet', 'lan', 'tailnet', 'custom']);

function ruleText(r: UfwRule): string {
  const from = r.src === '0.0.0.0/0' || r.src === '::/0' || r.src === 'any' ? '' : ` from ${r.src}`;
  return `${r.action} ${r.dport}/${r.protocol}${from}${r.v6 ? ' (v6)' : ''}`;
}

/** What the loaded ruleset does to a new SSH connection from each admin zone (evidence after enabling). */
function sshPaths(a: AnalysisContext, ports: number[]): Evidence[] {
  return a
    .reach()
    .cells.filter((c) => c.listener.protocol === 'tcp' && ports.includes(c.listener.port) && ADMIN_KINDS.has(c.zone.kind))
    .map((c) => ({
      kind: 'rule' as const,
      text: `sshd ${hostPort(c.listener.address, c.listener.port)} from ${zoneLabel(c.zone)}: ${c.verdict} (${c.reason})`,
    }));
}

export const ufwLockout: Symptom = {
  meta: SYMPTOM_META['ufw-lockout'],
  diagnose(ctx) {
    const a = ctx.analysis;
    const state = a.snapshot.ufw;
    if (state.status !== 'ok')
      return state.reason === 'not-installed' ? ok('UFW is not installed: it cannot lock you out') : unknown(`UFW was not checked: ${state.detail}`);
    const ufw = a.ufw!;
    const userRules = state.data.files.ruleFiles['user.rules'];
    if (userRules?.status !== 'ok')
      return unknown(`UFW's rules were not checked: /etc/ufw/user.rules could not be read (${userRules?.detail ?? 'not collected'}); run as root`);
    const sshd = a.snapshot.sshd;
    const sockets = a.snapshot.sockets.status === 'ok' ? a.snapshot.sockets.data : [];
    if (sshd.status !== 'ok' && sshd.reason === 'not-installed' && !sockets.some((s) => s.process === 'sshd'))
      return ok('sshd is not installed on this host: there is no SSH for UFW to cut');

    const { ports, text } = sshPorts(a);
    const { policy, refuses } = ufwIncomingDefault(ufw);
    const loaded = ufw.active === true;
    const saw: Evidence[] = [
      { kind: 'service', text },
      { kind: 'file', text: `DEFAULT_INPUT_POLICY="${policy}" in /etc/default/ufw` },
      note(
        loaded
          ? 'UFW is active: its chains are in the loaded ruleset'
          : ufw.enabledInConfig
            ? 'UFW is set to start (ENABLED=yes in /etc/ufw/ufw.conf) but its rules are not loaded now'
            : 'UFW is not enabled (ENABLED=no in /etc/ufw/ufw.conf)',
      ),
    ];
    if (!refuses) return ok(`UFW's default incoming policy is ${policy}: enabling it does not cut SSH`, saw);
    const missing: number[] = [];
    for (const port of ports) {
      const rule = ufwRuleAdmittingTcp(ufw.rules, port);
      if (rule) saw.push({ kind: 'rule', text: `"${ruleText(rule)}" admits SSH on ${port}`, location: rule.location });
      else missing.push(port);
    }
    if (missing.length === 0) return ok(`UFW admits SSH on ${ports.join(', ')}: enabling it keeps SSH open`, saw);

    const allow = missing.map((p) => `sudo ufw allow ${p}/tcp`);
    const portText = `${plural(missing.length, 'port')} ${joinAnd(missing.map(String))}`;
    saw.push({
      kind: 'file',
      text: `no allow or limit rule for tcp ${missing.join(', ')} among the ${ufw.rules.length} rule(s) of /etc/ufw/user.rules and user6.rules`,
    });
    if (!loaded) {
      return {
        status: 'problem',
        cause: ufw.enabledInConfig
          ? `UFW will load at the next boot or \`ufw reload\` with default deny incoming and no rule for SSH on ${portText}: that locks you out`
          : `UFW is not enabled yet, but with default deny incoming and no rule for SSH on ${portText}, \`ufw enable\` would lock you out`,
        saw,
        fix: {
          text: "Allow SSH before enabling UFW. `clawmoat harden` plans the whole UFW setup in the guide's order (SSH first) and refuses a plan that would cut your session.",
          commands: [...allow, 'sudo ufw enable', 'sudo clawmoat harden   # or: the lockout-checked plan'],
        },
      };
    }
    saw.push(...sshPaths(a, missing));
    return {
      status: 'problem',
      cause: `UFW is enabled with default deny incoming and no rule for SSH on ${portText}: new SSH connections are dropped`,
      saw,
      fix: {
        text:
          "Get a shell without SSH: your provider's web or serial console (VNC, KVM, rescue console), or an SSH session opened before `ufw enable` (UFW keeps established connections). " +
          'There, allow SSH (or run `sudo ufw disable` to undo it), then let `clawmoat harden` plan UFW with SSH allowed first.',
        commands: [...allow, 'sudo clawmoat harden'],
      },
    };
  },
};
