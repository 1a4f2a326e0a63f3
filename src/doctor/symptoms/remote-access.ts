import { hostPort } from '../../model/addresses.js';
import type { Evidence } from '../../checks/types.js';
import { describeSocket } from '../../model/gateway.js';
import type { ReachCell } from '../../model/reach.js';
import { dockerState, describeContainer, isGatewayContainer, runningContainers } from '../docker-facts.js';
import { isLoopback, joinAnd, note, sshTarget, unavailableDetail, unknown, zoneLabel } from '../facts.js';
import { tailscaleFacts } from '../../model/tailscale/facts.js';
import type { DoctorContext, Symptom } from '../symptom.js';
import type { Diagnosis, DoctorFix } from '../types.js';
import { SYMPTOM_META } from '../catalogue.js';

/**
 * "I can't reach the gateway from another machine." The usual cause is the safe one: the
 * gateway listens on loopback only. The answer is never to widen the bind but to come in
 * the way the guide says: an SSH tunnel, or Tailscale Serve.
 */

/** Zones another machine can be in (Docker networks are this host's own containers). */
const REMOTE_KINDS = new Set(['internet', 'lan', 'tailnet', 'custom']);

function tailscaleLine(ctx: DoctorContext): { evidence: Evidence; commands: string[] } {
  const ts = tailscaleFacts(ctx.analysis);
  const port = ctx.analysis.gateway.port.value;
  switch (ts.state) {
    case 'not-installed':
      return { evidence: note('Tailscale is not installed on this host (the SSH tunnel needs nothing new)'), commands: [] };
    case 'not-running':
    case 'unreadable':
      return { evidence: note(`Tailscale not checked: ${ts.unreadableBecause ?? 'its state could not be read'}`), commands: [] };
    case 'logged-out':
      return {
        evidence: note(`Tailscale is installed but not connected (BackendState ${ts.backendState ?? 'unknown'}): \`sudo tailscale up\` joins the tailnet`),
        commands: [],
      };
    case 'running': {
      const url = ts.dnsName ? `https://${ts.dnsName}/` : 'https://<this machine>.<tailnet>.ts.net/';
      return {
        evidence: note(`Tailscale is connected${ts.dnsName ? ` as ${ts.dnsName}` : ''}${ts.addresses.length ? ` (${ts.addresses.join(', ')})` : ''}`),
        commands: [`sudo tailscale serve --bg ${port}   # tailnet only (never funnel); then open ${url} from a tailnet device`],
      };
    }
  }
}

function tunnelFix(ctx: DoctorContext, lead: string, options: { serveOn?: boolean } = {}): { fix: DoctorFix; saw: Evidence[] } {
  const port = ctx.analysis.gateway.port.value;
  const { target, portFlag, why } = sshTarget(ctx);
  const line = tailscaleLine(ctx);
  // With Serve already on, it is not suggested again.
  const ts = options.serveOn ? { ...line, commands: [] } : line;
  return {
    saw: [note(`this host for SSH: ${target.replace(/^[^@]*@/, '')} (${why})`), ts.evidence],
    fix: {
      text: `${lead} From the other machine, reach it through an SSH tunnel${ts.commands.length ? ' or Tailscale Serve' : ''}; never bind it to 0.0.0.0 or open its port in the firewall.`,
      commands: [
        `clawmoat tunnel${portFlag} ${target}   # on the other machine; prints http://127.0.0.1:${port}/ to open`,
        `ssh -N -L ${port}:127.0.0.1:${port}${portFlag} ${target}   # the same with plain ssh`,
        ...ts.commands,
      ],
    },
  };
}

function cellLine(c: ReachCell): Evidence {
  return { kind: 'rule', text: `${hostPort(c.listener.address, c.listener.port)} from ${zoneLabel(c.zone)}: ${c.verdict} (${c.reason})` };
}

function notListening(ctx: DoctorContext, port: number): Diagnosis {
  const g = ctx.analysis.gateway;
  const docker = dockerState(ctx);
  const container = docker ? runningContainers(docker).find((c) => isGatewayContainer(ctx, c)) : undefined;
  if (container) {
    return {
      status: 'problem',
      cause: `the gateway runs in ${describeContainer(container)} and nothing on this host listens on port ${port}`,
      saw: [{ kind: 'container', text: `${describeContainer(container)} on ${joinAnd(container.networks.map((n) => n.name)) || container.networkMode}` }],
      fix: {
        text: 'Publish it on 127.0.0.1 first (see `clawmoat doctor docker-publish`), then tunnel to this host from the other machine.',
        commands: ['clawmoat doctor docker-publish'],
      },
    };
  }
  if (!g.detected) return unknown(`no OpenClaw gateway was found on this host (no gateway process, config, service unit or listener on port ${port})`);
  return {
    status: 'problem',
    cause: `nothing listens on the gateway port ${port} (${g.port.source}): the gateway is not running`,
    saw: [note(`gateway found by ${g.detectedBy.join(', ')}, but no socket on port ${port}`)],
    fix: {
      text: 'Start the gateway (it listens on loopback by default), then reach it through an SSH tunnel from the other machine.',
      commands: ['openclaw gateway run'],
    },
  };
}

