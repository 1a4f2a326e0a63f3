import type { Door, Snapshot, Socket } from '../snapshot/types.js';
import type { GatewayTarget } from './reach-types.js';
import { buildGatewayModel, type GatewayModel } from './gateway.js';
import { buildUfwModel, type UfwModel } from './ufw.js';
import type { ComposeModel } from './compose/types.js';
import type { ComposeModels } from './compose/models.js';
import { gatewayWorkloads, unsocketedListeners, type GatewayWorkload } from './docker.js';
import { buildNetfilterView, type NetfilterView } from './netfilter-view.js';
import { computeReach, type ReachMatrix } from './reach.js';
import type { ZoneSpec } from './zones.js';
import type { ProbeReport } from '../probe/types.js';
import { gatewayTargetPorts, tailscaleFacts } from './tailscale/facts.js';
import { servePorts, serveTargets, type ServeTarget } from './serve-reach.js';
import type { ServeRoute } from './tailscale/serve-config.js';
import { describeProblem, inputProblems, type InputId, type InputProblems } from './inputs.js';
import { snapshotDoors, socketDoors, tunnelRow, unreadTunnelRow } from './doors.js';
import { snapshotDoorTargets } from './door-chains.js';

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
  /** Zones named by the user (--zone); they take part in every reach-based finding. */
  zoneSpecs: ZoneSpec[];
  /** The reachability matrix, computed on first use (a check that needs it pays for it once). */
  reach(): ReachMatrix;
  /** Where each door leads, doors behind doors followed, over the same listeners as the matrix (computed once). */
  doorTargets(): (door: Door) => GatewayTarget;
  /** Where each Tailscale Serve/Funnel route leads, decided as a door's upstream is (serveTargets; computed once). */
  serveTarget(): (route: ServeRoute) => ServeTarget;
  /** Live probe results (`audit --probe`): an input like the snapshot, so the analysis stays pure. */
  probe: ProbeReport | undefined;
  /** What could not be read of each input; a check that rests on one of these cannot pass. */
  inputs: InputProblems;
}

/**
 * The inputs each field of the context is derived from. A check that reads a field depends on
 * these inputs whether it declared them or not; `trackInputs` records it.
 */
const FIELD_INPUTS: Record<keyof AnalysisContext, readonly InputId[]> = {
  snapshot: [],
  gateway: ['openclaw', 'sockets'],
  ufw: ['ufw'],
  compose: ['compose'],
  workloads: ['docker', 'compose', 'openclaw', 'sockets'],
  netfilter: ['netfilter'],
  zoneSpecs: [],
  reach: ['sockets', 'network', 'netfilter', 'docker', 'tailscale', 'openclaw', 'doors'],
  doorTargets: ['sockets', 'docker', 'tailscale', 'openclaw', 'doors', 'network'],
  serveTarget: ['sockets', 'docker', 'tailscale', 'openclaw', 'doors', 'network'],
  probe: ['probe'],
  inputs: [],
};

const SNAPSHOT_INPUTS: Partial<Record<keyof Snapshot, InputId>> = {
  sockets: 'sockets',
  network: 'network',
  netfilter: 'netfilter',
  ufw: 'ufw',
  docker: 'docker',
  compose: 'compose',
  tailscale: 'tailscale',
  sshd: 'sshd',
  openclaw: 'openclaw',
  doors: 'doors',
};

/** The key under which a tracking view hands out the context behind it (see `untracked`). */
const UNTRACKED = Symbol('untracked');

/**
 * The context behind a tracking view, reads through which are not recorded. Only for what sets a
 * finding's severity and never its result (checks/exposed.ts): a pass never rests on such a read.
 */
export function untracked(ctx: AnalysisContext): AnalysisContext {
  return (ctx as AnalysisContext & { [UNTRACKED]?: AnalysisContext })[UNTRACKED] ?? ctx;
}

/**
 * A view of the context that records which inputs are read through it: each derived field
 * counts as the inputs it is built from, each part of the snapshot as its own input.
 */
