import type { AnalysisContext } from '../../model/context.js';
import { isAnySource, ufwPortCovers, type UfwRule } from '../../model/ufw.js';
import { GUIDE } from '../../checks/guide.js';
import type { CommandStep } from '../types.js';

/**
 * UFW in the guide's order: SSH first, then the defaults, then drop what admits the gateway,
 * then enable. Never `ufw reset`; the user's other rules stay. Each step is a ufw command, so
 * ufw itself writes its files and `--dry-run` can show what it would do.
 */

export interface UfwPlanInput {
  /** Every port sshd really listens on, plus the one this session came in on (SSH_CONNECTION). */
  sshPorts: number[];
  gatewayPorts: number[];
  /** The findings whose intents ask for a firewall (`firewall.*`), by id, with their message: the first names the steps. */
  reasons: Map<string, string>;
  /**
   * The finding that asked to stop admitting the gateway port (a `firewall.deny-gateway-port`
   * intent): without one, no rule is deleted (a rule for tailscale0 or the LAN alone is the
   * user's choice until a check finds the port reachable).
   */
  denyFinding?: string;
  /** --remote tailnet: the gateway port stays open on the tailnet interface, and only there. */
  tailnetInterface?: string;
}

const ANY4 = '0.0.0.0/0';
const ANY6 = '::/0';

function admits(rule: UfwRule, port: number): boolean {
  return (
    !rule.route &&
    rule.direction === 'in' &&
    (rule.action === 'allow' || rule.action === 'limit') &&
    ufwPortCovers(rule.dport, port) &&
    (rule.protocol === 'tcp' || rule.protocol === 'any')
  );
}

function anyAddr(a: string): string {
  return a === ANY4 || a === ANY6 ? 'any' : a;
}

/**
 * The ufw command line that states this rule again (and, after `delete`, removes it). It must
 * name the rule as ufw stored it, `log`/`log-all` and application profiles included: ufw exits 0
 * on "Could not delete non-existent rule", so a delete worded otherwise deletes nothing unseen.
 */
export function ufwRuleArgs(rule: UfwRule): string[] {
  const log = rule.log ? [rule.logAll ? 'log-all' : 'log'] : [];
  const anywhere = isAnySource(rule.src) && anyAddr(rule.dst) === 'any' && rule.sport === 'any' && !rule.inInterface && !rule.sourceApplication;
  // `ufw allow [log] OpenClaw` / `ufw allow [log] 18789/tcp`: the simple form.
  if (anywhere && rule.application) return [rule.action, ...log, rule.application];
  if (anywhere && rule.dport !== 'any') return [rule.action, ...log, rule.protocol === 'any' ? rule.dport : `${rule.dport}/${rule.protocol}`];
  const args: string[] = [rule.action];
  if (rule.inInterface) args.push('in', 'on', rule.inInterface);
  args.push(...log);
  // A profile carries its own protocol and ports; ufw refuses `proto` beside `app`.
  if (rule.protocol !== 'any' && !rule.application && !rule.sourceApplication) args.push('proto', rule.protocol);
  args.push('from', anyAddr(rule.src));
  if (rule.sourceApplication) args.push('app', rule.sourceApplication);
  else if (rule.sport !== 'any') args.push('port', rule.sport);
  args.push('to', anyAddr(rule.dst));
  if (rule.application) args.push('app', rule.application);
  else if (rule.dport !== 'any') args.push('port', rule.dport);
  return args;
}

