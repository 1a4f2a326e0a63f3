import { compose, tcpListener, withConfig, withGatewayProcess, withSockets, withUncountedProcess } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** gatewayBindPublic: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no OpenClaw at all', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'gateway on loopback v4 and v6',
      snapshot: compose(withGatewayProcess(42, ['openclaw', 'gateway']), withSockets(tcpListener('127.0.0.1', 18789, 42), tcpListener('::1', 18789, 42))),
      result: 'pass',
    },
    {
      name: 'gateway on its tailnet address',
      snapshot: compose(
        withGatewayProcess(42, ['openclaw', 'gateway', '--bind', 'tailnet'], {}, { bind: 'tailnet' }),
        withSockets(tcpListener('100.101.102.103', 18789, 42), tcpListener('127.0.0.1', 18789, 42)),
      ),
      result: 'pass',
    },
    { name: 'not running, config says loopback', snapshot: withConfig({ gateway: { bind: 'loopback' } }, { 'gateway.bind': 3 }), result: 'pass' },
    {
      name: 'docker-proxy on the port is left to docker.publish.public',
      snapshot: compose(withConfig({ gateway: {} }), withSockets(tcpListener('0.0.0.0', 18789, 7, 'docker-proxy'))),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'started with --bind lan: 0.0.0.0',
      snapshot: compose(withGatewayProcess(42, ['openclaw', 'gateway', '--bind', 'lan'], {}, { bind: 'lan' }), withSockets(tcpListener('0.0.0.0', 18789, 42))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: [],
      evidenceIncludes: ['0.0.0.0:18789', '--bind flag of pid 42'],
    },
    {
      name: 'dual-stack wildcard on a custom port',
      snapshot: compose(
        withConfig({ gateway: { port: 28789 } }, { 'gateway.port': 2 }),
        withGatewayProcess(42, ['openclaw', 'gateway']),
        withSockets(tcpListener('::', 28789, 42)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: [],
      evidenceIncludes: ['accepts connections on [::]:28789,', 'IPv4 too'],
    },
    {
      name: 'a LAN address',
      snapshot: compose(withGatewayProcess(42, ['openclaw', 'gateway']), withSockets(tcpListener('192.168.1.10', 18789, 42))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: [],
      evidenceIncludes: ['192.168.1.10:18789', 'private address'],
    },
    {
      name: 'owner not visible, but on the gateway port',
      snapshot: compose(withConfig({ gateway: { bind: 'lan' } }, { 'gateway.bind': 2 }), withSockets(tcpListener('0.0.0.0', 18789))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: ['config.gateway'],
      evidenceIncludes: ['owner not visible'],
    },
    {
      name: 'not running, config says lan',
      snapshot: withConfig({ gateway: { bind: 'lan' } }, { 'gateway.bind': 4 }),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: ['config.gateway'],
      evidenceIncludes: ['openclaw.json:4'],
    },
    {
      name: 'a gateway-like process whose namespace could not be read is not counted, and the pass is unknown',
      snapshot: compose(withUncountedProcess(4242), withSockets(tcpListener('127.0.0.1', 18789, 42))),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      steps: [],
      evidenceIncludes: ['process 4242 was not counted', 'run as root to see whether pid 4242'],
    },
  ],
};
