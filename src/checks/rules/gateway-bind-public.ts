import type { Check, Evidence, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { classifyAddress, hostPort, isSafeBindAddress } from '../../model/addresses.js';
import { describeSocket } from '../../model/gateway.js';
import { restartHint } from '../remediation.js';
import { bindIntent } from './gateway-fix.js';

/** Binds that make OpenClaw listen on every IPv4 address. */
const PUBLIC_BINDS = new Set(['lan', '0.0.0.0']);

export const gatewayBindPublic: Check = {
  meta: {
    id: 'gateway.bind.public',
    title: 'The gateway listens only on loopback or a tailnet/VPN address',
    severity: 'critical',
    guide: GUIDE.bind,
    docs:
      'Looks at the sockets the gateway really holds (its process, or its port) and fails when one is on a wildcard ' +
      '(0.0.0.0, ::) or on a LAN or public address. Loopback and tailnet/VPN addresses (on tailscale0, wg0, tun0, …) ' +
      'pass. When the gateway is not running, the configured bind is judged instead (`lan`, or `custom` with a ' +
      'non-loopback host, fails). Sockets held by docker-proxy are left to `docker.publish.public`.',
    fixable: true,
    inputs: ['openclaw', 'sockets', 'network'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'started with --bind lan: 0.0.0.0',
        'dual-stack wildcard on a custom port',
        'a LAN address',
        'the carrier-grade NAT (100.64.0.0/10) address of a mobile uplink',
        'owner not visible, but on the gateway port',
        'not running, config says lan',
        'a gateway-like process whose namespace could not be read is not counted, and the pass is unknown (unknown)',
      ],
      passes: [
        'no OpenClaw at all (skipped)',
        'gateway on loopback v4 and v6',
        'gateway on its tailnet address',
        'not running, config says loopback',
        'docker-proxy on the port is left to docker.publish.public',
      ],
    },
  },
  evaluate(ctx) {
    const { gateway, snapshot } = ctx;
    if (!gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    const own = gateway.listeners.filter((s) => s.process !== 'docker-proxy');
    if (own.length > 0) {
      const exposed = own.filter((s) => !isSafeBindAddress(s.address, snapshot));
      if (exposed.length === 0) return { result: 'pass', reason: `listens on ${own.map(describeSocket).join(', ')}` };
      const evidence: Evidence[] = exposed.map((s) => ({ kind: 'socket', text: `${describeSocket(s)}: ${classifyAddress(s.address, snapshot)} address` }));
      if (gateway.effectiveBind) evidence.push({ kind: 'config', text: `bind "${gateway.effectiveBind.value}" from ${gateway.effectiveBind.source}` });
      const finding: FindingDraft = {
        status: 'fail',
        message: `The gateway accepts connections on ${exposed.map((s) => hostPort(s.address, s.port)).join(', ')}, so anyone who can route to this host can reach its control plane.`,
        evidence,
        remediation: {
          summary: 'Bind the gateway to loopback and reach it through an SSH tunnel or Tailscale.',
          steps: ['openclaw config set gateway.bind loopback', 'remove any --bind lan / --bind custom from the service command line', restartHint(gateway)],
          automatic: true,
        },
        fixes: [
          bindIntent(
            ctx,
            exposed.map((s) => hostPort(s.address, s.port)),
          ),
        ],
      };
      const location = gateway.effectiveBind?.location;
      if (location) finding.location = location;
      return { result: 'fail', findings: [finding] };
    }
    if (snapshot.sockets.status !== 'ok' && gateway.processes.length > 0) {
      return { result: 'unknown', reason: `the gateway runs but its sockets could not be read: ${snapshot.sockets.detail}`, findings: [] };
    }
    const bind = gateway.effectiveBind;
    if (!bind) return { result: 'pass', reason: 'not running; no bind configured (OpenClaw defaults to loopback)' };
    const customHost = ctx.gateway.config ? (ctx.gateway.config.gateway as { customBindHost?: unknown } | undefined)?.customBindHost : undefined;
    const publicCustom = bind.value === 'custom' && (typeof customHost !== 'string' || !isSafeBindAddress(customHost, snapshot));
    if (!PUBLIC_BINDS.has(bind.value) && !publicCustom) return { result: 'pass', reason: `not running; configured bind "${bind.value}" is not public` };
    const finding: FindingDraft = {
      status: 'fail',
      message: `The gateway is not running, but its bind "${bind.value}" (${bind.source}) would make it listen on every address when it starts.`,
      evidence: [
        { kind: bind.location ? 'file' : 'config', text: `bind "${bind.value}" from ${bind.source}`, ...(bind.location ? { location: bind.location } : {}) },
      ],
      remediation: { summary: 'Set the bind to loopback before starting the gateway.', steps: ['openclaw config set gateway.bind loopback'], automatic: true },
      fixes: [bindIntent(ctx, [])],
    };
    if (bind.location) finding.location = bind.location;
    return { result: 'fail', findings: [finding] };
  },
};
