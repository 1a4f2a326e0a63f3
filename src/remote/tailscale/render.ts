import pc from 'picocolors';
import { describeRoute } from '../../model/tailscale/serve-config.js';
import { sanitize, stepText } from '../../report/common.js';
import type { TailscalePlan } from './plan.js';

/**
 * The plan as text: what the host has, the recommendation, the steps, the policy snippet. Config
 * paths, interface and zone names, routes and tags come from the host (a config path is the
 * gateway user's choice): each is sanitized before the renderer adds its own colours, so a newline
 * cannot forge a step or a `$` command and an ESC cannot reach the terminal. Commands, offered to
 * paste, are one line each (stepText).
 */
export function renderTailscalePlan(plan: TailscalePlan, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const h = (text: string) => sanitize(text);
  const { gateway: g, tailscale: t, recommendation: rec } = plan;
  const lines: string[] = [];

  for (const e of plan.exposure) {
    lines.push(c.red(c.bold(h(`CRITICAL ${e.id}: ${e.message}`))));
    for (const ev of e.evidence) lines.push(c.red(`  ${h(ev)}`));
    lines.push('');
  }

  lines.push(c.bold('This host'));
  lines.push(
    h(
      `  gateway    port ${g.port} (${g.portSource}); ${g.bind.source}${g.bind.configured ? `; config bind "${g.bind.configured}"` : ''}; auth ${g.auth}${g.tailscaleMode ? `; tailscale.mode "${g.tailscaleMode}"` : ''}`,
    ),
  );
  const state = t.state === 'running' ? `running${t.version ? ` ${t.version.split('-')[0]}` : ''}` : t.state + (t.backendState ? ` (${t.backendState})` : '');
  lines.push(
    h(
      `  tailscale  ${state}${t.addresses.length ? `; ${t.addresses.join(', ')}` : ''}${t.dnsName ? `; ${t.dnsName}` : ''}${t.interface ? ` on ${t.interface}` : ''}${t.tags.length ? `; tags ${t.tags.join(', ')}` : ''}`,
    ),
  );
  if (t.notChecked) lines.push(`  ${c.yellow(h(t.notChecked))}`);
  if (t.gatewayRoutes.length > 0) for (const r of t.gatewayRoutes) lines.push(`  route      ${r.funnel ? c.red(h(describeRoute(r))) : h(describeRoute(r))}`);
  else if (!t.notChecked) lines.push('  route      no Serve or Funnel route reaches the gateway');
  if (plan.reach.length > 0) {
    const byVerdict = plan.reach.map((r) => `${h(r.zone)} ${r.verdict === 'open' ? (r.kind === 'tailnet' ? c.green('open') : c.red('open')) : r.verdict}`);
    lines.push(`  reach      ${[...new Set(byVerdict)].join(', ')}`);
  }
  lines.push('');

  lines.push(c.bold(`Recommended: ${rec.setup === 'serve' ? 'loopback + Tailscale Serve (browser UI)' : 'bind "tailnet" + a token (CLI and agents)'}`));
  lines.push(`  ${h(rec.why)}.`);
  lines.push('');

  for (const [i, step] of plan.steps.entries()) {
    lines.push(c.bold(`${i + 1}. ${h(step.title)}`) + c.dim(`  [${h(step.id)}]`));
    for (const cmd of step.commands) lines.push(`   $ ${stepText(cmd)}`);
    if (step.diff)
      for (const line of step.diff.trimEnd().split('\n').map(h))
        lines.push(
          `   ${line.startsWith('+') && !line.startsWith('+++') ? c.green(line) : line.startsWith('-') && !line.startsWith('---') ? c.red(line) : line}`,
        );
    for (const n of step.notes) lines.push(c.dim(`   ${h(n)}`));
    lines.push('');
  }

  lines.push(c.bold(`Tailnet policy (${plan.policy.format}, HuJSON)`));
  lines.push(...plan.policy.text.trimEnd().split('\n').map(h));
  lines.push('');
  for (const n of plan.notes) if (n !== t.notChecked) lines.push(c.yellow(`note: ${h(n)}`));
  return `${lines.join('\n').trimEnd()}\n`;
}
