import { withComposeFile, withContainers } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** dockerSocketMounted: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no Docker', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'ordinary volume',
      snapshot: withContainers({ name: 'openclaw', mounts: [{ type: 'bind', source: '/home/u/.openclaw', destination: '/home/node/.openclaw' }] }),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'live container with the socket',
      snapshot: withContainers({ name: 'openclaw', mounts: [{ type: 'bind', source: '/var/run/docker.sock', destination: '/var/run/docker.sock' }] }),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['docker.drop-socket-mount'],
      // A bare container has no file to edit: the plan's notes say how to recreate it.
      steps: [],
      evidenceIncludes: ['/var/run/docker.sock'],
    },
    {
      name: 'compose volume',
      snapshot: withComposeFile(
        '/srv/compose.yaml',
        'services:\n  openclaw-gateway:\n    image: openclaw\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n',
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['docker.drop-socket-mount'],
      steps: ['compose.openclaw-gateway'],
      evidenceIncludes: ['compose.yaml:'],
    },
  ],
};
