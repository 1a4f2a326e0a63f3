import type { Check, Evidence } from '../types.js';
import { GUIDE } from '../guide.js';
import { serveRoutes } from '../../model/tailscale/serve-config.js';

export const tailscaleFunnel: Check = {
  meta: {
    id: 'tailscale.funnel',
    title: 'The gateway is not published to the internet with Tailscale Funnel',
    severity: 'critical',
    guide: GUIDE.remote,
    docs:
      'Tailscale Serve keeps the gateway inside the tailnet; Funnel publishes it to the whole internet. Fails when ' +
      '`gateway.tailscale.mode` (or `--tailscale`) is `funnel`, or when `tailscale serve status --json` shows a Funnel ' +
      'entry (background or foreground, web handler or TCP forward) whose target leads to the gateway: its port, a door in front of it on ' +
      'this host (socat or nginx on loopback, followed as `exposure.internet` follows doors) or a port Docker publishes it on; `unknown` where ' +
      'such a door could not be read. Serve alone, which ' +
      'keeps the gateway inside the tailnet, passes.',
    fixable: false,
    inputs: ['openclaw', 'sockets', 'tailscale', 'network', 'docker', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'tailscale CLI missing while tailscale0 is up (unknown)',
        'tailscale CLI missing while tailscaled listens (unknown)',
        'Funnel to socat on 127.0.0.1:8080 in front of the gateway',
        'Funnel to the host port Docker publishes the gateway container on (8080:18789)',
        'Funnel to a name clawmoat cannot resolve (unknown)',
        'config says funnel',
        'Funnel entry forwarding to the gateway',
        'Funnel on a raw TCP forward to the gateway',
        'Funnel held by a foreground session (tailscale funnel without --bg)',
      ],
      passes: ['no Tailscale', 'Serve only (tailnet)', 'Serve as a raw TCP forward to the gateway, no Funnel', 'Funnel for another service'],
    },
  },
  evaluate(ctx) {
    const { gateway, snapshot } = ctx;
    const evidence: Evidence[] = [];
    const mode = gateway.tailscaleMode;
    if (mode?.value === 'funnel')
      evidence.push({
        kind: mode.location ? 'file' : 'config',
        text: `tailscale mode "funnel" from ${mode.source}`,
        ...(mode.location ? { location: mode.location } : {}),
      });
    const ts = snapshot.tailscale;
    const serve = ts.status === 'ok' && ts.data.serve.status === 'ok' ? ts.data.serve.data : undefined;
    const hostAddresses = snapshot.network.interfaces.status === 'ok' ? snapshot.network.interfaces.data.flatMap((i) => i.addresses.map((a) => a.address)) : [];
    // Foreground sessions count: OpenClaw's own Serve/Funnel is one, aimed at an ephemeral port of the gateway process.
    // A route leads to the gateway as a door's upstream does: its port, a door in front of it (socat, nginx on loopback), a Docker publish.
    const target = serve ? ctx.serveTarget() : undefined;
    const judged = serve && target ? serveRoutes(serve, hostAddresses).map((r) => ({ r, to: target(r) })) : [];
    const routes = judged.filter((j) => j.to.gateway && !j.to.unknown).map((j) => j.r);
    const maybe = judged.filter((j) => j.to.gateway && j.to.unknown && j.r.funnel);
    for (const { r, to } of judged.filter((j) => j.to.gateway && !j.to.unknown && j.r.funnel))
      evidence.push({ kind: 'service', text: `tailscale funnel on ${r.listen} → ${r.target}${r.scope === 'foreground' ? ' (foreground)' : ''}: ${to.text}` });
    if (evidence.length > 0) {
      return {
        result: 'fail',
        findings: [
          {
            status: 'fail',
            message: 'The gateway is reachable from the whole internet through Tailscale Funnel.',
            evidence,
            remediation: {
              summary: 'Use Tailscale Serve (tailnet only) instead of Funnel.',
              steps: ['tailscale funnel reset   # or: tailscale funnel --https=443 off', 'openclaw config set gateway.tailscale.mode serve'],
              automatic: false,
            },
            ...(mode?.location ? { location: mode.location } : {}),
          },
        ],
      };
    }
    if (ts.status !== 'ok') {
      if (!gateway.detected || ts.reason === 'not-installed')
        return { result: 'pass', reason: ts.reason === 'not-installed' ? 'Tailscale is not installed' : 'no gateway and no Tailscale' };
      return { result: 'unknown', reason: `tailscale could not be read: ${ts.detail}`, findings: [] };
    }
    if (ts.data.serve.status !== 'ok') return { result: 'unknown', reason: `tailscale serve status could not be read: ${ts.data.serve.detail}`, findings: [] };
    if (maybe.length > 0)
      return {
        result: 'unknown',
        reason: maybe.map(({ r, to }) => `tailscale funnel on ${r.listen} → ${r.target}: ${to.text}`).join('; '),
        findings: maybe.map(({ r, to }) => ({
          status: 'unknown' as const,
          message: `Cannot tell whether Tailscale Funnel on ${r.listen} reaches the gateway: ${to.unknown}.`,
          evidence: [{ kind: 'service' as const, text: `tailscale funnel on ${r.listen} → ${r.target}: ${to.text}` }],
          remediation: { summary: 'Check by hand where the Funnel target leads; if it is the gateway, use Serve (tailnet only).', steps: [], automatic: false },
        })),
      };
    // Serve to a loopback gateway is the guide's recommended remote access: tailnet only.
    if (routes.length > 0)
      return { result: 'pass', reason: `Serve (tailnet only) routes to the gateway: ${routes.map((r) => `${r.listen} → ${r.target}`).join(', ')}` };
    return { result: 'pass', reason: 'no Funnel entry points at a gateway port' };
  },
};
