import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { doorEvidence, gatewayDoors } from '../doors.js';
import { restartHint } from '../remediation.js';
import { describeDoor, doorName } from '../../model/doors.js';

export const doorNoAuth: Check = {
  meta: {
    id: 'door.no_auth',
    title: 'No door opens a gateway that has no auth',
    severity: 'critical',
    guide: GUIDE.config,
    docs:
      'A door (reverse proxy, forwarder or tunnel) whose upstream is a gateway port, in front of a gateway whose auth mode ' +
      'is `none`, and which adds no authentication of its own (`auth_basic`, `auth_request`, Caddy `basic_auth` or ' +
      '`forward_auth`, HAProxy `http-request auth`, Apache `Require valid-user`, a client allow list, Cloudflare Access ' +
      'verified by cloudflared): whoever reaches the door drives the agent. A headerless door (socat, `ssh -L`, nginx ' +
      '`stream`) even looks local to the gateway. Critical when the door is open (or may be: `unknown`) from beyond ' +
      'loopback, warn otherwise.',
    fixable: false,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'auth none, a snapshot without doors (older clawmoat): unknown, not "no door" (unknown)',
        'auth none behind nginx on 0.0.0.0:443 with no auth of its own: critical',
        'auth none behind nginx on 127.0.0.1 only: warn',
      ],
      passes: [
        'no gateway (skipped)',
        'no door',
        'door in front of a token gateway',
        'auth none, but the door asks for basic auth',
        'auth none, socat on 0.0.0.0:443 in front of an nginx on 127.0.0.1:8080 that asks for basic auth',
        'auth none, a door to another port',
      ],
    },
  },
  evaluate(ctx) {
    if (!ctx.gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    const doors = gatewayDoors(ctx);
    if (doors.length === 0) return { result: 'pass', reason: 'no door leads to the gateway' };
    const mode = ctx.gateway.auth.mode;
    if (mode?.value !== 'none')
      return {
        result: 'pass',
        reason: `the gateway has its own auth (${mode ? `"${mode.value}" from ${mode.source}` : 'token or password, or the ephemeral token'})`,
      };
    // A door in front of a door that asks for credentials is behind that door's auth too.
    const bare = doors.filter((d) => d.door.auth.length === 0 && !d.behind.some((h) => (h.auth?.length ?? 0) > 0));
    if (bare.length === 0)
      return {
        result: 'pass',
        reason: `every door adds its own auth, or is in front of one that does: ${doors.map((d) => `${describeDoor(d.door)}: ${[...d.door.auth.map((a) => a.text), ...d.behind.flatMap((h) => h.auth ?? [])].join(', ')}`).join('; ')}`,
      };
    const findings: FindingDraft[] = bare.map((d) => {
      const beyond = d.openBeyondLoopback.length > 0 || d.unknownBeyondLoopback.length > 0;
      const finding: FindingDraft = {
        status: 'fail',
        severity: beyond ? 'critical' : 'warn',
        message: `${describeDoor(d.door)} leads to a gateway with auth "none" and asks for nothing itself${d.behind.length > 0 ? ` (nor do the doors behind it, ${d.behind.map((h) => doorName(h.kind)).join(' then ')})` : ''}: ${beyond ? 'anyone who reaches it' : 'any local process'} drives the agent${d.door.layer === 'tcp' || d.door.forwardedFor === 'none' ? ', and the gateway takes them for a local client' : ''}.`,
        evidence: [
          ...doorEvidence(d),
          { kind: mode.location ? 'file' : 'config', text: `auth mode "none" from ${mode.source}`, ...(mode.location ? { location: mode.location } : {}) },
        ],
        remediation: {
          summary: 'Give the gateway its own auth (a long random token); a door is not an authentication boundary.',
          steps: ['openclaw config set gateway.auth.mode token', 'openclaw doctor --generate-gateway-token', restartHint(ctx.gateway)],
          automatic: false,
        },
      };
      if (d.door.location) finding.location = d.door.location;
      return finding;
    });
    return { result: 'fail', findings };
  },
};
