import { compose, withConfig } from '../../../fixtures/builders/snapshot.js';
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
