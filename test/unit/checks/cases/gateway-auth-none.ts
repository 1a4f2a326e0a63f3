import { compose, tcpListener, withConfig, withContainers, withGatewayProcess, withSocat, withSockets } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** gatewayAuthNone: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no OpenClaw', snapshot: (s) => s, result: 'skipped' },
    { name: 'token mode in config', snapshot: withConfig({ gateway: { auth: { mode: 'token', token: { $redacted: true, length: 64 } } } }), result: 'pass' },
    {
      name: 'token from the environment',
      snapshot: compose(
        withConfig({ gateway: {} }),
        withGatewayProcess(5, ['openclaw', 'gateway'], { OPENCLAW_GATEWAY_TOKEN: { $redacted: true, length: 64 } as never }),
      ),
      result: 'pass',
    },
    {
      name: 'new version, nothing set: ephemeral token',
      snapshot: compose(withConfig({ gateway: {} }), (s) => ({
        ...s,
        openclaw: { ...s.openclaw, version: { status: 'ok', data: { version: '2026.9.6', source: 'package.json' } } },
      })),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'auth.mode none in config',
      snapshot: withConfig({ gateway: { auth: { mode: 'none' } } }, { 'gateway.auth.mode': 5 }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['openclaw.json:5'],
    },
    {
      name: '--auth none on the command line, exposed',
      snapshot: compose(withGatewayProcess(5, ['openclaw', 'gateway', '--auth', 'none'], {}, { auth: 'none' }), withSockets(tcpListener('0.0.0.0', 18789, 5))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: [],
      evidenceIncludes: ['--auth flag of pid 5'],
    },
    {
      name: 'auth.mode none, the gateway container published on the host port 8080 (8080:18789)',
      snapshot: compose(
        withConfig({ gateway: { auth: { mode: 'none' } } }, { 'gateway.auth.mode': 5 }),
        withContainers({ name: 'openclaw-gateway', ports: [{ hostIp: '0.0.0.0', hostPort: '8080', containerPort: 18789, protocol: 'tcp' }] }),
        withSockets(tcpListener('0.0.0.0', 8080, 999, 'docker-proxy')),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['openclaw.json:5', 'reachable beyond loopback'],
    },
    {
      name: 'gateway container with --auth none, published on 8080, nothing on the host',
      snapshot: compose(
        withContainers({
          name: 'openclaw',
          command: ['node', 'dist/index.js', 'gateway', '--bind', 'lan', '--auth', 'none'],
          ports: [{ hostIp: '0.0.0.0', hostPort: '8080', containerPort: 18789, protocol: 'tcp' }],
        }),
        withSockets(tcpListener('0.0.0.0', 8080, 999, 'docker-proxy')),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: [],
      evidenceIncludes: ['--auth flag in the command of container openclaw', 'reachable beyond loopback'],
    },
    {
      name: 'gateway container whose auth is inside it, published on 8080',
      snapshot: compose(
        withContainers({
          name: 'openclaw',
          command: ['node', 'dist/index.js', 'gateway', '--bind', 'lan'],
          ports: [{ hostIp: '0.0.0.0', hostPort: '8080', containerPort: 18789, protocol: 'tcp' }],
        }),
        withSockets(tcpListener('0.0.0.0', 8080, 999, 'docker-proxy')),
      ),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      steps: [],
      evidenceIncludes: ['container openclaw: no --auth in its command', 'how it authenticates was not read'],
    },
    {
      name: 'auth.mode none, the loopback gateway behind socat on 0.0.0.0:443',
      snapshot: compose(
        withConfig({ gateway: { auth: { mode: 'none' } } }, { 'gateway.auth.mode': 5 }),
        withGatewayProcess(8, ['openclaw-gateway']),
        withSockets(tcpListener('127.0.0.1', 18789, 8)),
        withSocat(9, 443, 18789),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['reachable beyond loopback'],
    },
    {
      name: 'old Clawdbot with nothing set',
      snapshot: compose(withConfig({ gateway: {} }), (s) => ({
        ...s,
        openclaw: { ...s.openclaw, version: { status: 'ok', data: { version: '2026.1.24-3', source: 'package.json' } } },
      })),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['gateway.set-token'],
      steps: ['config.gateway'],
      evidenceIncludes: ['2026.1.24-3'],
    },
    {
      name: 'nothing set, version unknown',
      snapshot: withConfig({ gateway: {} }),
      result: 'unknown',
      severity: 'warn',
      findings: 1,
      steps: [],
      evidenceIncludes: ['gateway.auth not set'],
    },
  ],
};
