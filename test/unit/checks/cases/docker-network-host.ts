import { withComposeFile, withContainers } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** dockerNetworkHost: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'no Docker', snapshot: (s) => s, result: 'skipped' },
    { name: 'own network', snapshot: withContainers({ name: 'openclaw', networkMode: 'openclaw-net' }), result: 'pass' },
  ],
  invalid: [
    {
      name: 'live container with host networking',
      snapshot: withContainers({ name: 'openclaw', networkMode: 'host', networks: [{ name: 'host' }] }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['docker.network-not-host'],
      steps: [],
      evidenceIncludes: ['network mode "host"'],
    },
    {
      name: 'compose network_mode: host',
      snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  openclaw-gateway:\n    image: openclaw\n    network_mode: host\n'),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      fixes: ['docker.network-not-host'],
      steps: ['compose.openclaw-gateway'],
      evidenceIncludes: ['compose.yaml'],
    },
  ],
};
