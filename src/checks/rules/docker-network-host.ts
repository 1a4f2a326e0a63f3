import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { withComposeFile, withContainers } from '../../snapshot/fixture.js';
import { workloadCheck } from './docker-workload-check.js';

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
    fixable: false,
    inputs: ['docker', 'compose', 'openclaw', 'sockets'],
  },
  evaluate: workloadCheck({
    matches: (w) => w.networkMode === 'host',
    describe: (w) => `${w.label}: network mode "host"`,
    message: (w) => `${w.label} uses the host's network stack, so its listeners are the host's listeners.`,
    remediation: {
      summary: 'Run the gateway on a user-defined network and publish on 127.0.0.1 only.',
      steps: ['compose: remove network_mode: host; add networks: [openclaw-net] and ports: ["127.0.0.1:18789:18789"]'],
      automatic: false,
    },
    passReason: 'no gateway container uses host networking',
  }),
  cases: {
    valid: [
      { name: 'no Docker', snapshot: (s) => s, result: 'skipped' },
      { name: 'own network', snapshot: withContainers({ name: 'openclaw', networkMode: 'openclaw-net' }), result: 'pass' },
    ],
    invalid: [
      { name: 'live container with host networking', snapshot: withContainers({ name: 'openclaw', networkMode: 'host', networks: [{ name: 'host' }] }), result: 'fail', evidenceIncludes: ['network mode "host"'] },
      { name: 'compose network_mode: host', snapshot: withComposeFile('/srv/compose.yaml', 'services:\n  openclaw-gateway:\n    image: openclaw\n    network_mode: host\n'), result: 'fail', evidenceIncludes: ['compose.yaml'] },
    ],
  },
};
