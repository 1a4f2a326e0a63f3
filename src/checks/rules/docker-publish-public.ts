import type { Check, Evidence } from '../types.js';
import { GUIDE } from '../guide.js';
import { isPublicPublish, publishesGatewayPort } from '../../model/docker.js';
import { withComposeFile, withComposeProject, withContainers, withUnreadableCompose } from '../../snapshot/fixture.js';

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
  },
  evaluate(ctx) {
    const { workloads, gateway } = ctx;
    const docker = ctx.snapshot.docker;
    if (workloads.length === 0) {
      if (docker.status !== 'ok' && docker.reason !== 'not-running' && docker.reason !== 'not-installed' && ctx.compose.length === 0) {
        return { result: 'unknown', reason: `Docker could not be read: ${docker.detail}`, findings: [] };
      }
      return { result: 'pass', reason: docker.status === 'ok' || ctx.compose.length > 0 ? 'no gateway container or compose service' : 'Docker is not running and no compose file was given' };
    }
    const findings = workloads.flatMap((w) => {
      const bad = w.publishes.filter((p) => publishesGatewayPort(p, gateway.ports) && isPublicPublish(p));
      if (bad.length === 0) return [];
      const evidence: Evidence[] = bad.map((p) => ({ kind: w.kind === 'compose' ? 'file' : 'container', text: `${w.label}: ports "${p.text}" publishes on ${p.hostIp || 'every address'}`, ...(p.location ? { location: p.location } : {}) }));
      const first = bad[0]!;
      return [
        {
          status: 'fail' as const,
          message: `${w.label} publishes the gateway on ${bad.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort ?? '(ephemeral)'}`).join(', ')}; Docker's own iptables rules let it past UFW.`,
          evidence,
          remediation: {
            summary: 'Publish on loopback only, or not at all (reach the gateway through an SSH tunnel or Tailscale).',
            steps: w.kind === 'compose' ? bad.map((p) => `${p.location ? `${p.location.file}:${p.location.line}: ` : ''}ports: ["127.0.0.1:${p.hostPort ?? p.containerPort}:${p.containerPort}"]`).concat('docker compose up -d') : [`recreate it with -p 127.0.0.1:${first.hostPort}:${first.containerPort}`],
            automatic: w.kind === 'compose',
          },
          ...(first.location ? { location: first.location } : {}),
        },
      ];
    });
    if (findings.length === 0) return { result: 'pass', reason: `gateway ports published on loopback only (${workloads.map((w) => w.label).join('; ')})` };
    return { result: 'fail', findings };
  },
  cases: {
    valid: [
      { name: 'no Docker', snapshot: (s) => s, result: 'pass' },
      { name: 'published on 127.0.0.1', snapshot: withContainers({ name: 'openclaw', ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: '18789' }] }), result: 'pass' },
      { name: 'compose on ::1 and 127.0.0.1', snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw:local\n    ports:\n      - "127.0.0.1:18789:18789"\n      - "[::1]:18789:18789"\n'), result: 'pass' },
      {
        name: 'an override republishes on loopback with !override',
        snapshot: withComposeProject('/srv', ['/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["18789:18789"]\n'], ['/srv/compose.override.yaml', 'services:\n  gw:\n    ports: !override ["127.0.0.1:18789:18789"]\n']),
        result: 'pass',
      },
      { name: 'other containers may publish publicly', snapshot: withContainers({ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '80' }] }), result: 'pass' },
    ],
    invalid: [
      { name: 'live container on 0.0.0.0', snapshot: withContainers({ name: 'openclaw-gateway', ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '18789' }] }), result: 'fail', evidenceIncludes: ['openclaw-gateway', '0.0.0.0:18789->18789/tcp'] },
      { name: 'live container on ::', snapshot: withContainers({ name: 'gw', image: 'busybox', ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '::', hostPort: '18789' }] }), result: 'fail', evidenceIncludes: ['publishes on ::'] },
      {
        name: 'compose short syntax with ${VAR:-default}',
        snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  openclaw-gateway:\n    image: ghcr.io/openclaw/openclaw\n    ports:\n      - "${OPENCLAW_GATEWAY_PORT:-18789}:18789"\n      - "${OPENCLAW_BRIDGE_PORT:-18790}:18790"\n'),
        result: 'fail',
        evidenceIncludes: ['/srv/compose.yaml', '18789:18789', '18790:18790'],
      },
      {
        name: 'compose long syntax on 0.0.0.0',
        snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gateway:\n    image: openclaw\n    ports:\n      - target: 18789\n        published: 18789\n        host_ip: 0.0.0.0\n'),
        result: 'fail',
        evidenceIncludes: ['compose.yaml'],
      },
      {
        name: 'bad YAML after a public ports entry is unknown, not "no compose file"',
        snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["18789:18789"]\n  other: [\n'),
        result: 'unknown',
        evidenceIncludes: ['/srv/compose.yaml cannot be parsed', '/srv/compose.yaml:6', 'fix line 6'],
      },
      { name: 'a named compose file that is missing', snapshot: withUnreadableCompose('/srv/typo.yaml', 'not-found', '/srv/typo.yaml does not exist'), result: 'unknown', evidenceIncludes: ['/srv/typo.yaml does not exist', 'check that /srv/typo.yaml exists'] },
      { name: 'a directory given as a compose file', snapshot: withUnreadableCompose('/srv', 'error', '/srv is a directory, not a file'), result: 'unknown', evidenceIncludes: ['/srv is a directory'] },
      {
        name: 'the override publishes on every address (merged as docker compose does)',
        snapshot: withComposeProject('/srv', ['/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["127.0.0.1:18789:18789"]\n'], ['/srv/compose.override.yaml', 'services:\n  gw:\n    ports:\n      - "18789:18789"\n']),
        result: 'fail',
        evidenceIncludes: ['/srv/compose.override.yaml:4', '18789:18789'],
      },
      {
        name: 'a service extends one that publishes publicly',
        snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  base:\n    image: busybox\n    ports: ["18789:18789"]\n  gw:\n    extends: base\n    image: openclaw\n'),
        result: 'fail',
        evidenceIncludes: ['service gw', '/srv/compose.yaml:4'],
      },
      {
        name: 'extends from a file that is not read is unknown',
        snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gw:\n    extends: { service: gw, file: common.yaml }\n    image: openclaw\n'),
        result: 'unknown',
        evidenceIncludes: ['from common.yaml', '/srv/compose.yaml:3'],
      },
      { name: 'compose port from .env', snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["${PORT}:18789"]\n', { PORT: '28789' }), result: 'fail', evidenceIncludes: ['28789:18789'] },
    ],
  },
};
