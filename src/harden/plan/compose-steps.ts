import { GUIDE } from '../../checks/guide.js';
import type { AnalysisContext } from '../../model/context.js';
import type { GatewayWorkload } from '../../model/docker.js';
import { joinDedicatedNetwork, publishOnLoopback, removeDockerSocketMounts, removeHostNetwork, removePublishedPorts } from '../edit/compose-edit.js';
import { fileDiff } from './file-diff.js';
import type { FileStep } from '../types.js';
import type { IntentOf, PublishRef } from '../../checks/fix-intents.js';
import type { Finding } from '../../checks/types.js';
import { intentsOf, type Planned } from './intents.js';

/**
 * Docker, the compose way: a compose file is what runs after the next `docker compose up`, so
 * that is where the fix lives (comments kept). A container without one gets the command that
 * recreates it, printed, never run.
 */

export interface ComposePlanOptions {
  noPublish: boolean;
  readFile: (path: string) => string | undefined;
}

const NETWORK = 'openclaw-net';

/**
 * `docker run` flags that publish the same ports on 127.0.0.1 only: the host side stays what it
 * was (a gateway published 8080->80 keeps 8080), an ephemeral one stays ephemeral.
 */
export function loopbackRunFlags(publishes: readonly PublishRef[]): string {
  const flags = publishes.map((p) => `-p 127.0.0.1:${p.hostPort ?? ''}:${p.containerPort}${p.protocol === 'tcp' ? '' : `/${p.protocol}`}`);
  return [...new Set(flags)].join(' ');
}

function serviceOf(w: GatewayWorkload): { service: string; file: string } | undefined {
  const m = /^service (\S+) in (.+)$/.exec(w.label);
  return m ? { service: m[1]!, file: m[2]! } : undefined;
}

type WorkloadChange = 'docker.publish-loopback' | 'docker.network-not-host' | 'docker.network-dedicated' | 'docker.drop-socket-mount';

/** The findings that ask for a change of this kind to this workload, with their intents. */
function askedFor<K extends WorkloadChange>(findings: readonly Finding[], kind: K, w: GatewayWorkload): Planned<K>[] {
  return intentsOf(findings, kind).filter((p) => (p.intent as IntentOf<WorkloadChange>).workload.label === w.label);
}

/**
 * `findings`: the failing findings. Each workload gets exactly the changes their intents name
 * (`docker.publish-loopback`, `docker.network-not-host`, `docker.network-dedicated`,
 * `docker.drop-socket-mount`), all in one edit of its compose file.
 */
export function planCompose(ctx: AnalysisContext, findings: readonly Finding[], options: ComposePlanOptions): { steps: FileStep[]; notes: string[] } {
  const steps: FileStep[] = [];
  const notes: string[] = [];
  const edits = new Map<string, { before: string; after: string; what: string[]; finding: string; services: string[] }>();
  for (const w of ctx.workloads) {
    const publish = askedFor(findings, 'docker.publish-loopback', w);
    const host = askedFor(findings, 'docker.network-not-host', w)[0];
    const bridge = askedFor(findings, 'docker.network-dedicated', w)[0];
    const socket = askedFor(findings, 'docker.drop-socket-mount', w)[0];
    // Exactly the publishes the check found beyond loopback: it owns that judgement.
    const publishes = publish.flatMap((p) => p.intent.publishes);
    const publicPorts = publishes.map((p) => Number(p.containerPort.split('-')[0])).filter((n) => Number.isInteger(n));
    const wants = { publish: publicPorts.length > 0, host: host !== undefined, bridge: bridge !== undefined, socket: socket !== undefined };
    if (!Object.values(wants).some(Boolean)) continue;
    const where = serviceOf(w);
    if (w.kind === 'container' || !where) {
      const fixes = [
        wants.publish ? loopbackRunFlags(publishes) : '',
        wants.bridge || wants.host ? `--network ${NETWORK}` : '',
        wants.socket ? 'without -v /var/run/docker.sock' : '',
      ].filter(Boolean);
      notes.push(
        `${w.label} runs without a compose file clawmoat can edit: recreate it (docker network create ${NETWORK}; docker rm -f …; docker run … ${fixes.join(' ')})`,
      );
      continue;
    }
    const edit =
      edits.get(where.file) ??
      (() => {
        const text = options.readFile(where.file);
        if (text === undefined) return undefined;
        const fresh = { before: text, after: text, what: [] as string[], finding: '', services: [] as string[] };
        edits.set(where.file, fresh);
        return fresh;
      })();
    if (!edit) {
      notes.push(`${where.file} could not be read: fix ${w.label} by hand`);
      continue;
    }
    edit.services.push(where.service);
    if (wants.publish) {
      edit.after = options.noPublish ? removePublishedPorts(edit.after, where.service, publicPorts) : publishOnLoopback(edit.after, where.service, publicPorts);
      edit.what.push(options.noPublish ? `stop publishing ${publicPorts.join(', ')}` : `publish ${publicPorts.join(', ')} on 127.0.0.1 only`);
      edit.finding ||= publish[0]!.finding.id;
    }
    if (wants.host) {
      edit.after = removeHostNetwork(edit.after, where.service);
      edit.what.push('leave the host network');
      edit.finding ||= host!.finding.id;
    }
    if (wants.host || wants.bridge) {
      edit.after = joinDedicatedNetwork(edit.after, where.service, NETWORK);
      edit.what.push(`join the dedicated network ${NETWORK}`);
      edit.finding ||= (host ?? bridge)!.finding.id;
    }
    if (wants.socket) {
      edit.after = removeDockerSocketMounts(edit.after, where.service);
      edit.what.push('drop the Docker socket mount');
      edit.finding ||= socket!.finding.id;
    }
  }
  for (const [file, e] of edits) {
    if (e.after === e.before) continue;
    steps.push({
      id: `compose.${e.services.join('+')}`,
      finding: e.finding,
      guide: GUIDE.docker,
      kind: 'file',
      path: file,
      description: `In ${file}, ${e.services.join(', ')}: ${e.what.join('; ')}. Then recreate it: docker compose -f ${file} up -d.`,
      diff: fileDiff(file, e.before, e.after),
      content: e.after,
      undo: `restore ${file} from the backup, then docker compose -f ${file} up -d`,
    });
  }
  return { steps, notes };
}
