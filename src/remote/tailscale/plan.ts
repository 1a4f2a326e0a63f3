import type { AnalysisContext } from '../../model/context.js';
import type { ReachVerdict } from '../../model/reach.js';
import { LEGACY_BRIDGE_PORT } from '../../model/gateway.js';
import { gatewayWorkloads } from '../../model/docker.js';
import { describeRoute } from '../../model/tailscale/serve-config.js';
import { tailscaleFacts, type TailscaleFacts } from '../../model/tailscale/facts.js';
import { policySnippet, type PolicyFormat, type PolicySnippet } from './policy.js';
import { recommend, type Audience, type Recommendation } from './recommend.js';
import { planSteps, type PlanStep } from './steps.js';
import { rememberFileSecrets } from '../../snapshot/file-secrets.js';
import { SecretVault } from '../../snapshot/redact.js';
import { hostPort } from '../../model/addresses.js';

/**
 * `clawmoat tailscale plan`: what this host has (Tailscale state, Serve/Funnel routes to the
 * gateway, who reaches the gateway from which zone), which setup fits, and how to get there
 * (commands, config diff, tailnet policy). Pure; the JSON form is documented in docs/tailscale.md.
 */

/** The HTTPS port Serve listens on for the gateway (OpenClaw claims 443). */
export const SERVE_HTTPS_PORT = 443;

export interface TailscalePlanOptions {
  for?: Audience;
  allow: readonly string[];
  format: PolicyFormat;
  /** --port: the gateway port, when it is not the one the host shows. */
  port?: number;
  readFile: (path: string) => string | undefined;
}

export interface Exposure {
  id: 'tailscale.funnel';
  severity: 'critical';
  message: string;
  evidence: string[];
}

export interface ReachSummary {
  zone: string;
  kind: string;
  listener: string;
  verdict: ReachVerdict;
}

export interface TailscalePlan {
  schemaVersion: 1;
  gateway: {
    detected: boolean;
    port: number;
    portSource: string;
    bind: Recommendation['bind'];
    tailscaleMode?: string;
    auth: string;
  };
  tailscale: TailscaleFacts;
  recommendation: Omit<Recommendation, 'bind'>;
  /** Funnel to the gateway: public exposure, exit code 1. */
  exposure: Exposure[];
  /** The gateway port from every zone but loopback, as the reach model computes it. */
  reach: ReachSummary[];
  steps: PlanStep[];
  policy: PolicySnippet;
  notes: string[];
}

/**
 * The context as if the gateway listened on `port`: its listeners are that port's sockets, its workloads the containers
 * that publish it; reach() and doorTargets() are computed per gateway model, so the copy's are this gateway's.
 */
function withPort(ctx: AnalysisContext, port: number): AnalysisContext {
  const sockets = ctx.snapshot.sockets.status === 'ok' ? ctx.snapshot.sockets.data : [];
  const pids = new Set(ctx.gateway.processes.map((p) => p.pid));
  const listeners = sockets.filter((s) => s.protocol === 'tcp' && (s.port === port || (s.pid !== undefined && pids.has(s.pid))));
  const gateway = { ...ctx.gateway, port: { value: port, source: '--port' }, ports: [...new Set([port, port + 2, port + 3, LEGACY_BRIDGE_PORT])], listeners };
  const containers = ctx.snapshot.docker.status === 'ok' ? ctx.snapshot.docker.data.containers : [];
  return { ...ctx, gateway, workloads: gatewayWorkloads(containers, ctx.compose, gateway) };
}

function authOf(ctx: AnalysisContext): string {
  const a = ctx.gateway.auth;
  if (a.mode) return a.mode.value;
  if (a.password) return 'password';
  if (a.token) return 'token';
  return 'unknown';
}

function exposures(ctx: AnalysisContext, facts: TailscaleFacts): Exposure[] {
  const evidence = facts.gatewayRoutes.filter((r) => r.funnel).map(describeRoute);
  const mode = ctx.gateway.tailscaleMode;
  if (mode?.value === 'funnel') evidence.unshift(`tailscale mode "funnel" from ${mode.source}`);
  if (evidence.length === 0) return [];
  return [
    { id: 'tailscale.funnel', severity: 'critical', message: 'Tailscale Funnel publishes the gateway to the whole internet, not only the tailnet.', evidence },
  ];
}

function reachSummary(ctx: AnalysisContext): ReachSummary[] {
  const port = ctx.gateway.port.value;
  return ctx
    .reach()
    .cells.filter((c) => c.listener.port === port && c.listener.protocol === 'tcp' && c.zone.kind !== 'loopback')
    .map((c) => ({ zone: c.zone.name, kind: c.zone.kind, listener: hostPort(c.listener.address, c.listener.port), verdict: c.verdict }));
}

export function buildTailscalePlan(base: AnalysisContext, options: TailscalePlanOptions): TailscalePlan {
  const ctx = options.port !== undefined ? withPort(base, options.port) : base;
  const g = ctx.gateway;
  const facts = tailscaleFacts(ctx);
  const rec = recommend(ctx, facts, options.for);
  const reach = reachSummary(ctx);
  const notes: string[] = [];
  if (facts.notChecked) notes.push(facts.notChecked);
  if (!g.detected) notes.push(`no OpenClaw gateway found here (no process, config or listener on port ${g.port.value}): the plan assumes its defaults`);
  const wide = reach.filter((r) => r.verdict === 'open' && r.kind !== 'tailnet');
  if (wide.length > 0) notes.push(`the gateway is open now from ${[...new Set(wide.map((r) => r.zone))].join(', ')}: the plan closes that`);
  if (rec.setup === 'tailnet' && !facts.interface && facts.addresses.length === 0)
    notes.push('no tailnet address yet: with bind "tailnet" and no 100.x address the gateway listens on loopback only until Tailscale is up and it restarts');

  const policy = policySnippet({
    allow: options.allow,
    port: rec.setup === 'serve' ? SERVE_HTTPS_PORT : g.port.value,
    format: options.format,
    ...(facts.dnsName ? { host: facts.dnsName } : {}),
  });
  if (policy.placeholder)
    notes.push(
      `no --allow given: the policy admits the placeholder ${policy.principals[0]}; put your logins in it, or rerun with --allow user@example.com (repeatable)`,
    );

  const { bind, ...recommendation } = rec;
  const gateway: TailscalePlan['gateway'] = { detected: g.detected, port: g.port.value, portSource: g.port.source, bind, auth: authOf(ctx) };
  if (g.tailscaleMode) gateway.tailscaleMode = g.tailscaleMode.value;
  // The config is read live: every secret it holds is scrubbed from the whole plan, text and JSON.
  const vault = new SecretVault();
  const readFile = (path: string): string | undefined => {
    const text = options.readFile(path);
    if (text !== undefined) rememberFileSecrets(text, vault);
    return text;
  };
  const plan: TailscalePlan = {
    schemaVersion: 1,
    gateway,
    tailscale: facts,
    recommendation,
    exposure: exposures(ctx, facts),
    reach,
    steps: planSteps(ctx, facts, rec, { readFile }),
    policy,
    notes,
  };
  return vault.scrub(plan);
}
