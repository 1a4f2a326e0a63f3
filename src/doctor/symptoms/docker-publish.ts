import type { Evidence } from '../../checks/types.js';
import { addLoopbackPublish } from '../../harden/edit/compose-edit.js';
import { EditError } from '../../harden/edit/errors.js';
import { fileDiff } from '../../harden/plan/file-diff.js';
import type { ComposePort } from '../../model/compose/types.js';
import type { DockerContainer, DockerPortBinding } from '../../snapshot/types.js';
import {
  composeGateways,
  composeLabels,
  composeText,
  containerGatewayPort,
  describeContainer,
  dockerState,
  isGatewayContainer,
  portOfContainer,
  runningContainers,
  type ComposeGateway,
} from '../docker-facts.js';
import { joinAnd, note, ok, unknown } from '../facts.js';
import type { DoctorContext, Symptom } from '../symptom.js';
import type { Diagnosis, DoctorFix } from '../types.js';
import { SYMPTOM_META } from '../catalogue.js';
import { shellCommand, shownCommands } from '../../model/shell-word.js';

/**
 * "The host CLI can't reach a gateway in Docker." A container's port is reachable from the
 * host only when it is published. The fix publishes it on 127.0.0.1 alone: a port
 * published on every address is open to the internet, and Docker's DNAT bypasses UFW.
 */

/** Addresses on which a publish is reachable at the host's 127.0.0.1. */
const HOST_REACHABLE = new Set(['', '0.0.0.0', '::', '127.0.0.1']);

function bindingText(p: DockerPortBinding): string {
  return p.hostPort === '' ? `${p.containerPort}/${p.protocol} (exposed, not published)` : `${p.hostIp || '*'}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

function covers(spec: string | undefined, port: number): boolean {
  if (!spec) return false;
  const [lo, hi] = spec.split('-').map(Number) as [number, number | undefined];
  return hi === undefined ? lo === port : port >= lo && port <= hi;
}

/** The compose service a gateway container comes from: compose's labels, else the one gateway service read. */
function composeFor(ctx: DoctorContext, c: DockerContainer): { service: string; files: string[]; text?: string; path?: string } | undefined {
  const labels = composeLabels(ctx, c);
  if (labels) return labels.file ? { service: labels.service, files: labels.files, text: composeText(labels.file), path: labels.file.path } : labels;
  const services = composeGateways(ctx);
  const match = services.find((s) => s.service.name === c.name) ?? (services.length === 1 ? services[0] : undefined);
  return match ? { service: match.service.name, files: [match.file.path], text: composeText(match.file), path: match.file.path } : undefined;
}

/** The compose diff that publishes the port on 127.0.0.1, or why there is none. */
function composeDiff(path: string, text: string, service: string, hostPort: number, port: number): { diff?: string; error?: string } {
  try {
    const after = addLoopbackPublish(text, service, hostPort, port);
    return after === text ? {} : { diff: fileDiff(path, text, after) };
  } catch (error) {
    if (error instanceof EditError) return { error: `${path}: ${error.message}` };
    throw error;
  }
}

function publishFix(
  where: { service: string; files: string[]; text?: string; path?: string } | undefined,
  c: DockerContainer | undefined,
  hostPort: number,
  port: number,
): DoctorFix {
  const publish = `127.0.0.1:${hostPort}:${port}`;
  const taken = hostPort !== port ? ` Port ${port} is already held on this host, so the host side is ${hostPort}.` : '';
  const why = `Publish it on 127.0.0.1 only: never on every address, where Docker opens it past UFW to the whole network.${taken}`;
  if (where?.text !== undefined && where.path) {
    const { diff, error } = composeDiff(where.path, where.text, where.service, hostPort, port);
    if (diff)
      return {
        text: `${why} In ${where.path}, service ${where.service}: add "${publish}" to its ports, then recreate it.`,
        commands: shownCommands([shellCommand`docker compose -f ${where.path} up -d ${where.service}`]),
        diff,
      };
    if (!error)
      return {
        text: `${where.path} already publishes ${port} for service ${where.service}; the running container predates it: recreate it.`,
        commands: shownCommands([shellCommand`docker compose -f ${where.path} up -d ${where.service}`]),
      };
    return {
      text: `${why} Add "${publish}" to the ports of service ${where.service} by hand (${error}), then recreate it.`,
      commands: shownCommands([shellCommand`docker compose -f ${where.path} up -d ${where.service}`]),
    };
  }
  if (where) {
    const files = where.files.join(', ') || 'its compose file';
    return {
      text: `${why} In ${files}, service ${where.service}: add "${publish}" under \`ports:\`, then recreate it (\`clawmoat doctor docker-publish --compose FILE\` shows the diff).`,
      commands: where.files[0] ? shownCommands([shellCommand`clawmoat doctor docker-publish --compose ${where.files[0]}`]) : [],
    };
  }
  const name = c?.name ?? 'openclaw-gateway';
  const net = c?.networks.find((n) => n.name !== 'bridge')?.name;
  return {
    text: `${why} A running container cannot gain a published port: recreate it with the options it was started with, plus -p ${publish}.`,
    commands: shownCommands([
      shellCommand`docker rm -f ${name}`,
      net === undefined
        ? c?.image === undefined
          ? shellCommand`docker run -d --name ${name} -p ${publish} IMAGE …`
          : shellCommand`docker run -d --name ${name} -p ${publish} ${c.image} …`
        : c?.image === undefined
          ? shellCommand`docker run -d --name ${name} --network ${net} -p ${publish} IMAGE …`
          : shellCommand`docker run -d --name ${name} --network ${net} -p ${publish} ${c.image} …`,
    ]),
  };
}

