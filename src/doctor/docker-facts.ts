import { gatewayWorkloads } from '../model/docker.js';
import { DEFAULT_GATEWAY_PORT } from '../model/gateway.js';
import type { ComposeModel, ComposeService } from '../model/compose/types.js';
import { parseGatewayFlags } from '../openclaw/flags.js';
import type { ComposeFile, DockerContainer, DockerState } from '../snapshot/types.js';
import type { DoctorContext } from './symptom.js';

/** Docker facts for the two container symptoms: which container is the gateway, its port, its compose file. */

export function dockerState(ctx: DoctorContext): DockerState | undefined {
  const docker = ctx.analysis.snapshot.docker;
  return docker.status === 'ok' ? docker.data : undefined;
}

export function runningContainers(docker: DockerState): DockerContainer[] {
  return docker.containers.filter((c) => c.state === 'running');
}

/** The same recognition as the audit's Docker checks (name, image, command or a gateway port). */
export function isGatewayContainer(ctx: DoctorContext, c: DockerContainer): boolean {
  return gatewayWorkloads([c], [], ctx.analysis.gateway).length > 0;
}

export function describeContainer(c: DockerContainer): string {
  return `container ${c.name} (${c.image}, ${c.id.slice(0, 12)})`;
}

function envValue(env: string[] | Record<string, string>, name: string): string | undefined {
  if (!Array.isArray(env)) return env[name];
  const entry = env.find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

/**
 * The port the gateway listens on inside its container: --port in its command, then
 * OPENCLAW_GATEWAY_PORT, then a port the image exposes that is a gateway port, then the default.
 * The host gateway's port is not used: a container has its own.
 */
export function containerGatewayPort(command: string[], env: string[] | Record<string, string>, exposed: number[] = []): number {
  const flags = parseGatewayFlags(command);
  if (flags.port) return flags.port;
  const fromEnv = Number(envValue(env, 'OPENCLAW_GATEWAY_PORT'));
  if (Number.isInteger(fromEnv) && fromEnv > 0 && fromEnv < 65536) return fromEnv;
  return exposed.find((p) => p === DEFAULT_GATEWAY_PORT || p === DEFAULT_GATEWAY_PORT + 2) ?? DEFAULT_GATEWAY_PORT;
}

export function portOfContainer(c: DockerContainer): number {
  return containerGatewayPort(
    c.command,
    c.env,
    c.ports.map((p) => p.containerPort),
  );
}

export interface ComposeOrigin {
  service: string;
  /** The compose files that define it (compose's labels), or the one it was found in. */
  files: string[];
  /** The file as collected, when it is in the snapshot (--compose, or the working directory). */
  file?: ComposeFile;
}

function collected(ctx: DoctorContext, path: string): ComposeFile | undefined {
  return ctx.analysis.snapshot.compose.find((f) => f.path === path && f.content.status === 'ok');
}

/** Where docker compose recorded a container came from (its com.docker.compose.* labels). */
export function composeLabels(ctx: DoctorContext, c: DockerContainer): ComposeOrigin | undefined {
  const service = c.labels['com.docker.compose.service'];
  if (!service) return undefined;
  const files = (c.labels['com.docker.compose.project.config_files'] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const file = files.map((f) => collected(ctx, f)).find((f) => f !== undefined);
  return file ? { service, files, file } : { service, files };
}

export interface ComposeGateway {
  model: ComposeModel;
  service: ComposeService;
  file: ComposeFile;
}

/** Gateway services in the compose files that were read. */
export function composeGateways(ctx: DoctorContext): ComposeGateway[] {
  const out: ComposeGateway[] = [];
  for (const model of ctx.analysis.compose) {
    const file = collected(ctx, model.path);
    if (!file) continue;
    for (const service of model.services) {
      if (gatewayWorkloads([], [{ ...model, services: [service] }], ctx.analysis.gateway).length > 0) out.push({ model, service, file });
    }
  }
  return out;
}

export function composeText(file: ComposeFile): string {
  return file.content.status === 'ok' ? file.content.data : '';
}
