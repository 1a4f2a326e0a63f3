import type { Check, Evidence } from '../types.js';
import { shellWordOr } from '../../model/shell-word.js';
import { GUIDE } from '../guide.js';
import { isPublicPublish, publishesGatewayPort } from '../../model/docker.js';

export const dockerPublishPublic: Check = {
  meta: {
    id: 'docker.publish.public',
    title: 'Docker publishes gateway ports on 127.0.0.1 only',
    severity: 'critical',
    guide: GUIDE.docker,
    docs:
      'A port published with `-p 18789:18789` or `ports: ["18789:18789"]` listens on every address, and Docker ' +
      "inserts its own DNAT and FORWARD rules, so UFW's INPUT rules never see the traffic. Reads live containers " +
      '(Engine API) and compose files (short and long syntax, `${VAR:-default}` interpolation) and fails for every ' +
      'gateway port (18789, 18790 legacy bridge, 18791/18792 derived) published on 0.0.0.0, `::`, no address, or a ' +
      'non-loopback address.',
    fixable: true,
    inputs: ['docker', 'compose', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'live container on 0.0.0.0',
        'live container on ::',
        'compose short syntax with ${VAR:-default}',
        'compose long syntax on 0.0.0.0',
        'bad YAML after a public ports entry is unknown, not "no compose file" (unknown)',
        'a named compose file that is missing (unknown)',
        'a directory given as a compose file (unknown)',
        'the override publishes on every address (merged as docker compose does)',
        'a service extends one that publishes publicly',
        'extends from a file that is not read is unknown (unknown)',
        'compose port from .env',
      ],
      passes: [
        'no Docker',
        'published on 127.0.0.1',
        'compose on ::1 and 127.0.0.1',
        'an override republishes on loopback with !override',
        'other containers may publish publicly',
      ],
    },
  },
  evaluate(ctx) {
    const { workloads, gateway } = ctx;
    const docker = ctx.snapshot.docker;
    if (workloads.length === 0) {
      if (docker.status !== 'ok' && docker.reason !== 'not-running' && docker.reason !== 'not-installed' && ctx.compose.length === 0) {
        return { result: 'unknown', reason: `Docker could not be read: ${docker.detail}`, findings: [] };
      }
      return {
        result: 'pass',
        reason:
          docker.status === 'ok' || ctx.compose.length > 0 ? 'no gateway container or compose service' : 'Docker is not running and no compose file was given',
      };
    }
    const findings = workloads.flatMap((w) => {
      const bad = w.publishes.filter((p) => publishesGatewayPort(p, gateway.ports) && isPublicPublish(p));
      if (bad.length === 0) return [];
      const evidence: Evidence[] = bad.map((p) => ({
        kind: w.kind === 'compose' ? 'file' : 'container',
        text: `${w.label}: ports "${p.text}" publishes on ${p.hostIp || 'every address'}`,
        ...(p.location ? { location: p.location } : {}),
      }));
      const first = bad[0]!;
      return [
        {
          status: 'fail' as const,
          message: `${w.label} publishes the gateway on ${bad.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort ?? '(ephemeral)'}`).join(', ')}; Docker's own iptables rules let it past UFW.`,
          evidence,
          remediation: {
            summary: 'Publish on loopback only, or not at all (reach the gateway through an SSH tunnel or Tailscale).',
            steps:
              w.kind === 'compose'
                ? bad
                    .map(
                      (p) =>
                        `${p.location ? `${shellWordOr(`${p.location.file}:${p.location.line}`, 'in the compose file named in the evidence')}: ` : ''}ports: ["127.0.0.1:${p.hostPort ?? p.containerPort}:${p.containerPort}"]`,
                    )
                    .concat('docker compose up -d')
                : [`recreate it with -p 127.0.0.1:${first.hostPort}:${first.containerPort}`],
            automatic: w.kind === 'compose',
          },
          ...(first.location ? { location: first.location } : {}),
          // Harden moves exactly these to 127.0.0.1 (compose-steps.ts).
          fixes: [{ kind: 'docker.publish-loopback' as const, workload: { kind: w.kind, label: w.label }, publishes: bad }],
        },
      ];
    });
    if (findings.length === 0) return { result: 'pass', reason: `gateway ports published on loopback only (${workloads.map((w) => w.label).join('; ')})` };
    return { result: 'fail', findings };
  },
};
