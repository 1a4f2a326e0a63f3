import {
  compose,
  tcpListener,
  withConfig,
  withContainers,
  withGatewayProcess,
  withInterface,
  withSocat,
  withSockets,
} from '../../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** The ServeConfig shape the cases are written in (tailscale serve status --json). */
interface ServeConfig {
  TCP?: Record<string, { TCPForward?: string; HTTPS?: boolean }>;
  Web?: Record<string, { Handlers?: Record<string, { Proxy?: string }> }>;
  AllowFunnel?: Record<string, boolean>;
  Foreground?: Record<string, ServeConfig>;
}

function withServe(serve: ServeConfig) {
  return (s: Snapshot): Snapshot => ({
    ...s,
    tailscale: {
      status: 'ok',
      data: {
        binary: '/usr/bin/tailscale',
        status: { status: 'ok', data: { BackendState: 'Running' } },
        serve: { status: 'ok', data: serve as Record<string, unknown> },
      },
    },
  });
}

/** Funnel on :443 to a local port. */
const funnelTo = (target: string) =>
  withServe({
    TCP: { '443': { HTTPS: true } },
    Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: target } } } },
    AllowFunnel: { 'gw.tail1.ts.net:443': true },
  });

const LOOPBACK_GATEWAY = compose(withConfig({ gateway: {} }), withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)));

/** tailscaleFunnel: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no Tailscale', snapshot: (s) => s, result: 'pass' },
    {
      name: 'Serve only (tailnet)',
      snapshot: compose(
        withConfig({ gateway: {} }),
        withServe({ TCP: { '443': { HTTPS: true } }, Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:18789' } } } } }),
      ),
      result: 'pass',
    },
    {
      name: 'Serve as a raw TCP forward to the gateway, no Funnel',
      snapshot: compose(withConfig({ gateway: {} }), withServe({ TCP: { '18789': { TCPForward: '127.0.0.1:18789' } } })),
      result: 'pass',
    },
    {
      name: 'Funnel for another service',
      snapshot: compose(
        withConfig({ gateway: {} }),
        withServe({ Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } }, AllowFunnel: { 'gw.tail1.ts.net:443': true } }),
      ),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'tailscale CLI missing while tailscale0 is up',
      snapshot: compose(LOOPBACK_GATEWAY, withInterface('tailscale0', '100.101.102.103', 32)),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['tailscale is not installed, yet tailscaled runs (a tailnet interface is up: tailscale0 100.101.102.103)', 'docker exec'],
    },
    {
      name: 'tailscale CLI missing while tailscaled listens',
      snapshot: compose(LOOPBACK_GATEWAY, withSockets({ protocol: 'udp', address: '0.0.0.0', port: 41641, family: 4, pid: 77, process: 'tailscaled' })),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['tailscaled (pid 77) listens on udp 0.0.0.0:41641'],
    },
    {
      name: 'Funnel to socat on 127.0.0.1:8080 in front of the gateway',
      snapshot: compose(LOOPBACK_GATEWAY, withSocat(9, 8080, 18789, '127.0.0.1'), funnelTo('http://127.0.0.1:8080')),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['tailscale funnel on gw.tail1.ts.net:443 → http://127.0.0.1:8080', 'a door in front of the gateway'],
    },
    {
      name: 'Funnel to the host port Docker publishes the gateway container on (8080:18789)',
      snapshot: compose(
        withConfig({ gateway: {} }),
        withContainers({ name: 'openclaw-gateway', ports: [{ hostIp: '127.0.0.1', hostPort: '8080', containerPort: 18789, protocol: 'tcp' }] }),
        withSockets(tcpListener('127.0.0.1', 8080, 999, 'docker-proxy')),
        funnelTo('http://localhost:8080'),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['where the gateway (127.0.0.1:8080) takes it'],
    },
    {
      name: 'Funnel to a name clawmoat cannot resolve',
      snapshot: compose(LOOPBACK_GATEWAY, withServe({ TCP: { '443': { TCPForward: 'gw.example.net:18789' } }, AllowFunnel: { 'gw.tail1.ts.net:443': true } })),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['gw.example.net is a name clawmoat cannot resolve'],
    },
    {
      name: 'config says funnel',
      snapshot: withConfig({ gateway: { tailscale: { mode: 'funnel' } } }, { 'gateway.tailscale.mode': 4 }),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['openclaw.json:4'],
    },
    {
      name: 'Funnel entry forwarding to the gateway',
      snapshot: compose(
        withConfig({ gateway: {} }),
        withServe({ Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:18789' } } } }, AllowFunnel: { 'gw.tail1.ts.net:443': true } }),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['gw.tail1.ts.net:443 → http://127.0.0.1:18789'],
    },
    {
      name: 'Funnel on a raw TCP forward to the gateway',
      snapshot: compose(
        withConfig({ gateway: {} }),
        withServe({ TCP: { '10000': { TCPForward: '127.0.0.1:18789' } }, AllowFunnel: { 'gw.tail1.ts.net:10000': true } }),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: [':10000 → 127.0.0.1:18789'],
    },
    {
      name: 'Funnel held by a foreground session (tailscale funnel without --bg)',
      snapshot: compose(
        withConfig({ gateway: {} }),
        withServe({
          Foreground: {
            a1b2c3: {
              TCP: { '443': { HTTPS: true } },
              Web: { 'gw.tail1.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:18789' } } } },
              AllowFunnel: { 'gw.tail1.ts.net:443': true },
            },
          },
        }),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['(foreground)'],
    },
  ],
};
