import type { AnalysisContext } from '../../model/context.js';
import type { Report } from '../../report/types.js';
import { sshPorts } from '../../model/sshd.js';
import { restartHint } from '../../checks/remediation.js';
import { GUIDE } from '../../checks/guide.js';
import { parseSshConnection } from '../../model/ssh-session.js';
import type { CommandStep, Plan, Step } from '../types.js';
import { planUfw } from './ufw-steps.js';
import { planDockerUser } from './docker-user-steps.js';
import { planDockerNft } from './docker-nft-steps.js';
import { dockerNftBackend } from './docker-nft.js';
import { planConfig, type ConfigPlanOptions } from './config-steps.js';
import { planCompose } from './compose-steps.js';
import { planDoors, type DoorPlanOptions } from './door-steps.js';
import { rememberFileSecrets } from '../../snapshot/file-secrets.js';
import { SecretVault } from '../../snapshot/redact.js';
import type { Finding } from '../../checks/types.js';
import { firstInGuideOrder, intentsOf } from './intents.js';

export interface PlanOptions extends ConfigPlanOptions {
  /** --no-publish: drop the gateway's published ports instead of moving them to 127.0.0.1. */
  noPublish: boolean;
  /** SSH_CONNECTION of the session harden runs in. */
  sshConnection?: string;
  /** Files as they are on disk now, read by the caller (harden acts on the live host). */
  readFile: (path: string) => string | undefined;
  /** How each door's program runs now, and which configs root may write (harden/door-runtime.ts); absent from a snapshot file. */
  doorRuntime?: DoorPlanOptions['runtime'];
  configRefusal?: DoorPlanOptions['refusal'];
}

/** The findings whose intents ask for a host firewall, by id, with the first message of each (report order). */
function firewallReasons(failing: readonly Finding[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { finding } of intentsOf(failing, 'firewall.enable', 'firewall.allow-ssh', 'firewall.deny-gateway-port'))
    if (!out.has(finding.id)) out.set(finding.id, finding.message);
  return out;
}

/** The ports an admin's SSH comes in on: sshd's own, plus the one this session uses. */
export function adminSshPorts(ctx: AnalysisContext, sshConnection: string | undefined): number[] {
  const ports = new Set(sshPorts(ctx).ports);
  const session = parseSshConnection(sshConnection);
  if (session) ports.add(session.port);
  return [...ports].sort((a, b) => a - b);
}

function tailnetInterface(ctx: AnalysisContext): string | undefined {
  return ctx.reach().zones.find((z) => z.kind === 'tailnet')?.interface;
}

/** Every fixable finding of the audit, turned into steps in the guide's order: config, firewall, Docker. */
export function buildPlan(ctx: AnalysisContext, report: Report, planOptions: PlanOptions): Plan {
  // Every secret of every file the plan reads (and the new token) is scrubbed from what it shows.
  const vault = new SecretVault();
  vault.remember(planOptions.newToken);
  const options: PlanOptions = {
    ...planOptions,
    readFile: (path) => {
      const text = planOptions.readFile(path);
      if (text !== undefined) rememberFileSecrets(text, vault);
      return text;
    },
  };
  return scrubPlan(plannedSteps(ctx, report, options), vault);
}

/** What a person or a log sees of a plan, scrubbed; what apply writes and runs (content, argv) stays exact. */
export function scrubPlan(plan: Plan, vault: SecretVault): Plan {
  const t = (text: string): string => vault.scrubText(text);
  const steps = plan.steps.map((s): Step => {
    const shown = { ...s, description: t(s.description), undo: t(s.undo) };
    if (shown.kind === 'file') return { ...shown, diff: t(shown.diff) };
    return shown.dryRun === undefined ? shown : { ...shown, dryRun: t(shown.dryRun) };
  });
  const out: Plan = { ...plan, steps, notes: plan.notes.map(t) };
  if (plan.restart !== undefined) out.restart = t(plan.restart);
  return out;
}

/**
 * Harden plans from the fix intents the failing findings carry (checks/fix-intents.ts), never
 * from a check's id: a check is fixable exactly when it returns an intent (a test holds
 * meta.fixable to that, and every fixable check's cases pin the steps planned for them).
 */
