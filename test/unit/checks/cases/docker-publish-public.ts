import { withComposeFile, withComposeProject, withContainers, withUnreadableCompose } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** dockerPublishPublic: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no Docker', snapshot: (s) => s, result: 'pass' },
    {
      name: 'published on 127.0.0.1',
      snapshot: withContainers({ name: 'openclaw', ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: '18789' }] }),
      result: 'pass',
    },
    {
      name: 'compose on ::1 and 127.0.0.1',
      snapshot: withComposeFile(
        '/srv/compose.yaml',
        'services:\n  gw:\n    image: openclaw:local\n    ports:\n      - "127.0.0.1:18789:18789"\n      - "[::1]:18789:18789"\n',
      ),
      result: 'pass',
    },
    {
      name: 'an override republishes on loopback with !override',
      snapshot: withComposeProject(
        '/srv',
        ['/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["18789:18789"]\n'],
        ['/srv/compose.override.yaml', 'services:\n  gw:\n    ports: !override ["127.0.0.1:18789:18789"]\n'],
      ),
      result: 'pass',
    },
    {
      name: 'other containers may publish publicly',
      snapshot: withContainers({ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '80' }] }),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'live container on 0.0.0.0',
      snapshot: withContainers({ name: 'openclaw-gateway', ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '18789' }] }),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['openclaw-gateway', '0.0.0.0:18789->18789/tcp'],
    },
    {
      name: 'live container on ::',
      snapshot: withContainers({ name: 'gw', image: 'busybox', ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '::', hostPort: '18789' }] }),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['publishes on ::'],
    },
    {
      name: 'compose short syntax with ${VAR:-default}',
      snapshot: withComposeFile(
        '/srv/compose.yaml',
        'services:\n  openclaw-gateway:\n    image: ghcr.io/openclaw/openclaw\n    ports:\n      - "${OPENCLAW_GATEWAY_PORT:-18789}:18789"\n      - "${OPENCLAW_BRIDGE_PORT:-18790}:18790"\n',
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['/srv/compose.yaml', '18789:18789', '18790:18790'],
    },
    {
      name: 'compose long syntax on 0.0.0.0',
      snapshot: withComposeFile(
        '/srv/compose.yaml',
        'services:\n  gateway:\n    image: openclaw\n    ports:\n      - target: 18789\n        published: 18789\n        host_ip: 0.0.0.0\n',
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['compose.yaml'],
    },
    {
      name: 'bad YAML after a public ports entry is unknown, not "no compose file"',
      snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["18789:18789"]\n  other: [\n'),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['/srv/compose.yaml cannot be parsed', '/srv/compose.yaml:6', 'fix line 6'],
    },
    {
      name: 'a named compose file that is missing',
      snapshot: withUnreadableCompose('/srv/typo.yaml', 'not-found', '/srv/typo.yaml does not exist'),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['/srv/typo.yaml does not exist', 'check that /srv/typo.yaml exists'],
    },
    {
      name: 'a directory given as a compose file',
      snapshot: withUnreadableCompose('/srv', 'error', '/srv is a directory, not a file'),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['/srv is a directory'],
    },
    {
      name: 'the override publishes on every address (merged as docker compose does)',
      snapshot: withComposeProject(
        '/srv',
        ['/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["127.0.0.1:18789:18789"]\n'],
        ['/srv/compose.override.yaml', 'services:\n  gw:\n    ports:\n      - "18789:18789"\n'],
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['/srv/compose.override.yaml:4', '18789:18789'],
    },
    {
      name: 'a service extends one that publishes publicly',
      snapshot: withComposeFile(
        '/srv/compose.yaml',
        'services:\n  base:\n    image: busybox\n    ports: ["18789:18789"]\n  gw:\n    extends: base\n    image: openclaw\n',
      ),
      result: 'fail',
      severity: 'critical',
      findings: 2,
      evidenceIncludes: ['service gw', '/srv/compose.yaml:4'],
    },
    {
      name: 'extends from a file that is not read is unknown',
      snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gw:\n    extends: { service: gw, file: common.yaml }\n    image: openclaw\n'),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['from common.yaml', '/srv/compose.yaml:3'],
    },
    {
      name: 'compose port from .env',
      snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  gw:\n    image: openclaw\n    ports: ["${PORT}:18789"]\n', { PORT: '28789' }),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['28789:18789'],
    },
  ],
};