export function trackInputs(ctx: AnalysisContext): { ctx: AnalysisContext; read: Set<InputId> } {
  const read = new Set<InputId>();
  const snapshot = new Proxy(ctx.snapshot, {
    get(target, key, receiver) {
      const input = SNAPSHOT_INPUTS[key as keyof Snapshot];
      if (input) read.add(input);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const view = new Proxy(ctx, {
    get(target, key, receiver) {
      if (key === 'snapshot') return snapshot;
      if (key === UNTRACKED) return target;
      for (const input of FIELD_INPUTS[key as keyof AnalysisContext] ?? []) read.add(input);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { ctx: view, read };
}

export interface AnalysisOptions {
  zones?: ZoneSpec[];
  probe?: ProbeReport;
}

/** No compose file to parse: what composeModels returns for such a snapshot, without loading the YAML library. */
const NO_COMPOSE: ComposeModels = { files: [], projects: [] };

/**
 * The context, for a command that reads a snapshot and has a moment to load code: the compose
 * parser (and with it the YAML library, a quarter of a megabyte to compile) is imported only
 * when the snapshot holds a compose file to parse. buildContext (context.ts) is the same, sync.
 */
export async function loadContext(snapshot: Snapshot, options: AnalysisOptions = {}): Promise<AnalysisContext> {
  const compose = snapshot.compose.some((f) => f.content.status === 'ok') ? (await import('./compose/models.js')).composeModels(snapshot) : NO_COMPOSE;
  return contextFrom(snapshot, compose, options);
}

/** The context of a snapshot whose compose files are parsed already (`composeModels`). */
export function contextFrom(snapshot: Snapshot, composeParsed: ComposeModels, options: AnalysisOptions = {}): AnalysisContext {
  const gateway = buildGatewayModel(snapshot);
  const { files: composeFiles, projects: compose } = composeParsed;
  const containers = snapshot.docker.status === 'ok' ? snapshot.docker.data.containers : [];
  const netfilter = buildNetfilterView(snapshot);
  const zoneSpecs = options.zones ?? [];
  // Per gateway model: a context copied with another gateway (the Tailscale plan's --port) has its own.
  const matrixBy = new WeakMap<GatewayModel, ReachMatrix>();
  const doorTargetsBy = new WeakMap<GatewayModel, (door: Door) => GatewayTarget>();
  const serveTargetBy = new WeakMap<GatewayModel, (route: ServeRoute) => ServeTarget>();
  // The listeners no socket shows (Docker's DNAT alone): the gateway's published ports and door containers'.
  const unsocketedBy = new WeakMap<GatewayModel, { gateway: Socket[]; doors: Socket[] }>();
  const sockets = snapshot.sockets.status === 'ok' ? snapshot.sockets.data : [];
  const unsocketedFor = (g: GatewayModel) => {
    let found = unsocketedBy.get(g);
    if (!found) unsocketedBy.set(g, (found = unsocketedListeners(snapshot, g.ports)));
    return found;
  };
  const ctx: AnalysisContext = {
    snapshot,
    gateway,
    ufw: buildUfwModel(snapshot),
    compose,
    workloads: gatewayWorkloads(containers, compose, gateway),
    netfilter,
    zoneSpecs,
    probe: options.probe,
    inputs: inputProblems(snapshot, composeFiles, compose),
    doorTargets(this: AnalysisContext) {
      const g = this.gateway;
      let found = doorTargetsBy.get(g);
      if (!found) {
        const extra = unsocketedFor(g);
        found = snapshotDoorTargets(snapshot, { ports: gatewayTargetPorts(this), sockets: g.listeners }, [...extra.gateway, ...extra.doors]);
        doorTargetsBy.set(g, found);
      }
      return found;
    },
    serveTarget(this: AnalysisContext) {
      const g = this.gateway;
      let found = serveTargetBy.get(g);
      if (!found) {
        const extra = unsocketedFor(g);
        const { doors, problems } = snapshotDoors(snapshot);
        found = serveTargets({
          sockets: [...sockets, ...extra.gateway, ...extra.doors],
          gatewaySockets: [...g.listeners, ...extra.gateway],
          gatewayPorts: gatewayTargetPorts(this),
          doors,
          problems,
          behind: this.doorTargets(),
          hostname: snapshot.host.hostname,
        });
        serveTargetBy.set(g, found);
      }
      return found;
    },
    reach(this: AnalysisContext) {
      // Per gateway model, like doorTargets: the matrix of a copy with another gateway is that gateway's, never the base's.
      const g = this.gateway;
      let matrix = matrixBy.get(g);
      if (!matrix) {
        const doors = snapshotDoors(snapshot);
        const unsocketed = unsocketedFor(g);
        const published = unsocketed.gateway;
        const tailscale = tailscaleFacts(this);
        // Serve answers only while tailscaled is up; a Tailscale Service has an address of its own.
        const routes = tailscale.state === 'running' ? tailscale.routes.filter((r) => !r.scope.startsWith('svc:')) : [];
        const behind = this.doorTargets();
        matrix = computeReach(snapshot, netfilter.ruleset, {
          socketDoors: socketDoors(doors.doors, doors.problems, [...sockets, ...published, ...unsocketed.doors], behind),
          userSpace: [
            ...doors.doors.filter((d) => d.remote).map((d) => tunnelRow(d, behind(d))),
            ...doors.problems.filter((p) => p.tunnel).map(unreadTunnelRow),
          ],
          zones: zoneSpecs,
          gatewaySockets: new Set([...g.listeners, ...published]),
          extraSockets: [...published, ...unsocketed.doors],
          limitations: [
            ...netfilter.limitations,
            ...(tailscale.interface && tailscale.notChecked ? [tailscale.notChecked] : []),
            ...this.inputs.doors.map(describeProblem),
          ],
          serve: servePorts(routes, tailscale.addresses, this.serveTarget()),
          ...(tailscale.serveUnread ? { serveUnread: tailscale.serveUnread } : {}),
        });
        matrixBy.set(g, matrix);
      }
      return matrix;
    },
  };
  return ctx;
}