function plannedSteps(ctx: AnalysisContext, report: Report, options: PlanOptions): Plan {
  const failing = report.findings.filter((f) => f.status === 'fail');
  const steps: Step[] = [];
  const notes: string[] = [];
  const add = (part: { steps: Step[]; notes: string[] }) => {
    steps.push(...part.steps);
    notes.push(...part.notes);
  };

  const config = planConfig(ctx, failing, options);
  add(config);
  // Doors: from the fix intents their checks returned, not from finding ids.
  add(
    planDoors(ctx, report.findings, {
      remote: options.remote,
      readFile: options.readFile,
      ...(options.doorRuntime ? { runtime: options.doorRuntime } : {}),
      ...(options.configRefusal ? { refusal: options.configRefusal } : {}),
    }),
  );

  const reasons = firewallReasons(failing);
  const denyFinding = firstInGuideOrder(intentsOf(failing, 'firewall.deny-gateway-port'))?.finding.id;
  const tailnet = options.remote === 'tailnet' ? tailnetInterface(ctx) : undefined;
  if (options.remote === 'tailnet' && !tailnet)
    notes.push('--remote tailnet: no tailnet interface (tailscale0, or an address in 100.64.0.0/10) on this host; install and log in to Tailscale first');
  const ufw = planUfw(ctx, {
    sshPorts: adminSshPorts(ctx, options.sshConnection),
    gatewayPorts: ctx.gateway.ports,
    reasons,
    ...(denyFinding ? { denyFinding } : {}),
    ...(tailnet ? { tailnetInterface: tailnet } : {}),
  });

  add(planCompose(ctx, failing, options));
  // UFW never sees Docker's published ports: a UFW that is (or is about to be) on needs the DOCKER-USER policy beside it.
  const ufwWillBeOn = ctx.ufw?.active === true || ufw.steps.some((s) => s.id === 'ufw.enable');
  const publishedPastUfw = ctx.snapshot.docker.status === 'ok' && ufwWillBeOn ? intentsOf(failing, 'docker.publish-loopback')[0] : undefined;
  const bypassFinding = (intentsOf(failing, 'docker.filter-published')[0] ?? publishedPastUfw)?.finding.id;
  let lockout: Plan['lockout'];
  if (bypassFinding && dockerNftBackend(ctx.snapshot)) {
    // Docker 29's nftables backend: no DOCKER-USER to fill, a table of our own instead (docker-nft.ts).
    const admin = {
      sshPorts: adminSshPorts(ctx, options.sshConnection),
      zones: ctx.zoneSpecs,
      ...(options.sshConnection ? { sshConnection: options.sshConnection } : {}),
    };
    const nft = planDockerNft(ctx, { finding: bypassFinding, readFile: options.readFile, admin });
    add(nft);
    lockout = nft.lockout;
  } else if (bypassFinding) {
    const dockerUser = planDockerUser(bypassFinding, options.readFile);
    add(dockerUser);
    // ufw loads after.rules when it starts; if it is already running, it must reload them.
    if (dockerUser.steps.length > 0 && ctx.ufw?.active === true && !ufw.steps.some((s) => s.id === 'ufw.enable')) {
      const reload: CommandStep = {
        id: 'ufw.reload',
        finding: bypassFinding,
        guide: GUIDE.docker,
        kind: 'command',
        description: 'Reload UFW so the DOCKER-USER policy takes effect.',
        argv: ['ufw', 'reload'],
        undoArgv: [['ufw', 'reload']],
        undo: 'ufw reload (after the after.rules files are restored)',
      };
      ufw.steps.push(reload);
    }
  }
  add(ufw);

  const plan: Plan = { steps, notes };
  // The caller's ufw rehearsal replaces this when the plan also runs ufw (see docker-nft-steps.ts).
  if (lockout) plan.lockout = lockout;
  // The gateway reads its config and unit at start: any edit of them needs a restart.
  if (config.steps.length > 0) plan.restart = restartHint(ctx.gateway);
  return plan;
}

export function selectSteps(plan: Plan, only: string[] | undefined, skip: string[] | undefined): Plan {
  const known = new Set(plan.steps.map((s) => s.id));
  for (const id of [...(only ?? []), ...(skip ?? [])]) {
    if (!known.has(id) && !plan.steps.some((s) => s.id.startsWith(`${id}`)))
      throw new Error(`no step "${id}" in the plan (steps: ${[...known].join(', ') || 'none'})`);
  }
  // An exact id names that step alone: `--skip ufw.allow-ssh-22` must not also skip ufw.allow-ssh-2222.
  const matches = (id: string, list: string[]) => list.some((x) => id === x || (!known.has(x) && id.startsWith(x)));
  const steps = plan.steps.filter((s) => (!only || matches(s.id, only)) && !(skip && matches(s.id, skip)));
  const kept = new Set(steps.map((s) => s.id));
  const unchecked = steps.find((s) => s.kind === 'command' && s.checkedBy !== undefined && !kept.has(s.checkedBy));
  if (unchecked?.kind === 'command') throw new Error(`${unchecked.id} needs ${unchecked.checkedBy} (the config check before it): keep both or skip both`);
  return { ...plan, steps };
}
