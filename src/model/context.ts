import type { Snapshot } from '../snapshot/types.js';
import { buildGatewayModel, type GatewayModel } from './gateway.js';
import { buildUfwModel, type UfwModel } from './ufw.js';
import { parseCompose } from './compose/parse.js';
import type { ComposeModel } from './compose/types.js';
import { gatewayWorkloads, type GatewayWorkload } from './docker.js';
import { buildNetfilterView, type NetfilterView } from './netfilter-view.js';

/**
 * Everything checks read, derived once from a snapshot. Building it is pure:
 * no I/O, no clock, no environment.
 */
export interface AnalysisContext {
  snapshot: Snapshot;
  gateway: GatewayModel;
  ufw: UfwModel | undefined;
  compose: ComposeModel[];
  workloads: GatewayWorkload[];
  netfilter: NetfilterView;
}

/** docker compose interpolates from the shell first, then the .env file. */
function composeEnv(file: Snapshot['compose'][number]): Record<string, string> {
  return { ...(file.dotenv ?? {}), ...(file.environment ?? {}) };
}

export function buildContext(snapshot: Snapshot): AnalysisContext {
  const gateway = buildGatewayModel(snapshot);
  const compose = snapshot.compose
    .filter((f) => f.content.status === 'ok')
    .map((f) => parseCompose({ path: f.path, text: (f.content as { data: string }).data, env: composeEnv(f) }));
  const containers = snapshot.docker.status === 'ok' ? snapshot.docker.data.containers : [];
  return {
    snapshot,
    gateway,
    ufw: buildUfwModel(snapshot),
    compose,
    workloads: gatewayWorkloads(containers, compose, gateway),
    netfilter: buildNetfilterView(snapshot),
  };
}
