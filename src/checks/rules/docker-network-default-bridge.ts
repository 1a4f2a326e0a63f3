import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { workloadCheck } from './docker-workload-check.js';
import { onDefaultBridge } from '../../model/docker.js';

export const dockerNetworkDefaultBridge: Check = {
  meta: {
    id: 'docker.network.default_bridge',
    title: 'The gateway container is on a dedicated Docker network',
    severity: 'warn',
    guide: GUIDE.docker,
    docs:
      "On Docker's default `bridge` network every container can talk to every other, so any container on the host can " +
      'reach the gateway. Fails for a gateway container whose network mode is `default`/`bridge` or that is attached ' +
      'to `bridge`, and for a compose service with `network_mode: bridge`.',
    fixable: true,
    inputs: ['docker', 'compose', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['docker run without --network', 'compose network_mode: bridge'],
      passes: ['no Docker (skipped)', 'dedicated network', 'compose default project network'],
    },
  },
  evaluate: workloadCheck({
    matches: onDefaultBridge,
    describe: (w) => `${w.label}: network mode "${w.networkMode}"${w.networks.length ? `, networks ${w.networks.join(', ')}` : ''}`,
    message: (w) => `${w.label} shares Docker's default bridge with every other container on the host.`,
    remediation: {
      summary: 'Put the gateway on its own user-defined network.',
      steps: [
        'docker network create openclaw-net',
        'compose: networks: [openclaw-net] (and a top-level networks: { openclaw-net: {} })',
        'docker run: --network openclaw-net',
      ],
      automatic: true,
    },
    passReason: 'every gateway container is on a user-defined network',
    fix: (w) => ({ kind: 'docker.network-dedicated', workload: { kind: w.kind, label: w.label }, networkMode: w.networkMode, networks: w.networks }),
  }),
};
