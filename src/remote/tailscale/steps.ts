import type { AnalysisContext } from '../../model/context.js';
import { restartHint } from '../../checks/remediation.js';
import { setJson5Path, type JsonValue } from '../../harden/edit/json5-edit.js';
import { fileDiff } from '../../harden/plan/file-diff.js';
import type { TailscaleFacts } from '../../model/tailscale/facts.js';
import { shellCommand, shownCommands } from '../../model/shell-word.js';
import { GATEWAY_TAG } from './policy.js';
import type { Recommendation } from './recommend.js';

/**
 * The steps of a Tailscale plan: exact commands and the config change, in the order to run
 * them. Pure: the config text comes from the caller (`readFile`), and nothing is run.
 * Commands are the documented ones (tailscale.com/docs/reference/tailscale-cli/{serve,funnel,up};
 * OpenClaw: docs/gateway/tailscale.md); the config edit keeps comments, like `harden` does.
 */

export interface PlanStep {
  id: string;
  title: string;
  /** Shell lines to run, in order. */
  commands: string[];
  /** The config file change as a unified diff, when the file could be read. */
  diff?: string;
  notes: string[];
}

export interface StepOptions {
  /** The config file as it is now; undefined when it cannot (or must not, with --snapshot) be read. */
  readFile: (path: string) => string | undefined;
}

interface ConfigChange {
  path: string[];
  value: JsonValue;
  why: string;
}

function installSteps(facts: TailscaleFacts): PlanStep[] {
  if (facts.state === 'not-installed') {
    return [
      {
        id: 'tailscale.install',
        title: 'Install Tailscale and join the tailnet',
        commands: ['curl -fsSL https://tailscale.com/install.sh | sh', 'sudo tailscale up'],
        notes: [],
      },
    ];
  }
  if (facts.state === 'not-running')
    return [
      {
        id: 'tailscale.start',
        title: 'Start tailscaled and join the tailnet',
        commands: ['sudo systemctl enable --now tailscaled', 'sudo tailscale up'],
        notes: [],
      },
    ];
  if (facts.state === 'logged-out')
    return [{ id: 'tailscale.up', title: `Bring Tailscale up (it is ${facts.backendState})`, commands: ['sudo tailscale up'], notes: [] }];
  return [];
}

function funnelSteps(facts: TailscaleFacts): PlanStep[] {
  const funnels = facts.gatewayRoutes.filter((r) => r.funnel);
  if (funnels.length === 0) return [];
  const commands = [
    ...new Set(
      shownCommands(
        funnels.map((r) =>
          r.kind === 'web' ? shellCommand`sudo tailscale funnel --https=${r.port} off` : shellCommand`sudo tailscale funnel --tcp=${r.port} off`,
        ),
      ),
    ),
  ];
  const notes = funnels.some((r) => r.scope === 'foreground')
    ? ['a foreground session holds a Funnel: stop the `tailscale funnel` (or OpenClaw with tailscale.mode funnel) that runs it']
    : [];
  return [{ id: 'funnel.off', title: 'Turn Funnel off: it publishes the gateway to the whole internet', commands, notes }];
}

function configChanges(ctx: AnalysisContext, rec: Recommendation): ConfigChange[] {
  const g = ctx.gateway;
  const mode = g.tailscaleMode?.value;
  const changes: ConfigChange[] = [];
  if (rec.setup === 'serve') {
    if (rec.bind.observed !== 'loopback' || (rec.bind.configured !== undefined && rec.bind.configured !== 'loopback'))
      changes.push({ path: ['gateway', 'bind'], value: 'loopback', why: 'Serve needs the gateway on loopback' });
    if (mode !== 'serve')
      changes.push({
        path: ['gateway', 'tailscale', 'mode'],
        value: 'serve',
        why: mode === 'funnel' ? 'Serve instead of Funnel: the tailnet only' : 'OpenClaw runs Serve itself',
      });
    return changes;
  }
  if (rec.bind.configured !== 'tailnet' || rec.bind.observed !== 'tailnet')
    changes.push({ path: ['gateway', 'bind'], value: 'tailnet', why: 'listen on the tailnet address (and 127.0.0.1)' });
  // Serve and Funnel force a loopback bind, so a tailnet bind needs them off.
  if (mode === 'serve' || mode === 'funnel')
    changes.push({ path: ['gateway', 'tailscale', 'mode'], value: 'off', why: 'Serve/Funnel would force the bind back to loopback' });
  if (!g.auth.token && !g.auth.password && g.auth.mode?.value !== 'token')
    changes.push({ path: ['gateway', 'auth', 'mode'], value: 'token', why: 'a bind beyond loopback needs auth' });
  return changes;
}

