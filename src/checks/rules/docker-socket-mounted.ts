import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { workloadCheck } from './docker-workload-check.js';
import { dockerSocketMounts as socketMounts } from '../../model/docker.js';

export const dockerSocketMounted: Check = {
  meta: {
    id: 'docker.socket_mounted',
    title: 'The gateway container has no Docker socket',
    severity: 'critical',
    guide: GUIDE.docker,
    docs:
      'A container holding /var/run/docker.sock controls the Docker daemon, which is root on the host. Whoever ' +
      'drives the gateway (anyone who reaches it, or a prompt injection) can then start a privileged container. ' +
      'Fails for a gateway container or compose service that mounts a docker.sock.',
    fixable: true,
    inputs: ['docker', 'compose', 'openclaw', 'sockets'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['live container with the socket', 'compose volume'],
      passes: ['no Docker (skipped)', 'ordinary volume'],
    },
  },
  evaluate: workloadCheck({
    matches: (w) => socketMounts(w).length > 0,
    describe: (w) => socketMounts(w).map((m) => `${w.label}: mounts ${m.source} at ${m.target}`),
    locate: (w) => socketMounts(w)[0]?.location,
    message: (w) => `${w.label} can drive the Docker daemon, which is root on this host.`,
    remediation: {
      summary: 'Remove the Docker socket mount; if sandboxing needs Docker, use a socket proxy that allows only the calls it needs.',
      steps: ['compose: delete the "/var/run/docker.sock:/var/run/docker.sock" volume', 'docker compose up -d'],
      automatic: true,
    },
    passReason: 'no gateway container mounts the Docker socket',
    // The check names the mounts it found; harden drops exactly those (compose-steps.ts).
    fix: (w) => ({ kind: 'docker.drop-socket-mount', workload: { kind: w.kind, label: w.label }, mounts: socketMounts(w) }),
  }),
};
