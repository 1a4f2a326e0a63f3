import type { Evidence } from '../../checks/types.js';
import type { DockerContainer } from '../../snapshot/types.js';
import { composeLabels, describeContainer, dockerState, isGatewayContainer, portOfContainer, runningContainers } from '../docker-facts.js';
import { joinAnd, unknown } from '../facts.js';
import type { DoctorContext, Symptom } from '../symptom.js';
import type { Diagnosis } from '../types.js';
import { SYMPTOM_META } from '../catalogue.js';
import { shellCommand, shownCommands } from '../../model/shell-word.js';

/**
 * "A container can't reach the gateway." Containers talk only over a network they share,
 * and find each other by name only on a user-defined one (Docker's default bridge has no
 * DNS). The gateway container and the one that cannot reach it are on different networks:
 * name both, and join the caller to the gateway's network.
 */

const DEFAULT_BRIDGE = 'bridge';
const NEW_NETWORK = 'openclaw-net';

function networksOf(c: DockerContainer): string[] {
  return c.networks.map((n) => n.name);
}

function networkText(c: DockerContainer): string {
  const names = networksOf(c);
  return names.length > 0 ? joinAnd(names.map((n) => (n === DEFAULT_BRIDGE ? "bridge (Docker's default)" : n))) : `no network (network mode ${c.networkMode})`;
}

/** The compose change that keeps a live fix across `docker compose up`. */
function composeHint(ctx: DoctorContext, c: DockerContainer, network: string): string {
  const origin = composeLabels(ctx, c);
  if (!origin) return '';
  const where = origin.files.length > 0 ? origin.files.join(', ') : 'its compose file';
  return ` ${c.name} comes from compose (service ${origin.service} in ${where}): to keep this when it is recreated, add "${network}" under that service's \`networks:\` and declare it at the top level as \`${network}: { external: true }\`.`;
}

export const containerNetwork: Symptom = {
  meta: SYMPTOM_META['container-network'],
  diagnose(ctx): Diagnosis {
    const a = ctx.analysis;
    const docker = dockerState(ctx);
    if (!docker) return unknown(`Docker was not checked: ${a.snapshot.docker.status === 'ok' ? '' : a.snapshot.docker.detail}`);
    const running = runningContainers(docker);
    const gateways = running.filter((c) => isGatewayContainer(ctx, c));
    const gw = gateways[0];
    if (!gw) {
      const host = a.gateway.detected ? ` (the gateway here runs on the host: ${a.gateway.detectedBy.join(', ')})` : '';
      return unknown(`no gateway container is running${host}, so there are no two containers to compare`);
    }
    const port = portOfContainer(gw);
    const saw: Evidence[] = [{ kind: 'container', text: `the gateway: ${describeContainer(gw)} on ${networkText(gw)}, listening on ${port} inside` }];
    if (gw.networkMode === 'host') {
      return unknown(`${describeContainer(gw)} uses the host's network, not a Docker network: containers reach it only through the host`, saw);
    }
    const others = running.filter((c) => !gateways.includes(c));
    if (others.length === 0) return unknown('no other container is running: start the one that cannot reach the gateway, then run this again', saw);

    const gwNetworks = networksOf(gw);
    const target = gwNetworks.find((n) => n !== DEFAULT_BRIDGE);
    const cut: DockerContainer[] = [];
    const bridgeOnly: DockerContainer[] = [];
    for (const c of others) {
      if (c.networkMode === 'host' || c.networkMode === 'none' || c.networkMode.startsWith('container:')) {
        saw.push({ kind: 'container', text: `${describeContainer(c)}: network mode ${c.networkMode} (not a Docker network it could share)` });
        continue;
      }
      const shared = networksOf(c).filter((n) => gwNetworks.includes(n));
      if (shared.some((n) => n !== DEFAULT_BRIDGE)) {
        const net = shared.find((n) => n !== DEFAULT_BRIDGE)!;
        saw.push({ kind: 'container', text: `${describeContainer(c)} shares ${net} with it: reaches it as http://${gw.name}:${port}/` });
      } else if (shared.includes(DEFAULT_BRIDGE)) {
        saw.push({ kind: 'container', text: `${describeContainer(c)} shares only Docker's default bridge with it, where container names do not resolve` });
        bridgeOnly.push(c);
      } else {
        saw.push({ kind: 'container', text: `${describeContainer(c)} on ${networkText(c)}: no network in common with the gateway` });
        cut.push(c);
      }
    }
    if (cut.length === 0 && bridgeOnly.length === 0) {
      return {
        status: 'ok',
        cause: `every running container shares a user-defined network with ${gw.name}: each can reach it as http://${gw.name}:${port}/`,
        saw,
      };
    }
    const stranded = [...cut, ...bridgeOnly];
    const names = joinAnd(stranded.map((c) => c.name));
    if (!target) {
      // The gateway itself is only on the default bridge: a user-defined network for both is the fix (and the guide's).
      return {
        status: 'problem',
        cause: `${gw.name} is only on Docker's default bridge and ${names} ${stranded.length === 1 ? 'is' : 'are'} on ${joinAnd([...new Set(stranded.flatMap(networksOf))])}: no user-defined network in common, so ${gw.name} does not resolve there`,
        saw,
        fix: {
          text: `Put the gateway and ${names} on one user-defined network (the guide's dedicated network), then use http://${gw.name}:${port}/ from ${names}.`,
          commands: shownCommands([
            shellCommand`docker network create ${NEW_NETWORK}`,
            shellCommand`docker network connect ${NEW_NETWORK} ${gw.name}`,
            ...stranded.map((c) => shellCommand`docker network connect ${NEW_NETWORK} ${c.name}`),
          ]),
        },
      };
    }
    const described = stranded.map((c) => `${c.name} is on ${networkText(c)}`);
    return {
      status: 'problem',
      cause: `the two containers are on different Docker networks: the gateway ${gw.name} is on ${networkText(gw)}, ${joinAnd(described)}`,
      saw,
      fix: {
        text: `Connect ${names} to the gateway's network ${target} (live, no restart), then use http://${gw.name}:${port}/ from ${stranded.length === 1 ? 'it' : 'them'}.${stranded.map((c) => composeHint(ctx, c, target)).join('')}`,
        commands: shownCommands(stranded.map((c) => shellCommand`docker network connect ${target} ${c.name}`)),
      },
    };
  },
};
