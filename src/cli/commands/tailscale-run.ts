import { LiveFiles } from '../../harden/live-files.js';
import { buildContext } from '../../model/context.js';
import { validPrincipal } from '../../remote/tailscale/policy.js';
import { buildTailscalePlan } from '../../remote/tailscale/plan.js';
import { renderTailscalePlan } from '../../remote/tailscale/render.js';
import type { Audience } from '../../remote/tailscale/recommend.js';
import { UserError } from '../../errors.js';
import type { CommandIo } from '../io.js';
import { emit, useColor } from '../output.js';
import { obtainSnapshot, zoneSpecs, type AnalyseFlags } from './shared.js';

export interface PlanFlags extends AnalyseFlags {
  for?: Audience;
  allow?: string[];
  acls?: boolean;
  port?: string;
  json?: boolean;
  output?: string;
  color?: boolean;
}

/** The live config file; with --snapshot the host is elsewhere, so nothing local is read. */
function reader(flags: PlanFlags): (path: string) => string | undefined {
  if (flags.snapshot) return () => undefined;
  // The gateway's user owns its config: read it as harden does, never through a link they planted.
  return new LiveFiles().read;
}

/**
 * What `clawmoat tailscale plan` does once its flags are parsed: loaded by tailscale.ts only when
 * it runs. Returns the exit code: 1 when the gateway is exposed beyond the tailnet, else 0.
 */
export async function runTailscalePlan(flags: PlanFlags, io: CommandIo): Promise<0 | 1> {
  const allow = flags.allow ?? [];
  const bad = allow.filter((a) => !validPrincipal(a));
  if (bad.length > 0) throw new UserError(`--allow ${bad[0]}: expected a login (user@example.com), a tag (tag:name) or a group (group:name)`);
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535) throw new UserError(`--port ${flags.port}: not a port number (1-65535)`);
  }
  const snapshot = await obtainSnapshot(flags);
  const ctx = buildContext(snapshot, { zones: zoneSpecs(flags) });
  const result = buildTailscalePlan(ctx, {
    allow,
    format: flags.acls ? 'acls' : 'grants',
    readFile: reader(flags),
    ...(flags.for ? { for: flags.for } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  const text = flags.json ? `${JSON.stringify(result, null, 2)}\n` : renderTailscalePlan(result, { color: !flags.output && useColor(flags.color, io) });
  await emit(text, flags.output, io);
  return result.exposure.length > 0 ? 1 : 0;
}
