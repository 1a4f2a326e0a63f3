import { describe, expect, it } from 'vitest';
import { containerNetwork } from '../../../src/doctor/symptoms/container-network.js';
import { compose, withContainers, withGatewayProcess } from '../../fixtures/builders/snapshot.js';
import type { DockerContainer } from '../../../src/snapshot/types.js';
import { diagnose, fixOf } from './helpers.js';

const gateway: Partial<DockerContainer> = {
  name: 'openclaw-gateway',
  image: 'ghcr.io/openclaw/openclaw:2026.9.6',
  networkMode: 'openclaw-net',
  networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.2' }],
};
const worker = (networks: string[], extra: Partial<DockerContainer> = {}): Partial<DockerContainer> => ({
  name: 'agent-worker',
  image: 'python:3.12-slim',
  networkMode: networks[0] ?? 'none',
  networks: networks.map((name, i) => ({ name, ipAddress: `172.${19 + i}.0.3` })),
  ...extra,
});

describe('container-network', () => {
  it("different networks: names both and gives docker network connect to the gateway's network", () => {
    const r = diagnose(containerNetwork, withContainers(gateway, worker(['tools-net'])));
    expect(r.status).toBe('problem');
    expect(r.cause).toBe('the two containers are on different Docker networks: the gateway openclaw-gateway is on openclaw-net, agent-worker is on tools-net');
    expect(r.fix?.commands).toEqual(['docker network connect openclaw-net agent-worker']);
    expect(r.fix?.text).toContain('http://openclaw-gateway:18789/');
  });

  it('a shared user-defined network: not this cause', () => {
    const r = diagnose(containerNetwork, withContainers(gateway, worker(['tools-net', 'openclaw-net'])));
    expect(r.status).toBe('ok');
    expect(r.saw.map((e) => e.text).join('\n')).toContain('shares openclaw-net with it: reaches it as http://openclaw-gateway:18789/');
  });

  it('the gateway listens on another port inside: the URL says so', () => {
    const r = diagnose(
      containerNetwork,
      withContainers({ ...gateway, command: ['node', 'openclaw.mjs', 'gateway', '--port', '28789'] }, worker(['openclaw-net'])),
    );
    expect(r.cause).toContain('http://openclaw-gateway:28789/');
  });

  it('both only on the default bridge (no DNS there): a user-defined network for both', () => {
    const r = diagnose(containerNetwork, withContainers({ ...gateway, networkMode: 'default', networks: [{ name: 'bridge' }] }, worker(['bridge'])));
    expect(r.status).toBe('problem');
    expect(r.cause).toContain("only on Docker's default bridge");
    expect(r.fix?.commands).toEqual([
      'docker network create openclaw-net',
      'docker network connect openclaw-net openclaw-gateway',
      'docker network connect openclaw-net agent-worker',
    ]);
  });

  it('a container from compose: the compose change that keeps the fix', () => {
    const labels = { 'com.docker.compose.service': 'worker', 'com.docker.compose.project.config_files': '/srv/tools/compose.yaml' };
    const r = diagnose(containerNetwork, withContainers(gateway, worker(['tools_default'], { labels })));
    expect(fixOf(r)).toContain('service worker in /srv/tools/compose.yaml');
    expect(fixOf(r)).toContain('openclaw-net: { external: true }');
  });

  it('Docker not reachable: unknown, one line with the reason', () => {
    const r = diagnose(containerNetwork, (s) => ({
      ...s,
      docker: { status: 'unavailable', reason: 'not-running', detail: 'cannot connect to /var/run/docker.sock: ENOENT (is dockerd running?)' },
    }));
    expect(r).toEqual({
      id: 'container-network',
      title: expect.any(String),
      question: expect.any(String),
      status: 'unknown',
      cause: 'Docker was not checked: cannot connect to /var/run/docker.sock: ENOENT (is dockerd running?)',
      saw: [],
    });
  });

  it('no gateway container (the gateway runs on the host): unknown, saying so', () => {
    const r = diagnose(containerNetwork, compose(withGatewayProcess(4242, ['openclaw-gateway']), withContainers(worker(['tools-net']))));
    expect(r.status).toBe('unknown');
    expect(r.cause).toContain('the gateway here runs on the host: process (pid 4242)');
  });

  it('only the gateway container runs: unknown, asking for the other one', () => {
    const r = diagnose(containerNetwork, withContainers(gateway));
    expect(r.status).toBe('unknown');
    expect(r.cause).toContain('no other container is running');
  });
});