/**
 * The host port to publish on: the gateway's own when nothing on the host holds it, else the
 * first free one of PORT+1000, PORT+2000, … (a gateway on the host often holds the same port).
 */
function freeHostPort(ctx: DoctorContext, port: number): number {
  const sockets = ctx.analysis.snapshot.sockets;
  const held = new Set(sockets.status === 'ok' ? sockets.data.filter((s) => s.protocol === 'tcp').map((s) => s.port) : []);
  for (let candidate = port; candidate < 65536; candidate += 1000) if (!held.has(candidate)) return candidate;
  return port;
}

function hostSockets(ctx: DoctorContext, port: number): Evidence {
  const sockets = ctx.analysis.snapshot.sockets;
  if (sockets.status !== 'ok') return note(`this host's sockets were not read: ${sockets.detail}`);
  const on = sockets.data.filter((s) => s.protocol === 'tcp' && s.port === port);
  return on.length === 0
    ? { kind: 'socket', text: `nothing on this host listens on port ${port}` }
    : { kind: 'socket', text: `on this host, port ${port} is held by ${on.map((s) => `${s.address} (${s.process ?? 'owner not visible'})`).join(', ')}` };
}

function fromContainer(ctx: DoctorContext, c: DockerContainer): Diagnosis {
  const port = portOfContainer(c);
  const saw: Evidence[] = [
    {
      kind: 'container',
      text: `${describeContainer(c)} on ${joinAnd(c.networks.map((n) => n.name)) || c.networkMode}, the gateway listening on ${port} inside`,
    },
    { kind: 'container', text: c.ports.length > 0 ? `its ports: ${c.ports.map(bindingText).join(', ')}` : 'its ports: none published' },
  ];
  if (c.networkMode === 'host') return ok(`${c.name} uses the host's network: the gateway listens on the host itself, at 127.0.0.1:${port}`, saw);
  const published = c.ports.filter((p) => p.protocol === 'tcp' && p.containerPort === port && p.hostPort !== '');
  const reachable = published.filter((p) => HOST_REACHABLE.has(p.hostIp));
  if (reachable.length > 0) {
    const p = reachable[0]!;
    const wide = reachable.some((x) => x.hostIp !== '127.0.0.1');
    return ok(
      `${c.name} publishes ${port} as ${bindingText(p)}: the host CLI reaches it at http://127.0.0.1:${p.hostPort}/${wide ? ' (on every address too: `clawmoat harden` moves it to 127.0.0.1)' : ''}`,
      saw,
    );
  }
  saw.push(hostSockets(ctx, port));
  const cause =
    published.length > 0
      ? `${c.name} publishes ${port} only on ${joinAnd(published.map((p) => p.hostIp))}, not on 127.0.0.1: the host CLI's 127.0.0.1:${port} does not reach it`
      : `the port is not published: ${c.name}'s gateway port ${port} is reachable only inside Docker (${joinAnd(c.networks.map((n) => n.name)) || c.networkMode}), not at 127.0.0.1:${port} on this host`;
  return { status: 'problem', cause, saw, fix: publishFix(composeFor(ctx, c), c, freeHostPort(ctx, port), port) };
}

function portOfService(g: ComposeGateway): number {
  return containerGatewayPort(g.service.command, g.service.environment);
}

function fromCompose(ctx: DoctorContext, g: ComposeGateway): Diagnosis {
  const port = portOfService(g);
  const where = `service ${g.service.name} in ${g.model.path}:${g.service.line}`;
  const saw: Evidence[] = [
    {
      kind: 'file',
      text: `${where}: ${g.service.ports.length > 0 ? `ports ${g.service.ports.map((p: ComposePort) => p.raw).join(', ')}` : 'no ports'}`,
      location: { file: g.model.path, line: g.service.line },
    },
    note('no running gateway container (Docker: the compose file decides what runs after `docker compose up`)'),
  ];
  if (g.service.networkMode === 'host') return ok(`${g.service.name} uses the host's network: the gateway listens on the host itself`, saw);
  const published = g.service.ports.filter(
    (p) => p.protocol === 'tcp' && covers(p.containerPort, port) && p.hostPort !== undefined && HOST_REACHABLE.has(p.hostIp),
  );
  if (published.length > 0) return ok(`${where} publishes ${port} (${published[0]!.raw}): the host CLI reaches it once it runs`, saw);
  return {
    status: 'problem',
    cause: `the port is not published: ${where} publishes no port for the gateway's ${port}, so the host's 127.0.0.1:${port} will not reach it`,
    saw,
    fix: publishFix({ service: g.service.name, files: [g.file.path], text: composeText(g.file), path: g.file.path }, undefined, freeHostPort(ctx, port), port),
  };
}

export const dockerPublish: Symptom = {
  meta: SYMPTOM_META['docker-publish'],
  diagnose(ctx) {
    const a = ctx.analysis;
    const docker = dockerState(ctx);
    const live = docker ? runningContainers(docker).filter((c) => isGatewayContainer(ctx, c)) : [];
    if (live[0]) return fromContainer(ctx, live[0]);
    const services = composeGateways(ctx);
    if (services[0]) return fromCompose(ctx, services[0]);
    if (!docker) return unknown(`Docker was not checked: ${a.snapshot.docker.status === 'ok' ? '' : a.snapshot.docker.detail}`);
    const host = a.gateway.detected ? ` (the gateway here runs on the host: ${a.gateway.detectedBy.join(', ')})` : '';
    return unknown(`no gateway container is running and no compose file defines one${host}`);
  },
};
