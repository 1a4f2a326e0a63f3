import { compose, tcpListener, withConfig, withGatewayProcess, withSockets, withUnit } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** gatewayBindDrift: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'nothing running', snapshot: withConfig({ gateway: { bind: 'lan' } }), result: 'skipped' },
    {
      name: 'loopback config, loopback sockets',
      snapshot: compose(
        withConfig({ gateway: { bind: 'loopback' } }),
        withGatewayProcess(9, ['openclaw', 'gateway']),
        withSockets(tcpListener('127.0.0.1', 18789, 9), tcpListener('::1', 18789, 9)),
      ),
      result: 'pass',
    },
    {
      name: 'lan config, wildcard socket (exposed, but as configured)',
      snapshot: compose(
        withConfig({ gateway: { bind: 'lan' } }),
        withGatewayProcess(9, ['openclaw', 'gateway']),
        withSockets(tcpListener('0.0.0.0', 18789, 9)),
      ),
      result: 'pass',
    },
    {
      name: 'no config file, default loopback honoured',
      snapshot: compose(withGatewayProcess(9, ['openclaw', 'gateway']), withSockets(tcpListener('127.0.0.1', 18789, 9))),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'config loopback, started with --bind lan',
      snapshot: compose(
        withConfig({ gateway: { bind: 'loopback' } }, { 'gateway.bind': 3 }),
        withGatewayProcess(9, ['openclaw', 'gateway', 'run', '--bind', 'lan'], {}, { bind: 'lan' }),
        withSockets(tcpListener('0.0.0.0', 18789, 9)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: [],
      evidenceIncludes: ['openclaw.json:3', '--bind flag of pid 9', '0.0.0.0:18789'],
    },
    {
      name: 'config loopback, OPENCLAW_GATEWAY_BIND=lan in the environment',
      snapshot: compose(
        withConfig({ gateway: { bind: 'loopback' } }, { 'gateway.bind': 3 }),
        withGatewayProcess(9, ['openclaw', 'gateway'], { OPENCLAW_GATEWAY_BIND: 'lan' }),
        withSockets(tcpListener('0.0.0.0', 18789, 9)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: [],
      evidenceIncludes: ['OPENCLAW_GATEWAY_BIND'],
    },
    {
      name: 'config tailnet, socket on a public address',
      snapshot: compose(
        withConfig({ gateway: { bind: 'tailnet' } }),
        withGatewayProcess(9, ['openclaw', 'gateway']),
        withSockets(tcpListener('198.51.100.10', 18789, 9)),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: ['config.gateway'],
      evidenceIncludes: ['198.51.100.10:18789'],
    },
    {
      name: 'renamed process hides --bind and --port; its socket shows both',
      snapshot: compose(
        withConfig({ gateway: { bind: 'loopback' } }, { 'gateway.bind': 3 }),
        withGatewayProcess(9, ['openclaw-gateway']),
        withSockets(tcpListener('0.0.0.0', 28789, 9, 'openclaw-gateway'), tcpListener('127.0.0.1', 28791, 9, 'openclaw-gateway')),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: [],
      evidenceIncludes: ['0.0.0.0:28789', 'openclaw.json:3'],
    },
    {
      name: 'renamed process; the systemd unit shows --bind lan',
      snapshot: compose(
        withConfig({ gateway: { bind: 'loopback' } }, { 'gateway.bind': 3 }),
        withGatewayProcess(9, ['openclaw-gateway']),
        withUnit(
          '/home/u/.config/systemd/user/openclaw-gateway.service',
          '[Unit]\nDescription=OpenClaw\n\n[Service]\nExecStart=/usr/bin/openclaw gateway run --bind lan --port 18789\n',
        ),
        withSockets(tcpListener('0.0.0.0', 18789, 9, 'openclaw-gateway')),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: ['unit.bind-flag-openclaw-gateway.service'],
      evidenceIncludes: ['--bind in ExecStart of openclaw-gateway.service', 'openclaw-gateway.service:5'],
    },
    {
      name: 'flags disagree, sockets unreadable',
      snapshot: compose(
        withConfig({ gateway: { bind: 'loopback' } }),
        withGatewayProcess(9, ['openclaw', 'gateway', '--bind=lan'], {}, { bind: 'lan' }),
        (s) => ({ ...s, sockets: { status: 'unavailable', reason: 'not-installed', detail: 'ss is not installed' } }),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['gateway.bind-private'],
      steps: [],
      evidenceIncludes: ['started with bind "lan"'],
    },
  ],
};
