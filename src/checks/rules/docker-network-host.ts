import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { workloadCheck } from './docker-workload-check.js';
import { onHostNetwork } from '../../model/docker.js';

export const dockerNetworkHost: Check = {
  meta: {
    id: 'docker.network.host',
    title: 'The gateway container does not use host networking',
    severity: 'warn',
    guide: GUIDE.docker,
    docs:
      'With `--network host` / `network_mode: host` the container shares the host network stack: there is no ' +
      'publish step to restrict, and the gateway inside (which defaults to binding 0.0.0.0 in a container) listens ' +
      'on every host interface.',
    fixable: true,
    inputs: ['docker', 'compose', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['live container with host networking', 'compose network_mode: host'],
      passes: ['no Docker (skipped)', 'own network'],
    },
  },
  evaluate: workloadCheck({
    matches: onHostNetwork,
    describe: (w) => `${w.label}: network mode "host"`,
    message: (w) => `${w.label} uses the host's network stack, so its listeners are the host's listeners.`,
    remediation: {
      summary: 'Run the gateway on a user-defined network and publish on 127.0.0.1 only.',
      steps: ['compose: remove network_mode: host; add networks: [openclaw-net] and ports: ["127.0.0.1:18789:18789"]'],
      automatic: true,
    },
    passReason: 'no gateway container uses host networking',
    fix: (w) => ({ kind: 'docker.network-not-host', workload: { kind: w.kind, label: w.label } }),
  }),
};