export function planUfw(ctx: AnalysisContext, input: UfwPlanInput): { steps: CommandStep[]; notes: string[] } {
  const ufw = ctx.ufw;
  const notes: string[] = [];
  if (!ufw?.installed) {
    if (input.reasons.size > 0) notes.push('ufw is not installed: install it (apt install ufw) and run harden again; no firewall step is planned');
    return { steps: [], notes };
  }
  if (input.reasons.size === 0) return { steps: [], notes };
  const finding = [...input.reasons.keys()][0]!;
  const why = [...input.reasons.values()][0]!;
  const steps: CommandStep[] = [];
  const common = { finding, guide: GUIDE.firewall };

  for (const port of input.sshPorts) {
    if (ufw.rules.some((r) => admits(r, port) && isAnySource(r.src) && !r.inInterface)) continue;
    steps.push({
      ...common,
      id: `ufw.allow-ssh-${port}`,
      kind: 'command',
      description: `Allow SSH on ${port}/tcp before anything else, so enabling UFW cannot lock you out (${why}).`,
      argv: ['ufw', 'allow', `${port}/tcp`],
      undoArgv: [['ufw', 'delete', 'allow', `${port}/tcp`]],
      undo: `ufw delete allow ${port}/tcp`,
    });
  }
  const incoming = (ufw.defaults.input ?? '').toUpperCase();
  if (incoming !== 'DROP' && incoming !== 'REJECT') {
    const previous = incoming === 'ACCEPT' ? 'allow' : incoming.toLowerCase() || 'allow';
    steps.push({
      ...common,
      id: 'ufw.default-deny-incoming',
      kind: 'command',
      description: 'Deny incoming connections by default: only what a rule allows gets in.',
      argv: ['ufw', 'default', 'deny', 'incoming'],
      undoArgv: [['ufw', 'default', previous, 'incoming']],
      undo: `ufw default ${previous} incoming`,
    });
  }
  const outgoing = (ufw.defaults.output ?? '').toUpperCase();
  if (outgoing !== 'ACCEPT') {
    const previous = outgoing === 'DROP' ? 'deny' : outgoing === 'REJECT' ? 'reject' : 'deny';
    steps.push({
      ...common,
      id: 'ufw.default-allow-outgoing',
      kind: 'command',
      description: 'Allow outgoing connections by default (the gateway calls model APIs and channels).',
      argv: ['ufw', 'default', 'allow', 'outgoing'],
      undoArgv: [['ufw', 'default', previous, 'outgoing']],
      undo: `ufw default ${previous} outgoing`,
    });
  }
  const seen = new Set<string>();
  const denyFinding = input.denyFinding;
  for (const rule of ufw.rules) {
    if (!denyFinding) break;
    // A rule only for the tailnet interface is the way in that --remote tailnet keeps (and plans): not what exposes the gateway.
    if (input.tailnetInterface !== undefined && rule.inInterface === input.tailnetInterface) continue;
    const port = input.gatewayPorts.find((p) => admits(rule, p));
    if (port === undefined || input.sshPorts.some((p) => admits(rule, p))) continue;
    const args = ufwRuleArgs(rule);
    const key = args.join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    steps.push({
      ...common,
      finding: denyFinding,
      id: `ufw.delete-${args.join('-').replace(/[^A-Za-z0-9.-]+/g, '_')}`,
      kind: 'command',
      description: `Delete the rule that admits the gateway port ${port} (${rule.location.file}:${rule.location.line}): reach the gateway through an SSH tunnel or Tailscale instead.`,
      argv: ['ufw', 'delete', ...args],
      undoArgv: [['ufw', ...args]],
      undo: `ufw ${args.join(' ')}`,
    });
  }
  if (input.tailnetInterface) {
    const iface = input.tailnetInterface;
    const port = input.gatewayPorts[0];
    if (port !== undefined && !ufw.rules.some((r) => admits(r, port) && r.inInterface === iface)) {
      const args = ['allow', 'in', 'on', iface, 'to', 'any', 'port', String(port), 'proto', 'tcp'];
      steps.push({
        ...common,
        id: `ufw.allow-tailnet-${port}`,
        guide: GUIDE.remote,
        kind: 'command',
        description: `Allow the gateway port ${port} on ${iface} only: devices on your tailnet reach it, nothing else does.`,
        argv: ['ufw', ...args],
        undoArgv: [['ufw', 'delete', ...args]],
        undo: `ufw delete ${args.join(' ')}`,
      });
    }
  }
  if (ufw.active !== true) {
    steps.push({
      ...common,
      id: 'ufw.enable',
      kind: 'command',
      description: `Enable UFW (it is ${ufw.active === false ? 'inactive' : 'in an unknown state'}): from now on its rules filter what reaches this host.`,
      argv: ['ufw', '--force', 'enable'],
      undoArgv: [['ufw', '--force', 'disable']],
      undo: 'ufw --force disable',
    });
  }
  return { steps, notes };
}
