import pc from 'picocolors';
import type { Plan } from '../harden/types.js';
import { sanitize } from './common.js';

/**
 * The plan as a person reads it before saying yes: what, why, how to undo. Root reads it, and most
 * of it comes from the host (the gateway user's file lines in the diff, paths, argv, notes): every
 * such piece goes through `s` (sanitize), so an ESC in a config comment cannot rewrite the plan.
 */
export function renderPlan(plan: Plan, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const s = (text: string): string => sanitize(text);
  if (plan.steps.length === 0) {
    const lines = ['Nothing to do: no fixable finding on this host.'];
    for (const n of plan.notes) lines.push(c.dim(`note: ${s(n)}`));
    return `${lines.join('\n')}\n`;
  }
  const lines: string[] = [c.bold(`harden plan: ${plan.steps.length} step(s)`), ''];
  for (const [i, step] of plan.steps.entries()) {
    lines.push(c.bold(`${i + 1}. ${s(step.id)}`) + c.dim(`  (${s(step.finding)}; guide: ${s(step.guide)})`));
    lines.push(`   ${s(step.description)}`);
    if (step.at && step.at.length > 0) lines.push(c.dim(`   at: ${step.at.map((l) => s(`${l.file}:${l.line}`)).join(', ')}`));
    if (step.kind === 'file') {
      for (const raw of step.diff.trimEnd().split('\n')) {
        const line = s(raw);
        lines.push(
          `   ${line.startsWith('+') && !line.startsWith('+++') ? c.green(line) : line.startsWith('-') && !line.startsWith('---') ? c.red(line) : line}`,
        );
      }
    } else {
      lines.push(`   ${step.manual ? 'run by hand: ' : '$ '}${s(step.argv.join(' '))}`);
      if (step.dryRun) for (const line of step.dryRun.trimEnd().split('\n').slice(0, 12)) lines.push(c.dim(`     ${s(line)}`));
    }
    lines.push(c.dim(`   undo: ${s(step.undo)}`));
    lines.push('');
  }
  if (plan.lockout) {
    const l = plan.lockout;
    const head =
      l.status === 'safe' ? c.green('lockout check: safe') : l.status === 'refused' ? c.red('lockout check: REFUSED') : c.yellow('lockout check: unknown');
    lines.push(`${head} — ${s(l.reason)}`);
    for (const p of l.paths) lines.push(c.dim(`   ${s(p)}`));
    lines.push('');
  }
  if (plan.restart) lines.push(`afterwards: ${s(plan.restart)}`);
  for (const n of plan.notes) lines.push(c.dim(`note: ${s(n)}`));
  return `${lines.join('\n').trimEnd()}\n`;
}

/** `--json`: the plan without the secrets that file contents may hold. */
export function planJson(plan: Plan): string {
  const steps = plan.steps.map((s) => (s.kind === 'file' ? (({ content: _content, before: _before, ...rest }) => rest)(s) : s));
  return `${JSON.stringify({ schemaVersion: 1, steps, notes: plan.notes, lockout: plan.lockout ?? null, restart: plan.restart ?? null }, null, 2)}\n`;
}
