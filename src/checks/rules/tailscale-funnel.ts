import type { Check, Evidence } from '../types.js';
import { GUIDE } from '../guide.js';
import { compose, withConfig } from '../../snapshot/fixture.js';
import type { Snapshot } from '../../snapshot/types.js';

interface ServeConfig {
  TCP?: Record<string, { TCPForward?: string; HTTPS?: boolean }>;
  Web?: Record<string, { Handlers?: Record<string, { Proxy?: string }> }>;
  AllowFunnel?: Record<string, boolean>;
}

/** Port a Serve target points at, if it is this host ("http://127.0.0.1:18789", "localhost:18789", "18789"). */
function localTargetPort(target: string): number | undefined {
  const match = /^(?:https?(?:\+insecure)?:\/\/)?(?:(127\.\d+\.\d+\.\d+|localhost|\[::1\]):)?(\d{1,5})(?:\/.*)?$/.exec(target.trim());
  return match ? Number(match[2]) : undefined;
}

/** Funnel entries ("host:443") whose Serve handlers forward to one of the given ports. */
export function funnelledPorts(serve: ServeConfig, ports: number[]): { hostPort: string; target: string }[] {
  const out: { hostPort: string; target: string }[] = [];
  for (const [hostPort, allowed] of Object.entries(serve.AllowFunnel ?? {})) {
    if (!allowed) continue;
    const port = hostPort.split(':').pop() ?? '';
    const targets = [
      ...Object.values(serve.Web?.[hostPort]?.Handlers ?? {}).map((h) => h.Proxy),
      serve.TCP?.[port]?.TCPForward,
    ].filter((t): t is string => typeof t === 'string');
    for (const target of targets) {
      const p = localTargetPort(target);
      if (p !== undefined && ports.includes(p)) out.push({ hostPort, target });
    }
  }
  return out;
}

function withServe(serve: ServeConfig) {
  return (s: Snapshot): Snapshot => ({ ...s, tailscale: { status: 'ok', data: { binary: '/usr/bin/tailscale', status: { status: 'ok', data: { BackendState: 'Running' } }, serve: { status: 'ok', data: serve as Record<string, unknown> } } } });
}

export const tailscaleFunnel: Check = {
  meta: {
    id: 'tailscale.funnel',
    title: 'The gateway is not published to the internet with Tailscale Funnel',
    severity: 'critical',
    guide: GUIDE.remote,
    docs:
      'Tailscale Serve keeps the gateway inside the tailnet; Funnel publishes it to the whole internet. Fails when ' +
      '`gateway.tailscale.mode` (or `--tailscale`) is `funnel`, or when `tailscale serve status --json` shows a Funnel ' +
      'entry whose handler forwards to a gateway port.',
    fixable: false,
  },
  evaluate(ctx) {
    const { gateway, snapshot } = ctx;
    const evidence: Evidence[] = [];
    const mode = gateway.tailscaleMode;
    if (mode?.value === 'funnel') evidence.push({ kind: mode.location ? 'file' : 'config', text: `tailscale mode "funnel" from ${mode.source}`, ...(mode.location ? { location: mode.location } : {}) });
    const ts = snapshot.tailscale;
    const serve = ts.status === 'ok' && ts.data.serve.status === 'ok' ? (ts.data.serve.data as ServeConfig) : undefined;
    if (serve) for (const f of funnelledPorts(serve, gateway.ports)) evidence.push({ kind: 'service', text: `tailscale funnel on ${f.hostPort} → ${f.target}` });
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
      if (!gateway.detected || ts.reason === 'not-installed') return { result: 'pass', reason: ts.reason === 'not-installed' ? 'Tailscale is not installed' : 'no gateway and no Tailscale' };
      return { result: 'unknown', reason: `tailscale could not be read: ${ts.detail}`, findings: [] };
    }
    if (ts.data.serve.status !== 'ok') return { result: 'unknown', reason: `tailscale serve status could not be read: ${ts.data.serve.detail}`, findings: [] };
    return { result: 'pass', reason: 'no Funnel entry points at a gateway port' };
  },
  cases: {
    valid: [
      { name: 'no Tailscale', snapshot: (s) => s, result: 'pass' },
      { name: 'Serve only (tailnet)', snapshot: compose(withConfig({ gateway: {} }), withServe({ TCP: { '443': { HTTPS: true } }, Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:18789' } } } } })), result: 'pass' },
      { name: 'Funnel for another service', snapshot: compose(withConfig({ gateway: {} }), withServe({ Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } }, AllowFunnel: { 'gw.tail1.ts.net:443': true } })), result: 'pass' },
    ],
    invalid: [
      { name: 'config says funnel', snapshot: withConfig({ gateway: { tailscale: { mode: 'funnel' } } }, { 'gateway.tailscale.mode': 4 }), result: 'fail', evidenceIncludes: ['openclaw.json:4'] },
      {
        name: 'Funnel entry forwarding to the gateway',
        snapshot: compose(withConfig({ gateway: {} }), withServe({ Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:18789' } } } }, AllowFunnel: { 'gw.tail1.ts.net:443': true } })),
        result: 'fail',
        evidenceIncludes: ['gw.tail1.ts.net:443 → http://127.0.0.1:18789'],
      },
    ],
  },
};
