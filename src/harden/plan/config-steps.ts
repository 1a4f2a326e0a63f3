import { GUIDE } from '../../checks/guide.js';
import type { AnalysisContext } from '../../model/context.js';
import { removeFlagFromExecStart } from '../edit/unit-edit.js';
import { removeJson5Path, setJson5Path } from '../edit/json5-edit.js';
import { dangerousKeysOn } from '../../model/dangerous-keys.js';
import { fileDiff } from './file-diff.js';
import type { FileStep } from '../types.js';

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

export const BIND_FINDINGS = ['gateway.bind.public', 'gateway.bind.drift', 'exposure.internet', 'exposure.lan'];
/** A live probe that found auth off (or wide open) is fixed the same way: a token in the config. */
export const AUTH_FINDINGS = ['gateway.auth.none', 'gateway.auth.weak_token', 'probe.auth.none', 'probe.auth.open'];

export function planConfig(ctx: AnalysisContext, findings: Map<string, string>, options: ConfigPlanOptions): { steps: FileStep[]; notes: string[] } {
  const g = ctx.gateway;
  const steps: FileStep[] = [];
  const notes: string[] = [];
  const bindFinding = BIND_FINDINGS.find((id) => findings.has(id));
  const authFinding = AUTH_FINDINGS.find((id) => findings.has(id));
  // A tailnet bind is beyond loopback: OpenClaw then insists on auth, and so do we.
  const needsToken = authFinding !== undefined || (options.remote === 'tailnet' && bindFinding !== undefined && !g.auth.token && !g.auth.password);
  const dangerous = findings.has('gateway.dangerous_flags') ? dangerousKeysOn(g.config) : [];
  if (!bindFinding && !needsToken && dangerous.length === 0) return { steps, notes };
  if (!g.configPath) {
    notes.push('the OpenClaw config file is unknown: set gateway.bind and gateway.auth by hand (openclaw config set …)');
    return { steps, notes };
  }
  const before = options.readFile(g.configPath);
  if (before === undefined) {
    notes.push(`${g.configPath} could not be read: run harden as the user who owns it, or as root`);
    return { steps, notes };
  }
  let after = before;
  const changes: string[] = [];
  if (bindFinding && g.configBind?.value !== options.remote) {
    after = setJson5Path(after, ['gateway', 'bind'], options.remote);
    changes.push(`set gateway.bind "${options.remote}"`);
  }
  if (needsToken) {
    if (g.auth.token && !g.auth.token.source.includes(g.configPath) && !g.auth.token.source.startsWith('gateway.')) {
      notes.push(
        `the gateway token comes from ${g.auth.token.source}: put a new 32-byte token there (openssl rand -hex 32); the config's token is not read while it is set`,
      );
    }
    after = setJson5Path(after, ['gateway', 'auth', 'mode'], 'token');
    after = setJson5Path(after, ['gateway', 'auth', 'token'], options.newToken);
    changes.push('set gateway.auth token (a new 32-byte random token)');
  }
  for (const key of dangerous) {
    const name = key.path.join('.');
    const removed = removeJson5Path(after, key.path);
    if (removed === after) {
      // Not in this file's own text: it comes from an $include, which harden does not edit.
      notes.push(
        `${name} is set in a file ${g.configPath} includes (${g.locations[name] ? `${g.locations[name]!.file}:${g.locations[name]!.line}` : 'see the audit'}): remove it there`,
      );
      continue;
    }
    after = removed;
    changes.push(`remove ${name}`);
  }
  if (after !== before) {
    steps.push({
      id: 'config.gateway',
      finding: bindFinding ?? authFinding ?? 'gateway.dangerous_flags',
      guide: GUIDE.config,
      kind: 'file',
      path: g.configPath,
      description: `${changes.join(', ').replace(/^./, (c) => c.toUpperCase())} in ${g.configPath}, keeping its comments. The gateway must restart to use it.`,
      diff: fileDiff(g.configPath, before, after, [options.newToken]),
      content: after,
      undo: `restore ${g.configPath} from the backup (clawmoat harden --rollback)`,
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
