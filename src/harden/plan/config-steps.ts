import { GUIDE } from '../../checks/guide.js';
import type { AnalysisContext } from '../../model/context.js';
import { removeFlagFromExecStart } from '../edit/unit-edit.js';
import { removeJson5Path, setJson5Path } from '../edit/json5-edit.js';
import { fileDiff } from './file-diff.js';
import type { FileStep } from '../types.js';
import type { Finding } from '../../checks/types.js';
import { firstInGuideOrder, intentsOf } from './intents.js';

/**
 * The OpenClaw side: where the gateway listens and whether it asks for a secret. Edits keep
 * the file's comments and layout (src/harden/edit/). `openclaw config set` is not used: on
 * 2026.9.6 it says "Config write will strip JSON5 comments" and rewrites the file as JSON.
 */

export interface ConfigPlanOptions {
  /** --remote tailnet: bind the gateway to the tailnet address instead of loopback. */
  remote: 'loopback' | 'tailnet';
  /** A fresh 32-byte token (hex), made by the caller so planning stays pure. */
  newToken: string;
  readFile: (path: string) => string | undefined;
}

/**
 * harden edits the config for the gateway's user, so only where that user could have edited it
 * themselves: a path the gateway's environment chose (OPENCLAW_CONFIG_PATH=/etc/docker/daemon.json)
 * must not make root rewrite a file that user cannot write. The collector records whether the
 * gateway's owner could replace the file (openclaw/config-resolve.ts, gatewayMayWrite); a config
 * the admin named (--openclaw-config) or found with no gateway running carries no such record.
 */
function notForTheGatewayUser(ctx: AnalysisContext, configPath: string): string | undefined {
  const config = ctx.snapshot.openclaw?.config;
  if (config?.status !== 'ok' || config.data.path !== configPath || config.data.gatewayPid === undefined) return undefined;
  if (config.data.gatewayMayWrite === true) return undefined;
  return `${configPath} was chosen by the environment of the gateway (pid ${config.data.gatewayPid}), whose user cannot write it: clawmoat does not edit it as root; if it is the gateway's config, edit it by hand or name it with --openclaw-config`;
}

/**
 * `findings`: the failing findings; their `gateway.bind-private`, `gateway.set-token` and
 * `gateway.drop-dangerous-flags` intents become one edit of the config (and of a unit whose
 * `--bind` outranks it).
 */
export function planConfig(ctx: AnalysisContext, findings: readonly Finding[], options: ConfigPlanOptions): { steps: FileStep[]; notes: string[] } {
  const g = ctx.gateway;
  const steps: FileStep[] = [];
  const notes: string[] = [];
  const binds = intentsOf(findings, 'gateway.bind-private');
  const tokens = intentsOf(findings, 'gateway.set-token');
  const flagged = intentsOf(findings, 'gateway.drop-dangerous-flags');
  const bindFinding = firstInGuideOrder(binds)?.finding.id;
  const authFinding = firstInGuideOrder(tokens)?.finding.id;
  // A tailnet bind is beyond loopback: OpenClaw then insists on auth, and so do we.
  const needsToken = authFinding !== undefined || (options.remote === 'tailnet' && bindFinding !== undefined && !g.auth.token && !g.auth.password);
  // One key may be named by several findings; each is removed once, in the order the check gives.
  const dangerous = new Map(flagged.flatMap((p) => p.intent.flags.map((flag) => [flag.path.join('.'), { flag, finding: p.finding.id }] as const)));
  if (!bindFinding && !needsToken && dangerous.size === 0) return { steps, notes };
  const configPath = [...binds, ...tokens, ...flagged].map((p) => p.intent.config.file).find((f) => f !== undefined);
  if (!configPath) {
    notes.push('the OpenClaw config file is unknown: set gateway.bind and gateway.auth by hand (openclaw config set …)');
    return { steps, notes };
  }
  const refused = notForTheGatewayUser(ctx, configPath);
  if (refused) {
    notes.push(refused);
    return { steps, notes };
  }
  const before = options.readFile(configPath);
  if (before === undefined) {
    notes.push(`${configPath} could not be read: run harden as the user who owns it, or as root`);
    return { steps, notes };
  }
  let after = before;
  const changes: string[] = [];
  if (bindFinding && g.configBind?.value !== options.remote) {
    after = setJson5Path(after, ['gateway', 'bind'], options.remote);
    changes.push(`set gateway.bind "${options.remote}"`);
  }
  if (needsToken) {
    const current = firstInGuideOrder(tokens)?.intent.current;
    if (current && !current.source.includes(configPath) && !current.source.startsWith('gateway.')) {
      notes.push(
        `the gateway token comes from ${current.source}: put a new 32-byte token there (openssl rand -hex 32); the config's token is not read while it is set`,
      );
    }
    after = setJson5Path(after, ['gateway', 'auth', 'mode'], 'token');
    after = setJson5Path(after, ['gateway', 'auth', 'token'], options.newToken);
    changes.push('set gateway.auth token (a new 32-byte random token)');
  }
  for (const [name, { flag }] of dangerous) {
    const removed = removeJson5Path(after, flag.path);
    if (removed === after) {
      // Not in this file's own text: it comes from an $include, which harden does not edit.
      notes.push(
        `${name} is set in a file ${configPath} includes (${flag.location ? `${flag.location.file}:${flag.location.line}` : 'see the audit'}): remove it there`,
      );
      continue;
    }
    after = removed;
    changes.push(`remove ${name}`);
  }
  if (after !== before) {
    steps.push({
      id: 'config.gateway',
      finding: bindFinding ?? authFinding ?? [...dangerous.values()][0]!.finding,
      guide: GUIDE.config,
      kind: 'file',
      path: configPath,
      description: `${changes.join(', ').replace(/^./, (c) => c.toUpperCase())} in ${configPath}, keeping its comments. The gateway must restart to use it.`,
      diff: fileDiff(configPath, before, after, [options.newToken]),
      content: after,
      undo: `restore ${configPath} from the backup (clawmoat harden --rollback)`,
    });
  }
  // A --bind flag outranks the config: the launch itself has to change.
  for (const unit of g.units) {
    if (!bindFinding || !/--bind[= ]\s*\S+/.test(unit.content)) continue;
    const text = options.readFile(unit.path);
    if (text === undefined) {
      notes.push(`${unit.path} starts the gateway with --bind but could not be read: remove the flag by hand`);
      continue;
    }
    const edited = removeFlagFromExecStart(text, 'bind');
    if (edited === text) continue;
    steps.push({
      id: `unit.bind-flag-${unit.path.split('/').pop()}`,
      finding: bindFinding,
      guide: GUIDE.bind,
      kind: 'file',
      path: unit.path,
      description: `Remove --bind from ExecStart in ${unit.path}: the flag outranks the config, so the gateway would keep listening where it does. Then: systemctl ${unit.scope === 'user' ? '--user ' : ''}daemon-reload.`,
      diff: fileDiff(unit.path, text, edited),
      content: edited,
      undo: `restore ${unit.path} from the backup, then systemctl daemon-reload`,
    });
  }
  if (bindFinding && g.processes.some((p) => p.flags.bind !== undefined) && !steps.some((s) => s.id.startsWith('unit.'))) {
    notes.push(
      `the running gateway was started with --bind ${g.processes.find((p) => p.flags.bind)?.flags.bind}: start it without that flag, or the config change has no effect`,
    );
  }
  return { steps, notes };
}