export const remoteAccess: Symptom = {
  meta: SYMPTOM_META['remote-access'],
  diagnose(ctx) {
    const a = ctx.analysis;
    if (a.snapshot.sockets.status !== 'ok') return unknown(`the gateway's sockets were not checked: ${unavailableDetail(a.snapshot.sockets)}`);
    const port = a.gateway.port.value;
    const listeners = a.gateway.listeners.filter((s) => s.port === port);
    if (listeners.length === 0) return notListening(ctx, port);
    const saw: Evidence[] = listeners.map((s) => ({ kind: 'socket', text: describeSocket(s) }));
    const bind = a.gateway.effectiveBind;
    if (bind)
      saw.push({
        kind: bind.location ? 'file' : 'config',
        text: `bind "${bind.value}" from ${bind.source}`,
        ...(bind.location ? { location: bind.location } : {}),
      });

    // Already served by Tailscale (to the tailnet, or to everyone with Funnel): tailscaled takes
    // the connection in user space and hands it to the loopback socket.
    const served = a.reach().cells.filter((c) => c.listener.gateway && c.listener.serve !== undefined && c.verdict === 'open' && REMOTE_KINDS.has(c.zone.kind));
    if (served.length > 0 && listeners.every((s) => isLoopback(s.address))) {
      const zones = [...new Set(served.map((c) => zoneLabel(c.zone)))];
      const routes = [...new Set(served.map((c) => c.listener.serve as string))];
      const { fix, saw: more } = tunnelFix(ctx, 'A machine outside the tailnet comes in the same way as ever.', { serveOn: true });
      return {
        status: 'ok',
        cause: `the gateway listens on loopback, and Tailscale Serve makes it reachable from ${joinAnd(zones)} (${routes.join('; ')}): a device there connects to that address, not to port ${port}${served.some((c) => c.zone.kind === 'internet') ? ' (Funnel: the whole internet, wider than the guide allows: see `clawmoat audit`)' : ''}`,
        saw: [...saw, ...served.map(cellLine), ...more],
        fix,
      };
    }

    if (listeners.every((s) => isLoopback(s.address))) {
      const where = listeners.map((s) => hostPort(s.address, s.port)).join(', ');
      const { fix, saw: more } = tunnelFix(ctx, "Keep it on loopback: that is the guide's setting, and the reason no one else can reach it.");
      return {
        status: 'problem',
        cause: `the gateway is bound to loopback (${where}): no other machine can connect to it directly`,
        saw: [...saw, ...more],
        fix,
      };
    }

    // It listens beyond loopback: what the firewall does with a connection from elsewhere decides.
    const cells = a.reach().cells.filter((c) => c.listener.gateway && c.listener.port === port && REMOTE_KINDS.has(c.zone.kind));
    if (cells.length === 0) return unknown('no network other than loopback was found on this host, so no other machine could be modelled', saw);
    const open = cells.filter((c) => c.verdict === 'open');
    if (open.length > 0) {
      const zones = [...new Set(open.map((c) => zoneLabel(c.zone)))];
      return {
        status: 'ok',
        cause: `the gateway is open from ${joinAnd(zones)}: a machine there can connect${open.some((c) => c.zone.kind === 'internet' || c.zone.kind === 'lan') ? ' (wider than the guide allows: see `clawmoat audit`)' : ''}`,
        saw: [...saw, ...open.map(cellLine)],
      };
    }
    const undecided = cells.filter((c) => c.verdict === 'unknown');
    if (undecided.length > 0)
      return unknown(`whether another machine can connect could not be decided: ${undecided[0]!.reason}`, [...saw, ...undecided.map(cellLine)]);
    const { fix, saw: more } = tunnelFix(ctx, 'Do not open the gateway port; `clawmoat harden` binds it to loopback, where the tunnel reaches it.');
    return {
      status: 'problem',
      cause: `the gateway listens beyond loopback, but connections from other machines are ${joinAnd([...new Set(cells.map((c) => c.verdict))])}: ${cells[0]!.reason}`,
      saw: [...saw, ...cells.map(cellLine), ...more],
      fix,
    };
  },
};