function configStep(ctx: AnalysisContext, rec: Recommendation, options: StepOptions): PlanStep | undefined {
  const g = ctx.gateway;
  const changes = configChanges(ctx, rec);
  const needsToken = rec.setup === 'tailnet' && !g.auth.token && !g.auth.password;
  if (changes.length === 0 && !needsToken) return undefined;
  const commands = changes.map((c) => `openclaw config set ${c.path.join('.')} ${String(c.value)}`);
  if (needsToken) commands.push('openclaw doctor --generate-gateway-token');
  const notes = changes.map((c) => `${c.path.join('.')} = ${JSON.stringify(c.value)}: ${c.why}`);
  const step: PlanStep = { id: 'config.gateway', title: `Change the gateway config${g.configPath ? ` (${g.configPath})` : ''}`, commands, notes };
  if (g.effectiveBind?.source.includes('--bind') || g.effectiveBind?.source.startsWith('OPENCLAW_GATEWAY_BIND')) {
    notes.push(`the bind comes from ${g.effectiveBind.source}, which outranks the config: change it there too`);
  }
  if (changes.length === 0) return step;
  const before = g.configPath ? options.readFile(g.configPath) : undefined;
  if (!g.configPath || before === undefined) {
    notes.push(g.configPath ? `${g.configPath} was not read here, so no diff is shown` : 'the OpenClaw config file is unknown, so no diff is shown');
    return step;
  }
  try {
    const after = changes.reduce((text, c) => setJson5Path(text, c.path, c.value), before);
    step.diff = fileDiff(g.configPath, before, after);
    notes.push('`openclaw config set` rewrites the file as plain JSON (comments go); the diff keeps them');
  } catch (error) {
    notes.push(`no diff: ${(error as Error).message}`);
  }
  return step;
}

function externalServeStep(ctx: AnalysisContext, facts: TailscaleFacts, rec: Recommendation): PlanStep | undefined {
  if (rec.setup !== 'serve') return undefined;
  // A --bg route straight to the gateway port: OpenClaw wants :443 for its own claim (a stale
  // root route there makes it exit 78), and an external proxy is not an identity it trusts.
  const external = facts.gatewayRoutes.filter((r) => !r.funnel && r.scope === 'background' && r.targetPort === ctx.gateway.port.value && r.kind === 'web');
  if (external.length === 0) return undefined;
  // The mount path comes from the Serve config, which the tailscale operator (often the gateway's user) or a snapshot's author wrote.
  const commands = external.map((r) => shellCommand`sudo tailscale serve --https=${r.port} --set-path=${r.mount ?? '/'} off`);
  return {
    id: 'serve.external-off',
    title: 'Remove the Serve route you set up by hand, so OpenClaw can claim Serve itself',
    commands: [...new Set(shownCommands(commands))],
    notes: [
      'kept as is, it needs its source in gateway.trustedProxies and tailnet logins are not honoured (proxy_attribution_required)',
      ...(commands.includes(undefined)
        ? ['a route whose path cannot be shown on one line is left out: remove it with `tailscale serve status` and `tailscale serve reset`']
        : []),
    ],
  };
}

function firewallStep(ctx: AnalysisContext, facts: TailscaleFacts, rec: Recommendation): PlanStep | undefined {
  if (rec.setup !== 'tailnet') return undefined;
  const iface = facts.interface ?? 'tailscale0';
  return {
    id: 'firewall.tailnet-only',
    title: `Admit the gateway port on ${iface} only`,
    commands: shownCommands([shellCommand`sudo ufw allow in on ${iface} to any port ${ctx.gateway.port.value} proto tcp`]),
    notes: [
      'a LAN neighbour can still aim at the 100.x address through eth0 (Linux is a weak host): keep incoming denied by default (`clawmoat harden --remote tailnet` plans the whole firewall)',
    ],
  };
}

function policyStep(facts: TailscaleFacts, rec: Recommendation): PlanStep {
  const commands = facts.tags.includes(GATEWAY_TAG) ? [] : [`sudo tailscale up --advertise-tags=${GATEWAY_TAG}`];
  const notes = ['paste the policy snippet below into the tailnet policy file; its tests must pass before it saves'];
  if (commands.length > 0) notes.push('tailscale up asks you to repeat any flags you set before; a tagged machine is no longer owned by your login');
  if (rec.setup === 'serve') notes.push('Serve needs HTTPS certificates enabled for the tailnet (admin console → DNS → HTTPS Certificates)');
  return { id: 'tailnet.policy', title: `Tag this machine ${GATEWAY_TAG} and admit only the named users or tags`, commands, notes };
}

function verifyStep(ctx: AnalysisContext, facts: TailscaleFacts, rec: Recommendation): PlanStep {
  const port = ctx.gateway.port.value;
  if (rec.setup === 'serve') {
    const url = facts.dnsName ? `https://${facts.dnsName}/` : 'https://<this machine>.<tailnet>.ts.net/';
    return {
      id: 'verify',
      title: 'Check it',
      commands: ['tailscale serve status', `clawmoat reach --port ${port}`],
      notes: [`open ${url} from a device of an admitted user`],
    };
  }
  const address = facts.addresses.find((a) => !a.includes(':')) ?? '<100.x address>';
  return {
    id: 'verify',
    title: 'Check it',
    commands: [`curl -fsS http://${address}:${port}/healthz`, `clawmoat reach --port ${port}`],
    notes: [`clients connect to ws://${facts.dnsName ?? address}:${port} with the gateway token (gateway.remote.url / gateway.remote.token)`],
  };
}

export function planSteps(ctx: AnalysisContext, facts: TailscaleFacts, rec: Recommendation, options: StepOptions): PlanStep[] {
  const steps: PlanStep[] = [...installSteps(facts), ...funnelSteps(facts)];
  const external = externalServeStep(ctx, facts, rec);
  if (external) steps.push(external);
  const config = configStep(ctx, rec, options);
  if (config) steps.push(config, { id: 'gateway.restart', title: 'Restart the gateway', commands: [], notes: [restartHint(ctx.gateway)] });
  const firewall = firewallStep(ctx, facts, rec);
  if (firewall) steps.push(firewall);
  steps.push(policyStep(facts, rec), verifyStep(ctx, facts, rec));
  return steps;
}
