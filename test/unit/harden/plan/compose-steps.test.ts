import { describe, expect, it } from 'vitest';
import { planCompose } from '../../../../src/harden/plan/compose-steps.js';
import { buildContext } from '../../../../src/model/context.js';
import { baselineSnapshot, compose, withContainers } from '../../../fixtures/builders/snapshot.js';

describe('planCompose: a gateway container without a compose file', () => {
  it('gives the docker run flags that keep each host port, on 127.0.0.1 only', () => {
    const snapshot = compose(
      withContainers({
        name: 'openclaw-gateway',
        networkMode: 'openclaw-net',
        networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.2' }],
        ports: [
          { containerPort: 18789, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '8080' },
          { containerPort: 18789, protocol: 'tcp', hostIp: '::', hostPort: '8080' },
          { containerPort: 18790, protocol: 'udp', hostIp: '0.0.0.0', hostPort: '18790' },
          { containerPort: 18791, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: '18791' },
        ],
      }),
    )(baselineSnapshot());
    const { steps, notes } = planCompose(buildContext(snapshot), new Map([['docker.publish.public', '']]), { noPublish: false, readFile: () => undefined });
    expect(steps).toEqual([]);
    expect(notes.join('\n')).toMatch(/docker run … -p 127\.0\.0\.1:8080:18789 -p 127\.0\.0\.1:18790:18790\/udp\)/);
  });
});
