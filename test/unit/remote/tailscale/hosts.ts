import { readFileSync } from 'node:fs';
import { summariseServe, summariseStatus } from '../../../../src/collect/tailscale.js';
import { buildContext, type AnalysisContext } from '../../../../src/model/context.js';
import { baselineSnapshot, compose, tcpListener, withConfig, withGatewayProcess, withInterface, withSockets } from '../../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';

/** Host shapes for the Tailscale planner, built on the documented JSON of test/fixtures/tailscale/. */

type Patch = (s: Snapshot) => Snapshot;

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/tailscale/${name}`, import.meta.url), 'utf8'));
}

/** Tailscale as the collector records it from these two outputs. */
export function withTailscale(status: string, serve: string): Patch {
  return (s) => ({
    ...s,
    tailscale: {
      status: 'ok',
      data: {
        binary: '/usr/bin/tailscale',
        status: { status: 'ok', data: summariseStatus(fixture(status)) },
        serve: { status: 'ok', data: summariseServe(fixture(serve)) },
      },
    },
  });
}

export const TAILSCALE0 = withInterface('tailscale0', '100.101.102.103', 10);
export const LAN = withInterface('eth1', '192.168.1.10', 24);
export const TOKEN = { $redacted: true as const, length: 64 };

/** An OpenClaw gateway (pid 42) listening on these addresses of port 18789, with this gateway config. */
export function gatewayOn(addresses: string[], gateway: Record<string, unknown>): Patch {
  return compose(
    withGatewayProcess(42, ['openclaw-gateway']),
    withConfig({ gateway }),
    withSockets(...addresses.map((a) => tcpListener(a, 18789, 42, 'openclaw-gateway'))),
  );
}

export function host(...patches: Patch[]): AnalysisContext {
  return buildContext(compose(...patches)(baselineSnapshot()));
}

export const CONFIG_TEXT = `// my gateway
{
  gateway: {
    port: 18789, // the default
    bind: "lan",
  },
}
`;
