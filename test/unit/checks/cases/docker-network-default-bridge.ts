import { withComposeFile, withContainers } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** dockerNetworkDefaultBridge: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no Docker', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'dedicated network',
      snapshot: withContainers({ name: 'openclaw', networkMode: 'openclaw-net', networks: [{ name: 'openclaw-net' }] }),
      result: 'pass',
    },
    {
      name: 'compose default project network',
      snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  openclaw-gateway:\n    image: openclaw\n'),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'docker run without --network',
      snapshot: withContainers({ name: 'openclaw', networkMode: 'default', networks: [{ name: 'bridge', ipAddress: '172.17.0.2' }] }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['docker.network-dedicated'],
      steps: [],
      evidenceIncludes: ['network mode "default"'],
    },
    {
      name: 'compose network_mode: bridge',
      snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  openclaw-gateway:\n    image: openclaw\n    network_mode: bridge\n'),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['docker.network-dedicated'],
      steps: ['compose.openclaw-gateway'],
      evidenceIncludes: ['compose.yaml'],
    },
  ],
};
