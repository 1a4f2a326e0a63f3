import type { Check, Evidence, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { classifyAddress, hostPort, isSafeBindAddress } from '../../model/addresses.js';
import { describeSocket, type GatewayModel } from '../../model/gateway.js';
import type { Snapshot, Socket } from '../../snapshot/types.js';
import { restartHint } from '../remediation.js';
import { bindIntent } from './gateway-fix.js';

/** Does a listener's address fit what OpenClaw binds for this mode? */
function fitsBind(mode: string, socket: Socket, gateway: GatewayModel, snapshot: Snapshot): boolean {
  const cls = classifyAddress(socket.address, snapshot);
  switch (mode) {
    case 'loopback':
    case 'auto':
      return cls === 'loopback';
    case 'lan':
      return cls === 'wildcard' || cls === 'loopback';
    case 'tailnet':
      return cls === 'loopback' || cls === 'tailnet';
    case 'custom': {
      const host = (gateway.config?.gateway as { customBindHost?: unknown } | undefined)?.customBindHost;
      return cls === 'loopback' || socket.address === host;
    }
    default:
      return false;
  }
}

export const gatewayBindDrift: Check = {
  meta: {
    id: 'gateway.bind.drift',
    title: 'The running gateway listens where its config says',
    severity: 'critical',
    guide: GUIDE.bind,
    docs:
      "Compares the config's `gateway.bind` (default `loopback`) with where the running gateway really listens, and " +
      'with the `--bind` flag or OPENCLAW_GATEWAY_BIND it was started with. A config that says loopback while the ' +
      'process was started with `--bind lan` (a systemd unit, a compose `command:`, an old script) is the gap that ' +
      "OpenClaw's own `security audit`, which reads only the config, cannot see. Critical when the real listener is " +
      'more exposed than the config; info when it is less.',
    fixable: true,
    inputs: ['openclaw', 'sockets', 'network'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'config loopback, started with --bind lan',
        'config loopback, OPENCLAW_GATEWAY_BIND=lan in the environment',
        'config tailnet, socket on a public address',
        'renamed process hides --bind and --port; its socket shows both',
        'renamed process; the systemd unit shows --bind lan',
        'flags disagree, sockets unreadable',
      ],
      passes: [
        'nothing running (skipped)',
        'loopback config, loopback sockets',
        'lan config, wildcard socket (exposed, but as configured)',
        'no config file, default loopback honoured',
      ],
    },
  },
  evaluate(ctx) {
    const { gateway, snapshot } = ctx;
    if (gateway.processes.length === 0 && gateway.listeners.length === 0) return { result: 'skipped', reason: 'no running gateway to compare with its config' };
    const configBind = gateway.configBind ?? { value: 'loopback', source: 'the default (no config file found)' };
    const configText = configBind.location
      ? `config says bind "${configBind.value}" (gateway.bind)`
      : `config says bind "${configBind.value}" (${configBind.source})`;
    const configEvidence: Evidence = configBind.location
      ? { kind: 'file', text: configText, location: configBind.location }
      : { kind: 'config', text: configText };
    const override = gateway.effectiveBind && gateway.effectiveBind.value !== configBind.value ? gateway.effectiveBind : undefined;
    const own = gateway.listeners.filter((s) => s.process !== 'docker-proxy');
    const drifted = own.filter((s) => !fitsBind(configBind.value, s, gateway, snapshot));
    if (drifted.length === 0 && !override) {
      if (own.length === 0 && snapshot.sockets.status !== 'ok') {
        return {
          result: 'unknown',
          reason: `sockets could not be read (${snapshot.sockets.detail}) and the process flags agree with the config`,
          findings: [],
        };
      }
      return { result: 'pass', reason: `config says "${configBind.value}" and the gateway listens on ${own.map(describeSocket).join(', ') || 'nothing yet'}` };
    }
    const evidence: Evidence[] = [configEvidence];
    if (override)
      evidence.push({
        kind: override.location ? 'file' : 'process',
        text: `started with bind "${override.value}" (${override.source})`,
        ...(override.location ? { location: override.location } : {}),
      });
    for (const s of drifted) evidence.push({ kind: 'socket', text: `listening on ${describeSocket(s)}` });
    const moreExposed = drifted.some((s) => !isSafeBindAddress(s.address, snapshot)) || override?.value === 'lan';
    const finding: FindingDraft = {
      status: 'fail',
      severity: moreExposed ? 'critical' : 'info',
      message:
        drifted.length > 0
          ? `The config says "${configBind.value}", but the gateway listens on ${drifted.map((s) => hostPort(s.address, s.port)).join(', ')}${override ? ` because it was started with ${override.source}` : ''}.`
          : `The config says "${configBind.value}", but the gateway was started with bind "${override!.value}" (${override!.source}).`,
      evidence,
      remediation: {
        summary: 'Make the process follow the config: remove the bind override from how the gateway is started, keep gateway.bind at loopback.',
        steps: [
          override
            ? `remove the ${override.source.replace(/ of pid \d+$/, '')} from the gateway's command line, unit file or compose command`
            : 'check the service definition for a --bind flag',
          restartHint(gateway),
        ],
        automatic: true,
      },
      fixes: [
        bindIntent(
          ctx,
          drifted.map((s) => hostPort(s.address, s.port)),
        ),
      ],
    };
    if (configBind.location) finding.location = configBind.location;
    return { result: 'fail', findings: [finding] };
  },
};
